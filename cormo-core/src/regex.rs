//! Regular expressions every backend reads the same way.
//!
//! PostgreSQL has POSIX "advanced" expressions, MySQL / MariaDB and
//! MongoDB PCRE, SQLite (through sqlx's REGEXP) Rust's `regex` crate. They
//! agree on literals, `.`, classes `[...]`, anchors `^ $`, groups `( )`
//! and `(?: )`, alternation `|`, repetition `* + ? {m,n}` and the escapes
//! `\d \w \s \D \W \S \n \t \r`, and an escaped punctuation character.
//! They disagree on the rest: `\b` is a word boundary in PCRE and Rust but
//! a backspace in PostgreSQL, inline flags `(?i)` work only at the start in
//! PostgreSQL, named groups and `\p{…}` classes are not everywhere. A
//! pattern outside the shared part is refused, so one pattern gives one
//! answer everywhere.

use crate::error::{clip, Error, Result};

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_BYTES: usize = 4096;

/// Checks that `pattern` is in the syntax every backend shares.
pub(crate) fn check(column: &str, pattern: &str) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::validation(
            column,
            format!("regular expression {}: {why}", clip(pattern)),
        ))
    };
    if pattern.len() > MAX_PATTERN_BYTES {
        return refuse(&format!("is longer than {MAX_PATTERN_BYTES} bytes"));
    }
    if pattern.contains('\0') {
        return refuse("contains a NUL character");
    }
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d' | 'D' | 'w' | 'W' | 's' | 'S' | 'n' | 't' | 'r') => {}
                Some(p) if p.is_ascii_punctuation() => {}
                Some(other) => {
                    return refuse(&format!(
                        "uses \\{other}, which the databases read differently (escape only punctuation, or use \\d \\w \\s \\n \\t \\r)"
                    ))
                }
                None => return refuse("ends with a lone backslash"),
            },
            '[' if !in_class => {
                in_class = true;
                // `[]...]` and `[^]...]` hold a literal `]`.
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                }
                if chars.peek() == Some(&'[') {
                    return refuse("uses a nested class such as [[:alpha:]], which not every database has");
                }
            }
            ']' if in_class => in_class = false,
            '(' if !in_class && chars.peek() == Some(&'?') => {
                chars.next();
                if chars.next() != Some(':') {
                    return refuse("uses (?…) other than (?:…): inline flags, look-around and named groups differ between databases (use matches_ignore_case / $options for case)");
                }
            }
            _ => {}
        }
    }
    // What is left must also parse (no look-around or back-references,
    // which Rust's regex crate, and so SQLite, does not have).
    regex_syntax::Parser::new()
        .parse(pattern)
        .map(|_| ())
        .or_else(|e| refuse(&format!("does not parse ({})", first_line(&e.to_string()))))
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| s.lines().last().unwrap_or(""))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_shared_syntax_passes_and_the_rest_is_refused() {
        for ok in [
            r"^a.c$",
            r"[a-z]+\d{2,3}",
            r"(?:ab|cd)*",
            r"\.\*",
            r"[]x]",
            r"[^]x]",
        ] {
            assert!(check("c", ok).is_ok(), "{ok}");
        }
        for bad in [
            r"\bword",
            r"(?i)x",
            r"(?=x)",
            r"(?P<n>x)",
            r"\p{L}",
            r"(a",
            r"\1",
            "x\\",
            r"[[:alpha:]]",
        ] {
            assert!(check("c", bad).is_err(), "{bad}");
        }
    }
}

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

/// Largest pattern accepted, counted as what it expands to: each class
/// counts its ranges, and a repetition multiplies what it repeats by its
/// bound (`\w{1000}` is about 700 000). Every backend compiles the
/// pattern into an automaton; past this, some refuse it with a vague
/// error (SQLite's regex crate) and others use a lot of memory.
pub const MAX_PATTERN_SIZE: u64 = 100_000;

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
    // Whether the last thing read outside a class was a quantifier: a
    // second one (`a**`, `a+{2}`) is an error in PostgreSQL and MySQL,
    // while Rust's syntax takes it; a lazy `?` after one is fine anywhere.
    let mut after_quantifier = false;
    while let Some(c) = chars.next() {
        let quantifier = !in_class && matches!(c, '*' | '+' | '{');
        if quantifier && after_quantifier {
            return refuse(
                "repeats a repetition (such as a** or a+{2}), which not every database accepts",
            );
        }
        after_quantifier = !in_class && (quantifier || c == '}');
        if c == '{' && !in_class {
            // Skip to the closing brace: the bounds are not quantifiers.
            for d in chars.by_ref() {
                if d == '}' {
                    break;
                }
            }
            after_quantifier = true;
            continue;
        }
        if c == '?' && !in_class {
            after_quantifier = false;
            continue;
        }
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
    let hir = match regex_syntax::Parser::new().parse(pattern) {
        Ok(h) => h,
        Err(e) => return refuse(&format!("does not parse ({})", first_line(&e.to_string()))),
    };
    if size(&hir) > MAX_PATTERN_SIZE {
        return refuse(&format!(
            "is too large: it expands to more than {MAX_PATTERN_SIZE} states (repeat less, or use a narrower class than \\w)"
        ));
    }
    Ok(())
}

/// What a pattern expands to (see [`MAX_PATTERN_SIZE`]), saturating.
fn size(hir: &regex_syntax::hir::Hir) -> u64 {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(l) => l.0.len() as u64,
        HirKind::Class(Class::Unicode(c)) => c.ranges().len().max(1) as u64,
        HirKind::Class(Class::Bytes(c)) => c.ranges().len().max(1) as u64,
        HirKind::Repetition(r) => {
            let times = u64::from(r.max.unwrap_or(r.min).max(r.min).max(1));
            size(&r.sub).saturating_mul(times)
        }
        HirKind::Capture(c) => size(&c.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            parts.iter().map(size).fold(0u64, u64::saturating_add)
        }
    }
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

//! What differs between the SQL dialects: quoting, placeholders, types,
//! paging. Everything else renders the same.

use cormo_core::stmt::AggFunc;
use cormo_core::ColumnType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// The SQL dialects cormo writes.
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL 8 and MariaDB.
    Mysql,
}

impl Dialect {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }

    /// Appends a quoted identifier. Identifiers come from the schema only;
    /// quoting still doubles the quote character so any name is safe.
    pub fn quote(self, out: &mut String, ident: &str) {
        let q = if self == Dialect::Mysql { '`' } else { '"' };
        out.push(q);
        for c in ident.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
    }

    /// Appends the placeholder for the `n`th (1-based) parameter.
    pub fn placeholder(self, out: &mut String, n: usize) {
        match self {
            Dialect::Postgres => {
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push('?'),
        }
    }

    /// The column type in DDL.
    pub fn column_type(self, ty: ColumnType) -> &'static str {
        use ColumnType as T;
        match (self, ty) {
            (Dialect::Sqlite, T::String | T::Text) => "TEXT",
            (Dialect::Sqlite, T::Integer) => "INTEGER",
            (Dialect::Sqlite, T::BigInteger | T::RecordId) => "BIGINT",
            (Dialect::Sqlite, T::Number) => "DOUBLE",
            (Dialect::Sqlite, T::Boolean) => "BOOLEAN",
            // Epoch microseconds: sorts and compares exactly, unlike text.
            (Dialect::Sqlite, T::Date) => "BIGINT",
            (Dialect::Sqlite, T::Object) => "TEXT",
            (Dialect::Sqlite, T::Blob) => "BLOB",

            (Dialect::Postgres, T::String) => "CHARACTER VARYING(255)",
            (Dialect::Postgres, T::Text) => "TEXT",
            (Dialect::Postgres, T::Integer) => "INTEGER",
            (Dialect::Postgres, T::BigInteger | T::RecordId) => "BIGINT",
            (Dialect::Postgres, T::Number) => "DOUBLE PRECISION",
            (Dialect::Postgres, T::Boolean) => "BOOLEAN",
            (Dialect::Postgres, T::Date) => "TIMESTAMP(6) WITH TIME ZONE",
            (Dialect::Postgres, T::Object) => "JSONB",
            (Dialect::Postgres, T::Blob) => "BYTEA",

            (Dialect::Mysql, T::String) => "VARCHAR(255)",
            (Dialect::Mysql, T::Text) => "LONGTEXT",
            (Dialect::Mysql, T::Integer) => "INT",
            (Dialect::Mysql, T::BigInteger | T::RecordId) => "BIGINT",
            (Dialect::Mysql, T::Number) => "DOUBLE",
            (Dialect::Mysql, T::Boolean) => "BOOLEAN",
            (Dialect::Mysql, T::Date) => "DATETIME(6)",
            (Dialect::Mysql, T::Object) => "JSON",
            (Dialect::Mysql, T::Blob) => "LONGBLOB",
        }
    }

    /// The `id` column definition.
    pub fn id_column(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
            Dialect::Mysql => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        }
    }

    /// Whether a statement with a long inline list stays in the driver's
    /// statement cache. On MySQL the server would parse it again on every
    /// run (for 20 000 values that took longer than running it); the
    /// prepared statement lives on the server, one per cached shape. On
    /// SQLite preparing is cheap and the compiled statement lives in this
    /// process: about 4 MB for a list of 24 576 (measured).
    pub fn caches_long_lists(self) -> bool {
        self != Dialect::Sqlite
    }

    /// Most bound parameters one statement may carry.
    pub fn max_params(self) -> usize {
        match self {
            // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32.
            Dialect::Sqlite => 32_766,
            Dialect::Postgres | Dialect::Mysql => 65_535,
        }
    }

    /// Whether `INSERT ... RETURNING id` is available.
    pub fn returning(self) -> bool {
        self != Dialect::Mysql
    }

    /// An aggregate call, cast where the dialect's own result type is not
    /// the one cormo promises (`AggExpr::output_type`): PostgreSQL and
    /// MySQL sum integers into NUMERIC / DECIMAL and average into them too.
    /// Returns the text before and after the column.
    pub fn aggregate(
        self,
        func: AggFunc,
        input: Option<ColumnType>,
    ) -> (&'static str, &'static str) {
        let int = matches!(input, Some(ColumnType::Integer | ColumnType::BigInteger));
        match (self, func) {
            (_, AggFunc::Count) => ("COUNT(", ")"),
            (Dialect::Postgres, AggFunc::Sum) if int => ("CAST(SUM(", ") AS BIGINT)"),
            (Dialect::Mysql, AggFunc::Sum) if int => ("CAST(SUM(", ") AS SIGNED)"),
            (_, AggFunc::Sum) => ("SUM(", ")"),
            // The mean of integers in floating point, as SQLite and
            // MongoDB compute it, rather than a cast of MySQL's DECIMAL
            // (shown to four places) or PostgreSQL's NUMERIC mean.
            (Dialect::Postgres, AggFunc::Avg) if int => ("AVG(CAST(", " AS DOUBLE PRECISION))"),
            (Dialect::Mysql, AggFunc::Avg) if int => ("AVG(CAST(", " AS DOUBLE))"),
            (_, AggFunc::Avg) => ("AVG(", ")"),
            (_, AggFunc::Min) => ("MIN(", ")"),
            (_, AggFunc::Max) => ("MAX(", ")"),
        }
    }

    /// A regular-expression match: the operator, and what goes before the
    /// pattern. PostgreSQL has an operator per case rule; MySQL and SQLite
    /// (the regex crate) take the rule as an inline flag, always written
    /// so a column's collation cannot decide it.
    pub fn regex(self, case_insensitive: bool) -> (&'static str, &'static str) {
        match (self, case_insensitive) {
            (Dialect::Postgres, false) => (" ~ ", ""),
            (Dialect::Postgres, true) => (" ~* ", ""),
            (Dialect::Mysql, false) => (" REGEXP ", "(?-i)"),
            (Dialect::Mysql, true) => (" REGEXP ", "(?i)"),
            (Dialect::Sqlite, false) => (" REGEXP ", ""),
            (Dialect::Sqlite, true) => (" REGEXP ", "(?i)"),
        }
    }

    /// What turns a SELECT into a plan, and which column of the plan's
    /// rows holds its text: PostgreSQL prints one line per row, SQLite's
    /// `detail` is its fourth column, MySQL prints one JSON document.
    pub fn explain(self) -> (&'static str, usize) {
        match self {
            Dialect::Postgres => ("EXPLAIN ", 0),
            Dialect::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
            Dialect::Mysql => ("EXPLAIN FORMAT=JSON ", 0),
        }
    }

    /// How many values a raw statement's placeholders take: the highest
    /// `$n` on PostgreSQL, the number of `?` elsewhere. Quoted text,
    /// quoted names and comments are skipped.
    pub fn placeholders(self, text: &str) -> usize {
        let mut n = 0usize;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' | '"' | '`' => {
                    // To the closing quote; a doubled quote stays inside.
                    while let Some(d) = chars.next() {
                        if d == c {
                            if chars.peek() == Some(&c) {
                                chars.next();
                            } else {
                                break;
                            }
                        }
                    }
                }
                '-' if chars.peek() == Some(&'-') => {
                    for d in chars.by_ref() {
                        if d == '\n' {
                            break;
                        }
                    }
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    let mut prev = ' ';
                    for d in chars.by_ref() {
                        if prev == '*' && d == '/' {
                            break;
                        }
                        prev = d;
                    }
                }
                '?' if self != Dialect::Postgres => n += 1,
                '$' if self == Dialect::Postgres => {
                    let mut digits = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        digits.push(d);
                        chars.next();
                    }
                    if let Ok(k) = digits.parse::<usize>() {
                        n = n.max(k);
                    }
                }
                _ => {}
            }
        }
        n
    }

    /// LIMIT / OFFSET, including an offset without a limit.
    pub fn paging(self, out: &mut String, limit: Option<u64>, skip: Option<u64>) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = match (limit, skip) {
            (None, None) => Ok(()),
            (Some(l), None) => write!(out, " LIMIT {l}"),
            (Some(l), Some(s)) => write!(out, " LIMIT {l} OFFSET {s}"),
            (None, Some(s)) => match self {
                Dialect::Sqlite => write!(out, " LIMIT -1 OFFSET {s}"),
                Dialect::Postgres => write!(out, " OFFSET {s}"),
                Dialect::Mysql => write!(out, " LIMIT 18446744073709551615 OFFSET {s}"),
            },
        };
    }
}

/// The escape character for LIKE patterns. Not a backslash, which MySQL
/// string literals would interpret.
pub const LIKE_ESCAPE: char = '!';

/// Escapes `%`, `_` and the escape character so `text` matches literally.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if c == '%' || c == '_' || c == LIKE_ESCAPE {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn placeholders_outside_quotes_and_comments() {
        let q = "SELECT '?', \"a?\", ? -- ?\n FROM t WHERE x = ? /* ? */";
        assert_eq!(Dialect::Sqlite.placeholders(q), 2);
        assert_eq!(Dialect::Mysql.placeholders("SELECT `?`, ?"), 1);
        assert_eq!(Dialect::Postgres.placeholders("SELECT $2, $1, '$3', $$"), 2);
    }
}

//! Driver errors → cormo's typed errors, the same kinds on every dialect.

use cormo_core::{Error, ModelSchema};
use sqlx::error::ErrorKind;

use crate::enabled::dialect::Dialect;

/// What was being done, which decides what a constraint failure means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Delete,
    Schema,
}

/// SQLITE_BUSY and its extended codes (261 recovery, 517 snapshot).
fn is_busy(code: &str) -> bool {
    matches!(code, "5" | "261" | "517")
}

/// True for the error a database gives when it stopped a statement at its
/// time limit: PostgreSQL's query_canceled, MariaDB's max_statement_time
/// (MySQL's max_execution_time); on SQLite, SQLITE_BUSY, which is a
/// timeout only when the statement waited out its busy timeout.
pub fn is_timeout(d: Dialect, e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let code = code_of(d, &**db);
    match d {
        Dialect::Postgres => code == "57014",
        Dialect::Mysql => code == "1969" || code == "3024",
        Dialect::Sqlite => is_busy(&code),
    }
}

pub fn map(d: Dialect, schema: Option<&'static ModelSchema>, op: Op, e: sqlx::Error) -> Error {
    let model = schema.map_or("record", |s| s.name);
    let db = match e {
        sqlx::Error::Database(db) => db,
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Configuration(_) => {
            let mut message = format!("{}: {e}", d.name());
            if d == Dialect::Sqlite && matches!(e, sqlx::Error::PoolTimedOut) {
                // The usual cause: using the connection while a transaction
                // holds the only connection of an in-memory database.
                message.push_str(
                    " (an in-memory SQLite database has a single connection: \
                     is an open transaction or an unfinished stream holding it? \
                     Run the operation on the transaction, finish or drop the \
                     stream, or use a file database)",
                );
            }
            return Error::connection(message, e);
        }
        sqlx::Error::RowNotFound => return Error::NotFound { model },
        other => {
            let message = other.to_string();
            return Error::driver(message, other);
        }
    };
    let code = code_of(d, &*db);
    let message = db.message().to_owned();
    let mut kind = db.kind();
    // SQLite reports an ON DELETE RESTRICT hit as a trigger constraint (1811)
    // with the foreign-key message.
    if d == Dialect::Sqlite && message.starts_with("FOREIGN KEY constraint failed") {
        kind = ErrorKind::ForeignKeyViolation;
    }
    match kind {
        ErrorKind::UniqueViolation => Error::Duplicated {
            key: duplicated_key(d, db.constraint(), &message, schema),
        },
        // Core turns the constraint name into `table.column`.
        ErrorKind::ForeignKeyViolation if op == Op::Delete => Error::Rejected {
            model,
            child: db
                .constraint()
                .map(str::to_owned)
                .or_else(|| (d == Dialect::Mysql).then(|| message.clone())),
        },
        ErrorKind::ForeignKeyViolation => Error::ForeignKey {
            message: format!("{model}: {message}"),
        },
        ErrorKind::NotNullViolation => Error::Validation {
            column: null_column(d, &message).unwrap_or_else(|| "column".to_owned()),
            message: "is required".to_owned(),
        },
        // SQLITE_BUSY: another connection holds the write lock, and either
        // the busy timeout ran out or SQLite refused to wait (a read
        // transaction that then writes). Retrying the transaction may work.
        _ if d == Dialect::Sqlite && is_busy(&code) => Error::Conflict {
            message: format!(
                "sqlite error {code}: {message} (another connection is writing; retry the transaction)"
            ),
        },
        _ if matches!(code.as_str(), "40001" | "40P01" | "1213" | "1205") => Error::Conflict {
            message: format!("{} error {code}: {message}", d.name()),
        },
        // The database named in the URL does not exist (MySQL 1049,
        // PostgreSQL 3D000): nothing can be done on this connection.
        _ if code == "1049" || code == "3D000" => Error::Connection {
            message: format!("{}: {message}", d.name()),
            source: Some(Box::new(sqlx::Error::Database(db))),
        },
        _ if is_connection_lost(d, &code) => Error::Connection {
            message: format!("{} connection lost ({code}): {message}", d.name()),
            source: Some(Box::new(sqlx::Error::Database(db))),
        },
        _ if is_missing_table(d, &code, &message) => Error::TableMissing {
            table: schema.map_or_else(|| message.clone(), |s| s.table.to_owned()),
        },
        // Value too long / out of range for the column type.
        _ if matches!(code.as_str(), "22001" | "22003" | "1406" | "1264" | "1690") => {
            Error::Validation {
                // MySQL names the column ("... for column 'name' at row 1");
                // PostgreSQL does not.
                // cormo checks values and increments before writing, so this is
                // a backstop; name the column only when the database does.
                column: message
                    .split('\'')
                    .nth(1)
                    .filter(|c| d == Dialect::Mysql && !c.contains(['`', ' ', '.']))
                    .map_or_else(|| "value".to_owned(), str::to_owned),
                message: format!("does not fit its column ({message})"),
            }
        }
        _ => Error::Driver {
            message: format!("{} error {code}: {message}", d.name()),
            source: Some(Box::new(sqlx::Error::Database(db))),
        },
    }
}

/// The error's code: MySQL's error number (its SQLSTATE is only a
/// category), the SQLSTATE elsewhere.
fn code_of(d: Dialect, db: &dyn sqlx::error::DatabaseError) -> String {
    #[cfg(feature = "mysql")]
    if d == Dialect::Mysql {
        if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return my.number().to_string();
        }
    }
    let _ = d;
    db.code().map(|c| c.into_owned()).unwrap_or_default()
}

/// The server ended the session: shutdown, restart, or an administrator
/// killing it. The operation failed; the pool replaces the connection.
fn is_connection_lost(d: Dialect, code: &str) -> bool {
    match d {
        Dialect::Postgres => code.starts_with("08") || code.starts_with("57P"),
        Dialect::Mysql => matches!(code, "1053" | "1927" | "2006" | "2013" | "08S01"),
        Dialect::Sqlite => false,
    }
}

fn is_missing_table(d: Dialect, code: &str, message: &str) -> bool {
    match d {
        Dialect::Postgres => code == "42P01",
        Dialect::Mysql => code == "1146" || code == "42S02",
        Dialect::Sqlite => message.starts_with("no such table"),
    }
}

/// The column or index a unique violation names.
fn duplicated_key(
    d: Dialect,
    constraint: Option<&str>,
    message: &str,
    schema: Option<&'static ModelSchema>,
) -> String {
    let raw = match d {
        // "UNIQUE constraint failed: users.email[, users.x]"
        Dialect::Sqlite => message
            .rsplit(": ")
            .next()
            .map(|cols| {
                cols.split(", ")
                    .map(|c| c.rsplit('.').next().unwrap_or(c))
                    .collect::<Vec<_>>()
                    .join("_")
            })
            .unwrap_or_default(),
        Dialect::Postgres => constraint.unwrap_or_default().to_owned(),
        // "Duplicate entry 'x' for key 'users.users_email'" (MySQL 8) or 'users_email' (MariaDB)
        Dialect::Mysql => message
            .rsplit("for key '")
            .next()
            .map(|k| k.trim_end_matches('\''))
            .map(|k| k.rsplit('.').next().unwrap_or(k).to_owned())
            .unwrap_or_default(),
    };
    // Index names are `<table>_<col>`; report the column, as CORMO does.
    let key = match schema {
        Some(s) => raw
            .strip_prefix(&format!("{}_", s.table))
            .map(str::to_owned)
            .unwrap_or(raw),
        None => raw,
    };
    // The primary key, whatever the dialect calls it.
    if key == "pkey" || key == "PRIMARY" {
        return "id".to_owned();
    }
    key
}

/// The column a NOT NULL violation names.
fn null_column(d: Dialect, message: &str) -> Option<String> {
    match d {
        // "NOT NULL constraint failed: users.name"
        Dialect::Sqlite => message.rsplit('.').next().map(str::to_owned),
        // "null value in column "name" of relation "users" violates not-null constraint"
        Dialect::Postgres => message.split('"').nth(1).map(str::to_owned),
        // "Column 'name' cannot be null"
        Dialect::Mysql => message.split('\'').nth(1).map(str::to_owned),
    }
}

//! The one error type every cormo operation returns.

use std::fmt;

/// A boxed error from a driver, kept as the `source` of [`Error::Driver`] and
/// [`Error::Connection`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout cormo.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, as kinds a program can match on.
///
/// Messages name the model, column or index involved so that a person can act on
/// them; the variants carry the same facts as fields for a program.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `find(id)` or a belongs_to accessor found no row.
    #[error("{model} not found")]
    NotFound {
        /// The model searched.
        model: &'static str,
    },

    /// A delete was refused because rows still reference the record
    /// (`integrity = "restrict"`). Nothing was deleted.
    #[error("rejected: {model} is still referenced{}", by_child(.child))]
    Rejected {
        /// The model.
        model: &'static str,
        /// The referencing `table.column`, when the backend tells.
        child: Option<String>,
    },

    /// A unique column or index already holds the value.
    #[error("duplicated {key}")]
    Duplicated {
        /// The column or index name, as the database reported it.
        key: String,
    },

    /// A record points at a parent that does not exist (a dangling foreign key).
    #[error("foreign key violation: {message}")]
    ForeignKey {
        /// What was refused.
        message: String,
    },

    /// A value does not fit its column (null in a required column, out of range, …).
    #[error("'{column}' {message}")]
    Validation {
        /// The column (or part of the input) at fault.
        column: String,
        /// What is wrong with it.
        message: String,
    },

    /// A column name that the model does not have.
    #[error("unknown column '{column}' on {model}")]
    UnknownColumn {
        /// The model.
        model: &'static str,
        /// The name given (clipped).
        column: String,
    },

    /// A condition operator cormo does not know.
    #[error("unknown operator '{op}'")]
    UnknownOperator {
        /// The operator given (clipped).
        op: String,
    },

    /// An id that is not valid for the backend (e.g. not an ObjectId hex string).
    #[error("'{value}' is not a valid id")]
    InvalidId {
        /// The value given (clipped).
        value: String,
    },

    /// Data in the database contradicts the declared associations
    /// (e.g. two children for a has_one).
    #[error("integrity error: {message}")]
    Integrity {
        /// What is inconsistent.
        message: String,
    },

    /// The database could not be reached or the connection was lost.
    #[error("connection error: {message}")]
    Connection {
        /// What happened.
        message: String,
        #[source]
        /// The underlying error, if any.
        source: Option<BoxError>,
    },

    /// The operation conflicted with a concurrent transaction (write
    /// conflict, serialization failure, deadlock) and was rolled back;
    /// running it again may succeed. cormo retries its own internal
    /// transactions; a caller's transaction gets this error to retry.
    #[error("conflict with a concurrent transaction: {message}")]
    Conflict {
        /// The database's account of it.
        message: String,
    },

    /// The statement ran past its time limit (the query's
    /// [`timeout`](crate::Query::timeout), else the connection's
    /// [`statement_timeout`](crate::ConnectOptions::statement_timeout)) and
    /// the database stopped it: nothing of it was applied. Inside a
    /// transaction it aborts the transaction, as any failed statement does.
    /// When the server does not answer at all, cormo gives up shortly after
    /// the limit and reports this too (see the guarantees page for what
    /// that means on each backend).
    #[error("statement timed out after {}", duration_text(.after))]
    Timeout {
        /// The limit that ran out.
        after: std::time::Duration,
    },

    /// The transaction was already committed or rolled back.
    #[error("transaction finished")]
    TransactionFinished,

    /// A statement in this transaction (or nested transaction) failed, so
    /// it can only be rolled back: later operations get this error, and
    /// `commit` rolls back and returns it. Nothing of it is stored. The same
    /// on every backend (PostgreSQL and MongoDB abort a transaction on a
    /// failed statement; cormo holds SQLite and MySQL to that too). To try
    /// a statement that may fail and carry on, run it in a nested
    /// transaction and roll that back.
    #[error("transaction aborted by an earlier error ({message}); roll it back")]
    TransactionAborted {
        /// The error that aborted it.
        message: String,
    },

    /// The transaction was used, committed, or nested into while a nested
    /// transaction it started is still open. Nested transactions are a
    /// stack: finish (or drop) the innermost first.
    #[error("a nested transaction is still open: {message}")]
    TransactionNesting {
        /// What was attempted.
        message: String,
    },

    /// The backend cannot do this; `feature` says what was asked.
    #[error("{backend} does not support {feature}")]
    Unsupported {
        /// The backend.
        backend: &'static str,
        /// What it cannot do.
        feature: &'static str,
    },

    /// A table the model needs does not exist (run `apply_schemas`).
    #[error("table does not exist: {table}")]
    TableMissing {
        /// The table.
        table: String,
    },

    /// Any other database error, with the driver's error as the source.
    #[error("database error: {message}")]
    Driver {
        /// What happened.
        message: String,
        #[source]
        /// The underlying error, if any.
        source: Option<BoxError>,
    },
}

fn duration_text(d: &std::time::Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// Longest user-supplied text an error repeats, in characters.
pub const MAX_ECHO_CHARS: usize = 64;

/// User input as an error repeats it: at most [`MAX_ECHO_CHARS`]
/// characters, so a 10 MB key does not come back in the error.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

fn by_child(child: &Option<String>) -> ChildSuffix<'_> {
    ChildSuffix(child.as_deref())
}

struct ChildSuffix<'a>(Option<&'a str>);

impl fmt::Display for ChildSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => write!(f, " by {c}"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// A driver error with its source kept.
    pub fn driver(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Driver {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A connection error with its source kept.
    pub fn connection(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Connection {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A validation error for `column`.
    pub fn validation(column: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            column: column.into(),
            message: message.into(),
        }
    }

    /// True for [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}

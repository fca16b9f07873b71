//! Driver errors → cormo's typed errors.

use cormo_core::{Error, ModelSchema};
use mongodb::error::{ErrorKind, WriteFailure};

const DUPLICATE_KEY: i32 = 11000;

fn write_code(e: &mongodb::error::Error) -> Option<(i32, String)> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some((c.code, c.message.clone())),
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some((w.code, w.message.clone())),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|errs| errs.first())
            .map(|w| (w.code, w.message.clone())),
        _ => None,
    }
}

/// MongoDB's code for an operation stopped at its `maxTimeMS`.
const MAX_TIME_MS_EXPIRED: i32 = 50;

/// A mapped error as a timeout when the server stopped the operation at
/// `limit` (MaxTimeMSExpired).
pub fn timed(e: Error, limit: Option<std::time::Duration>) -> Error {
    match (limit, &e) {
        (
            Some(after),
            Error::Driver {
                source: Some(src), ..
            },
        ) if src
            .downcast_ref::<mongodb::error::Error>()
            .and_then(write_code)
            .is_some_and(|(code, _)| code == MAX_TIME_MS_EXPIRED) =>
        {
            Error::Timeout { after }
        }
        _ => e,
    }
}

/// "E11000 duplicate key error collection: db.coll index: coll_code dup key: …"
/// as the key (`code`, or `id` for the primary key).
pub fn duplicated(message: &str, schema: Option<&'static ModelSchema>) -> Error {
    let index = message
        .split("index: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_owned();
    let key = match schema {
        Some(s) => index
            .strip_prefix(&format!("{}_", s.table))
            .map(str::to_owned)
            .unwrap_or(index),
        None => index,
    };
    let key = if key == "_id_" { "id".to_owned() } else { key };
    Error::Duplicated { key }
}

/// A write error the server reported inside a write command's reply.
pub fn write_error(
    code: i32,
    message: &str,
    schema: Option<&'static ModelSchema>,
    limit: std::time::Duration,
) -> Error {
    match code {
        DUPLICATE_KEY => duplicated(message, schema),
        MAX_TIME_MS_EXPIRED => Error::Timeout { after: limit },
        _ => Error::Driver {
            message: format!("mongodb error {code}: {message}"),
            source: None,
        },
    }
}

pub fn map(e: mongodb::error::Error, schema: Option<&'static ModelSchema>) -> Error {
    if let Some((DUPLICATE_KEY, message)) = write_code(&e) {
        return duplicated(&message, schema);
    }
    if e.contains_label(mongodb::error::TRANSIENT_TRANSACTION_ERROR) {
        return Error::Conflict {
            message: format!("mongodb: {e}"),
        };
    }
    match e.kind.as_ref() {
        ErrorKind::Io(_)
        | ErrorKind::ServerSelection { .. }
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::Authentication { .. } => Error::connection(format!("mongodb: {e}"), e),
        _ => Error::driver(format!("mongodb: {e}"), e),
    }
}

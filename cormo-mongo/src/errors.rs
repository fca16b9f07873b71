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

pub fn map(e: mongodb::error::Error, schema: Option<&'static ModelSchema>) -> Error {
    if let Some((DUPLICATE_KEY, message)) = write_code(&e) {
        // "E11000 duplicate key error collection: db.coll index: coll_code dup key: …"
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
        return Error::Duplicated { key };
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

//! Operations that run through the session pipeline, one file each:
//! check the statement against the schema, then hand it to the adapter
//! inside the caller's transaction (see [`Session`](crate::Session)).

pub(crate) mod aggregate;
pub(crate) mod raw;
pub(crate) mod read;
pub(crate) mod stream;
pub(crate) mod upsert;

//! SQL backends for cormo on sqlx: SQLite, PostgreSQL, MySQL/MariaDB.
//!
//! One generic adapter renders core's queries per [`dialect::Dialect`];
//! each backend module supplies only what its driver does differently
//! (binding, decoding, introspection, connecting).

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod adapter;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod backend;
mod ddl;
pub mod dialect;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod errors;
mod render;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

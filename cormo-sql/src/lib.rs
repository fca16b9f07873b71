#![warn(missing_docs)]
//! SQL backends for cormo on sqlx: SQLite, PostgreSQL, MySQL/MariaDB.
//!
//! One generic adapter renders core's queries per [`dialect::Dialect`];
//! each backend module supplies only what its driver does differently
//! (binding, decoding, introspection, connecting). Enable at least one of
//! the features `sqlite`, `postgres`, `mysql`.

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod enabled {
    pub mod adapter;
    pub mod aggregate;
    pub mod backend;
    pub mod cursor;
    pub mod ddl;
    pub mod dialect;
    pub mod errors;
    mod expr;
    #[cfg(test)]
    mod fuzz_tests;
    #[cfg(any(test, feature = "fuzzing"))]
    pub mod fuzzing;
    pub mod pool;
    pub mod render;
    pub mod row;
    pub mod timeout;
    pub mod upsert;
}
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use enabled::dialect;
/// The parser and renderer invariants the `cargo fuzz` target checks.
#[cfg(all(
    feature = "fuzzing",
    any(feature = "sqlite", feature = "postgres", feature = "mysql")
))]
#[doc(hidden)]
pub use enabled::fuzzing;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

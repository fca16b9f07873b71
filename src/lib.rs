#![warn(missing_docs)]
//! # cormo
//!
//! A Rust ORM after [CORMO](https://github.com/croquiscom/cormo): one model
//! definition that runs unchanged on SQLite, PostgreSQL, MySQL/MariaDB and
//! MongoDB, with associations, a per-record association cache, and
//! referential integrity (native foreign keys on SQL, emulated on MongoDB).
//!
//! ```ignore
//! use cormo::prelude::*;
//!
//! #[derive(Model, Debug, Default)]
//! #[has_many(Post, integrity = "delete")]
//! pub struct User {
//!     pub id: Id,
//!     pub name: String,
//!     pub age: i32,
//! }
//!
//! #[derive(Model, Debug, Default)]
//! #[belongs_to(User)]
//! pub struct Post {
//!     pub id: Id,
//!     pub title: String,
//!     pub body: String,
//!     pub user_id: Option<RecordId>,
//! }
//!
//! let db = cormo::connect("sqlite::memory:").await?;
//! db.register::<User>();
//! db.apply_schemas().await?;
//! let user = User::create(&db, User { name: "John".into(), age: 27, ..Default::default() }).await?;
//! let posts = user.posts(&db).await?;
//! ```
//!
//! Backends are cargo features: `sqlite`, `postgres`, `mysql`, `mongodb`.
//! See the guide in `docs/` for associations, integrity, queries and
//! transactions.
//!
//! ## The derive
//!
//! - A model is a struct with named fields and a field `id: Id`.
//! - Struct attributes: `#[cormo(table = "...")]`,
//!   `#[has_many(Target, as = "...", foreign_key = "...", integrity = "ignore|nullify|restrict|delete")]`,
//!   `#[has_one(...)]` (same options), `#[belongs_to(Target, as = "...", foreign_key = "...", required)]`.
//! - Multi-column indexes: `#[index(fields = "field, other_field", unique, name = "...")]`
//!   (name defaults to `<table>_<columns>`).
//! - Field attributes: `#[cormo(name = "db_name", unique, index, text, default = literal)]`
//!   (`text`: a `String` of any length, `TEXT` instead of `VARCHAR(255)`).
//! - The child declares its foreign-key field (`user_id: Option<RecordId>`,
//!   or `RecordId` when required).

pub use cormo_core::stmt::{self, Expr, GroupOrder, Having};
pub use cormo_core::{avg, count, max, min, sum};
pub use cormo_core::{max_date, min_date};
pub use cormo_core::{raw_command, raw_sql, RawQuery, MAX_PATTERN_BYTES, MAX_PATTERN_SIZE};
pub use cormo_core::{
    Adapter, Assign, AssocDef, AssocKind, Capabilities, CmpOp, Col, ColumnDef, ColumnType, Cond,
    ConnectOptions, Connection, Dir, Error, Executor, FieldType, Id, IdArg, Include, IndexDef,
    Integrity, IntoField, IsolationLevel, Level, Loaded, Model, ModelSchema, NumericField, Order,
    Partial, Query, RecordId, Rel, Result, Selected, SelectedLevel, Stats, Transaction,
    UpsertOptions, Value, MAX_CHOSEN_ID, MAX_COND_DEPTH, MAX_COND_TERMS, MAX_ECHO_CHARS,
    MAX_IDS_PER_STATEMENT, MAX_STATEMENT_TIMEOUT, MAX_STRING_CHARS,
};
pub use cormo_core::{
    Agg, AggItem, AggOf, Aggregated, Aggregates, ComparesWith, Count, GroupKey, Grouped, Ordered,
    Summable,
};
pub use cormo_derive::{Model, Partial};

/// The date-time crate model fields use (`chrono::DateTime<Utc>`), re-exported
/// so versions always match.
pub use chrono;
/// The JSON crate object columns use (`serde_json::Value`), re-exported so
/// versions always match.
pub use serde_json;

mod connect;
pub use connect::{connect, connect_with};

/// Everything a model file needs: `use cormo::prelude::*;`.
pub mod prelude {
    pub use crate::{Connection, Error, Executor, Id, Model, RecordId, Result, Transaction};
}

/// The README and the guide in `docs/src`, compiled and run as doctests
/// (`cargo test --doc --features sqlite`).
#[cfg(all(doctest, feature = "sqlite"))]
mod doctests {
    #[doc = include_str!("../README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/src/introduction.md")]
    pub struct Introduction;
    #[doc = include_str!("../docs/src/models.md")]
    pub struct Models;
    #[doc = include_str!("../docs/src/associations.md")]
    pub struct Associations;
    #[doc = include_str!("../docs/src/eager-loading.md")]
    pub struct EagerLoading;
    #[doc = include_str!("../docs/src/integrity.md")]
    pub struct Integrity;
    #[doc = include_str!("../docs/src/queries.md")]
    pub struct Queries;
    #[doc = include_str!("../docs/src/transactions.md")]
    pub struct Transactions;
    #[doc = include_str!("../docs/src/backends.md")]
    pub struct Backends;
    #[doc = include_str!("../docs/src/errors.md")]
    pub struct Errors;
    #[doc = include_str!("../docs/src/guarantees.md")]
    pub struct Guarantees;
}

/// Support for generated code. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use cormo_core::__serialize::{write_many, write_one};
    pub use cormo_core::assoc::{self, ForeignKey};
    pub use cormo_core::FieldSink;
    pub use cormo_core::{partial_positions, Partial};
    pub use cormo_core::{
        AssocDef, AssocKind, BoxFuture, Col, ColumnDef, DefaultValue, FieldType, Fold, Id,
        IndexDef, Integrity, LoadedFields, Model, ModelSchema, Rel, Result, RowReader, Session,
        Value,
    };

    /// Reads column 0, the id, of a stored row.
    #[inline]
    pub fn read_id(row: &mut dyn RowReader) -> Result<Id> {
        match row.get_id(0)? {
            Some(id) => Ok(Id::persisted(id)),
            None => Err(cormo_core::Error::validation("id", "is null")),
        }
    }

    /// Compile-time check: a foreign-key field is `RecordId` or `Option<RecordId>`.
    pub fn assert_foreign_key<F: ForeignKey>(_: &F) {}

    /// `#[cormo(text)]`: only on `String` / `Option<String>` fields.
    pub const fn text_column<T: FieldType<Inner = String>>() -> cormo_core::ColumnType {
        cormo_core::ColumnType::Text
    }

    /// Compile-time check: `#[cormo(case_insensitive)]` is on a text field.
    pub fn assert_text<T: CaseInsensitiveText>() {}

    /// Field types that can compare case-insensitively.
    #[diagnostic::on_unimplemented(
        message = "`case_insensitive` needs a `String` or `Option<String>` field, not `{Self}`",
        label = "only text compares case-insensitively"
    )]
    pub trait CaseInsensitiveText {}
    impl CaseInsensitiveText for String {}
    impl CaseInsensitiveText for Option<String> {}

    /// Compile-time check: a `#[cormo(default = ...)]` literal fits the field.
    pub fn assert_default<T: AcceptsDefault<L>, L>() {}

    /// Literal kinds, for [`assert_default`].
    pub struct StrLit;
    pub struct IntLit;
    pub struct FloatLit;
    pub struct BoolLit;

    /// Field types that take a default literal of kind `L`.
    #[diagnostic::on_unimplemented(
        message = "this default does not fit a `{Self}` field",
        label = "a literal of the field's type is needed here"
    )]
    pub trait AcceptsDefault<L> {}
    macro_rules! accepts {
        ($lit:ty: $($t:ty),*) => {
            $(impl AcceptsDefault<$lit> for $t {}
              impl AcceptsDefault<$lit> for Option<$t> {})*
        };
    }
    accepts!(StrLit: String);
    accepts!(IntLit: i32, i64, f64);
    accepts!(FloatLit: f64);
    accepts!(BoolLit: bool);

    /// Compile-time check: an association target is a model.
    pub fn assert_model<M: Model>() {}
}

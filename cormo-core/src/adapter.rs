//! The contract between cormo and a database backend.

use std::any::Any;

use async_trait::async_trait;

use crate::cond::Cond;
use crate::error::Result;
use crate::id::RecordId;
use crate::integrity::IntegrityRule;
pub use crate::rows::{RowCursor, RowSink, Rows};
use crate::schema::ModelSchema;
pub use crate::stmt::Select;
use crate::stmt::{Aggregate, Delete, Insert, Raw, Update, UpdateRow, Upsert};
use crate::value::Value;

/// What a backend can do. Core decides how to carry out an operation from
/// these flags, never from the backend's name.
#[derive(Debug, Clone)]
pub struct Capabilities {
    /// A short backend name for messages (`"sqlite"`, `"postgres"`, …).
    pub backend: &'static str,
    /// The database enforces foreign keys (`ON DELETE ...`). When false,
    /// core's integrity planner emulates them.
    pub native_foreign_keys: bool,
    /// Multi-statement transactions are available.
    pub transactions: bool,
    /// Nested transactions via savepoints are available.
    pub savepoints: bool,
    /// Isolation levels that `begin_with` accepts.
    pub isolation_levels: &'static [IsolationLevel],
    /// Fractional-second digits a stored date keeps (6 on SQL, 3 on MongoDB).
    pub datetime_precision: u32,
    /// `insert_many` of rows holding at most this many values in all is
    /// one statement, so it is atomic without a transaction (SQL's
    /// multi-row `INSERT`). `None` where a batch is not atomic (MongoDB's
    /// `insertMany` keeps the documents before a failing one).
    pub atomic_insert_values: Option<usize>,
    /// An upsert conflicts on the key it names only. False where any
    /// unique index of the table turns the insert into an update (MySQL's
    /// `ON DUPLICATE KEY`): core then refuses upserts on tables with more
    /// than one unique index, which would behave differently there.
    pub upsert_picks_key: bool,
    /// Ids are ObjectIds (`RecordId::Object`), not integers. A condition
    /// on an id of the other kind matches no record, decided in core.
    pub object_ids: bool,
}

/// Transaction isolation levels (CORMO's four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    /// Reads may see other transactions' uncommitted writes.
    ReadUncommitted,
    /// Reads see only committed writes.
    ReadCommitted,
    /// Rows read once read the same until the transaction ends.
    RepeatableRead,
    /// As if the transactions ran one after another.
    Serializable,
}

impl IsolationLevel {
    /// The level as a feature a backend may lack, for
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    pub(crate) fn feature(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "the READ UNCOMMITTED isolation level",
            IsolationLevel::ReadCommitted => "the READ COMMITTED isolation level",
            IsolationLevel::RepeatableRead => "the REPEATABLE READ isolation level",
            IsolationLevel::Serializable => "the SERIALIZABLE isolation level",
        }
    }
}

/// What a transaction is for, so a backend can take its locks early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxIntent {
    /// A caller's transaction: it may only read.
    Any,
    /// One of cormo's own multi-step writes (checked increments, emulated
    /// integrity, a `create_many` of several statements). SQLite takes the
    /// write lock at `BEGIN` (`BEGIN IMMEDIATE`), so the transaction waits
    /// for another writer instead of failing at its first write.
    Write,
}

/// A backend's transaction state, owned by a [`crate::Transaction`] and handed
/// back to the adapter for each operation inside it. `None` once finished.
pub type TxSlot = tokio::sync::Mutex<Option<Box<dyn Any + Send>>>;

/// What a [`Raw`] statement gave back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawOutcome {
    /// The rows, as JSON objects keyed by column name.
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Rows inserted, updated or deleted, where the database reports it.
    pub affected: u64,
}

/// A database backend. `tx` is the caller's transaction, if any: every
/// operation must run inside it.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// What this backend can do.
    fn capabilities(&self) -> &Capabilities;

    /// Creates missing tables, columns, indexes and (where native) the
    /// foreign keys `rules` call for. Never drops anything.
    async fn apply_schemas(
        &self,
        models: &[&'static ModelSchema],
        rules: &[IntegrityRule],
    ) -> Result<()>;

    /// Drops the tables, in the order given (children first).
    async fn drop_tables(&self, models: &[&'static ModelSchema]) -> Result<()>;

    /// Inserts the rows of `q` and returns their ids in order.
    async fn insert(&self, tx: Option<&TxSlot>, q: &Insert<'_>) -> Result<Vec<RecordId>>;

    /// Inserts a row or updates the one with the same key (see
    /// [`Upsert`]); returns its id.
    async fn upsert(&self, tx: Option<&TxSlot>, q: &Upsert<'_>) -> Result<RecordId>;

    /// Writes every column of one stored row; returns rows matched.
    async fn update_row(&self, tx: Option<&TxSlot>, q: &UpdateRow<'_>) -> Result<u64>;

    /// The rows `q` selects, read from the database as the caller takes
    /// them: memory stays bounded whatever the row count. The statement is
    /// built before this returns (so `q` need not outlive the call, and a
    /// statement that cannot be built fails here); the connection is taken
    /// by this call and held, with the transaction's lock when `tx` is set,
    /// until the rows end or are dropped. The statement's time limit
    /// (`q.timeout`, else the connection's) is the database's to enforce.
    async fn select<'a>(&'a self, tx: Option<&'a TxSlot>, q: &Select<'_>) -> Result<Rows<'a>>;

    /// Every row `q` selects, each handed to `each` while it is current:
    /// what [`select`](Adapter::select) gives, for a caller that reads
    /// to the end (`all`, eager loading). A backend whose rows come from a
    /// stream that borrows its connection overrides it with a plain loop,
    /// saving the cursor that would own both; an error from `each` ends
    /// the read as dropping the cursor would.
    async fn select_each(
        &self,
        tx: Option<&TxSlot>,
        q: &Select<'_>,
        each: &mut RowSink<'_>,
    ) -> Result<()> {
        self.select(tx, q).await?.for_each(each).await
    }

    /// Runs a statement as written ([`Raw`]). With `rows`, returns its rows
    /// as JSON objects keyed by column name (a command's reply as one row);
    /// without, runs it for its effect and returns the rows it affected.
    /// A kind of statement the backend does not speak is
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    async fn raw(&self, tx: Option<&TxSlot>, raw: &Raw, rows: bool) -> Result<RawOutcome>;

    /// The database's plan for `q`, as text.
    async fn explain(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<String>;

    /// Ids of matching rows.
    async fn select_ids(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<Vec<RecordId>>;

    /// Number of matching rows (paging applies).
    async fn count(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<u64>;

    /// The groups of a grouped read, as [`Adapter::select`] gives rows: the
    /// grouped columns, then one value per [`Aggregate::outputs`] entry,
    /// typed as [`AggExpr::output_type`](crate::stmt::AggExpr::output_type)
    /// says. Core has checked `q` and resolved paging as for `select`.
    async fn aggregate<'a>(&'a self, tx: Option<&'a TxSlot>, q: &Aggregate<'_>)
        -> Result<Rows<'a>>;

    /// Applies `assigns` to matching rows; returns rows matched. Core
    /// resolves ordering and paging to ids first, so `q` has none.
    async fn update(&self, tx: Option<&TxSlot>, q: &Update<'_>) -> Result<u64>;

    /// Deletes matching rows (and only them: integrity is core's business
    /// unless the database enforces it natively). Returns rows deleted.
    /// As for `update`, `q` carries no paging.
    async fn delete(&self, tx: Option<&TxSlot>, q: &Delete<'_>) -> Result<u64>;

    /// For emulated foreign keys: true if the parent row exists. Inside a
    /// transaction an adapter should also make a concurrent delete of that
    /// parent conflict (MongoDB writes a lock field), so a child can never be
    /// committed pointing at a parent deleted at the same moment.
    async fn reference_parent(
        &self,
        tx: Option<&TxSlot>,
        schema: &'static ModelSchema,
        id: RecordId,
    ) -> Result<bool> {
        let cond = Cond::eq("id", Value::Id(id));
        Ok(self.count(tx, &Select::filter(schema, &cond)).await? > 0)
    }

    /// Starts a transaction. `limit` bounds waiting for it to start (a
    /// SQLite `BEGIN IMMEDIATE` waits for the write lock); `None` means
    /// the connection's statement timeout.
    async fn begin(
        &self,
        isolation: Option<IsolationLevel>,
        intent: TxIntent,
        limit: Option<std::time::Duration>,
    ) -> Result<Box<dyn Any + Send>>;
    /// Commits a transaction `begin` started.
    async fn commit(&self, tx: Box<dyn Any + Send>) -> Result<()>;
    /// Rolls a transaction back.
    async fn rollback(&self, tx: Box<dyn Any + Send>) -> Result<()>;

    /// Savepoints inside a transaction, for nested transactions.
    async fn savepoint(&self, tx: &mut (dyn Any + Send), name: &str) -> Result<()>;
    /// Forgets a savepoint, keeping its work.
    async fn release_savepoint(&self, tx: &mut (dyn Any + Send), name: &str) -> Result<()>;
    /// Undoes the work since a savepoint.
    async fn rollback_to_savepoint(&self, tx: &mut (dyn Any + Send), name: &str) -> Result<()>;

    /// Closes the pool; later operations fail with a connection error.
    async fn close(&self);

    /// The most connections the adapter holds at once, where it bounds
    /// them itself (`None` where the driver's pool does). With one, an
    /// operation outside a transaction that the same task holds open can
    /// never get a connection, and core says so at once.
    fn max_connections(&self) -> Option<u32> {
        None
    }
}

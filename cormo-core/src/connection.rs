//! The connection handle, model registration, and the session every
//! operation runs in.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::adapter::{Adapter, Capabilities, IsolationLevel, RowSink, Select, TxSlot};
use crate::cond::Assign;
use crate::error::{Error, Result};
use crate::id::RecordId;
use crate::integrity::{self, IntegrityRule};
use crate::model::Model;
use crate::schema::ModelSchema;
use crate::transaction::{Transaction, TxShared};
use crate::value::Value;

/// How to open a connection: the URL plus pool settings.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite::memory:`, `sqlite://path.db`, `postgres://…`, `mysql://…`, `mongodb://…`.
    pub url: String,
    /// Most connections the pool opens (default 10; an in-memory SQLite
    /// database always uses one, since each connection would see its own database).
    pub max_connections: u32,
    /// Connections kept open when idle (default 0).
    pub min_connections: u32,
    /// How long an operation waits for a free connection (default 30 s).
    pub acquire_timeout: Duration,
    /// Idle connections are closed after this long (default 10 min).
    pub idle_timeout: Option<Duration>,
    /// For backends without native foreign keys (MongoDB): check that the
    /// parent exists when a child is written (default true).
    pub check_foreign_keys: bool,
}

impl ConnectOptions {
    /// Options with defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(600)),
            check_foreign_keys: true,
        }
    }
    /// Sets [`ConnectOptions::max_connections`].
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }
    /// Sets [`ConnectOptions::min_connections`].
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }
    /// Sets [`ConnectOptions::acquire_timeout`].
    pub fn acquire_timeout(mut self, d: Duration) -> Self {
        self.acquire_timeout = d;
        self
    }
    /// Sets [`ConnectOptions::idle_timeout`].
    pub fn idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.idle_timeout = d;
        self
    }
    /// Sets [`ConnectOptions::check_foreign_keys`].
    pub fn check_foreign_keys(mut self, on: bool) -> Self {
        self.check_foreign_keys = on;
        self
    }
}

/// A handle on one database: cheap to clone, safe to share between tasks.
///
/// Models are registered with [`Connection::register`]; registering a model
/// registers every model its associations reach, so registering the root of
/// a model graph is enough.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

struct Inner {
    adapter: Box<dyn Adapter>,
    check_foreign_keys: bool,
    registry: RwLock<Registry>,
}

#[derive(Default)]
struct Registry {
    models: Vec<&'static ModelSchema>,
    rules: Arc<[IntegrityRule]>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("backend", &self.capabilities().backend)
            .finish()
    }
}

impl Connection {
    /// Wraps an adapter. Backends call this; users call `cormo::connect`.
    pub fn from_adapter(adapter: Box<dyn Adapter>, opts: &ConnectOptions) -> Self {
        Connection {
            inner: Arc::new(Inner {
                adapter,
                check_foreign_keys: opts.check_foreign_keys,
                registry: RwLock::new(Registry::default()),
            }),
        }
    }

    /// What the backend can do.
    pub fn capabilities(&self) -> &Capabilities {
        self.inner.adapter.capabilities()
    }

    pub(crate) fn adapter(&self) -> &dyn Adapter {
        &*self.inner.adapter
    }

    /// Registers `M` and, transitively, every model its associations name.
    pub fn register<M: Model>(&self) -> &Self {
        self.register_schema(M::schema());
        self
    }

    fn register_schema(&self, root: &'static ModelSchema) {
        let mut reg = match self.inner.registry.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut stack = vec![root];
        let mut changed = false;
        while let Some(m) = stack.pop() {
            if reg.models.iter().any(|x| x.same(m)) {
                continue;
            }
            reg.models.push(m);
            changed = true;
            stack.extend(m.associations.iter().map(|a| (a.target)()));
        }
        if changed {
            reg.rules = integrity::rules(&reg.models).into();
        }
    }

    /// The registered models, in registration order.
    pub fn models(&self) -> Vec<&'static ModelSchema> {
        self.registry().0
    }

    fn registry(&self) -> (Vec<&'static ModelSchema>, Arc<[IntegrityRule]>) {
        let reg = match self.inner.registry.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        (reg.models.clone(), reg.rules.clone())
    }

    pub(crate) fn rules(&self) -> Arc<[IntegrityRule]> {
        self.registry().1
    }

    /// Creates missing tables, columns and indexes for the registered models,
    /// and the foreign keys their integrity rules call for. Never drops anything.
    pub async fn apply_schemas(&self) -> Result<()> {
        let (models, rules) = self.registry();
        integrity::check_rules(&rules)?;
        self.adapter().apply_schemas(&models, &rules).await
    }

    /// Drops the registered models' tables, children before parents.
    pub async fn drop_all_models(&self) -> Result<()> {
        let (models, rules) = self.registry();
        let ordered = drop_order(&models, &rules);
        self.adapter().drop_tables(&ordered).await
    }

    /// Children whose foreign key names a missing parent, per child model
    /// name (CORMO's `getInconsistencies`).
    pub async fn get_inconsistencies(&self) -> Result<Vec<(&'static str, Vec<RecordId>)>> {
        let models = self.models();
        integrity::inconsistencies(self.session(), &models).await
    }

    /// Starts a transaction; it rolls back if dropped without `commit`.
    pub async fn begin(&self) -> Result<Transaction> {
        Transaction::start(self.clone(), None).await
    }

    /// Starts a transaction with an isolation level. A level the backend
    /// cannot honour is an [`Error::Unsupported`].
    pub async fn begin_with(&self, level: IsolationLevel) -> Result<Transaction> {
        Transaction::start(self.clone(), Some(level)).await
    }

    /// Runs `f` in a transaction: commits when it returns `Ok`, rolls back
    /// when it returns `Err` (and returns that error).
    ///
    /// ```ignore
    /// db.transaction(|tx| async move {
    ///     let user = User::create(&tx, User { name: "a".into(), ..Default::default() }).await?;
    ///     Ok::<_, cormo::Error>(user)
    /// }).await?;
    /// ```
    pub async fn transaction<T, E, F, Fut>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let tx = self.begin().await?;
        match f(tx.clone()).await {
            // The closure may have committed or rolled back itself; its
            // choice stands.
            Ok(v) => match tx.commit().await {
                Ok(()) | Err(Error::TransactionFinished) => Ok(v),
                Err(e) => Err(e.into()),
            },
            Err(e) => {
                // The closure may have finished the transaction itself.
                match tx.rollback().await {
                    Ok(()) | Err(Error::TransactionFinished) => Err(e),
                    Err(other) => Err(other.into()),
                }
            }
        }
    }

    /// Closes the pool. Operations after this fail with a connection error.
    pub async fn close(&self) {
        self.adapter().close().await
    }

    pub(crate) fn session(&self) -> Session<'_> {
        Session::new(self, None, None)
    }
}

/// Children before parents; cycles (self references) do not block.
fn drop_order(
    models: &[&'static ModelSchema],
    rules: &[IntegrityRule],
) -> Vec<&'static ModelSchema> {
    let mut left: Vec<&'static ModelSchema> = models.to_vec();
    let mut out = Vec::with_capacity(left.len());
    while !left.is_empty() {
        // A model can go once no other remaining model references it.
        let pos = left
            .iter()
            .position(|m| {
                !rules.iter().any(|r| {
                    r.parent.same(m) && !r.child.same(m) && left.iter().any(|l| l.same(r.child))
                })
            })
            .unwrap_or(0);
        out.push(left.remove(pos));
    }
    out
}

/// Runs a multi-step emulation all-or-nothing: inside the caller's
/// transaction, or one of our own (retried on a write conflict, since
/// nobody else can retry it), or directly where the backend has none.
macro_rules! atomically {
    ($session:expr, |$s:ident| $body:block) => {{
        let mut attempt = 0;
        loop {
            let own = $session.own_tx().await?;
            let ours = own.is_some();
            let $s = own.as_ref().map_or(*$session, |t| t.session());
            let out = async { $body }.await;
            match finish(own, out).await {
                Err(Error::Conflict { .. }) if ours && attempt < MAX_RETRIES => attempt += 1,
                done => break done,
            }
        }
    }};
}

/// How often an internal transaction is retried after a conflict.
const MAX_RETRIES: u32 = 3;

/// Where an operation runs: a connection, and the caller's transaction if any.
/// Every adapter call goes through here so no operation escapes the
/// transaction.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) tx: Option<&'a TxShared>,
    /// Set once this transaction level has committed or rolled back.
    done: Option<&'a AtomicBool>,
}

impl<'a> Session<'a> {
    pub(crate) fn new(
        conn: &'a Connection,
        tx: Option<&'a TxShared>,
        done: Option<&'a AtomicBool>,
    ) -> Self {
        Session { conn, tx, done }
    }

    fn adapter(&self) -> &'a dyn Adapter {
        self.conn.adapter()
    }

    /// The transaction slot, after undoing any nested transaction that was
    /// dropped without commit.
    async fn slot(&self) -> Result<Option<&'a TxSlot>> {
        if self.done.is_some_and(|d| d.load(Ordering::Acquire)) {
            return Err(Error::TransactionFinished);
        }
        match self.tx {
            None => Ok(None),
            Some(shared) => {
                shared.flush_pending(self.adapter()).await?;
                Ok(Some(&shared.slot))
            }
        }
    }

    fn emulates_integrity(&self) -> bool {
        !self.conn.capabilities().native_foreign_keys
    }

    pub(crate) async fn insert(
        &self,
        schema: &'static ModelSchema,
        id: Option<RecordId>,
        values: &[Value],
    ) -> Result<RecordId> {
        if !self.checks_parents() {
            let slot = self.slot().await?;
            return self.adapter().insert(slot, schema, id, values).await;
        }
        let rules = self.conn.rules();
        atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, values).await?;
            let slot = s.slot().await?;
            s.adapter().insert(slot, schema, id, values).await
        })
    }

    pub(crate) async fn insert_many(
        &self,
        schema: &'static ModelSchema,
        rows: &[Vec<Value>],
    ) -> Result<Vec<RecordId>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let check = self.checks_parents();
        let rules = self.conn.rules();
        atomically!(self, |s| {
            if check {
                for values in rows {
                    integrity::check_parents(s, &rules, schema, values).await?;
                }
            }
            let slot = s.slot().await?;
            s.adapter().insert_many(slot, schema, rows).await
        })
    }

    pub(crate) async fn update_by_id(
        &self,
        schema: &'static ModelSchema,
        id: RecordId,
        values: &[Value],
    ) -> Result<u64> {
        if !self.checks_parents() {
            let slot = self.slot().await?;
            return self.adapter().update_by_id(slot, schema, id, values).await;
        }
        let rules = self.conn.rules();
        atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, values).await?;
            let slot = s.slot().await?;
            s.adapter().update_by_id(slot, schema, id, values).await
        })
    }

    pub(crate) async fn select(&self, q: &Select<'_>, sink: &mut RowSink<'_>) -> Result<()> {
        let slot = self.slot().await?;
        self.adapter().select(slot, q, sink).await
    }

    pub(crate) async fn select_ids(&self, q: &Select<'_>) -> Result<Vec<RecordId>> {
        let slot = self.slot().await?;
        self.adapter().select_ids(slot, q).await
    }

    pub(crate) async fn count(&self, q: &Select<'_>) -> Result<u64> {
        let slot = self.slot().await?;
        self.adapter().count(slot, q).await
    }

    pub(crate) async fn reference_parent(
        &self,
        schema: &'static ModelSchema,
        id: RecordId,
    ) -> Result<bool> {
        let slot = self.slot().await?;
        self.adapter().reference_parent(slot, schema, id).await
    }

    pub(crate) async fn update(&self, q: &Select<'_>, assigns: &[Assign]) -> Result<u64> {
        let rules = self.conn.rules();
        let touches_fk = self.checks_parents()
            && integrity::child_rules(&rules, q.schema)
                .any(|r| assigns.iter().any(|a| a.column() == r.column));
        if !touches_fk {
            let slot = self.slot().await?;
            return self.adapter().update(slot, q, assigns).await;
        }
        atomically!(self, |s| {
            for a in assigns {
                if let Assign::Set { column, value } = a {
                    check_assigned_parent(s, &rules, q.schema, column, value).await?;
                }
            }
            let slot = s.slot().await?;
            s.adapter().update(slot, q, assigns).await
        })
    }

    /// Deletes exactly the selected rows (integrity already handled).
    pub(crate) async fn delete_rows(&self, q: &Select<'_>) -> Result<u64> {
        let slot = self.slot().await?;
        self.adapter().delete(slot, q).await
    }

    /// Deletes the selected rows and applies the integrity rules below them:
    /// natively where the database enforces foreign keys, through core's
    /// planner (in one transaction when possible) where it does not.
    pub(crate) async fn delete(&self, q: &Select<'_>) -> Result<u64> {
        if !self.emulates_integrity() {
            return self
                .delete_rows(q)
                .await
                .map_err(|e| integrity::name_rejecting_child(e, q.schema, &self.conn.rules()));
        }
        atomically!(self, |s| { integrity::delete(s, q).await })
    }

    fn checks_parents(&self) -> bool {
        self.emulates_integrity() && self.conn.inner.check_foreign_keys
    }

    /// A transaction of our own for a multi-step emulation, so it is
    /// all-or-nothing: none when the caller already has one (we run inside
    /// theirs) or the backend has none.
    async fn own_tx(&self) -> Result<Option<Transaction>> {
        if self.tx.is_some() || !self.conn.capabilities().transactions {
            return Ok(None);
        }
        self.conn.begin().await.map(Some)
    }
}

/// Commits our own transaction on success, rolls it back on failure.
async fn finish<T>(own: Option<Transaction>, out: Result<T>) -> Result<T> {
    let Some(tx) = own else { return out };
    match out {
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            // The original error matters more than a failed rollback, and
            // dropping the transaction rolls back anyway.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn check_assigned_parent(
    s: Session<'_>,
    rules: &[IntegrityRule],
    schema: &'static ModelSchema,
    column: &'static str,
    value: &Value,
) -> Result<()> {
    let mut values = vec![Value::Null; schema.columns.len()];
    if let Some(pos) = schema.columns.iter().position(|c| c.name == column) {
        values[pos] = value.clone();
    }
    integrity::check_parents(s, rules, schema, &values).await
}

/// Something operations can run on: a [`Connection`] or a [`Transaction`].
pub trait Executor: Send + Sync {
    #[doc(hidden)]
    fn session(&self) -> Session<'_>;
}

impl Executor for Connection {
    fn session(&self) -> Session<'_> {
        Connection::session(self)
    }
}

impl<E: Executor + ?Sized> Executor for &E {
    fn session(&self) -> Session<'_> {
        (**self).session()
    }
}

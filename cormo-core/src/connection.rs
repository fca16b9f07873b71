//! The connection handle, model registration, and the session every
//! operation runs in.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::adapter::{Adapter, Capabilities, IsolationLevel, Select, TxIntent};
use crate::cond::Assign;
use crate::error::{Error, Result};
use crate::fold;
use crate::id::RecordId;
use crate::integrity::{self, IntegrityRule};
use crate::model::Model;
use crate::schema::ModelSchema;
use crate::session::Session;
use crate::stats::{Counters, Op, Stats};
use crate::transaction::Transaction;
use crate::value::Value;

/// The longest time limit a statement can have: 2³¹ − 1 ms (about 24.8
/// days), the most PostgreSQL, SQLite and MongoDB accept. A longer limit
/// (`Duration::MAX` included) means this one.
pub const MAX_STATEMENT_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// A time limit no longer than [`MAX_STATEMENT_TIMEOUT`].
pub(crate) fn clamp_timeout(limit: Duration) -> Duration {
    limit.min(MAX_STATEMENT_TIMEOUT)
}

/// How to open a connection: the URL plus pool settings.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite::memory:`, `sqlite://path.db`, `postgres://…`, `mysql://…`, `mongodb://…`.
    pub url: String,
    /// Most connections the pool opens (default 10; an in-memory SQLite
    /// database always uses one, since each connection would see its own database).
    pub max_connections: u32,
    /// Connections opened when connecting (default 0: SQL backends still
    /// open one, so a bad URL fails at connect).
    pub min_connections: u32,
    /// How long an operation waits for a free connection (default 30 s).
    pub acquire_timeout: Duration,
    /// Idle connections are closed after this long (default 10 min).
    pub idle_timeout: Option<Duration>,
    /// For backends without native foreign keys (MongoDB): check that the
    /// parent exists when a child is written (default true).
    pub check_foreign_keys: bool,
    /// How long one statement may run before the database stops it and the
    /// operation fails with [`Error::Timeout`] (default: no limit). A query
    /// can set its own with [`Query::timeout`](crate::Query::timeout).
    /// At most [`MAX_STATEMENT_TIMEOUT`]; a longer one means that.
    pub statement_timeout: Option<Duration>,
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
            statement_timeout: None,
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
    /// Sets [`ConnectOptions::statement_timeout`].
    pub fn statement_timeout(mut self, limit: Duration) -> Self {
        self.statement_timeout = Some(limit);
        self
    }
    /// The statement timeout as backends apply it: at most
    /// [`MAX_STATEMENT_TIMEOUT`].
    pub fn effective_statement_timeout(&self) -> Option<Duration> {
        self.statement_timeout.map(clamp_timeout)
    }
    /// Sets [`ConnectOptions::check_foreign_keys`].
    pub fn check_foreign_keys(mut self, on: bool) -> Self {
        self.check_foreign_keys = on;
        self
    }
}

tokio::task_local! {
    /// The connection whose `transaction(..)` closure the task is running.
    static IN_TRANSACTION: usize;
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
    statement_timeout: Option<Duration>,
    registry: RwLock<Registry>,
    counters: Counters,
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
                statement_timeout: opts.effective_statement_timeout(),
                registry: RwLock::new(Registry::default()),
                counters: Counters::default(),
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

    /// Tells connections apart: clones of one `Connection` share it.
    fn identity(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// True inside a `transaction(..)` closure of this connection, on the
    /// task running it, when the adapter holds a single connection: that
    /// connection is the transaction's until the closure returns, so an
    /// operation on the `Connection` would wait for itself.
    pub(crate) fn waits_for_own_transaction(&self) -> bool {
        self.adapter().max_connections() == Some(1)
            && IN_TRANSACTION
                .try_with(|id| *id == self.identity())
                .unwrap_or(false)
    }

    /// Counts one statement (see [`Connection::stats`]).
    pub(crate) fn note_statement(&self, kind: Op, feeds_write: bool) {
        self.inner.counters.note(kind, feeds_write);
    }

    /// The connection's statement time limit.
    pub(crate) fn statement_timeout(&self) -> Option<Duration> {
        self.inner.statement_timeout
    }

    /// Whether emulated foreign keys are checked on writes.
    pub(crate) fn checks_foreign_keys(&self) -> bool {
        self.inner.check_foreign_keys
    }

    /// How many statements this connection's operations have sent so far
    /// (see [`Stats`]). Take it before and after a piece of code to see
    /// what the code cost:
    ///
    /// ```ignore
    /// let before = db.stats();
    /// let users = User::query().include(User::POSTS).all(&db).await?;
    /// assert_eq!(db.stats().reads - before.reads, 2);
    /// ```
    pub fn stats(&self) -> Stats {
        self.inner.counters.get()
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
        self.adapter().apply_schemas(&models, &rules).await?;
        for m in models.iter().filter(|m| m.has_folded_columns()) {
            fill_shadows(self.session(), m).await?;
        }
        Ok(())
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
        Transaction::start(self.clone(), None, TxIntent::Any, None).await
    }

    /// Starts a transaction with an isolation level. A level the backend
    /// cannot honour is an [`Error::Unsupported`].
    pub async fn begin_with(&self, level: IsolationLevel) -> Result<Transaction> {
        Transaction::start(self.clone(), Some(level), TxIntent::Any, None).await
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
    ///
    /// An error the closure caught still aborted the transaction (see
    /// [`Error::TransactionAborted`]): then this returns that error and
    /// nothing is stored.
    pub async fn transaction<T, E, F, Fut>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let tx = self.begin().await?;
        self.run_transaction(tx, f).await
    }

    /// [`transaction`](Self::transaction) at an isolation level. A level
    /// the backend cannot honour is an [`Error::Unsupported`].
    pub async fn transaction_with<T, E, F, Fut>(&self, level: IsolationLevel, f: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let tx = self.begin_with(level).await?;
        self.run_transaction(tx, f).await
    }

    async fn run_transaction<T, E, F, Fut>(&self, tx: Transaction, f: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        // The closure runs marked as inside this connection's transaction,
        // so an operation on the connection itself from the same task can
        // be told apart (see `Session::slot`).
        match IN_TRANSACTION.scope(self.identity(), f(tx.clone())).await {
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
        Session::new(self, None)
    }
}

/// Fills the shadow columns of rows written before their column became
/// case-insensitive (they are NULL while the column is not): one update
/// per distinct text. Rows cormo writes always have them, so this finds
/// nothing on later runs.
async fn fill_shadows(s: Session<'_>, schema: &'static ModelSchema) -> Result<()> {
    use crate::cond::Cond;
    use crate::schema::Fold;
    use std::collections::BTreeMap;
    for c in schema.columns {
        let Fold::ShadowOf { column } = c.fold else {
            continue;
        };
        let Some(pos) = schema.columns.iter().position(|o| o.name == column) else {
            continue;
        };
        let missing = Cond::And(vec![
            Cond::IsNull { column: c.name },
            Cond::Not(Box::new(Cond::IsNull { column })),
        ]);
        let mut by_text: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut sink = |row: &mut dyn crate::value::RowReader| -> Result<()> {
            if let (Some(id), Some(text)) = (row.get_id(0)?, row.get_string(pos + 1)?) {
                by_text.entry(text).or_default().push(Value::Id(id));
            }
            Ok(())
        };
        s.select(&Select::filter(schema, &missing), &mut sink)
            .await?;
        for (text, ids) in by_text {
            let rows = Cond::is_in("id", ids);
            let set = [Assign::Set {
                column: c.name,
                value: Value::Text(fold::fold(&text)),
            }];
            s.update(&Select::filter(schema, &rows), &set).await?;
        }
    }
    Ok(())
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

/// Generated code runs nested operations (a built child's save) in the
/// session of the operation that started them.
impl Executor for Session<'_> {
    fn session(&self) -> Session<'_> {
        *self
    }
}

impl<E: Executor + ?Sized> Executor for &E {
    fn session(&self) -> Session<'_> {
        (**self).session()
    }
}

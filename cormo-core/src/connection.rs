//! The connection handle, model registration, and the session every
//! operation runs in.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::adapter::{Adapter, Capabilities, IsolationLevel, RowSink, Select, TxIntent, TxSlot};
use crate::cond::Assign;
use crate::error::{Error, Result};
use crate::fold::{self, Folded};
use crate::id::RecordId;
use crate::increment;
use crate::integrity::{self, IntegrityRule};
use crate::model::Model;
use crate::schema::ModelSchema;
use crate::stats::{Counters, Op, Stats};
use crate::transaction::{Transaction, TxRef};
use crate::validate;
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
        Self::run_transaction(tx, f).await
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
        Self::run_transaction(tx, f).await
    }

    async fn run_transaction<T, E, F, Fut>(tx: Transaction, f: F) -> Result<T, E>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
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

/// Paging as every backend can take it, or `None` when the answer is
/// certainly empty: `limit(0)` selects nothing (MongoDB would read it as
/// "no limit"), a limit past `i64::MAX` is no limit, and nothing is left
/// after skipping more rows than `i64::MAX`.
pub(crate) fn paged<'q>(q: &Select<'q>) -> Option<Select<'q>> {
    const MAX: u64 = i64::MAX as u64;
    if q.limit == Some(0) || q.skip.is_some_and(|s| s > MAX) {
        return None;
    }
    Some(Select {
        limit: q.limit.filter(|l| *l <= MAX),
        skip: q.skip.filter(|s| *s > 0),
        ..*q
    })
}

/// Where an operation runs: a connection, and the caller's transaction if
/// any. Every operation goes through here, so none escapes the transaction,
/// every condition is checked before a backend sees it, and a failed
/// statement aborts the transaction the same way on every backend.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) tx: Option<TxRef<'a>>,
    /// The operation's own time limit, over the connection's.
    pub(crate) timeout: Option<Duration>,
}

/// How long past a statement's limit cormo waits for the database to stop
/// it before giving up on a server that does not answer at all.
const UNANSWERED_GRACE: Duration = Duration::from_secs(2);

impl<'a> Session<'a> {
    pub(crate) fn new(conn: &'a Connection, tx: Option<TxRef<'a>>) -> Self {
        Session {
            conn,
            tx,
            timeout: None,
        }
    }

    /// The same session with an operation's own time limit, if it has one.
    pub(crate) fn with_timeout(mut self, limit: Option<Duration>) -> Self {
        if limit.is_some() {
            self.timeout = limit;
        }
        self
    }

    /// A query carrying this operation's time limit to the adapter, which
    /// has the database enforce it (the connection's applies otherwise).
    fn timed<'q>(&self, q: Select<'q>) -> Select<'q> {
        Select {
            timeout: q.timeout.or(self.timeout),
            ..q
        }
    }

    /// Runs one adapter call. The database stops a statement at its limit;
    /// this only bounds the wait when the server does not answer at all.
    pub(crate) async fn bounded<T>(
        &self,
        kind: Op,
        op: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        self.conn.inner.counters.note(kind);
        let Some(limit) = self.timeout.or(self.conn.inner.statement_timeout) else {
            return op.await;
        };
        match tokio::time::timeout(limit.saturating_add(UNANSWERED_GRACE), op).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout { after: limit }),
        }
    }

    pub(crate) fn adapter(&self) -> &'a dyn Adapter {
        self.conn.adapter()
    }

    /// The transaction slot, once the transaction is ready for a statement.
    pub(crate) async fn slot(&self) -> Result<Option<&'a TxSlot>> {
        match self.tx {
            None => Ok(None),
            Some(t) => t.enter(self.adapter()).await.map(Some),
        }
    }

    /// Records a statement's outcome in the caller's transaction.
    pub(crate) fn noted<T>(&self, r: Result<T>) -> Result<T> {
        if let Some(t) = self.tx {
            t.note(&r);
        }
        r
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
        if let Some(RecordId::Int(chosen)) = id {
            if chosen > crate::id::MAX_CHOSEN_ID {
                return Err(Error::validation(
                    "id",
                    format!(
                        "a chosen id may be at most {} (2^53 - 1): a larger one would leave the table no ids for later inserts",
                        crate::id::MAX_CHOSEN_ID
                    ),
                ));
            }
        }
        let values = &*fold::values(schema, values);
        if !self.checks_parents() {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().insert(slot, schema, id, values))
                .await;
            return self.noted(fold::unshadowed(schema, r));
        }
        let rules = self.conn.rules();
        let r = atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, values).await?;
            let slot = s.slot().await?;
            s.bounded(Op::Write, s.adapter().insert(slot, schema, id, values))
                .await
        });
        self.noted(fold::unshadowed(schema, r))
    }

    pub(crate) async fn insert_many(
        &self,
        schema: &'static ModelSchema,
        rows: &[Vec<Value>],
    ) -> Result<Vec<RecordId>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let folded: Vec<Vec<Value>>;
        let rows = if schema.has_folded_columns() {
            folded = rows
                .iter()
                .map(|r| fold::values(schema, r).into_owned())
                .collect();
            &folded[..]
        } else {
            rows
        };
        let rules = self.conn.rules();
        let check =
            self.checks_parents() && integrity::child_rules(&rules, schema).next().is_some();
        // One multi-row INSERT is atomic by itself: no BEGIN / COMMIT.
        let one_statement = match self.conn.capabilities().atomic_insert_values {
            Some(most) if !schema.columns.is_empty() => rows.len() * schema.columns.len() <= most,
            _ => rows.len() == 1,
        };
        if !check && one_statement {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().insert_many(slot, schema, rows))
                .await;
            return self.noted(fold::unshadowed(schema, r));
        }
        let r = atomically!(self, |s| {
            if check {
                for values in rows {
                    integrity::check_parents(s, &rules, schema, values).await?;
                }
            }
            let slot = s.slot().await?;
            s.bounded(Op::Write, s.adapter().insert_many(slot, schema, rows))
                .await
        });
        self.noted(fold::unshadowed(schema, r))
    }

    pub(crate) async fn update_by_id(
        &self,
        schema: &'static ModelSchema,
        id: RecordId,
        values: &[Value],
    ) -> Result<u64> {
        let values = &*fold::values(schema, values);
        if !self.checks_parents() {
            let slot = self.slot().await?;
            let r = self
                .bounded(
                    Op::Write,
                    self.adapter().update_by_id(slot, schema, id, values),
                )
                .await;
            return self.noted(fold::unshadowed(schema, r));
        }
        let rules = self.conn.rules();
        let r = atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, values).await?;
            let slot = s.slot().await?;
            s.bounded(
                Op::Write,
                s.adapter().update_by_id(slot, schema, id, values),
            )
            .await
        });
        self.noted(fold::unshadowed(schema, r))
    }

    pub(crate) async fn select(&self, q: &Select<'_>, sink: &mut RowSink<'_>) -> Result<()> {
        validate::cond(q.schema, q.cond)?;
        let folded = Folded::new(q, self.object_ids());
        let Some(q) = paged(&self.timed(folded.apply(q))) else {
            return Ok(());
        };
        let slot = self.slot().await?;
        let r = self
            .bounded(Op::Read, self.adapter().select(slot, &q, sink))
            .await;
        self.noted(r)
    }

    pub(crate) async fn select_ids(&self, q: &Select<'_>) -> Result<Vec<RecordId>> {
        validate::cond(q.schema, q.cond)?;
        let folded = Folded::new(q, self.object_ids());
        let Some(q) = paged(&self.timed(folded.apply(q))) else {
            return Ok(Vec::new());
        };
        let slot = self.slot().await?;
        let r = self
            .bounded(Op::Read, self.adapter().select_ids(slot, &q))
            .await;
        self.noted(r)
    }

    pub(crate) async fn count(&self, q: &Select<'_>) -> Result<u64> {
        validate::cond(q.schema, q.cond)?;
        let folded = Folded::new(q, self.object_ids());
        let Some(q) = paged(&self.timed(folded.apply(q))) else {
            return Ok(0);
        };
        let slot = self.slot().await?;
        let r = self.bounded(Op::Read, self.adapter().count(slot, &q)).await;
        self.noted(r)
    }

    pub(crate) async fn reference_parent(
        &self,
        schema: &'static ModelSchema,
        id: RecordId,
    ) -> Result<bool> {
        let slot = self.slot().await?;
        let r = self
            .bounded(Op::Read, self.adapter().reference_parent(slot, schema, id))
            .await;
        self.noted(r)
    }

    /// Applies `assigns` to the rows `q` selects (no paging: the query
    /// resolved it to ids). Increments are refused before anything is
    /// written when any row would leave its column's range.
    pub(crate) async fn update(&self, q: &Select<'_>, assigns: &[Assign]) -> Result<u64> {
        validate::cond(q.schema, q.cond)?;
        let folded = Folded::new(q, self.object_ids());
        let q = &self.timed(folded.apply(q));
        let assigns = &*fold::assigns(q.schema, assigns);
        let rules = self.conn.rules();
        let touches_fk = self.checks_parents()
            && integrity::child_rules(&rules, q.schema)
                .any(|r| assigns.iter().any(|a| a.column() == r.column));
        let guards = increment::guards(q.schema, q.cond, assigns)?;
        if !touches_fk && guards.is_empty() {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().update(slot, q, assigns))
                .await;
            return self.noted(fold::unshadowed(q.schema, r));
        }
        let r = atomically!(self, |s| {
            for (column, guard) in &guards {
                let n = s.count(&Select::filter(q.schema, guard)).await?;
                if n > 0 {
                    return Err(increment::overflow(column, n));
                }
            }
            if touches_fk {
                for a in assigns {
                    if let Assign::Set { column, value } = a {
                        check_assigned_parent(s, &rules, q.schema, column, value).await?;
                    }
                }
            }
            let slot = s.slot().await?;
            s.bounded(Op::Write, s.adapter().update(slot, q, assigns))
                .await
        });
        self.noted(fold::unshadowed(q.schema, r))
    }

    /// Deletes exactly the selected rows (integrity already handled).
    pub(crate) async fn delete_rows(&self, q: &Select<'_>) -> Result<u64> {
        let q = &self.timed(*q);
        let slot = self.slot().await?;
        let r = self
            .bounded(Op::Write, self.adapter().delete(slot, q))
            .await;
        self.noted(r)
    }

    /// Deletes the selected rows and applies the integrity rules below them:
    /// natively where the database enforces foreign keys, through core's
    /// planner (in one transaction when possible) where it does not.
    pub(crate) async fn delete(&self, q: &Select<'_>) -> Result<u64> {
        validate::cond(q.schema, q.cond)?;
        let folded = Folded::new(q, self.object_ids());
        let q = &folded.apply(q);
        if !self.emulates_integrity() {
            return self
                .delete_rows(q)
                .await
                .map_err(|e| integrity::name_rejecting_child(e, q.schema, &self.conn.rules()));
        }
        let r = atomically!(self, |s| { integrity::delete(s, q).await });
        self.noted(r)
    }

    /// Whether the backend's ids are ObjectIds.
    pub(crate) fn object_ids(&self) -> bool {
        self.conn.capabilities().object_ids
    }

    pub(crate) fn checks_parents(&self) -> bool {
        self.emulates_integrity() && self.conn.inner.check_foreign_keys
    }

    /// A transaction of our own for a multi-step operation, so it is
    /// all-or-nothing: none when the caller already has one (we run inside
    /// theirs) or the backend has none.
    pub(crate) async fn own_tx(&self) -> Result<Option<Transaction>> {
        if self.tx.is_some() || !self.conn.capabilities().transactions {
            return Ok(None);
        }
        // It starts under the operation's own time limit, if it has one.
        Transaction::start(self.conn.clone(), None, TxIntent::Write, self.timeout)
            .await
            .map(Some)
    }
}

/// Commits our own transaction on success, rolls it back on failure.
pub(crate) async fn finish<T>(own: Option<Transaction>, out: Result<T>) -> Result<T> {
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

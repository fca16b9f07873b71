//! One `Adapter` implementation for every SQL dialect, over a [`Backend`].

use std::any::Any;
use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use cormo_core::integrity::{self, IntegrityRule};
use cormo_core::stmt::{Aggregate, Delete, Insert, Raw, Rows, Update, UpdateRow, Upsert};
use cormo_core::{
    Adapter, Capabilities, Error, IsolationLevel, ModelSchema, RecordId, Result, RowReader,
    RowSink, Rows as RowCursor, Select, TxIntent, TxSlot, Value,
};
use sqlx::Database;
use sqlx_core::transaction::TransactionManager;
use tokio::sync::MutexGuard;

use crate::enabled::backend::{self, Backend, BeginWith};
use crate::enabled::ddl;
use crate::enabled::errors::{self, Op};
use crate::enabled::pool::{ConnPool, Lease};
use crate::enabled::render::{self, Sql};
use crate::enabled::timeout::{self, Limit};

/// A SQL database behind a pool of connections.
pub struct SqlAdapter<B: Backend> {
    pool: ConnPool<B::DB>,
    caps: Capabilities,
    /// MySQL: the binary, no-pad collation new tables get (its name
    /// differs between MariaDB and MySQL 8).
    collation: Option<&'static str>,
    /// The connection's statement time limit (the server already enforces
    /// it on every pooled connection where it can be set at connect).
    statement_timeout: Option<Duration>,
    /// False where the server cannot stop a statement at a time limit
    /// (MySQL 8 only bounds SELECTs): any limit is `Unsupported` there.
    server_timeouts: bool,
}

impl<B: Backend> SqlAdapter<B> {
    pub fn new(pool: ConnPool<B::DB>) -> Self {
        SqlAdapter {
            pool,
            caps: B::capabilities(),
            collation: None,
            statement_timeout: None,
            server_timeouts: true,
        }
    }

    /// Sets the connection's statement time limit.
    pub fn with_statement_timeout(mut self, limit: Option<Duration>) -> Self {
        self.statement_timeout = limit;
        self
    }

    /// Marks a server that cannot stop statements at a time limit.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub fn without_server_timeouts(mut self) -> Self {
        self.server_timeouts = false;
        self
    }

    /// Sets the collation of tables this adapter creates.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub fn with_collation(mut self, collation: &'static str) -> Self {
        self.collation = Some(collation);
        self
    }
}

/// A transaction: its connection, held until commit or rollback.
pub(crate) struct SqlTx<DB: Database> {
    pub(crate) lease: Lease<DB>,
    open: bool,
}

impl<DB: Database> Drop for SqlTx<DB> {
    fn drop(&mut self) {
        if self.open {
            // Rolled back before the connection's next statement, as
            // sqlx's own transactions do when dropped.
            if let Ok(c) = self.lease.raw() {
                <DB::TransactionManager as TransactionManager>::start_rollback(c);
            }
        }
    }
}

/// A connection for one operation: from the pool, or the caller's transaction.
pub(crate) enum Conn<'a, DB: Database> {
    Pooled(Lease<DB>),
    Tx(MutexGuard<'a, Option<Box<dyn Any + Send>>>),
}

impl<DB: Database> Conn<'_, DB> {
    fn lease(&mut self) -> Result<&mut Lease<DB>> {
        match self {
            Conn::Pooled(c) => Ok(c),
            Conn::Tx(guard) => {
                let raw = guard.as_mut().ok_or(Error::TransactionFinished)?;
                let tx = raw
                    .downcast_mut::<SqlTx<DB>>()
                    .ok_or(Error::TransactionFinished)?;
                Ok(&mut tx.lease)
            }
        }
    }

    /// The connection for one statement (see [`Lease::start`]).
    pub(crate) fn get(&mut self) -> Result<&mut DB::Connection> {
        self.lease()?.start()
    }

    /// Records how the statement ended (see [`Lease::done`]).
    pub(crate) fn done<T>(&mut self, outcome: &Result<T>) {
        if let Ok(l) = self.lease() {
            l.done(outcome);
        }
    }
}

fn sql_tx<DB: Database>(raw: &mut (dyn Any + Send)) -> Result<&mut SqlTx<DB>> {
    raw.downcast_mut::<SqlTx<DB>>()
        .ok_or(Error::TransactionFinished)
}

/// Most values one multi-row `INSERT` binds: well under every driver's
/// bind-parameter limit (SQLite 32 766, PostgreSQL and MySQL 65 535).
/// Core relies on a batch this small being one atomic statement.
pub const INSERT_BATCH_VALUES: usize = 30_000;

/// SQL backends have integer ids only.
pub(crate) fn int_id(id: RecordId) -> Result<i64> {
    id.as_i64().ok_or_else(|| Error::InvalidId {
        value: id.to_string(),
    })
}

impl<B: Backend> SqlAdapter<B>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: sqlx::IntoArguments<B::DB>,
{
    async fn conn<'a>(&self, tx: Option<&'a TxSlot>) -> Result<Conn<'a, B::DB>> {
        match tx {
            Some(slot) => Ok(Conn::Tx(slot.lock().await)),
            None => self
                .pool
                .acquire()
                .await
                .map(Conn::Pooled)
                .map_err(|e| errors::map(B::DIALECT, None, Op::Read, e)),
        }
    }

    /// The time limit a statement runs under: its operation's own, else
    /// the connection's.
    fn limit(&self, tx: Option<&TxSlot>, own: Option<Duration>) -> Result<Option<Limit>> {
        let limit = timeout::resolve(own, self.statement_timeout, tx.is_some());
        if limit.is_some() && !self.server_timeouts {
            return Err(Error::Unsupported {
                backend: self.caps.backend,
                feature: "statement timeouts on MySQL (MariaDB has them)",
            });
        }
        Ok(limit)
    }

    async fn exec(
        &self,
        tx: Option<&TxSlot>,
        schema: Option<&'static ModelSchema>,
        op: Op,
        sql: Sql,
        own: Option<Duration>,
    ) -> Result<crate::enabled::backend::Done> {
        // Schema changes are maintenance, not statements an application
        // waits on (PostgreSQL's connection-wide limit still applies).
        let limit = if op == Op::Schema {
            None
        } else {
            self.limit(tx, own)?
        };
        let mut c = self.conn(tx).await?;
        let map = move |e| errors::map(B::DIALECT, schema, op, e);
        let r = timeout::execute::<B>(c.get()?, sql, &map, limit).await;
        c.done(&r);
        r
    }

    /// The rows of a read, as a cursor over its connection.
    async fn fetch<'a>(
        &self,
        tx: Option<&'a TxSlot>,
        schema: Option<&'static ModelSchema>,
        sql: Sql,
        own: Option<Duration>,
    ) -> Result<RowCursor<'a>> {
        let limit = self.limit(tx, own)?;
        let c = self.conn(tx).await?;
        crate::enabled::cursor::rows::<B>(c, sql, schema, Op::Read, limit)
    }

    /// Every row of a read, each handed to `each` in turn.
    async fn fetch_each(
        &self,
        tx: Option<&TxSlot>,
        schema: Option<&'static ModelSchema>,
        sql: Sql,
        own: Option<Duration>,
        each: &mut RowSink<'_>,
    ) -> Result<()> {
        let limit = self.limit(tx, own)?;
        let c = self.conn(tx).await?;
        crate::enabled::cursor::each::<B>(c, sql, schema, Op::Read, limit, each).await
    }

    /// The first column of every row of an introspection query.
    async fn strings(&self, sql: Sql) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        let c = self.conn(None).await?;
        crate::enabled::cursor::each::<B>(c, sql, None, Op::Schema, None, &mut |row| {
            if let Some(s) = row.get_string(0)? {
                out.insert(s);
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    async fn ids(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<Vec<RecordId>> {
        let mut out = Vec::new();
        let sql = render::select_ids(B::DIALECT, q)?;
        let mut each = |row: &mut dyn RowReader| {
            if let Some(id) = row.get_id(0)? {
                out.push(id);
            }
            Ok(())
        };
        self.fetch_each(tx, Some(q.schema), sql, q.timeout, &mut each)
            .await?;
        Ok(out)
    }

    /// Runs a write that returns the row's id (`RETURNING id`) on `c`.
    async fn returned_id(
        &self,
        tx: Option<&TxSlot>,
        c: &mut Conn<'_, B::DB>,
        schema: &'static ModelSchema,
        sql: Sql,
    ) -> Result<Option<RecordId>> {
        let mut id = None;
        let mut sink = |row: &mut dyn RowReader| -> Result<()> {
            id = row.get_id(0)?;
            Ok(())
        };
        let limit = self.limit(tx, None)?;
        let map = move |e| errors::map(B::DIALECT, Some(schema), Op::Write, e);
        let r = timeout::fetch::<B>(c.get()?, sql, &mut sink, &map, limit).await;
        c.done(&r);
        r?;
        Ok(id)
    }

    /// One row, with its chosen id or a generated one.
    async fn insert_one(
        &self,
        tx: Option<&TxSlot>,
        schema: &'static ModelSchema,
        id: Option<RecordId>,
        values: &[Value],
    ) -> Result<RecordId> {
        let given = id.map(int_id).transpose()?;
        let sql = render::insert(B::DIALECT, schema, given, values);
        if B::DIALECT.returning() {
            let mut c = self.conn(tx).await?;
            let new_id = self.returned_id(tx, &mut c, schema, sql).await?;
            let limit = self.limit(tx, None)?;
            let map = move |e| errors::map(B::DIALECT, Some(schema), Op::Write, e);
            if given.is_some() && B::DIALECT == crate::enabled::dialect::Dialect::Postgres {
                // A caller-chosen id does not advance the sequence; move it
                // past the id so later inserts do not collide with it.
                let mut sync = Sql::new(B::DIALECT);
                sync.push("SELECT setval(pg_get_serial_sequence(");
                crate::enabled::backend::text_param(&mut sync, &{
                    let mut q = String::new();
                    B::DIALECT.quote(&mut q, schema.table);
                    q
                });
                sync.push(", 'id'), (SELECT MAX(")
                    .ident("id")
                    .push(") FROM ")
                    .ident(schema.table)
                    .push("))");
                let mut ignore = |_: &mut dyn RowReader| -> Result<()> { Ok(()) };
                let r = timeout::fetch::<B>(c.get()?, sync, &mut ignore, &map, limit).await;
                c.done(&r);
                r?;
            }
            return new_id.ok_or_else(|| Error::Driver {
                message: format!("insert into {} returned no id", schema.table),
                source: None,
            });
        }
        let done = self.exec(tx, Some(schema), Op::Write, sql, None).await?;
        match (given, done.last_id) {
            (Some(id), _) => Ok(RecordId::Int(id)),
            (None, Some(id)) => Ok(RecordId::Int(id)),
            (None, None) => Err(Error::Driver {
                message: format!("insert into {} returned no id", schema.table),
                source: None,
            }),
        }
    }

    /// Many rows with generated ids, in chunks of one multi-row INSERT.
    async fn insert_rows(
        &self,
        tx: Option<&TxSlot>,
        schema: &'static ModelSchema,
        rows: &[Vec<Value>],
    ) -> Result<Vec<RecordId>> {
        if schema.columns.is_empty() {
            let mut ids = Vec::with_capacity(rows.len());
            for values in rows {
                ids.push(self.insert_one(tx, schema, None, values).await?);
            }
            return Ok(ids);
        }
        let per_chunk = (INSERT_BATCH_VALUES / schema.columns.len()).max(1);
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(per_chunk) {
            let sql = render::insert_many(B::DIALECT, schema, chunk);
            let mut got: Vec<i64> = Vec::with_capacity(chunk.len());
            if B::DIALECT.returning() {
                let mut sink = |row: &mut dyn RowReader| -> Result<()> {
                    if let Some(id) = row.get_i64(0)? {
                        got.push(id);
                    }
                    Ok(())
                };
                let limit = self.limit(tx, None)?;
                let mut c = self.conn(tx).await?;
                let map = move |e| errors::map(B::DIALECT, Some(schema), Op::Write, e);
                let r = timeout::fetch::<B>(c.get()?, sql, &mut sink, &map, limit).await;
                c.done(&r);
                r?;
                // Ids come from one sequence in VALUES order; RETURNING's
                // row order is not promised, so sort.
                got.sort_unstable();
            } else {
                // MySQL: LAST_INSERT_ID() is the first id of the statement and
                // a multi-row INSERT of known size gets consecutive ids.
                let done = self.exec(tx, Some(schema), Op::Write, sql, None).await?;
                let first = done.last_id.ok_or_else(|| Error::Driver {
                    message: format!("insert into {} returned no id", schema.table),
                    source: None,
                })?;
                got.extend((0..chunk.len() as i64).map(|i| first + i));
            }
            ids.extend(got.into_iter().map(RecordId::Int));
        }
        Ok(ids)
    }

    async fn run_ddl(&self, sql: Sql, schema: &'static ModelSchema) -> Result<()> {
        self.exec(None, Some(schema), Op::Schema, sql, None)
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl<B: Backend> Adapter for SqlAdapter<B>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: sqlx::IntoArguments<B::DB>,
{
    fn max_connections(&self) -> Option<u32> {
        Some(self.pool.max_connections())
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn apply_schemas(
        &self,
        models: &[&'static ModelSchema],
        rules: &[IntegrityRule],
    ) -> Result<()> {
        let d = B::DIALECT;
        let tables = self.strings(B::tables_sql()).await?;
        let inline_fks = d == crate::enabled::dialect::Dialect::Sqlite;
        let mut created = HashSet::new();
        for &m in models {
            if tables.contains(m.table) {
                let cols = self.strings(B::columns_sql(m.table)).await?;
                for c in m.columns.iter().filter(|c| !cols.contains(c.name)) {
                    self.run_ddl(ddl::add_column(d, m, c), m).await?;
                }
                if inline_fks {
                    self.add_inline_foreign_keys(m, rules).await?;
                }
            } else {
                let fks: Vec<&IntegrityRule> = if inline_fks {
                    integrity::child_rules(rules, m).collect()
                } else {
                    Vec::new()
                };
                self.run_ddl(ddl::create_table(d, m, &fks, self.collation), m)
                    .await?;
                created.insert(m.table);
            }
        }
        for &m in models {
            let existing = self.strings(B::indexes_sql(m.table)).await?;
            for index in integrity::wanted_indexes(m, rules) {
                if !existing.contains(&index.name) {
                    self.run_ddl(ddl::create_index(d, m, &index), m).await?;
                }
            }
        }
        if !inline_fks {
            for &m in models {
                let Some(sql) = B::foreign_keys_sql(m.table) else {
                    continue;
                };
                let existing = self.strings(sql).await?;
                for rule in integrity::child_rules(rules, m) {
                    if !existing.contains(rule.column) {
                        self.run_ddl(ddl::add_foreign_key(d, rule), m).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn drop_tables(&self, models: &[&'static ModelSchema]) -> Result<()> {
        for &m in models {
            self.run_ddl(ddl::drop_table(B::DIALECT, m), m).await?;
        }
        Ok(())
    }

    async fn insert(&self, tx: Option<&TxSlot>, q: &Insert<'_>) -> Result<Vec<RecordId>> {
        match q.rows {
            Rows::One { values, id } => Ok(vec![self.insert_one(tx, q.schema, id, values).await?]),
            Rows::Many(rows) => self.insert_rows(tx, q.schema, rows).await,
        }
    }

    async fn update_row(&self, tx: Option<&TxSlot>, q: &UpdateRow<'_>) -> Result<u64> {
        let sql = render::update_by_id(B::DIALECT, q.schema, int_id(q.id)?, q.values);
        let done = self.exec(tx, Some(q.schema), Op::Write, sql, None).await?;
        Ok(done.rows)
    }

    async fn upsert(&self, tx: Option<&TxSlot>, q: &Upsert<'_>) -> Result<RecordId> {
        let sql = crate::enabled::upsert::render(B::DIALECT, q)?;
        let schema = q.schema;
        let no_id = || Error::Driver {
            message: format!("upsert into {} returned no id", schema.table),
            source: None,
        };
        if B::DIALECT.returning() {
            let mut c = self.conn(tx).await?;
            return self
                .returned_id(tx, &mut c, schema, sql)
                .await?
                .ok_or_else(no_id);
        }
        let done = self.exec(tx, Some(schema), Op::Write, sql, None).await?;
        done.last_id.map(RecordId::Int).ok_or_else(no_id)
    }

    async fn select<'a>(&'a self, tx: Option<&'a TxSlot>, q: &Select<'_>) -> Result<RowCursor<'a>> {
        let sql = render::select(B::DIALECT, q)?;
        self.fetch(tx, Some(q.schema), sql, q.timeout).await
    }

    async fn select_each(
        &self,
        tx: Option<&TxSlot>,
        q: &Select<'_>,
        each: &mut RowSink<'_>,
    ) -> Result<()> {
        let sql = render::select(B::DIALECT, q)?;
        self.fetch_each(tx, Some(q.schema), sql, q.timeout, each)
            .await
    }

    async fn select_ids(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<Vec<RecordId>> {
        self.ids(tx, q).await
    }

    async fn raw(
        &self,
        tx: Option<&TxSlot>,
        raw: &Raw,
        want_rows: bool,
    ) -> Result<cormo_core::RawOutcome> {
        let Raw::Sql { text, params } = raw else {
            return Err(Error::Unsupported {
                backend: self.caps.backend,
                feature: "database commands (raw_command is MongoDB's; use raw_sql)",
            });
        };
        let wanted = B::DIALECT.placeholders(text);
        if wanted != params.len() {
            return Err(Error::validation(
                "raw",
                format!(
                    "the statement has {wanted} placeholder(s) but {} value(s) were bound",
                    params.len()
                ),
            ));
        }
        let mut sql = Sql::raw(B::DIALECT, text);
        sql.params = params.iter().cloned().map(render::Param::One).collect();
        if !want_rows {
            let done = self.exec(tx, None, Op::Write, sql, None).await?;
            return Ok(cormo_core::RawOutcome {
                rows: Vec::new(),
                affected: done.rows,
            });
        }
        let limit = self.limit(tx, None)?;
        let mut c = self.conn(tx).await?;
        let map = |e| errors::map(B::DIALECT, None, Op::Read, e);
        let r = timeout::fetch_rows::<B>(c.get()?, sql, &map, limit).await;
        c.done(&r);
        let rows = r?.iter().map(B::lean).collect::<Result<Vec<_>>>()?;
        Ok(cormo_core::RawOutcome { rows, affected: 0 })
    }

    async fn explain(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<String> {
        let select = render::select(B::DIALECT, q)?;
        let (prefix, column) = B::DIALECT.explain();
        let mut sql = Sql::new(B::DIALECT);
        sql.push(prefix).push(&select.text);
        sql.params = select.params;
        let mut lines: Vec<String> = Vec::new();
        let rows = self.fetch(tx, Some(q.schema), sql, q.timeout).await?;
        rows.for_each(|row| {
            if let Some(line) = row.get_string(column)? {
                lines.push(line);
            }
            Ok(())
        })
        .await?;
        Ok(lines.join("\n"))
    }

    async fn count(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<u64> {
        let mut n = 0i64;
        let sql = render::count(B::DIALECT, q)?;
        let rows = self.fetch(tx, Some(q.schema), sql, q.timeout).await?;
        rows.for_each(|row| {
            n = row.get_i64(0)?.unwrap_or(0);
            Ok(())
        })
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn aggregate<'a>(
        &'a self,
        tx: Option<&'a TxSlot>,
        q: &Aggregate<'_>,
    ) -> Result<RowCursor<'a>> {
        let sql = crate::enabled::aggregate::render(B::DIALECT, q)?;
        self.fetch(tx, Some(q.schema), sql, q.timeout).await
    }

    async fn update(&self, tx: Option<&TxSlot>, q: &Update<'_>) -> Result<u64> {
        let sql = render::update(B::DIALECT, q.schema, q.filter, q.assignments)?;
        Ok(self
            .exec(tx, Some(q.schema), Op::Write, sql, q.timeout)
            .await?
            .rows)
    }

    async fn delete(&self, tx: Option<&TxSlot>, q: &Delete<'_>) -> Result<u64> {
        let sql = render::delete(B::DIALECT, q.schema, q.filter)?;
        Ok(self
            .exec(tx, Some(q.schema), Op::Delete, sql, q.timeout)
            .await?
            .rows)
    }

    async fn begin(
        &self,
        level: Option<IsolationLevel>,
        intent: TxIntent,
        own: Option<Duration>,
    ) -> Result<Box<dyn Any + Send>> {
        let map = |e| errors::map(B::DIALECT, None, Op::Read, e);
        let limit = self.limit(None, own)?;
        let mut lease = self.pool.acquire().await.map_err(map)?;
        let statement = match B::begin_statement(level, intent) {
            None => None,
            Some(BeginWith::Replace(stmt)) => Some(stmt),
            Some(BeginWith::Before(stmt)) => {
                let c = lease.start()?;
                let r = backend::execute::<B>(c, Sql::raw(B::DIALECT, stmt), &map).await;
                lease.done(&r);
                r?;
                None
            }
        };
        let c = lease.start()?;
        let r = timeout::begin::<B>(c, statement, &map, limit).await;
        lease.done(&r);
        r?;
        Ok(Box::new(SqlTx { lease, open: true }))
    }

    async fn commit(&self, raw: Box<dyn Any + Send>) -> Result<()> {
        let mut tx = raw
            .downcast::<SqlTx<B::DB>>()
            .map_err(|_| Error::TransactionFinished)?;
        let c = tx.lease.start()?;
        let r = <<B::DB as Database>::TransactionManager as TransactionManager>::commit(c)
            .await
            .map_err(|e| errors::map(B::DIALECT, None, Op::Write, e));
        tx.lease.done(&r);
        if r.is_ok() {
            tx.open = false;
        }
        r
    }

    async fn rollback(&self, raw: Box<dyn Any + Send>) -> Result<()> {
        let mut tx = raw
            .downcast::<SqlTx<B::DB>>()
            .map_err(|_| Error::TransactionFinished)?;
        let c = tx.lease.start()?;
        let r = <<B::DB as Database>::TransactionManager as TransactionManager>::rollback(c)
            .await
            .map_err(|e| errors::map(B::DIALECT, None, Op::Write, e));
        tx.lease.done(&r);
        tx.open = false;
        if r.is_err() {
            // Whatever state the session is in, it is not to be reused.
            tx.lease.discard();
        }
        r
    }

    async fn savepoint(&self, raw: &mut (dyn Any + Send), name: &str) -> Result<()> {
        self.savepoint_stmt(raw, "SAVEPOINT ", name).await
    }

    async fn release_savepoint(&self, raw: &mut (dyn Any + Send), name: &str) -> Result<()> {
        self.savepoint_stmt(raw, "RELEASE SAVEPOINT ", name).await
    }

    async fn rollback_to_savepoint(&self, raw: &mut (dyn Any + Send), name: &str) -> Result<()> {
        self.savepoint_stmt(raw, "ROLLBACK TO SAVEPOINT ", name)
            .await
    }

    async fn close(&self) {
        self.pool.close()
    }
}

impl<B: Backend> SqlAdapter<B>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: sqlx::IntoArguments<B::DB>,
{
    /// SQLite cannot add a foreign key to an existing table, so a table that
    /// lacks one is rebuilt with it (SQLite's documented procedure: create,
    /// copy, drop, rename, check), in one transaction on one connection.
    async fn add_inline_foreign_keys(
        &self,
        m: &'static ModelSchema,
        rules: &[IntegrityRule],
    ) -> Result<()> {
        let wanted: Vec<&IntegrityRule> = integrity::child_rules(rules, m).collect();
        let Some(sql) = B::foreign_keys_sql(m.table) else {
            return Ok(());
        };
        let have = self.strings(sql).await?;
        if wanted.iter().all(|r| have.contains(r.column)) {
            return Ok(());
        }
        let d = B::DIALECT;
        let map = move |e| errors::map(d, Some(m), Op::Schema, e);
        let mut lease = self.pool.acquire().await.map_err(map)?;
        let conn = lease.raw()?;
        backend::execute::<B>(conn, Sql::raw(d, "PRAGMA foreign_keys = OFF"), &map).await?;
        let mut steps = vec![Sql::raw(d, "BEGIN")];
        steps.extend(ddl::rebuild_with_foreign_keys(d, m, &wanted));
        let mut result = Ok(());
        for step in steps {
            if let Err(e) = backend::execute::<B>(conn, step, &map).await {
                result = Err(e);
                break;
            }
        }
        if result.is_ok() {
            let mut violations = 0i64;
            let mut sink = |row: &mut dyn RowReader| -> Result<()> {
                violations = row.get_i64(0)?.unwrap_or(0);
                Ok(())
            };
            let mut check = Sql::raw(d, "SELECT COUNT(*) FROM pragma_foreign_key_check(");
            crate::enabled::backend::text_param(&mut check, m.table);
            check.push(")");
            result = backend::fetch::<B>(conn, check, &mut sink, &map).await;
            if result.is_ok() && violations > 0 {
                result = Err(Error::ForeignKey {
                    message: format!(
                        "cannot add foreign keys to {}: {violations} rows reference missing parents",
                        m.table
                    ),
                });
            }
        }
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = backend::execute::<B>(conn, Sql::raw(d, end), &map).await;
        let restored =
            backend::execute::<B>(conn, Sql::raw(d, "PRAGMA foreign_keys = ON"), &map).await;
        result.and(ended).and(restored).map(|_| ())
    }

    async fn savepoint_stmt(
        &self,
        raw: &mut (dyn Any + Send),
        verb: &str,
        name: &str,
    ) -> Result<()> {
        let tx = sql_tx::<B::DB>(raw)?;
        let mut sql = Sql::new(B::DIALECT);
        sql.push(verb).ident(name);
        let map = |e| errors::map(B::DIALECT, None, Op::Write, e);
        let c = tx.lease.start()?;
        let r = backend::execute::<B>(c, sql, &map).await.map(|_| ());
        tx.lease.done(&r);
        r
    }
}

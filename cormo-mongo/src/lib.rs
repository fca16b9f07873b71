#![warn(missing_docs)]
//! MongoDB backend for cormo, on the official `mongodb` driver.
//!
//! MongoDB has no foreign keys, so this adapter declares
//! `native_foreign_keys: false` and cormo-core's integrity planner carries
//! out the rules, inside a transaction whenever the deployment has them
//! (replica sets and sharded clusters).

mod aggregate;
mod convert;
mod cursor;
mod errors;
mod expr;
mod filter;
#[cfg(test)]
mod fuzz_tests;
/// The filter invariant the `cargo fuzz` target checks.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod upsert;
mod writes;

use std::any::Any;

use async_trait::async_trait;
use cormo_core::integrity::{self, IntegrityRule};
use cormo_core::stmt::Expr;
use cormo_core::{
    Adapter, Capabilities, ConnectOptions, Connection, Error, IsolationLevel, ModelSchema,
    RecordId, Result, Rows, Select, TxSlot, Value,
};
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use mongodb::options::{
    ClientOptions, IndexOptions, ReadConcern, TransactionOptions, WriteConcern,
};
use mongodb::{ClientSession, Collection, IndexModel};

use crate::convert::{field, object_id, record_id, to_bson};
use crate::cursor::open_rows;
use crate::writes::Write;

/// Opens a client on `mongodb://host[:port]/database[?options]`. The
/// database defaults to `test` when the URL names none.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let mut co = ClientOptions::parse(&opts.url)
        .await
        .map_err(|e| errors::map(e, None))?;
    co.max_pool_size = Some(opts.max_connections);
    co.min_pool_size = Some(opts.min_connections);
    co.server_selection_timeout = Some(opts.acquire_timeout);
    co.max_idle_time = opts.idle_timeout;
    let db_name = co
        .default_database
        .clone()
        .unwrap_or_else(|| "test".to_owned());
    let client = mongodb::Client::with_options(co).map_err(|e| errors::map(e, None))?;
    let db = client.database(&db_name);
    // Transactions need a replica set or a sharded cluster.
    let hello = db
        .run_command(doc! { "hello": 1 })
        .await
        .map_err(|e| errors::map(e, None))?;
    let transactions = hello.contains_key("setName") || hello.get_str("msg") == Ok("isdbgrid");
    let adapter = MongoAdapter {
        db,
        caps: Capabilities {
            backend: "mongodb",
            native_foreign_keys: false,
            transactions,
            savepoints: false,
            // Transactions read a snapshot.
            isolation_levels: if transactions {
                &[IsolationLevel::RepeatableRead]
            } else {
                &[]
            },
            datetime_precision: 3,
            atomic_insert_values: None,
            upsert_picks_key: true,
            object_ids: true,
        },
        statement_timeout: opts.effective_statement_timeout(),
    };
    Ok(Connection::from_adapter(Box::new(adapter), opts))
}

fn nullable_bson(v: &Value) -> Result<Option<mongodb::bson::Bson>> {
    if v.is_null() {
        Ok(None)
    } else {
        to_bson(v).map(Some)
    }
}

/// A MongoDB database.
pub struct MongoAdapter {
    db: mongodb::Database,
    caps: Capabilities,
    /// The connection's statement time limit, sent as `maxTimeMS` on
    /// reads (the driver takes none on writes; core bounds those).
    statement_timeout: Option<std::time::Duration>,
}

/// The hidden field a transaction writes on a parent it checked, so a
/// concurrent delete of that parent conflicts instead of leaving an orphan.
const LOCK_FIELD: &str = "_cormo_lock";

fn session(raw: &mut (dyn Any + Send)) -> Result<&mut ClientSession> {
    raw.downcast_mut::<ClientSession>()
        .ok_or(Error::TransactionFinished)
}

/// Runs `$op` with the caller's session when there is one.
macro_rules! with_session {
    ($tx:expr, $action:expr) => {{
        match $tx {
            None => $action.await,
            Some(slot) => {
                let mut guard = slot.lock().await;
                let raw = guard.as_mut().ok_or(Error::TransactionFinished)?;
                let s = session(raw.as_mut())?;
                $action.session(&mut *s).await
            }
        }
    }};
}

/// Runs a cursor-returning action (`find`, `aggregate`), in the caller's
/// session if any, and calls `$each` on every document as it arrives.
impl MongoAdapter {
    fn coll(&self, schema: &ModelSchema) -> Collection<Document> {
        self.db.collection(schema.table)
    }

    fn document(schema: &ModelSchema, id: Option<ObjectId>, values: &[Value]) -> Result<Document> {
        let mut d = Document::new();
        if let Some(id) = id {
            d.insert("_id", id);
        }
        // NULL is stored as a missing field (as CORMO does): queries treat
        // both alike, and sparse unique indexes skip them.
        for (c, v) in schema.columns.iter().zip(values) {
            if !v.is_null() {
                d.insert(c.name, to_bson(v)?);
            }
        }
        Ok(d)
    }

    /// `$set` for values, `$unset` for NULLs.
    fn set_unset(
        pairs: impl Iterator<Item = (&'static str, Result<Option<mongodb::bson::Bson>>)>,
    ) -> Result<Document> {
        let mut set = Document::new();
        let mut unset = Document::new();
        for (name, v) in pairs {
            match v? {
                Some(b) => set.insert(name, b),
                None => unset.insert(name, ""),
            };
        }
        let mut update = Document::new();
        if !set.is_empty() {
            update.insert("$set", set);
        }
        if !unset.is_empty() {
            update.insert("$unset", unset);
        }
        Ok(update)
    }

    /// A selection reads only its fields (`_id` always comes back).
    fn projection(q: &Select<'_>) -> Result<Option<Document>> {
        let Some(cols) = q.columns else {
            return Ok(None);
        };
        let mut p = Document::new();
        for &pos in cols {
            let c = q
                .schema
                .columns
                .get(pos)
                .ok_or_else(|| Error::UnknownColumn {
                    model: q.schema.name,
                    column: format!("#{pos}"),
                })?;
            p.insert(c.name, 1);
        }
        Ok(Some(p))
    }

    fn find_options(
        q: &Select<'_>,
        projection: Option<Document>,
    ) -> Result<mongodb::options::FindOptions> {
        let mut sort = Document::new();
        for o in q.order {
            if o.column != "id" && q.schema.column(o.column).is_none() {
                return Err(Error::UnknownColumn {
                    model: q.schema.name,
                    column: o.column.to_owned(),
                });
            }
            let dir = if o.dir == cormo_core::Dir::Desc {
                -1
            } else {
                1
            };
            sort.insert(field(o.column), dir);
        }
        let mut opts = mongodb::options::FindOptions::default();
        opts.sort = (!sort.is_empty()).then_some(sort);
        opts.limit = q.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        opts.skip = q.skip;
        opts.projection = projection;
        Ok(opts)
    }
}

#[async_trait]
impl Adapter for MongoAdapter {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn apply_schemas(
        &self,
        models: &[&'static ModelSchema],
        rules: &[IntegrityRule],
    ) -> Result<()> {
        let existing = self
            .db
            .list_collection_names()
            .await
            .map_err(|e| errors::map(e, None))?;
        for &m in models {
            if !existing.iter().any(|n| n == m.table) {
                self.db
                    .create_collection(m.table)
                    .await
                    .map_err(|e| errors::map(e, Some(m)))?;
            }
            let coll = self.coll(m);
            let have = coll
                .list_index_names()
                .await
                .map_err(|e| errors::map(e, Some(m)))?;
            for index in integrity::wanted_indexes(m, rules) {
                if have.contains(&index.name) {
                    continue;
                }
                let mut keys = Document::new();
                for c in &index.columns {
                    keys.insert(field(c), 1);
                }
                // As CORMO: a unique index is sparse unless every column is
                // required, so documents without the field do not collide.
                let sparse = index.unique
                    && index
                        .columns
                        .iter()
                        .any(|c| m.column(c).is_some_and(|d| d.nullable));
                let options = IndexOptions::builder()
                    .name(index.name.clone())
                    .unique(index.unique)
                    .sparse(sparse)
                    .build();
                let model = IndexModel::builder().keys(keys).options(options).build();
                coll.create_index(model)
                    .await
                    .map_err(|e| errors::map(e, Some(m)))?;
            }
        }
        Ok(())
    }

    async fn drop_tables(&self, models: &[&'static ModelSchema]) -> Result<()> {
        for &m in models {
            self.coll(m)
                .drop()
                .await
                .map_err(|e| errors::map(e, Some(m)))?;
        }
        Ok(())
    }

    async fn insert(
        &self,
        tx: Option<&TxSlot>,
        q: &cormo_core::stmt::Insert<'_>,
    ) -> Result<Vec<RecordId>> {
        use cormo_core::stmt::Rows;
        let schema = q.schema;
        // Ids are made here, so their order is known without asking.
        let (ids, mut docs) = match q.rows {
            Rows::One { values, id } => {
                let oid = match id {
                    Some(id) => object_id(id)?,
                    None => ObjectId::new(),
                };
                (vec![oid], vec![Self::document(schema, Some(oid), values)?])
            }
            Rows::Many(rows) => {
                let ids: Vec<ObjectId> = rows.iter().map(|_| ObjectId::new()).collect();
                let docs = rows
                    .iter()
                    .zip(&ids)
                    .map(|(values, id)| Self::document(schema, Some(*id), values))
                    .collect::<Result<Vec<Document>>>()?;
                (ids, docs)
            }
        };
        let out = || ids.iter().copied().map(record_id).collect();
        if let Some(limit) = self.statement_timeout {
            writes::run(&self.db, tx, schema, Write::Insert(docs), limit).await?;
            return Ok(out());
        }
        let coll = self.coll(schema);
        let map = |e| errors::map(e, Some(schema));
        match docs.pop() {
            Some(only) if docs.is_empty() => {
                with_session!(tx, coll.insert_one(only)).map_err(map)?;
            }
            Some(last) => {
                docs.push(last);
                with_session!(tx, coll.insert_many(docs)).map_err(map)?;
            }
            None => {}
        }
        Ok(out())
    }

    async fn upsert(
        &self,
        tx: Option<&TxSlot>,
        q: &cormo_core::stmt::Upsert<'_>,
    ) -> Result<RecordId> {
        upsert::run(self.coll(q.schema), tx, q, self.statement_timeout).await
    }

    async fn update_row(
        &self,
        tx: Option<&TxSlot>,
        q: &cormo_core::stmt::UpdateRow<'_>,
    ) -> Result<u64> {
        let (schema, id, values) = (q.schema, q.id, q.values);
        let pairs = schema
            .columns
            .iter()
            .zip(values)
            .map(|(c, v)| (c.name, nullable_bson(v)));
        let mut update = Self::set_unset(pairs)?;
        let coll = self.coll(schema);
        let filter = doc! { "_id": object_id(id)? };
        if update.is_empty() {
            // Nothing to write; still report whether the document exists.
            update = doc! { "$setOnInsert": { "_id": object_id(id)? } };
        }
        if let Some(limit) = self.statement_timeout {
            let w = Write::Update {
                filter,
                update,
                multi: false,
            };
            return Ok(writes::run(&self.db, tx, schema, w, limit).await?.n);
        }
        let r = with_session!(tx, coll.update_one(filter, update))
            .map_err(|e| errors::map(e, Some(schema)))?;
        Ok(r.matched_count)
    }

    async fn select<'a>(&'a self, tx: Option<&'a TxSlot>, q: &Select<'_>) -> Result<Rows<'a>> {
        let f = filter::filter(q.schema, q.cond)?;
        let mut opts = Self::find_options(q, Self::projection(q)?)?;
        let limit = q.timeout.or(self.statement_timeout);
        opts.max_time = limit;
        let coll = self.coll(q.schema);
        let schema = q.schema;
        let columns: Option<std::sync::Arc<[usize]>> = q.columns.map(std::sync::Arc::from);
        let map = move |e| errors::timed(errors::map(e, Some(schema)), limit);
        Ok(open_rows!(
            tx,
            coll.find(f).with_options(opts),
            map,
            schema,
            columns,
            None
        ))
    }

    async fn raw(
        &self,
        tx: Option<&TxSlot>,
        raw: &cormo_core::stmt::Raw,
        _rows: bool,
    ) -> Result<cormo_core::RawOutcome> {
        let cormo_core::stmt::Raw::Command(command) = raw else {
            return Err(Error::Unsupported {
                backend: "mongodb",
                feature: "SQL (raw_sql is for the SQL backends; use raw_command)",
            });
        };
        let command = match Bson::try_from(command.clone()) {
            Ok(Bson::Document(d)) => d,
            _ => {
                return Err(Error::validation(
                    "command",
                    "must be a JSON object (a MongoDB command document)",
                ))
            }
        };
        let reply =
            with_session!(tx, self.db.run_command(command)).map_err(|e| errors::map(e, None))?;
        let affected = match reply.get("n") {
            Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
            Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let row = match Bson::Document(reply).into_relaxed_extjson() {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        Ok(cormo_core::RawOutcome {
            rows: vec![row],
            affected,
        })
    }

    async fn explain(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<String> {
        let opts = Self::find_options(q, Self::projection(q)?)?;
        let mut find = doc! {
            "find": q.schema.table,
            "filter": filter::filter(q.schema, q.cond)?,
        };
        if let Some(sort) = opts.sort {
            find.insert("sort", sort);
        }
        if let Some(limit) = opts.limit {
            find.insert("limit", limit);
        }
        if let Some(skip) = opts.skip {
            find.insert("skip", i64::try_from(skip).unwrap_or(i64::MAX));
        }
        let command = doc! { "explain": find, "verbosity": "queryPlanner" };
        let plan = with_session!(tx, self.db.run_command(command))
            .map_err(|e| errors::map(e, Some(q.schema)))?;
        let plan = plan
            .get("queryPlanner")
            .cloned()
            .unwrap_or(Bson::Document(plan));
        Ok(plan.into_relaxed_extjson().to_string())
    }

    async fn select_ids(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<Vec<RecordId>> {
        let mut out = Vec::new();
        // Fetching whole documents keeps one code path; the id is column 0.
        let rows = self.select(tx, q).await?;
        rows.for_each(|row| {
            if let Some(id) = row.get_id(0)? {
                out.push(id);
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    async fn aggregate<'a>(
        &'a self,
        tx: Option<&'a TxSlot>,
        q: &cormo_core::stmt::Aggregate<'_>,
    ) -> Result<Rows<'a>> {
        let limit = q.timeout.or(self.statement_timeout);
        aggregate::run(self.coll(q.schema), tx, q, limit).await
    }

    async fn count(&self, tx: Option<&TxSlot>, q: &Select<'_>) -> Result<u64> {
        let f = filter::filter(q.schema, q.cond)?;
        let coll = self.coll(q.schema);
        let mut opts = mongodb::options::CountOptions::default();
        opts.limit = q.limit;
        opts.skip = q.skip;
        let limit = q.timeout.or(self.statement_timeout);
        opts.max_time = limit;
        with_session!(tx, coll.count_documents(f).with_options(opts))
            .map_err(|e| errors::timed(errors::map(e, Some(q.schema)), limit))
    }

    async fn update(&self, tx: Option<&TxSlot>, q: &cormo_core::stmt::Update<'_>) -> Result<u64> {
        let f = filter::filter(q.schema, q.filter)?;
        let mut inc = Document::new();
        let mut sets = Vec::new();
        for a in q.assignments {
            let Some(def) = q.schema.column(a.column) else {
                return Err(Error::UnknownColumn {
                    model: q.schema.name,
                    column: a.column.to_owned(),
                });
            };
            match (&a.value, a.value.increment_of(a.column)) {
                (_, Some(by)) => {
                    inc.insert(a.column, to_bson(by)?);
                }
                (Expr::Value(v), None) => sets.push((def.name, nullable_bson(v))),
                // Core lowers every `Assign` to one of the two above.
                _ => {
                    return Err(Error::Unsupported {
                        backend: "mongodb",
                        feature:
                            "an assignment other than a value or an increment of the column itself",
                    })
                }
            }
        }
        let mut update = Self::set_unset(sets.into_iter())?;
        if !inc.is_empty() {
            update.insert("$inc", inc);
        }
        if let Some(limit) = q.timeout.or(self.statement_timeout) {
            let w = Write::Update {
                filter: f,
                update,
                multi: true,
            };
            return Ok(writes::run(&self.db, tx, q.schema, w, limit).await?.n);
        }
        let coll = self.coll(q.schema);
        let r = with_session!(tx, coll.update_many(f, update))
            .map_err(|e| errors::map(e, Some(q.schema)))?;
        Ok(r.matched_count)
    }

    async fn delete(&self, tx: Option<&TxSlot>, q: &cormo_core::stmt::Delete<'_>) -> Result<u64> {
        let f = filter::filter(q.schema, q.filter)?;
        if let Some(limit) = q.timeout.or(self.statement_timeout) {
            let w = Write::Delete(f);
            return Ok(writes::run(&self.db, tx, q.schema, w, limit).await?.n);
        }
        let coll = self.coll(q.schema);
        let r =
            with_session!(tx, coll.delete_many(f)).map_err(|e| errors::map(e, Some(q.schema)))?;
        Ok(r.deleted_count)
    }

    async fn reference_parent(
        &self,
        tx: Option<&TxSlot>,
        schema: &'static ModelSchema,
        id: RecordId,
    ) -> Result<bool> {
        let coll = self.coll(schema);
        let filter = doc! { "_id": object_id(id)? };
        if tx.is_none() {
            // Without a transaction there is nothing to conflict with.
            let n = coll
                .count_documents(filter)
                .await
                .map_err(|e| errors::map(e, Some(schema)))?;
            return Ok(n > 0);
        }
        let update = doc! { "$set": { LOCK_FIELD: ObjectId::new() } };
        let r = with_session!(tx, coll.update_one(filter, update))
            .map_err(|e| errors::map(e, Some(schema)))?;
        Ok(r.matched_count > 0)
    }

    async fn begin(
        &self,
        level: Option<IsolationLevel>,
        _intent: cormo_core::TxIntent,
        _limit: Option<std::time::Duration>,
    ) -> Result<Box<dyn Any + Send>> {
        let map = |e| errors::map(e, None);
        let mut s = self.db.client().start_session().await.map_err(map)?;
        let mut opts = TransactionOptions::default();
        if level.is_some() {
            opts.read_concern = Some(ReadConcern::snapshot());
            opts.write_concern = Some(WriteConcern::majority());
        }
        s.start_transaction()
            .with_options(opts)
            .await
            .map_err(map)?;
        Ok(Box::new(s))
    }

    async fn commit(&self, mut raw: Box<dyn Any + Send>) -> Result<()> {
        session(raw.as_mut())?
            .commit_transaction()
            .await
            .map_err(|e| errors::map(e, None))
    }

    async fn rollback(&self, mut raw: Box<dyn Any + Send>) -> Result<()> {
        session(raw.as_mut())?
            .abort_transaction()
            .await
            .map_err(|e| errors::map(e, None))
    }

    async fn savepoint(&self, _tx: &mut (dyn Any + Send), _name: &str) -> Result<()> {
        Err(self.no_savepoints())
    }

    async fn release_savepoint(&self, _tx: &mut (dyn Any + Send), _name: &str) -> Result<()> {
        Err(self.no_savepoints())
    }

    async fn rollback_to_savepoint(&self, _tx: &mut (dyn Any + Send), _name: &str) -> Result<()> {
        Err(self.no_savepoints())
    }

    async fn close(&self) {
        self.db.client().clone().shutdown().await
    }
}

impl MongoAdapter {
    fn no_savepoints(&self) -> Error {
        Error::Unsupported {
            backend: "mongodb",
            feature: "nested transactions",
        }
    }
}

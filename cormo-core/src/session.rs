//! The session: where every operation runs, and the one pipeline it runs
//! through. Each operation checks its statement against the schema
//! (`validate`), rewrites what the backend must not see (case-insensitive
//! columns, ids of the other kind: `fold`), applies the integrity rules
//! where they are emulated (`integrity`, in one transaction with the write:
//! `atomically!`), then hands the statement to the adapter inside the
//! caller's transaction, bounded in time and counted (`bounded`), and
//! records the outcome in that transaction (`noted`). Operations with a
//! statement of their own live in `ops/`, one file each, and go through
//! the same steps.

use std::time::Duration;

use crate::adapter::{Adapter, Select, TxIntent, TxSlot};
use crate::cond::Assign;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::fold::{self, Folded};
use crate::id::RecordId;
use crate::increment;
use crate::integrity::{self, IntegrityRule};
use crate::rows::RowSink;
use crate::schema::ModelSchema;
use crate::stats::Op;
use crate::stmt::{Assignment, Delete, Insert, Rows, Update, UpdateRow};
use crate::transaction::{Transaction, TxRef};
use crate::validate;
use crate::value::Value;

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
    /// Reads in this session feed a write (integrity and increment checks,
    /// the ids of a paged update): the intent later routing (a read
    /// replica) must honour, and `Stats::reads_for_writes` counts.
    pub(crate) feeds_write: bool,
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
            feeds_write: false,
        }
    }

    /// The same session, its reads marked as feeding a write.
    pub(crate) fn for_write(mut self) -> Self {
        self.feeds_write = true;
        self
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
        self.conn.note_statement(kind, self.feeds_write);
        let Some(limit) = self.timeout.or(self.conn.statement_timeout()) else {
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
            None if self.conn.waits_for_own_transaction() => Err(Error::Connection {
                message: "this operation ran on the Connection inside its own transaction(..) closure, \
                          and the database has a single connection (in-memory SQLite, or \
                          max_connections(1)), which the transaction holds until the closure returns; \
                          run it on the closure's Transaction instead"
                    .into(),
                source: None,
            }),
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
        let stmt = Insert {
            schema,
            rows: Rows::One { values, id },
        };
        let first = |ids: Vec<RecordId>| {
            ids.into_iter().next().ok_or_else(|| Error::Driver {
                message: format!("insert into {} returned no id", schema.table),
                source: None,
            })
        };
        if !self.checks_parents() {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().insert(slot, &stmt))
                .await
                .and_then(first);
            return self.noted(fold::unshadowed(schema, r));
        }
        let rules = self.conn.rules();
        let r = atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, values).await?;
            let slot = s.slot().await?;
            s.bounded(Op::Write, s.adapter().insert(slot, &stmt))
                .await
                .and_then(first)
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
        let stmt = Insert {
            schema,
            rows: Rows::Many(rows),
        };
        if !check && one_statement {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().insert(slot, &stmt))
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
            s.bounded(Op::Write, s.adapter().insert(slot, &stmt)).await
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
        let stmt = UpdateRow { schema, id, values };
        if !self.checks_parents() {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().update_row(slot, &stmt))
                .await;
            return self.noted(fold::unshadowed(schema, r));
        }
        let rules = self.conn.rules();
        let r = atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, values).await?;
            let slot = s.slot().await?;
            s.bounded(Op::Write, s.adapter().update_row(slot, &stmt))
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
        let read = self.adapter().select_each(slot, &q, sink);
        let r = self.bounded(Op::Read, read).await;
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
        let lowered: Vec<Assignment> = assigns.iter().map(Assignment::from).collect();
        let stmt = Update {
            schema: q.schema,
            filter: q.cond,
            assignments: &lowered,
            timeout: q.timeout,
        };
        if !touches_fk && guards.is_empty() {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().update(slot, &stmt))
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
            s.bounded(Op::Write, s.adapter().update(slot, &stmt)).await
        });
        self.noted(fold::unshadowed(q.schema, r))
    }

    /// Deletes exactly the selected rows (integrity already handled).
    pub(crate) async fn delete_rows(&self, q: &Select<'_>) -> Result<u64> {
        let q = &self.timed(*q);
        let stmt = Delete {
            schema: q.schema,
            filter: q.cond,
            timeout: q.timeout,
        };
        let slot = self.slot().await?;
        let r = self
            .bounded(Op::Write, self.adapter().delete(slot, &stmt))
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
        self.emulates_integrity() && self.conn.checks_foreign_keys()
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

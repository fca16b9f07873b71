//! Transactions: explicit begin / commit / rollback, nesting by savepoints,
//! rollback when dropped, and one rule for failed statements on every
//! backend.
//!
//! Nested transactions are a stack, as savepoints are: only the innermost
//! open level runs statements, begins a child or commits. Using an outer
//! level while a child is open is [`Error::TransactionNesting`] (so two
//! siblings cannot interleave and silently undo each other). Rolling back
//! a level also ends every level below it. A level dropped without commit
//! is rolled back before the next statement of its transaction, whichever
//! level runs it.
//!
//! A statement the database refuses aborts the level it ran in: later
//! operations on it are [`Error::TransactionAborted`], `commit` rolls it
//! back and returns that error, `rollback` succeeds. An outer level is not
//! affected once the aborted nested one is rolled back.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::adapter::TxIntent;
use crate::adapter::{Adapter, IsolationLevel, TxSlot};
use crate::connection::{Connection, Executor};
use crate::error::{Error, Result};
use crate::session::Session;

/// One open level: the whole transaction (index 0) or a savepoint.
struct Frame {
    id: u64,
    /// The savepoint; `None` for the transaction itself.
    savepoint: Option<String>,
    /// Why it was aborted, once a statement in it failed.
    aborted: Option<String>,
    /// Dropped without commit or rollback: roll back before the next statement.
    dropped: bool,
}

/// State shared by a transaction and everything nested in it.
pub(crate) struct TxShared {
    pub(crate) slot: Arc<TxSlot>,
    frames: Mutex<Vec<Frame>>,
    next_id: AtomicU64,
    /// Streams reading in this transaction: each holds its connection
    /// until it ends or is dropped, so anything else run meanwhile from
    /// the same task would wait for ever; it is refused instead.
    open_streams: AtomicUsize,
}

impl TxShared {
    fn frames(&self) -> MutexGuard<'_, Vec<Frame>> {
        // A panic elsewhere cannot leave the list half-updated: every
        // change is a single push, pop, truncate or field store.
        self.frames.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Rolls back levels dropped without commit, outermost first (which
    /// also discards everything below it).
    async fn flush_dropped(&self, adapter: &dyn Adapter) -> Result<()> {
        let target = {
            let frames = self.frames();
            match frames.iter().position(|f| f.dropped) {
                None => return Ok(()),
                Some(i) => (i, frames[i].savepoint.clone()),
            }
        };
        match target {
            (0, _) | (_, None) => {
                // Every handle on the transaction itself is gone; only
                // nested handles remain. Nothing can commit it any more.
                self.frames().clear();
                let raw = self.slot.lock().await.take();
                if let Some(raw) = raw {
                    adapter.rollback(raw).await?;
                }
                Err(Error::TransactionFinished)
            }
            (i, Some(name)) => {
                self.frames().truncate(i);
                self.undo_savepoint(adapter, &name).await
            }
        }
    }

    /// Refuses to touch the transaction while one of its streams holds it.
    fn no_open_stream(&self) -> Result<()> {
        match self.open_streams.load(Ordering::Acquire) {
            0 => Ok(()),
            n => Err(Error::validation(
                "transaction",
                format!(
                    "has {n} stream(s) still open, which hold its connection: read each to the end or drop it first"
                ),
            )),
        }
    }

    /// The backend's transaction, taken out to commit or roll it back.
    async fn take_raw(&self) -> Result<Box<dyn std::any::Any + Send>> {
        self.no_open_stream()?;
        self.slot
            .lock()
            .await
            .take()
            .ok_or(Error::TransactionFinished)
    }

    /// `ROLLBACK TO` and `RELEASE`: the savepoint's work is undone and the
    /// savepoint is gone.
    async fn undo_savepoint(&self, adapter: &dyn Adapter, name: &str) -> Result<()> {
        let mut guard = self.slot.lock().await;
        let tx = guard.as_mut().ok_or(Error::TransactionFinished)?;
        adapter.rollback_to_savepoint(tx.as_mut(), name).await?;
        adapter.release_savepoint(tx.as_mut(), name).await
    }
}

/// A handle's place in the stack.
struct Level {
    shared: Arc<TxShared>,
    id: u64,
    depth: usize,
}

impl Level {
    /// Errors unless this level is open and innermost.
    fn check(&self, frames: &[Frame], what: &str) -> Result<()> {
        match frames.get(self.depth) {
            Some(f) if f.id == self.id => {}
            _ => return Err(Error::TransactionFinished),
        }
        if frames.len() > self.depth + 1 {
            return Err(Error::TransactionNesting {
                message: format!(
                    "cannot {what} while a transaction nested in it is open; commit, roll back or drop that one first"
                ),
            });
        }
        Ok(())
    }

    fn aborted(&self, frames: &[Frame]) -> Option<String> {
        frames.get(self.depth).and_then(|f| f.aborted.clone())
    }

    /// Makes this level ready for a statement: dropped levels rolled back,
    /// this one open, innermost and not aborted.
    pub(crate) async fn enter(&self, adapter: &dyn Adapter) -> Result<()> {
        self.shared.no_open_stream()?;
        self.shared.flush_dropped(adapter).await?;
        let frames = self.shared.frames();
        self.check(&frames, "run a statement")?;
        match self.aborted(&frames) {
            Some(message) => Err(Error::TransactionAborted { message }),
            None => Ok(()),
        }
    }

    /// Records a failed statement: the level is aborted.
    pub(crate) fn note<T>(&self, r: &Result<T>) {
        let Err(e) = r else { return };
        if aborts(e) {
            self.abort(e);
        }
    }

    /// Aborts the level whatever the error: an operation that wrote part
    /// of its work and then failed must not be committed half done.
    pub(crate) fn abort(&self, e: &Error) {
        let mut frames = self.shared.frames();
        if let Some(f) = frames.get_mut(self.depth) {
            if f.id == self.id && f.aborted.is_none() {
                f.aborted = Some(crate::error::clip(&e.to_string()));
            }
        }
    }
}

/// Errors that mean a statement reached the database (or cormo's emulation
/// of it) and failed there. Errors found before anything was sent leave the
/// transaction usable.
fn aborts(e: &Error) -> bool {
    !matches!(
        e,
        Error::UnknownColumn { .. }
            | Error::UnknownOperator { .. }
            | Error::InvalidId { .. }
            | Error::Unsupported { .. }
            | Error::TransactionFinished
            | Error::TransactionAborted { .. }
            | Error::TransactionNesting { .. }
    )
}

impl Drop for Level {
    fn drop(&mut self) {
        let mut frames = self.shared.frames();
        if let Some(f) = frames.get_mut(self.depth) {
            if f.id == self.id {
                // Drop cannot run async code: the next statement rolls it back.
                f.dropped = true;
            }
        }
    }
}

/// A database transaction. Pass `&tx` wherever a connection is accepted.
///
/// Clones are handles on the same transaction (or nested transaction). It
/// rolls back when the last handle is dropped without
/// [`commit`](Transaction::commit). After commit or rollback, using it is
/// [`Error::TransactionFinished`]. See the module rules above for nesting
/// and for statements that fail.
#[derive(Clone)]
pub struct Transaction {
    conn: Connection,
    level: Arc<Level>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("depth", &self.level.depth)
            .finish()
    }
}

impl Transaction {
    pub(crate) async fn start(
        conn: Connection,
        level: Option<IsolationLevel>,
        intent: TxIntent,
        limit: Option<std::time::Duration>,
    ) -> Result<Self> {
        let caps = conn.capabilities();
        if !caps.transactions {
            return Err(Error::Unsupported {
                backend: caps.backend,
                feature: "transactions",
            });
        }
        if let Some(l) = level {
            if !caps.isolation_levels.contains(&l) {
                return Err(Error::Unsupported {
                    backend: caps.backend,
                    feature: l.feature(),
                });
            }
        }
        let raw = conn.adapter().begin(level, intent, limit).await?;
        let shared = Arc::new(TxShared {
            slot: Arc::new(tokio::sync::Mutex::new(Some(raw))),
            frames: Mutex::new(vec![Frame {
                id: 0,
                savepoint: None,
                aborted: None,
                dropped: false,
            }]),
            next_id: AtomicU64::new(1),
            open_streams: AtomicUsize::new(0),
        });
        Ok(Transaction {
            conn,
            level: Arc::new(Level {
                shared,
                id: 0,
                depth: 0,
            }),
        })
    }

    /// A nested transaction (a savepoint). Committing it keeps its work for
    /// the outer transaction to commit; rolling it back (or dropping it)
    /// undoes only its own work. While it is open, the outer transaction
    /// cannot be used ([`Error::TransactionNesting`]).
    pub async fn begin(&self) -> Result<Transaction> {
        let caps = self.conn.capabilities();
        if !caps.savepoints {
            return Err(Error::Unsupported {
                backend: caps.backend,
                feature: "nested transactions",
            });
        }
        let adapter = self.conn.adapter();
        self.level.enter(adapter).await?;
        let shared = self.level.shared.clone();
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let name = format!("cormo_sp_{id}");
        {
            let mut guard = shared.slot.lock().await;
            let tx = guard.as_mut().ok_or(Error::TransactionFinished)?;
            let r = adapter.savepoint(tx.as_mut(), &name).await;
            self.level.note(&r);
            r?;
        }
        let depth = {
            let mut frames = shared.frames();
            frames.push(Frame {
                id,
                savepoint: Some(name),
                aborted: None,
                dropped: false,
            });
            frames.len() - 1
        };
        Ok(Transaction {
            conn: self.conn.clone(),
            level: Arc::new(Level { shared, id, depth }),
        })
    }

    /// Commits. For a nested transaction, keeps its work in the outer one.
    /// An aborted transaction is rolled back instead and the error is
    /// [`Error::TransactionAborted`].
    pub async fn commit(&self) -> Result<()> {
        let adapter = self.conn.adapter();
        let shared = &self.level.shared;
        shared.flush_dropped(adapter).await?;
        let (aborted, savepoint) = {
            let frames = shared.frames();
            self.level.check(&frames, "commit")?;
            let f = &frames[self.level.depth];
            (self.level.aborted(&frames), f.savepoint.clone())
        };
        // From here the level is finished, whatever the database says.
        shared.frames().truncate(self.level.depth);
        match (savepoint, aborted) {
            (Some(name), Some(message)) => {
                shared.undo_savepoint(adapter, &name).await?;
                Err(Error::TransactionAborted { message })
            }
            (Some(name), None) => {
                let mut guard = shared.slot.lock().await;
                let tx = guard.as_mut().ok_or(Error::TransactionFinished)?;
                adapter.release_savepoint(tx.as_mut(), &name).await
            }
            (None, aborted) => {
                let raw = shared.take_raw().await?;
                match aborted {
                    Some(message) => {
                        adapter.rollback(raw).await?;
                        Err(Error::TransactionAborted { message })
                    }
                    None => adapter.commit(raw).await,
                }
            }
        }
    }

    /// Rolls back, with every transaction nested in it. For a nested
    /// transaction, undoes only its own work.
    pub async fn rollback(&self) -> Result<()> {
        let adapter = self.conn.adapter();
        let shared = &self.level.shared;
        shared.flush_dropped(adapter).await?;
        let savepoint = {
            let mut frames = shared.frames();
            match frames.get(self.level.depth) {
                Some(f) if f.id == self.level.id => {}
                _ => return Err(Error::TransactionFinished),
            }
            let sp = frames[self.level.depth].savepoint.clone();
            frames.truncate(self.level.depth);
            sp
        };
        match savepoint {
            Some(name) => shared.undo_savepoint(adapter, &name).await,
            None => adapter.rollback(shared.take_raw().await?).await,
        }
    }

    /// The connection this transaction runs on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl Executor for Transaction {
    fn session(&self) -> Session<'_> {
        Session::new(&self.conn, Some(TxRef(&self.level)))
    }
}

/// A borrowed transaction level, for [`Session`].
#[derive(Clone, Copy)]
pub(crate) struct TxRef<'a>(&'a Level);

impl<'a> TxRef<'a> {
    /// Prepares for a statement and hands out the backend's transaction.
    pub(crate) async fn enter(&self, adapter: &dyn Adapter) -> Result<&'a TxSlot> {
        self.0.enter(adapter).await?;
        Ok(&self.0.shared.slot)
    }

    /// As [`enter`](Self::enter), for a stream that locks the transaction
    /// for as long as it reads; the mark counts it as open until it is
    /// dropped.
    pub(crate) async fn enter_stream(
        &self,
        adapter: &dyn Adapter,
    ) -> Result<(&'a TxSlot, StreamMark)> {
        self.0.enter(adapter).await?;
        self.0.shared.open_streams.fetch_add(1, Ordering::AcqRel);
        let mark = StreamMark(self.0.shared.clone());
        Ok((&self.0.shared.slot, mark))
    }

    /// Records the outcome of a statement.
    pub(crate) fn note<T>(&self, r: &Result<T>) {
        self.0.note(r)
    }

    /// Aborts the caller's level (see `Level::abort`).
    pub(crate) fn abort(&self, e: &Error) {
        self.0.abort(e)
    }
}

/// A stream open in a transaction (see `TxShared::open_streams`); dropping
/// it (the stream ended or was dropped) closes it.
pub(crate) struct StreamMark(Arc<TxShared>);

impl Drop for StreamMark {
    fn drop(&mut self) {
        self.0.open_streams.fetch_sub(1, Ordering::AcqRel);
    }
}

//! Transactions: explicit begin / commit / rollback, nesting by savepoints,
//! and rollback when dropped.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use crate::adapter::{Adapter, IsolationLevel, TxSlot};
use crate::connection::{Connection, Executor, Session};
use crate::error::{Error, Result};

/// State shared by a transaction and everything nested in it.
pub(crate) struct TxShared {
    pub(crate) slot: TxSlot,
    /// Savepoints of nested transactions dropped without commit or rollback;
    /// rolled back before the next statement (Drop cannot run async code).
    pending: Mutex<Vec<String>>,
    next_savepoint: AtomicU32,
}

impl TxShared {
    pub(crate) async fn flush_pending(&self, adapter: &dyn Adapter) -> Result<()> {
        let names: Vec<String> = match self.pending.lock() {
            Ok(mut p) if !p.is_empty() => std::mem::take(&mut *p),
            _ => return Ok(()),
        };
        let mut guard = self.slot.lock().await;
        let tx = guard.as_mut().ok_or(Error::TransactionFinished)?;
        for name in names {
            adapter.rollback_to_savepoint(tx.as_mut(), &name).await?;
        }
        Ok(())
    }
}

/// One level: the whole transaction, or a savepoint inside it.
struct Level {
    shared: Arc<TxShared>,
    savepoint: Option<String>,
    done: AtomicBool,
}

impl Drop for Level {
    fn drop(&mut self) {
        if let Some(name) = &self.savepoint {
            if !self.done.load(Ordering::Acquire) {
                if let Ok(mut p) = self.shared.pending.lock() {
                    p.push(name.clone());
                }
            }
        }
        // The outermost level needs nothing here: when the last handle goes,
        // the backend's transaction object is dropped and the driver rolls
        // it back.
    }
}

/// A database transaction. Pass `&tx` wherever a connection is accepted.
///
/// Clones are handles on the same transaction. It rolls back when the last
/// handle is dropped without [`commit`](Transaction::commit). After commit or
/// rollback, using it is [`Error::TransactionFinished`].
#[derive(Clone)]
pub struct Transaction {
    conn: Connection,
    level: Arc<Level>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("savepoint", &self.level.savepoint)
            .finish()
    }
}

impl Transaction {
    pub(crate) async fn start(conn: Connection, level: Option<IsolationLevel>) -> Result<Self> {
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
                    feature: "this isolation level",
                });
            }
        }
        let raw = conn.adapter().begin(level).await?;
        let shared = Arc::new(TxShared {
            slot: tokio::sync::Mutex::new(Some(raw)),
            pending: Mutex::new(Vec::new()),
            next_savepoint: AtomicU32::new(1),
        });
        Ok(Transaction {
            conn,
            level: Arc::new(Level {
                shared,
                savepoint: None,
                done: AtomicBool::new(false),
            }),
        })
    }

    /// A nested transaction (a savepoint). Committing it keeps its work for
    /// the outer transaction to commit; rolling it back (or dropping it)
    /// undoes only its own work.
    pub async fn begin(&self) -> Result<Transaction> {
        let caps = self.conn.capabilities();
        if !caps.savepoints {
            return Err(Error::Unsupported {
                backend: caps.backend,
                feature: "nested transactions",
            });
        }
        self.check_open()?;
        let shared = self.level.shared.clone();
        shared.flush_pending(self.conn.adapter()).await?;
        let n = shared.next_savepoint.fetch_add(1, Ordering::Relaxed);
        let name = format!("cormo_sp_{n}");
        {
            let mut guard = shared.slot.lock().await;
            let tx = guard.as_mut().ok_or(Error::TransactionFinished)?;
            self.conn.adapter().savepoint(tx.as_mut(), &name).await?;
        }
        Ok(Transaction {
            conn: self.conn.clone(),
            level: Arc::new(Level {
                shared,
                savepoint: Some(name),
                done: AtomicBool::new(false),
            }),
        })
    }

    fn check_open(&self) -> Result<()> {
        if self.level.done.load(Ordering::Acquire) {
            return Err(Error::TransactionFinished);
        }
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        if self.level.done.swap(true, Ordering::AcqRel) {
            return Err(Error::TransactionFinished);
        }
        Ok(())
    }

    /// Commits. For a nested transaction, releases its savepoint.
    pub async fn commit(&self) -> Result<()> {
        self.end(true).await
    }

    /// Rolls back. For a nested transaction, rolls back to its savepoint.
    pub async fn rollback(&self) -> Result<()> {
        self.end(false).await
    }

    async fn end(&self, commit: bool) -> Result<()> {
        self.finish()?;
        let shared = &self.level.shared;
        let adapter = self.conn.adapter();
        match &self.level.savepoint {
            Some(name) => {
                shared.flush_pending(adapter).await?;
                let mut guard = shared.slot.lock().await;
                let tx = guard.as_mut().ok_or(Error::TransactionFinished)?;
                if commit {
                    adapter.release_savepoint(tx.as_mut(), name).await
                } else {
                    adapter.rollback_to_savepoint(tx.as_mut(), name).await
                }
            }
            None => {
                let raw = shared
                    .slot
                    .lock()
                    .await
                    .take()
                    .ok_or(Error::TransactionFinished)?;
                if commit {
                    // Savepoints abandoned by dropped nested transactions
                    // must not be committed.
                    let names: Vec<String> = match shared.pending.lock() {
                        Ok(mut p) => std::mem::take(&mut *p),
                        Err(_) => Vec::new(),
                    };
                    let mut raw = raw;
                    for name in names {
                        adapter.rollback_to_savepoint(raw.as_mut(), &name).await?;
                    }
                    adapter.commit(raw).await
                } else {
                    adapter.rollback(raw).await
                }
            }
        }
    }

    /// The connection this transaction runs on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl Executor for Transaction {
    fn session(&self) -> Session<'_> {
        Session::new(&self.conn, Some(&self.level.shared), Some(&self.level.done))
    }
}

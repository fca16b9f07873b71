//! Connections without a round trip of their own per operation.
//!
//! sqlx's `Pool` pings a connection when it is checked out (with
//! `test_before_acquire`) and again, always, when it is given back, so
//! every operation paid for up to two extra round trips. Here a connection
//! is handed out and taken back as it is. A broken connection is found by
//! the operation that uses it: a connection error discards it and every
//! idle connection with it (a server restart or a killed session takes
//! them all), so the next operation connects afresh. A connection whose
//! statement was abandoned mid-way (its future dropped, e.g. by a timeout)
//! is discarded too, never reused with a half-read reply on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cormo_core::{Error, Result};
use sqlx::Database;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Options<DB> = <<DB as Database>::Connection as sqlx::Connection>::Options;

impl Settings {
    /// From the user's options.
    pub fn from(opts: &cormo_core::ConnectOptions) -> Self {
        Settings {
            max_connections: opts.max_connections,
            min_connections: opts.min_connections,
            acquire_timeout: opts.acquire_timeout,
            idle_timeout: opts.idle_timeout,
            keep_forever: false,
        }
    }
}

/// How a pool behaves, from `ConnectOptions`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_connections: u32,
    /// Connections opened up front (at least one, to check the URL).
    pub min_connections: u32,
    pub acquire_timeout: Duration,
    pub idle_timeout: Option<Duration>,
    /// An in-memory SQLite database lives in its one connection: keep it
    /// whatever happens, never reconnect.
    pub keep_forever: bool,
}

struct Idle<C> {
    conn: C,
    since: Instant,
}

struct Shared<DB: Database> {
    options: Options<DB>,
    settings: Settings,
    idle: Mutex<Vec<Idle<DB::Connection>>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
}

/// A pool of connections to one database.
pub struct ConnPool<DB: Database> {
    shared: Arc<Shared<DB>>,
}

impl<DB: Database> Clone for ConnPool<DB> {
    fn clone(&self) -> Self {
        ConnPool {
            shared: self.shared.clone(),
        }
    }
}

/// A connection checked out of the pool; it goes back when dropped.
pub struct Lease<DB: Database> {
    conn: Option<DB::Connection>,
    shared: Arc<Shared<DB>>,
    _permit: OwnedSemaphorePermit,
    /// A statement is running on it; dropped like this, it is discarded.
    busy: bool,
    /// A connection error was seen on it.
    broken: bool,
}

fn idle_lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding this lock cannot leave the list inconsistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<DB: Database> ConnPool<DB> {
    /// The most connections open at once.
    pub fn max_connections(&self) -> u32 {
        self.shared.settings.max_connections.max(1)
    }

    /// A pool that opens its first connection now, so a bad URL or an
    /// unreachable server is an error at connect time.
    pub async fn open(
        options: Options<DB>,
        settings: Settings,
        map: impl Fn(sqlx::Error) -> Error,
    ) -> Result<Self> {
        let pool = ConnPool {
            shared: Arc::new(Shared {
                permits: Arc::new(Semaphore::new(settings.max_connections.max(1) as usize)),
                options,
                settings,
                idle: Mutex::new(Vec::new()),
                closed: AtomicBool::new(false),
            }),
        };
        let settings = &pool.shared.settings;
        let up_front = settings
            .min_connections
            .clamp(1, settings.max_connections.max(1));
        for _ in 0..up_front {
            let conn = tokio::time::timeout(
                settings.acquire_timeout,
                <Options<DB> as sqlx::ConnectOptions>::connect(&pool.shared.options),
            )
            .await
            .map_err(|_| timed_out())?
            .map_err(&map)?;
            idle_lock(&pool.shared.idle).push(Idle {
                conn,
                since: Instant::now(),
            });
        }
        Ok(pool)
    }

    /// A connection: an idle one, or a new one when none is idle.
    pub async fn acquire(&self) -> std::result::Result<Lease<DB>, sqlx::Error> {
        let s = &self.shared;
        if s.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        let deadline = Instant::now() + s.settings.acquire_timeout;
        let permit = tokio::time::timeout(
            s.settings.acquire_timeout,
            s.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
        .map_err(|_| sqlx::Error::PoolClosed)?;
        let reused = {
            let mut idle = idle_lock(&s.idle);
            let mut found = None;
            while let Some(i) = idle.pop() {
                let stale = !s.settings.keep_forever
                    && s.settings
                        .idle_timeout
                        .is_some_and(|t| i.since.elapsed() > t);
                if !stale {
                    found = Some(i.conn);
                    break;
                }
            }
            found
        };
        let conn = match reused {
            Some(c) => c,
            None => {
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::timeout(
                    left,
                    <Options<DB> as sqlx::ConnectOptions>::connect(&s.options),
                )
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)??
            }
        };
        Ok(Lease {
            conn: Some(conn),
            shared: s.clone(),
            _permit: permit,
            busy: false,
            broken: false,
        })
    }

    /// Closes idle connections; later operations fail with a connection error.
    pub fn close(&self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.permits.close();
        idle_lock(&self.shared.idle).clear();
    }
}

fn timed_out() -> Error {
    Error::Connection {
        message: "timed out opening a connection".to_owned(),
        source: None,
    }
}

impl<DB: Database> Lease<DB> {
    /// The connection, for one statement: until [`Lease::done`] it counts
    /// as busy, so a statement abandoned mid-way discards it.
    pub fn start(&mut self) -> Result<&mut DB::Connection> {
        self.busy = true;
        self.raw()
    }

    /// The statement finished with `outcome`. A connection error means the
    /// session is gone, and so, most likely, are the idle ones (a restart
    /// or a killed server): they are all discarded.
    pub fn done<T>(&mut self, outcome: &Result<T>) {
        self.busy = false;
        if matches!(outcome, Err(Error::Connection { .. })) && !self.shared.settings.keep_forever {
            self.broken = true;
            idle_lock(&self.shared.idle).clear();
        }
    }

    /// The connection, outside statement bookkeeping (transaction control).
    pub fn raw(&mut self) -> Result<&mut DB::Connection> {
        self.conn.as_mut().ok_or_else(|| Error::Connection {
            message: "the connection was discarded".to_owned(),
            source: None,
        })
    }

    /// Marks the connection as not to be reused.
    pub fn discard(&mut self) {
        if !self.shared.settings.keep_forever {
            self.broken = true;
        }
    }
}

impl<DB: Database> Drop for Lease<DB> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let s = &self.shared;
        let reusable = s.settings.keep_forever
            || (!self.busy && !self.broken && !s.closed.load(Ordering::Acquire));
        if reusable {
            idle_lock(&s.idle).push(Idle {
                conn,
                since: Instant::now(),
            });
        }
        // Otherwise the connection is dropped, which closes its socket.
    }
}

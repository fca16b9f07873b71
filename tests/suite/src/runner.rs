//! Turns [`crate::TESTS`] into test trials for one backend.
//!
//! A backend's binary calls [`run`] from `main` (`harness = false`), so the
//! suite is compiled once and each backend only links it. The backend's
//! capabilities are read from a live connection before the list is built:
//! whether MongoDB has transactions depends on how the server runs.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use cormo::{Capabilities, Connection};
use libtest_mimic::{Arguments, Failed, Trial};

/// Gives a test a fresh, empty database, named after the test.
pub type Factory = for<'a> fn(&'a str) -> Pin<Box<dyn Future<Output = Connection> + 'a>>;

/// The body of a suite test, run against the factory's connection.
pub type Body = for<'a> fn(&'a Connection) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// What a test needs from the backend to be generated for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requires {
    /// Multi-statement transactions.
    Transactions,
    /// No transactions (the test asserts the typed `Unsupported`).
    NoTransactions,
    /// Nested transactions.
    Savepoints,
    /// No nested transactions (the test asserts the typed `Unsupported`).
    NoSavepoints,
    /// A MongoDB-only check (a documented backend difference).
    MongoDb,
    /// A SQLite-only check (a documented backend difference).
    Sqlite,
    /// A PostgreSQL-only check (its integer widths, say).
    Postgres,
    /// A write blocked behind another transaction's lock ends at its time
    /// limit. Every SQL backend and mongod do (`maxTimeMS`); SecantusDB,
    /// the MongoDB stand-in CI runs, retries such a write forever and
    /// stalls, so on MongoDB this holds only with
    /// `CORMO_TEST_MONGODB_SERVER=mongod`.
    BlockedWritesStopAtTheLimit,
    /// The server takes a write of 100 000 rows in seconds. Every SQL
    /// backend and mongod do; SecantusDB stalls under one, so on MongoDB
    /// this holds only with `CORMO_TEST_MONGODB_SERVER=mongod`.
    LargeWrites,
}

/// Names the MongoDB server under test: `secantusdb` (the default, what
/// `.ci/run` starts) or `mongod`.
pub const MONGODB_SERVER_VAR: &str = "CORMO_TEST_MONGODB_SERVER";

impl Requires {
    fn holds(self, caps: &Capabilities) -> bool {
        match self {
            Requires::Transactions => caps.transactions,
            Requires::NoTransactions => !caps.transactions,
            Requires::Savepoints => caps.savepoints,
            Requires::NoSavepoints => !caps.savepoints,
            Requires::MongoDb => caps.backend == "mongodb",
            Requires::Sqlite => caps.backend == "sqlite",
            Requires::Postgres => caps.backend == "postgres",
            Requires::BlockedWritesStopAtTheLimit | Requires::LargeWrites => {
                caps.backend != "mongodb"
                    || std::env::var(MONGODB_SERVER_VAR).is_ok_and(|s| s == "mongod")
            }
        }
    }
}

/// One suite test: its name, what it requires and its body.
pub struct SuiteTest {
    /// The test's function name.
    pub name: &'static str,
    /// Every requirement must hold for the test to be generated.
    pub requires: &'static [Requires],
    /// The test itself.
    pub run: Body,
}

/// How long one test may take before it fails (SecantusDB, the MongoDB
/// stand-in, has been seen to stall); `CORMO_TEST_TIMEOUT_SECS` overrides.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn timeout() -> Duration {
    std::env::var("CORMO_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

/// Runs every suite test that applies to the backend `factory` connects to,
/// with libtest's command line (filters, `--list`, `--test-threads`, …).
pub fn run(factory: Factory) -> ExitCode {
    let args = Arguments::from_args();
    let caps = runtime().block_on(async {
        let db = factory("capabilities_probe").await;
        let caps = db.capabilities().clone();
        db.close().await;
        caps
    });
    let limit = timeout();
    let trials = crate::TESTS
        .iter()
        .filter(|t| t.requires.iter().all(|r| r.holds(&caps)))
        .map(|t| {
            let (name, body) = (t.name, t.run);
            Trial::test(name, move || {
                runtime().block_on(async move {
                    let test = async {
                        let db = factory(name).await;
                        body(&db).await;
                        db.close().await;
                    };
                    tokio::time::timeout(limit, test)
                        .await
                        .map_err(|_| Failed::from(format!("timed out after {limit:?}")))
                })
            })
            .with_kind(caps.backend)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

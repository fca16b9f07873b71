//! cormo adds no heap allocation per row: loading more rows through cormo
//! costs, per extra row, no more allocations than raw sqlx decoding the
//! same rows into a tuple of the same fields (whose `String`s are the only
//! allocations a row needs beyond what the driver makes). Counted with a
//! counting global allocator, on SQLite in memory, PostgreSQL and MariaDB.
//!
//! Only the test's own thread is counted: cormo's code runs there (the
//! runtime is single-threaded). SQLite's driver steps each statement on
//! a worker thread of its own, which allocates the row and, whenever it
//! or the reader has to wait on the channel between them, a wait hook;
//! how often that happens depends on thread timing alone, so counting it
//! would measure the scheduler rather than cormo. The worker runs the
//! same driver code for both arms.
#![cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use cormo::prelude::*;
use sqlx::Connection as _;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set on the thread a test counts (see the module docs).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    // `try_with`: a thread being torn down has no flag, and is not counted.
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: defers to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The count is the whole process's, so the tests take turns: one
/// counting while another runs would see its allocations too.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes this test's turn, and counts its thread from now on.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    COUNTED.with(|c| c.set(true));
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Model, Debug, Default)]
#[cormo(table = "alloc_users")]
pub struct AllocUser {
    pub id: Id,
    pub name: String,
    pub hair_color: Option<String>,
}

const DDL: &str = "CREATE TABLE alloc_users (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255) NOT NULL, hair_color VARCHAR(255))";
const ROWS: usize = 2_000;

async fn allocations<F: std::future::Future<Output = usize>>(f: F) -> (usize, usize) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let n = f.await;
    (ALLOCATIONS.load(Ordering::Relaxed) - before, n)
}

/// The table, with `ROWS` users written by cormo.
async fn seed(db: &Connection) {
    db.register::<AllocUser>();
    db.apply_schemas().await.unwrap();
    let users: Vec<AllocUser> = (0..ROWS)
        .map(|i| AllocUser {
            name: format!("User {i}"),
            hair_color: (i % 2 == 0).then(|| "black".to_owned()),
            ..Default::default()
        })
        .collect();
    AllocUser::create_many(db, users).await.unwrap();
}

/// The first `n` users, through cormo.
async fn cormo_load(db: &Connection, n: usize) -> usize {
    let q = AllocUser::query()
        .order_by(AllocUser::ID.asc())
        .limit(n as u64);
    q.all(db).await.unwrap().len()
}

/// Allocations per extra row: the difference between loading `ROWS` and
/// 100 rows, so fixed costs (the statement, the result vector) cancel out.
fn per_row(small: usize, large: usize) -> f64 {
    (large as f64 - small as f64) / (ROWS - 100) as f64
}

#[cfg(feature = "sqlite")]
#[test]
fn cormo_allocates_no_more_per_row_than_raw_sqlx() {
    let _turn = one_at_a_time();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = cormo::connect("sqlite::memory:").await.unwrap();
        seed(&db).await;

        let mut raw = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(DDL).execute(&mut raw).await.unwrap();
        for i in 0..ROWS {
            sqlx::query("INSERT INTO alloc_users (name, hair_color) VALUES (?, ?)")
                .bind(format!("User {i}"))
                .bind((i % 2 == 0).then(|| "black".to_owned()))
                .execute(&mut raw)
                .await
                .unwrap();
        }

        let cormo_load = |n: usize| cormo_load(&db, n);
        // Warm up both (statement caches, lazily built state).
        cormo_load(ROWS).await;
        let sql = "SELECT id, name, hair_color FROM alloc_users ORDER BY id LIMIT ?";
        let mut raw_load = async |n: usize| {
            let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(sql)
                .bind(n as i64)
                .fetch_all(&mut raw)
                .await
                .unwrap();
            rows.len()
        };
        raw_load(ROWS).await;
        let mut raw2 = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query(DDL).execute(&mut raw2).await.unwrap();
        for i in 0..ROWS {
            sqlx::query("INSERT INTO alloc_users (name, hair_color) VALUES (?, ?)")
                .bind(format!("User {i}"))
                .bind((i % 2 == 0).then(|| "black".to_owned()))
                .execute(&mut raw2)
                .await
                .unwrap();
        }
        let mut stream_load = async |n: usize| {
            use futures_util::TryStreamExt;
            use sqlx::Row;
            let mut out: Vec<(i64, String, Option<String>)> = Vec::new();
            let mut rows = sqlx::query(sql).bind(n as i64).fetch(&mut raw2);
            while let Some(r) = rows.try_next().await.unwrap() {
                out.push((r.try_get(0).unwrap(), r.try_get(1).unwrap(), r.try_get(2).unwrap()));
            }
            out.len()
        };
        stream_load(ROWS).await;

        // Each figure is the least of a few runs: noise (a lazily grown
        // buffer, a runtime wake-up) only ever adds allocations.
        let mut cormo = f64::MAX;
        let mut raw = f64::MAX;
        let mut streamed = f64::MAX;
        for _ in 0..7 {
            let (small, n1) = allocations(cormo_load(100)).await;
            let (large, n2) = allocations(cormo_load(ROWS)).await;
            assert_eq!((n1, n2), (100, ROWS));
            cormo = cormo.min(per_row(small, large));
            let (small, n1) = allocations(raw_load(100)).await;
            let (large, n2) = allocations(raw_load(ROWS)).await;
            assert_eq!((n1, n2), (100, ROWS));
            raw = raw.min(per_row(small, large));
            let (small, n1) = allocations(stream_load(100)).await;
            let (large, n2) = allocations(stream_load(ROWS)).await;
            assert_eq!((n1, n2), (100, ROWS));
            streamed = streamed.min(per_row(small, large));
        }
        eprintln!(
            "allocations per row: cormo {cormo:.2}, raw sqlx fetch_all {raw:.2}, raw sqlx fetch {streamed:.2}"
        );
        // cormo reads a stream, like `fetch`; a little slack for how the
        // result vectors happen to grow.
        let baseline = raw.min(streamed);
        assert!(
            cormo <= baseline + 0.05,
            "cormo makes {cormo:.2} allocations per row, raw sqlx {baseline:.2}"
        );
    });
}

/// The least allocations per extra row over a few runs of `load` (noise
/// only ever adds allocations).
async fn least_per_row<F, Fut>(mut load: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    load(ROWS).await; // warm up: statement caches, lazily built state
    let mut least = f64::MAX;
    for _ in 0..5 {
        let (small, n1) = allocations(load(100)).await;
        let (large, n2) = allocations(load(ROWS)).await;
        assert_eq!((n1, n2), (100, ROWS));
        least = least.min(per_row(small, large));
    }
    least
}

/// The same check over a server's connection: cormo's table, read by
/// cormo and by raw sqlx on a bare connection to the same database.
macro_rules! server_test {
    ($name:ident, $feature:literal, $harness:ident, $url:ident, $conn:ty, $sql:literal) => {
        #[cfg(feature = $feature)]
        #[test]
        fn $name() {
            let _turn = one_at_a_time();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let db = cormo_suite::harness::$harness(stringify!($name)).await;
                seed(&db).await;
                let cormo = least_per_row(|n| cormo_load(&db, n)).await;
                let url = cormo_suite::harness::$url(stringify!($name));
                let raw = std::sync::Arc::new(tokio::sync::Mutex::new(
                    <$conn>::connect(&url).await.unwrap(),
                ));
                let raw = least_per_row(|n| {
                    let raw = raw.clone();
                    async move {
                        let mut c = raw.lock().await;
                        let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as($sql)
                            .bind(n as i64)
                            .fetch_all(&mut *c)
                            .await
                            .unwrap();
                        rows.len()
                    }
                })
                .await;
                let raw2 = std::sync::Arc::new(tokio::sync::Mutex::new(
                    <$conn>::connect(&url).await.unwrap(),
                ));
                let streamed = least_per_row(|n| {
                    let raw = raw2.clone();
                    async move {
                        use futures_util::TryStreamExt;
                        use sqlx::Row;
                        let mut c = raw.lock().await;
                        let mut out: Vec<(i64, String, Option<String>)> = Vec::new();
                        let mut rows = sqlx::query($sql).bind(n as i64).fetch(&mut *c);
                        while let Some(r) = rows.try_next().await.unwrap() {
                            out.push((r.try_get(0).unwrap(), r.try_get(1).unwrap(), r.try_get(2).unwrap()));
                        }
                        out.len()
                    }
                })
                .await;
                eprintln!(
                    "allocations per row: cormo {cormo:.2}, raw sqlx fetch_all {raw:.2}, raw sqlx fetch {streamed:.2}"
                );
                let baseline = raw.min(streamed);
                assert!(
                    cormo <= baseline + 0.05,
                    "cormo makes {cormo:.2} allocations per row, raw sqlx {baseline:.2}"
                );
            });
        }
    };
}

server_test!(
    cormo_allocates_no_more_per_row_than_raw_sqlx_on_postgres,
    "postgres",
    postgres,
    postgres_url,
    sqlx::PgConnection,
    "SELECT id, name, hair_color FROM alloc_users ORDER BY id LIMIT $1"
);
server_test!(
    cormo_allocates_no_more_per_row_than_raw_sqlx_on_mysql,
    "mysql",
    mysql,
    mysql_url,
    sqlx::MySqlConnection,
    "SELECT id, name, hair_color FROM alloc_users ORDER BY id LIMIT ?"
);

//! A million rows through `Query::stream` with bounded memory: the live
//! heap, tracked by a counting global allocator, grows by a few megabytes
//! at most while the stream is read, where `all()` of the same rows holds
//! them all. SQLite always; PostgreSQL and MySQL with their features.
#![cfg(feature = "sqlite")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cormo::prelude::*;
use futures_util::TryStreamExt;

struct Tracking;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: defers to the system allocator; only counts bytes.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// The heap is one for the whole process: the tests run one at a time so
/// one's `all()` is not counted in another's stream.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Model, Debug, Default)]
#[cormo(table = "stream_rows")]
pub struct StreamRow {
    pub id: Id,
    pub name: String,
    pub n: i64,
}

const ROWS: i64 = 1_000_000;
/// What the stream may add to the live heap: its read-ahead buffer and the
/// driver's, far below the ~60 MB a million records take.
const STREAM_BUDGET: usize = 4 << 20;

/// The peak growth of the live heap while `f` runs.
async fn peak_growth<T>(f: impl std::future::Future<Output = T>) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f.await;
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

async fn million(db: &Connection) {
    db.register::<StreamRow>();
    db.apply_schemas().await.unwrap();
    let mut next = 0;
    while next < ROWS {
        let chunk: Vec<StreamRow> = (next..(next + 100_000).min(ROWS))
            .map(|n| StreamRow {
                name: format!("row {n}"),
                n,
                ..Default::default()
            })
            .collect();
        next += chunk.len() as i64;
        StreamRow::create_many(db, chunk).await.unwrap();
    }

    let ((count, sum), streamed) = peak_growth(async {
        let mut rows = std::pin::pin!(StreamRow::query().stream(db));
        let (mut count, mut sum) = (0i64, 0i64);
        while let Some(r) = rows.try_next().await.unwrap() {
            count += 1;
            sum += r.n;
        }
        (count, sum)
    })
    .await;
    assert_eq!(count, ROWS);
    assert_eq!(sum, ROWS * (ROWS - 1) / 2);
    assert!(
        streamed < STREAM_BUDGET,
        "streaming {ROWS} rows grew the heap by {streamed} bytes"
    );

    // The same rows through `all()`: the measure sees what holding them costs.
    let (all, held) = peak_growth(StreamRow::query().all(db)).await;
    assert_eq!(all.unwrap().len() as i64, ROWS);
    assert!(
        held > 4 * streamed && held > STREAM_BUDGET,
        "all() grew the heap by {held} bytes, the stream by {streamed}"
    );
    eprintln!("{ROWS} rows: stream peak +{streamed} bytes, all() peak +{held} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_rows_stream_in_bounded_memory_on_sqlite() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let db = cormo_suite::harness::sqlite("stream_million").await;
    million(&db).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_rows_stream_in_bounded_memory_on_postgres() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let db = cormo_suite::harness::postgres("stream_million").await;
    million(&db).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_rows_stream_in_bounded_memory_on_mysql() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let db = cormo_suite::harness::mysql("stream_million").await;
    million(&db).await;
}

//! cormo against the raw drivers it sits on, in one run.
//!
//! Arms, interleaved round by round so that drift on the machine hits them
//! alike: raw sqlx on one bare connection (the baseline), raw sqlx through
//! its `Pool` with default options, cormo, and SeaORM 2 as its docs set it
//! up; on MongoDB the raw `mongodb` driver and cormo. Before anything is timed, every arm's output
//! is checked equal. A ratio is the median over rounds of
//! `arm time / baseline time` in the same round.
//!
//! `cargo bench -p cormo-bench` runs it and writes `docs/benchmarks.md`.
//! Environment: `CORMO_BENCH_ROUNDS` (default 11), `CORMO_BENCH_BACKENDS`
//! (default `sqlite,postgres,mysql,mongodb`), `CORMO_BENCH_WORKLOADS`
//! (default `load,insert,tree`), `CORMO_BENCH_CPU` (a CPU to pin the
//! client to; unpinned by default), and the test suite's
//! `CORMO_TEST_POSTGRES_URL`, `CORMO_TEST_MYSQL_URL`, `CORMO_TEST_MONGODB_URL`.

mod arms;
mod report;
mod seaorm;

use std::time::Duration;

use report::{Measured, Report};

/// The workloads, as in diesel_bench: load N users, insert N users.
#[derive(Debug, Clone, Copy)]
pub enum Workload {
    Load(usize),
    Insert(usize),
    /// N users with their posts with their comments (`include`).
    Tree(usize),
}

impl Workload {
    fn label(self) -> String {
        match self {
            Workload::Load(n) => format!("load users, N = {n}"),
            Workload::Insert(n) => format!("insert (create_many), N = {n}"),
            Workload::Tree(n) => format!("users → posts → comments (include), N = {n}"),
        }
    }

    /// Repetitions per timed sample, so one sample takes long enough to
    /// time but a round stays short.
    fn reps(self, slow_server: bool) -> usize {
        let rows = match self {
            Workload::Load(n) | Workload::Insert(n) => n,
            Workload::Tree(n) => n * (1 + arms::POSTS_PER_USER * (1 + arms::COMMENTS_PER_POST)),
        };
        let (budget, most) = if slow_server {
            (500, 50)
        } else {
            (20_000, 500)
        };
        (budget / rows).clamp(2, most)
    }
}

/// Rows seeded for the load workloads.
pub const SEEDED: usize = 10_000;
/// Rows seeded on the slow MongoDB test server.
pub const SEEDED_SLOW: usize = 1_000;

fn rounds() -> usize {
    std::env::var("CORMO_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11)
}

/// `CORMO_BENCH_WORKLOADS=load,insert,tree` picks workloads (default: all).
fn wants(kind: &str) -> bool {
    std::env::var("CORMO_BENCH_WORKLOADS")
        .map(|v| v.split(',').any(|w| w.trim() == kind))
        .unwrap_or(true)
}

fn backends() -> Vec<String> {
    std::env::var("CORMO_BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres,mysql,mongodb".to_owned())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Runs every arm of `set` on `w` for `rounds` rounds, rotating which arm
/// goes first, and returns each arm's per-round times.
async fn measure(set: &mut arms::ArmSet, w: Workload, rounds: usize) -> Measured {
    let reps = w.reps(set.slow_server);
    set.check_equal(w).await;
    let n = set.names.len();
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let arm = (round + k) % n;
            times[arm].push(set.time(arm, w, reps).await / reps as u32);
        }
        set.reset(w).await;
    }
    let rows = match w {
        Workload::Load(n) | Workload::Insert(n) | Workload::Tree(n) => n,
    };
    Measured {
        workload: w.label(),
        rows,
        arms: set.names.clone(),
        times,
    }
}

/// Pins this process to the CPU `CORMO_BENCH_CPU` names, before any
/// other thread starts so that the runtime's and SQLite's threads inherit
/// it. Says what it did, for the report.
///
/// Unpinned is the default. On this 2-core machine, pinning steadied
/// SQLite (two unpinned runs put insert N = 10 at 0.58 and 1.05; pinned,
/// runs stayed within 0.09) but unsettled PostgreSQL's small loads (1 row:
/// 1.04-1.06 unpinned, 1.15-1.85 pinned, with the runtime's two threads
/// sharing the one CPU), so neither setting is the truer one yet.
fn pin_client() -> String {
    match std::env::var("CORMO_BENCH_CPU") {
        Err(_) => "the client not pinned".to_owned(),
        Ok(v) if v == "none" => "the client not pinned".to_owned(),
        Ok(v) => pin_to(
            v.parse()
                .expect("CORMO_BENCH_CPU is a CPU number or `none`"),
        ),
    }
}

#[cfg(target_os = "linux")]
fn pin_to(cpu: usize) -> String {
    // SAFETY: `set` is a plain bit mask owned by this frame; the call only
    // reads it, for the calling thread (pid 0), before others exist.
    let ok = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    };
    if ok {
        format!("the client pinned to CPU {cpu}")
    } else {
        eprintln!(
            "could not pin to CPU {cpu}: {}",
            std::io::Error::last_os_error()
        );
        "the client not pinned".to_owned()
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_to(_: usize) -> String {
    "the client not pinned (not Linux)".to_owned()
}

fn main() {
    let pinned = pin_client();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let rounds = rounds();
        let mut report = Report::new(rounds, pinned);
        for backend in backends() {
            eprintln!("== {backend}");
            let mut set = arms::ArmSet::open(&backend).await;
            let sizes_load: &[usize] = if set.slow_server {
                &[1, 10, 100, 1_000]
            } else {
                &[1, 10, 100, 1_000, 10_000]
            };
            let mut results = Vec::new();
            for &n in sizes_load.iter().filter(|_| wants("load")) {
                results.push(measure(&mut set, Workload::Load(n), rounds).await);
            }
            for n in [1, 10, 100].into_iter().filter(|_| wants("insert")) {
                results.push(measure(&mut set, Workload::Insert(n), rounds).await);
            }
            let sizes_tree: &[usize] = if set.slow_server {
                &[100]
            } else {
                &[100, 1_000, 10_000]
            };
            for &n in sizes_tree.iter().filter(|_| wants("tree")) {
                results.push(measure(&mut set, Workload::Tree(n), rounds).await);
            }
            report.backend(&backend, results);
            // Written after every backend, so a run cut short keeps what it has.
            report.write();
        }
    });
}

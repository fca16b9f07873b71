//! Counts of the statements a connection's operations sent, so a program
//! (or its tests) can see how many round trips a piece of code costs, e.g.
//! that eager loading reads N records with K levels in K + 1 queries.

use std::sync::atomic::{AtomicU64, Ordering};

/// Statements sent through one [`Connection`](crate::Connection) and
/// everything made from it (clones, transactions), since it was opened.
///
/// A read is one statement (one command on MongoDB; the driver's `getMore`
/// batches of a long result are not counted). A write counts once per
/// backend call, which is one statement except a `create_many` of more rows
/// than one statement takes. Transaction control (`BEGIN`, `COMMIT`,
/// savepoints) and schema changes are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Queries: `all`, `first`, `count`, `ids`, each eager-loading level,
    /// and the reads cormo makes itself (parent checks, paged updates).
    pub reads: u64,
    /// Inserts, updates and deletes.
    pub writes: u64,
    /// The reads among `reads` that fed a write: parent checks, increment
    /// checks, the ids a paged update or delete resolves to, the integrity
    /// planner's reads. They must see the primary's data, whatever serves
    /// other reads.
    pub reads_for_writes: u64,
}

impl Stats {
    /// Reads and writes together.
    pub fn statements(&self) -> u64 {
        self.reads + self.writes
    }
}

/// What a backend call is, for the counters.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    Read,
    Write,
}

#[derive(Default)]
pub(crate) struct Counters {
    reads: AtomicU64,
    writes: AtomicU64,
    reads_for_writes: AtomicU64,
}

impl Counters {
    /// Counts one call; `feeds_write` marks a read made for a write.
    pub(crate) fn note(&self, op: Op, feeds_write: bool) {
        // Relaxed: each counter is a tally; nothing is ordered by it.
        match op {
            Op::Read => {
                self.reads.fetch_add(1, Ordering::Relaxed);
                if feeds_write {
                    self.reads_for_writes.fetch_add(1, Ordering::Relaxed);
                }
            }
            Op::Write => {
                self.writes.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn get(&self) -> Stats {
        Stats {
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            reads_for_writes: self.reads_for_writes.load(Ordering::Relaxed),
        }
    }
}

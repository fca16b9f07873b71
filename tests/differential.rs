//! Cross-backend differential test: random data and random operation
//! sequences run on SQLite, PostgreSQL, MySQL/MariaDB and MongoDB at once,
//! and every outcome (rows, counts, errors) must be the same on all four.
//!
//! CI runs a fixed seed; `PROPTEST_CASES=500 PROPTEST_RNG_SEED=<n> cargo
//! test --all-features --test differential` runs more. A failing case is
//! shrunk to a short sequence and printed.
//!
//! The only differences allowed are the documented ones, named here and
//! kept out of the generator rather than papered over in the comparison:
//! - [`MONGO_DATES_KEEP_MILLISECONDS`]: dates are generated at millisecond
//!   precision.
//! - [`SQLITE_FOLDS_ASCII_CASE_ONLY`]: text is generated from ASCII.
//! - [`MONGO_HAS_NO_SAVEPOINTS`]: no nested transactions are generated.
#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "mysql",
    feature = "mongodb"
))]

use chrono::{DateTime, TimeZone, Utc};
use cormo::prelude::*;
use cormo::{Cond, Having};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

/// BSON dates have millisecond precision (docs: Backends).
const MONGO_DATES_KEEP_MILLISECONDS: &str = "dates at millisecond precision";
/// SQLite's LIKE folds ASCII letters only (docs: Queries, text matching).
const SQLITE_FOLDS_ASCII_CASE_ONLY: &str = "ASCII text only";
/// MongoDB has no savepoints (docs: Transactions).
const MONGO_HAS_NO_SAVEPOINTS: &str = "no nested transactions";

#[derive(Model, Debug, Default, Clone)]
pub struct DiffRow {
    pub id: Id,
    /// Assigned by the test, unique: how rows are matched across backends,
    /// whose ids differ.
    #[cormo(unique)]
    pub key: i32,
    pub name: String,
    pub age: Option<i32>,
    pub score: f64,
    pub flag: bool,
    pub at: Option<DateTime<Utc>>,
}

/// A row's fields without its id, as compared across backends.
type Fields = (i32, String, Option<i32>, u64, bool, Option<i64>);

fn fields(r: &DiffRow) -> Fields {
    (
        r.key,
        r.name.clone(),
        r.age,
        r.score.to_bits(),
        r.flag,
        r.at.map(|t| t.timestamp_millis()),
    )
}

#[derive(Debug, Clone)]
struct NewRow {
    name: String,
    age: Option<i32>,
    score: f64,
    flag: bool,
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
enum Leaf {
    Key(u8, i32),
    Age(u8, i32),
    AgeIn(Vec<i32>),
    AgeNull,
    Score(u8, f64),
    Name(u8, String),
    NameIn(Vec<String>),
    Like(u8, String),
    Flag(bool),
    At(u8, DateTime<Utc>),
    AtNull,
    /// `age op key`: a column against a column (`Cond::Compare`).
    AgeKey(u8),
}

/// A group condition over `count`, `sum(age)`, `min(age)`, `max(age)`.
#[derive(Debug, Clone)]
enum H {
    /// An aggregate against a value.
    Value(u8, u8, i32),
    /// An aggregate against another aggregate (`Having::Compare`).
    Aggs(u8, u8, u8),
    And(Vec<H>),
    Not(Box<H>),
}

#[derive(Debug, Clone)]
enum C {
    Leaf(Leaf),
    And(Vec<C>),
    Or(Vec<C>),
    Not(Box<C>),
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Key,
    Age,
    Score,
    Name,
    At,
}

#[derive(Debug, Clone)]
enum Op {
    Create(NewRow),
    CreateMany(Vec<NewRow>),
    SetName(C, String),
    IncAge(C, i32),
    SetFlag(C, bool),
    Delete(C, Option<u8>),
    Find(C, Field, bool, Option<u8>, Option<u8>),
    Count(C, Option<u8>),
    /// `count(c) + count(!c) == count(all)`: CORMO's two-valued `$not`.
    Complement(C),
    /// Rows of `c` grouped by flag, the groups `h` keeps.
    Group(C, H),
}

#[derive(Debug, Clone)]
enum Step {
    Op(Op),
    Tx(Vec<Op>, bool),
}

fn cmp_op(op: u8, col: cormo::Col<DiffRow, i32>, v: i32) -> Cond {
    match op % 6 {
        0 => col.eq(v),
        1 => col.ne(v),
        2 => col.gt(v),
        3 => col.gte(v),
        4 => col.lt(v),
        _ => col.lte(v),
    }
}

fn to_cond(c: &C) -> Cond {
    match c {
        C::Leaf(l) => match l {
            Leaf::Key(op, v) => cmp_op(*op, DiffRow::KEY, *v),
            Leaf::Age(op, v) => match op % 6 {
                0 => DiffRow::AGE.eq(*v),
                1 => DiffRow::AGE.ne(*v),
                2 => DiffRow::AGE.gt(*v),
                3 => DiffRow::AGE.gte(*v),
                4 => DiffRow::AGE.lt(*v),
                _ => DiffRow::AGE.lte(*v),
            },
            Leaf::AgeIn(vs) => DiffRow::AGE.is_in(vs.iter().copied()),
            Leaf::AgeNull => DiffRow::AGE.is_null(),
            Leaf::Score(op, v) => match op % 3 {
                0 => DiffRow::SCORE.eq(*v),
                1 => DiffRow::SCORE.gt(*v),
                _ => DiffRow::SCORE.lte(*v),
            },
            Leaf::Name(op, v) => match op % 4 {
                0 => DiffRow::NAME.eq(v.as_str()),
                1 => DiffRow::NAME.ne(v.as_str()),
                2 => DiffRow::NAME.gt(v.as_str()),
                _ => DiffRow::NAME.lte(v.as_str()),
            },
            Leaf::NameIn(vs) => DiffRow::NAME.is_in(vs.iter().map(String::as_str)),
            Leaf::Like(op, v) => match op % 3 {
                0 => DiffRow::NAME.contains(v),
                1 => DiffRow::NAME.starts_with(v),
                _ => DiffRow::NAME.ends_with(v),
            },
            Leaf::Flag(b) => DiffRow::FLAG.eq(*b),
            Leaf::At(op, t) => match op % 3 {
                0 => DiffRow::AT.eq(*t),
                1 => DiffRow::AT.gt(*t),
                _ => DiffRow::AT.lte(*t),
            },
            Leaf::AtNull => DiffRow::AT.is_null(),
            Leaf::AgeKey(op) => match op % 6 {
                0 => DiffRow::AGE.eq_col(DiffRow::KEY),
                1 => DiffRow::AGE.ne_col(DiffRow::KEY),
                2 => DiffRow::AGE.gt_col(DiffRow::KEY),
                3 => DiffRow::AGE.gte_col(DiffRow::KEY),
                4 => DiffRow::AGE.lt_col(DiffRow::KEY),
                _ => DiffRow::AGE.lte_col(DiffRow::KEY),
            },
        },
        C::And(list) => list.iter().map(to_cond).fold(Cond::True, Cond::and),
        C::Or(list) => list.iter().map(to_cond).fold(Cond::False, Cond::or),
        C::Not(inner) => !to_cond(inner),
    }
}

/// Runs `$body` with `$a` bound to aggregate `$which` of age (its sum,
/// min or max, each its own type) and `$v` to `$val` as that type's value.
macro_rules! with_agg {
    ($which:expr, $val:expr, |$a:ident, $v:ident| $body:expr) => {
        match $which % 3 {
            0 => {
                let ($a, $v) = (cormo::sum(DiffRow::AGE), i64::from($val));
                $body
            }
            1 => {
                let ($a, $v) = (cormo::min(DiffRow::AGE), $val);
                $body
            }
            _ => {
                let ($a, $v) = (cormo::max(DiffRow::AGE), $val);
                $body
            }
        }
    };
}

/// Comparison `op` of the six, given as `[=, <>, >, >=, <, <=]`.
fn pick(op: u8, six: [Having; 6]) -> Having {
    let [eq, ne, gt, gte, lt, lte] = six;
    match op % 6 {
        0 => eq,
        1 => ne,
        2 => gt,
        3 => gte,
        4 => lt,
        _ => lte,
    }
}

fn to_having(h: &H) -> Having {
    let c = cormo::count();
    match h {
        H::Value(op, which, v) if which % 4 == 3 => {
            let v = i64::from(*v);
            pick(
                *op,
                [c.eq(v), c.ne(v), c.gt(v), c.gte(v), c.lt(v), c.lte(v)],
            )
        }
        H::Value(op, which, v) => with_agg!(which, *v, |a, v| pick(
            *op,
            [a.eq(v), a.ne(v), a.gt(v), a.gte(v), a.lt(v), a.lte(v)]
        )),
        H::Aggs(op, x, y) if x % 4 == 3 => with_agg!(y, 0, |b, _v| pick(
            *op,
            [
                c.eq_agg(b),
                c.ne_agg(b),
                c.gt_agg(b),
                c.gte_agg(b),
                c.lt_agg(b),
                c.lte_agg(b)
            ]
        )),
        H::Aggs(op, x, y) => with_agg!(x, 0, |a, _v| with_agg!(y, 0, |b, _w| pick(
            *op,
            [
                a.eq_agg(b),
                a.ne_agg(b),
                a.gt_agg(b),
                a.gte_agg(b),
                a.lt_agg(b),
                a.lte_agg(b)
            ]
        ))),
        H::And(list) => list.iter().map(to_having).fold(Having::True, |a, b| a & b),
        H::Not(inner) => !to_having(inner),
    }
}

fn having() -> impl Strategy<Value = H> {
    let leaf = prop_oneof![
        (any::<u8>(), any::<u8>(), -3i32..5).prop_map(|(o, w, v)| H::Value(o, w, v)),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(o, x, y)| H::Aggs(o, x, y)),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(H::And),
            inner.prop_map(|h| H::Not(Box::new(h))),
        ]
    })
}

fn text() -> impl Strategy<Value = String> {
    // ASCII only: SQLITE_FOLDS_ASCII_CASE_ONLY.
    let _ = SQLITE_FOLDS_ASCII_CASE_ONLY;
    "[abAB%_ ]{0,4}"
}

fn date() -> impl Strategy<Value = DateTime<Utc>> {
    // Whole milliseconds: MONGO_DATES_KEEP_MILLISECONDS.
    let _ = MONGO_DATES_KEEP_MILLISECONDS;
    prop_oneof![
        Just(Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap()),
        Just(Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap()),
        Just(Utc.with_ymd_and_hms(2039, 6, 1, 12, 0, 0).unwrap()),
        Just(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap()),
        (0i64..4_000_000_000_000).prop_map(|ms| Utc.timestamp_millis_opt(ms).unwrap()),
    ]
}

fn age() -> impl Strategy<Value = i32> {
    prop_oneof![-3i32..4, Just(i32::MAX - 1), Just(i32::MIN + 1)]
}

fn new_row() -> impl Strategy<Value = NewRow> {
    (
        text(),
        proptest::option::of(age()),
        prop_oneof![Just(-1.5), Just(0.0), Just(2.25), Just(1e10)],
        any::<bool>(),
        proptest::option::of(date()),
    )
        .prop_map(|(name, age, score, flag, at)| NewRow {
            name,
            age,
            score,
            flag,
            at,
        })
}

fn leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        (any::<u8>(), 0i32..12).prop_map(|(o, v)| Leaf::Key(o, v)),
        (any::<u8>(), age()).prop_map(|(o, v)| Leaf::Age(o, v)),
        proptest::collection::vec(age(), 0..4).prop_map(Leaf::AgeIn),
        Just(Leaf::AgeNull),
        (any::<u8>(), prop_oneof![Just(0.0), Just(2.25), Just(-10.0)])
            .prop_map(|(o, v)| Leaf::Score(o, v)),
        (any::<u8>(), text()).prop_map(|(o, v)| Leaf::Name(o, v)),
        proptest::collection::vec(text(), 0..3).prop_map(Leaf::NameIn),
        (any::<u8>(), text()).prop_map(|(o, v)| Leaf::Like(o, v)),
        any::<bool>().prop_map(Leaf::Flag),
        (any::<u8>(), date()).prop_map(|(o, t)| Leaf::At(o, t)),
        Just(Leaf::AtNull),
        any::<u8>().prop_map(Leaf::AgeKey),
    ]
}

fn cond() -> impl Strategy<Value = C> {
    leaf().prop_map(C::Leaf).prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(C::And),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(C::Or),
            inner.prop_map(|c| C::Not(Box::new(c))),
        ]
    })
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Key),
        Just(Field::Age),
        Just(Field::Score),
        Just(Field::Name),
        Just(Field::At),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => new_row().prop_map(Op::Create),
        1 => proptest::collection::vec(new_row(), 0..4).prop_map(Op::CreateMany),
        1 => (cond(), text()).prop_map(|(c, t)| Op::SetName(c, t)),
        1 => (cond(), prop_oneof![Just(1), Just(-1), Just(2)]).prop_map(|(c, b)| Op::IncAge(c, b)),
        1 => (cond(), any::<bool>()).prop_map(|(c, b)| Op::SetFlag(c, b)),
        1 => (cond(), proptest::option::of(0u8..3)).prop_map(|(c, l)| Op::Delete(c, l)),
        3 => (
            cond(),
            field(),
            any::<bool>(),
            proptest::option::of(0u8..4),
            proptest::option::of(0u8..3)
        )
            .prop_map(|(c, f, d, l, s)| Op::Find(c, f, d, l, s)),
        2 => (cond(), proptest::option::of(0u8..3)).prop_map(|(c, l)| Op::Count(c, l)),
        1 => cond().prop_map(Op::Complement),
        2 => (cond(), having()).prop_map(|(c, h)| Op::Group(c, h)),
    ]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    // No nested transactions: MONGO_HAS_NO_SAVEPOINTS.
    let _ = MONGO_HAS_NO_SAVEPOINTS;
    let step = prop_oneof![
        4 => op().prop_map(Step::Op),
        1 => (proptest::collection::vec(op(), 1..4), any::<bool>())
            .prop_map(|(ops, commit)| Step::Tx(ops, commit)),
    ];
    proptest::collection::vec(step, 1..14)
}

/// An outcome as compared: the value, or the error's kind and column.
fn outcome<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(Error::Validation { column, .. }) => format!("Validation({column})"),
        Err(Error::Duplicated { key }) => format!("Duplicated({key})"),
        Err(e) => {
            let debug = format!("{e:?}");
            debug
                .split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    }
}

fn order_col(f: Field, desc: bool) -> cormo::Order {
    match (f, desc) {
        (Field::Key, false) => DiffRow::KEY.asc(),
        (Field::Key, true) => DiffRow::KEY.desc(),
        (Field::Age, false) => DiffRow::AGE.asc(),
        (Field::Age, true) => DiffRow::AGE.desc(),
        (Field::Score, false) => DiffRow::SCORE.asc(),
        (Field::Score, true) => DiffRow::SCORE.desc(),
        (Field::Name, false) => DiffRow::NAME.asc(),
        (Field::Name, true) => DiffRow::NAME.desc(),
        (Field::At, false) => DiffRow::AT.asc(),
        (Field::At, true) => DiffRow::AT.desc(),
    }
}

struct Keys(i32);

fn row(keys: &mut Keys, n: &NewRow) -> DiffRow {
    keys.0 += 1;
    DiffRow {
        id: Id::default(),
        key: keys.0,
        name: n.name.clone(),
        age: n.age,
        score: n.score,
        flag: n.flag,
        at: n.at,
    }
}

async fn run_op(db: &impl Executor, keys: &mut Keys, op: &Op) -> String {
    match op {
        Op::Create(n) => outcome(DiffRow::create(db, row(keys, n)).await.map(|r| fields(&r))),
        Op::CreateMany(ns) => {
            let rows = ns.iter().map(|n| row(keys, n)).collect();
            outcome(
                DiffRow::create_many(db, rows)
                    .await
                    .map(|rs| rs.iter().map(fields).collect::<Vec<_>>()),
            )
        }
        Op::SetName(c, t) => outcome(
            DiffRow::query()
                .filter(to_cond(c))
                .update(db, [DiffRow::NAME.set(t.as_str())])
                .await,
        ),
        Op::IncAge(c, by) => outcome(
            DiffRow::query()
                .filter(to_cond(c))
                .update(db, [DiffRow::AGE.inc(*by)])
                .await,
        ),
        Op::SetFlag(c, b) => outcome(
            DiffRow::query()
                .filter(to_cond(c))
                .update(db, [DiffRow::FLAG.set(*b)])
                .await,
        ),
        Op::Delete(c, limit) => {
            let mut q = DiffRow::query()
                .filter(to_cond(c))
                .order_by(DiffRow::KEY.asc());
            if let Some(l) = limit {
                q = q.limit(u64::from(*l));
            }
            outcome(q.delete(db).await)
        }
        Op::Find(c, f, desc, limit, skip) => {
            // The unique key breaks ties, so the order is total.
            let mut q = DiffRow::query()
                .filter(to_cond(c))
                .order_by(order_col(*f, *desc))
                .order_by(DiffRow::KEY.asc());
            if let Some(l) = limit {
                q = q.limit(u64::from(*l));
            }
            if let Some(s) = skip {
                q = q.skip(u64::from(*s));
            }
            outcome(
                q.all(db)
                    .await
                    .map(|rs| rs.iter().map(fields).collect::<Vec<_>>()),
            )
        }
        Op::Count(c, limit) => {
            let mut q = DiffRow::query().filter(to_cond(c));
            if let Some(l) = limit {
                q = q.limit(u64::from(*l));
            }
            outcome(q.count(db).await)
        }
        Op::Complement(c) => {
            let split = async {
                let yes = DiffRow::query().filter(to_cond(c)).count(db).await?;
                let no = DiffRow::query().filter(!to_cond(c)).count(db).await?;
                let all = DiffRow::query().count(db).await?;
                Ok::<_, Error>((yes, no, all))
            };
            match split.await {
                Ok((yes, no, all)) => {
                    assert_eq!(yes + no, all, "count(c) + count(!c) for {c:?}");
                    outcome(Ok::<_, Error>(yes))
                }
                Err(e) => outcome(Err::<(), _>(e)),
            }
        }
        Op::Group(c, h) => outcome(
            DiffRow::query()
                .filter(to_cond(c))
                .group_by(DiffRow::FLAG)
                .aggregate((
                    cormo::count(),
                    cormo::sum(DiffRow::AGE),
                    cormo::max(DiffRow::AGE),
                ))
                .having(to_having(h))
                .order_by(DiffRow::FLAG.asc())
                .all(db)
                .await,
        ),
    }
}

/// Runs the steps on one backend and returns every outcome, then the table.
async fn run(db: &Connection, steps: &[Step]) -> Vec<String> {
    DiffRow::query().delete(db).await.unwrap();
    let mut keys = Keys(0);
    let mut out = Vec::new();
    for step in steps {
        match step {
            Step::Op(op) => out.push(run_op(db, &mut keys, op).await),
            Step::Tx(ops, commit) => {
                let tx = db.begin().await.unwrap();
                for op in ops {
                    out.push(run_op(&tx, &mut keys, op).await);
                }
                let end = if *commit {
                    tx.commit().await
                } else {
                    tx.rollback().await
                };
                out.push(format!("end: {}", outcome(end)));
            }
        }
    }
    let table = DiffRow::query()
        .order_by(DiffRow::KEY.asc())
        .all(db)
        .await
        .map(|rs| rs.iter().map(fields).collect::<Vec<_>>());
    out.push(format!("table: {}", outcome(table)));
    out
}

#[test]
fn same_answers_on_every_backend() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dbs: Vec<Connection> = rt.block_on(async {
        let name = "differential";
        let dbs = vec![
            cormo_suite::harness::sqlite(name).await,
            cormo_suite::harness::postgres(name).await,
            cormo_suite::harness::mysql(name).await,
            cormo_suite::harness::mongodb(name).await,
        ];
        for db in &dbs {
            db.register::<DiffRow>();
            db.apply_schemas().await.unwrap();
            assert!(
                db.capabilities().transactions,
                "{}",
                db.capabilities().backend
            );
        }
        dbs
    });
    let defaults = Config::default();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(24);
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0xC0_4D0),
        fixed => fixed,
    };
    let config = Config {
        cases,
        rng_seed,
        max_shrink_iters: 256,
        failure_persistence: None,
        ..defaults
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&steps(), |steps| {
        let results: Vec<Vec<String>> = rt.block_on(async { futures_join(&dbs, &steps).await });
        let (base, rest) = results.split_first().expect("four backends");
        for (db, got) in dbs.iter().skip(1).zip(rest) {
            for (i, (want, have)) in base.iter().zip(got).enumerate() {
                if want != have {
                    return Err(TestCaseError::fail(format!(
                        "step {i}: sqlite gave {want}, {} gave {have}",
                        db.capabilities().backend
                    )));
                }
            }
        }
        Ok(())
    });
    rt.block_on(async {
        for db in &dbs {
            db.close().await;
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The same steps on every backend, one after another (each on its own
/// database, so order does not matter).
async fn futures_join(dbs: &[Connection], steps: &[Step]) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(dbs.len());
    for db in dbs {
        out.push(run(db, steps).await);
    }
    out
}

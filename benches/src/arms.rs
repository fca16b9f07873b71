//! The arms on each backend, and what each workload runs in each arm.

use std::time::{Duration, Instant};

use cormo::prelude::*;
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};
use sqlx::Connection as _;

use cormo_suite::harness;

use crate::{Workload, SEEDED, SEEDED_SLOW};

/// The users table of diesel_bench.
#[derive(Model, Debug, Default, Clone)]
#[cormo(table = "bench_users")]
pub struct BenchUser {
    pub id: Id,
    pub name: String,
    pub hair_color: Option<String>,
}

/// Where inserted users go (emptied between rounds).
#[derive(Model, Debug, Default, Clone)]
#[cormo(table = "bench_inserts")]
pub struct BenchInsert {
    pub id: Id,
    pub name: String,
    pub hair_color: Option<String>,
}

/// A loaded user, as every arm returns it for the equality check.
type Row = (String, Option<String>);

fn seed_user(i: usize) -> (String, Option<String>) {
    let hair = i.is_multiple_of(2).then(|| "black".to_owned());
    (format!("User {i}"), hair)
}

fn new_users(n: usize) -> Vec<(String, Option<String>)> {
    (0..n)
        .map(|i| (format!("New {i}"), Some("brown".to_owned())))
        .collect()
}

/// The database (and its name) the suite's harness makes for the bench.
const BENCH: &str = "bench";

/// The raw SQL each dialect's raw arms run: the same statements cormo
/// sends, written by hand.
macro_rules! sql_backend {
    ($name:ident, $conn:ty, $pool:ty, $returning:literal, $ph:expr) => {
        pub struct $name {
            bare: $conn,
            pool: $pool,
            cormo: cormo::Connection,
        }

        impl $name {
            async fn raw_load<'e, E>(e: E, n: usize) -> Vec<Row>
            where
                E: sqlx::Executor<'e, Database = <$conn as sqlx::Connection>::Database>,
            {
                // The limit written into the statement, as cormo writes it.
                let sql =
                    format!("SELECT id, name, hair_color FROM bench_users ORDER BY id LIMIT {n}");
                let rows: Vec<(i64, String, Option<String>)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(e)
                        .await
                        .expect("raw load");
                rows.into_iter().map(|(_, n, h)| (n, h)).collect()
            }

            async fn raw_insert<'e, E>(e: E, users: &[(String, Option<String>)]) -> usize
            where
                E: sqlx::Executor<'e, Database = <$conn as sqlx::Connection>::Database>,
            {
                let mut sql = String::from("INSERT INTO bench_inserts (name, hair_color) VALUES ");
                for i in 0..users.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&$ph(2 * i + 1, 2 * i + 2));
                }
                if $returning {
                    sql.push_str(" RETURNING id");
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (name, hair) in users {
                    q = q.bind(name.clone()).bind(hair.clone());
                }
                if $returning {
                    q.fetch_all(e).await.expect("raw insert").len()
                } else {
                    q.execute(e).await.expect("raw insert").rows_affected() as usize
                }
            }

            async fn run(&mut self, arm: usize, w: Workload) -> usize {
                match (arm, w) {
                    (0, Workload::Load(n)) => Self::raw_load(&mut self.bare, n).await.len(),
                    (1, Workload::Load(n)) => Self::raw_load(&self.pool, n).await.len(),
                    (2, Workload::Load(n)) => cormo_load(&self.cormo, n).await.len(),
                    (0, Workload::Insert(n)) => {
                        Self::raw_insert(&mut self.bare, &new_users(n)).await
                    }
                    (1, Workload::Insert(n)) => Self::raw_insert(&self.pool, &new_users(n)).await,
                    (_, Workload::Insert(n)) => cormo_insert(&self.cormo, n).await,
                    _ => unreachable!("three arms"),
                }
            }

            async fn loads(&mut self, n: usize) -> Vec<Vec<Row>> {
                vec![
                    Self::raw_load(&mut self.bare, n).await,
                    Self::raw_load(&self.pool, n).await,
                    cormo_load(&self.cormo, n).await,
                ]
            }

            async fn reset(&mut self) {
                BenchInsert::query()
                    .delete(&self.cormo)
                    .await
                    .expect("reset");
            }
        }
    };
}

fn q_ph(_a: usize, _b: usize) -> String {
    "(?, ?)".to_owned()
}

fn pg_ph(a: usize, b: usize) -> String {
    format!("(${a}, ${b})")
}

sql_backend!(
    SqliteArms,
    sqlx::SqliteConnection,
    sqlx::SqlitePool,
    true,
    q_ph
);
sql_backend!(PgArms, sqlx::PgConnection, sqlx::PgPool, true, pg_ph);
sql_backend!(
    MySqlArms,
    sqlx::MySqlConnection,
    sqlx::MySqlPool,
    false,
    q_ph
);

async fn cormo_load(db: &cormo::Connection, n: usize) -> Vec<Row> {
    BenchUser::query()
        .order_by(BenchUser::ID.asc())
        .limit(n as u64)
        .all(db)
        .await
        .expect("cormo load")
        .into_iter()
        .map(|u| (u.name, u.hair_color))
        .collect()
}

async fn cormo_insert(db: &cormo::Connection, n: usize) -> usize {
    let users = new_users(n)
        .into_iter()
        .map(|(name, hair_color)| BenchInsert {
            name,
            hair_color,
            ..Default::default()
        })
        .collect();
    BenchInsert::create_many(db, users)
        .await
        .expect("cormo insert")
        .len()
}

/// cormo makes the tables (the same DDL for every arm) and seeds `rows`
/// users, in batches the slow MongoDB test server takes without stalling.
async fn cormo_setup(db: &cormo::Connection, rows: usize) {
    db.register::<BenchUser>().register::<BenchInsert>();
    db.drop_all_models().await.ok();
    db.apply_schemas().await.expect("schema");
    let users: Vec<BenchUser> = (0..rows)
        .map(|i| {
            let (name, hair_color) = seed_user(i);
            BenchUser {
                name,
                hair_color,
                ..Default::default()
            }
        })
        .collect();
    for batch in users.chunks(500) {
        BenchUser::create_many(db, batch.to_vec())
            .await
            .expect("seed");
    }
}

/// The raw `mongodb` driver and cormo on one database.
pub struct MongoArms {
    users: mongodb::Collection<Document>,
    inserts: mongodb::Collection<Document>,
    cormo: cormo::Connection,
}

impl MongoArms {
    async fn raw_load(&self, n: usize) -> Vec<Row> {
        let mut cursor = self
            .users
            .find(doc! {})
            .sort(doc! { "_id": 1 })
            .limit(n as i64)
            .await
            .expect("raw find");
        let mut out = Vec::with_capacity(n);
        while let Some(d) = cursor.try_next().await.expect("raw cursor") {
            let name = d.get_str("name").expect("name").to_owned();
            let hair = d.get_str("hair_color").ok().map(str::to_owned);
            out.push((name, hair));
        }
        out
    }

    async fn raw_insert(&self, n: usize) -> usize {
        let docs: Vec<Document> = new_users(n)
            .into_iter()
            .map(|(name, hair)| doc! { "name": name, "hair_color": hair })
            .collect();
        self.inserts
            .insert_many(docs)
            .await
            .expect("raw insert")
            .inserted_ids
            .len()
    }

    async fn run(&mut self, arm: usize, w: Workload) -> usize {
        match (arm, w) {
            (0, Workload::Load(n)) => self.raw_load(n).await.len(),
            (_, Workload::Load(n)) => cormo_load(&self.cormo, n).await.len(),
            (0, Workload::Insert(n)) => self.raw_insert(n).await,
            (_, Workload::Insert(n)) => cormo_insert(&self.cormo, n).await,
        }
    }
}

enum Arms {
    Sqlite(SqliteArms),
    Postgres(PgArms),
    Mysql(MySqlArms),
    Mongo(MongoArms),
}

/// One backend's arms.
pub struct ArmSet {
    /// Arm names; the first is the baseline.
    pub names: Vec<&'static str>,
    /// MongoDB's test server is a Python program: fewer, smaller runs.
    pub slow_server: bool,
    arms: Arms,
}

const SQL_ARMS: [&str; 3] = ["raw sqlx, bare connection", "raw sqlx, Pool", "cormo"];

impl ArmSet {
    pub async fn open(backend: &str) -> ArmSet {
        let (names, slow_server, arms) = match backend {
            "sqlite" => {
                // One in-memory database, shared by every arm's connection.
                let url = "sqlite:file:cormo_bench?mode=memory&cache=shared";
                let cormo = cormo::connect(url).await.expect("cormo");
                cormo_setup(&cormo, SEEDED).await;
                let bare = sqlx::SqliteConnection::connect(url).await.expect("bare");
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect(url)
                    .await
                    .expect("pool");
                (
                    SQL_ARMS.to_vec(),
                    false,
                    Arms::Sqlite(SqliteArms { bare, pool, cormo }),
                )
            }
            "postgres" => {
                // A fresh database, as the test suite makes them.
                let cormo = harness::postgres(BENCH).await;
                cormo_setup(&cormo, SEEDED).await;
                let url = harness::postgres_url(BENCH);
                let bare = sqlx::PgConnection::connect(&url).await.expect("bare");
                let pool = sqlx::PgPool::connect(&url).await.expect("pool");
                (
                    SQL_ARMS.to_vec(),
                    false,
                    Arms::Postgres(PgArms { bare, pool, cormo }),
                )
            }
            "mysql" => {
                let cormo = harness::mysql(BENCH).await;
                cormo_setup(&cormo, SEEDED).await;
                let url = harness::mysql_url(BENCH);
                let bare = sqlx::MySqlConnection::connect(&url).await.expect("bare");
                let pool = sqlx::MySqlPool::connect(&url).await.expect("pool");
                (
                    SQL_ARMS.to_vec(),
                    false,
                    Arms::Mysql(MySqlArms { bare, pool, cormo }),
                )
            }
            "mongodb" => {
                let url = harness::mongodb_url(BENCH);
                let cormo = cormo::connect(&url).await.expect("cormo");
                cormo_setup(&cormo, SEEDED_SLOW).await;
                let client = mongodb::Client::with_uri_str(&url).await.expect("client");
                let db = client.default_database().expect("the URL names a database");
                (
                    vec!["raw mongodb driver", "cormo"],
                    true,
                    Arms::Mongo(MongoArms {
                        users: db.collection("bench_users"),
                        inserts: db.collection("bench_inserts"),
                        cormo,
                    }),
                )
            }
            other => panic!("unknown backend {other:?}"),
        };
        ArmSet {
            names,
            slow_server,
            arms,
        }
    }

    async fn run(&mut self, arm: usize, w: Workload) -> usize {
        match &mut self.arms {
            Arms::Sqlite(a) => a.run(arm, w).await,
            Arms::Postgres(a) => a.run(arm, w).await,
            Arms::Mysql(a) => a.run(arm, w).await,
            Arms::Mongo(a) => a.run(arm, w).await,
        }
    }

    /// Time for `reps` runs of `w` in `arm`.
    pub async fn time(&mut self, arm: usize, w: Workload, reps: usize) -> Duration {
        let start = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(self.run(arm, w).await);
        }
        start.elapsed()
    }

    /// Every arm gives the same answer before anything is timed.
    pub async fn check_equal(&mut self, w: Workload) {
        match w {
            Workload::Load(n) => {
                let outputs = match &mut self.arms {
                    Arms::Sqlite(a) => a.loads(n).await,
                    Arms::Postgres(a) => a.loads(n).await,
                    Arms::Mysql(a) => a.loads(n).await,
                    Arms::Mongo(a) => vec![a.raw_load(n).await, cormo_load(&a.cormo, n).await],
                };
                let seeded = if self.slow_server {
                    SEEDED_SLOW
                } else {
                    SEEDED
                };
                let expected: Vec<Row> = (0..n.min(seeded)).map(seed_user).collect();
                for (arm, out) in outputs.iter().enumerate() {
                    assert_eq!(out, &expected, "{} differs on {w:?}", self.names[arm]);
                }
            }
            Workload::Insert(n) => {
                for arm in 0..self.names.len() {
                    let inserted = self.run(arm, w).await;
                    assert_eq!(
                        inserted, n,
                        "{} inserted {inserted} of {n}",
                        self.names[arm]
                    );
                    let stored = match &self.arms {
                        Arms::Sqlite(a) => count(&a.cormo).await,
                        Arms::Postgres(a) => count(&a.cormo).await,
                        Arms::Mysql(a) => count(&a.cormo).await,
                        Arms::Mongo(a) => count(&a.cormo).await,
                    };
                    assert_eq!(stored, n, "{} stored {stored} of {n}", self.names[arm]);
                    self.reset(w).await;
                }
            }
        }
    }

    /// Empties the insert table (every arm's, on SQLite).
    pub async fn reset(&mut self, w: Workload) {
        if !matches!(w, Workload::Insert(_)) {
            return;
        }
        match &mut self.arms {
            Arms::Sqlite(a) => a.reset().await,
            Arms::Postgres(a) => a.reset().await,
            Arms::Mysql(a) => a.reset().await,
            Arms::Mongo(a) => {
                BenchInsert::query().delete(&a.cormo).await.expect("reset");
            }
        }
    }
}

async fn count(db: &cormo::Connection) -> usize {
    BenchInsert::query().count(db).await.expect("count") as usize
}

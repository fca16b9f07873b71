//! The arms on each backend, and what each workload runs in each arm.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cormo::prelude::*;
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};
use sqlx::Connection as _;

use cormo_suite::harness;

use crate::{seaorm, Workload, SEEDED, SEEDED_SLOW};

/// The users table of diesel_bench.
#[derive(Model, Debug, Default, Clone)]
#[cormo(table = "bench_users")]
#[has_many(BenchPost)]
pub struct BenchUser {
    pub id: Id,
    pub name: String,
    pub hair_color: Option<String>,
}

/// diesel_bench's posts: `POSTS_PER_USER` per seeded user.
#[derive(Model, Debug, Default, Clone)]
#[cormo(table = "bench_posts")]
#[belongs_to(BenchUser)]
#[has_many(BenchComment)]
pub struct BenchPost {
    pub id: Id,
    pub title: String,
    pub bench_user_id: Option<RecordId>,
}

/// diesel_bench's comments: `COMMENTS_PER_POST` per post.
#[derive(Model, Debug, Default, Clone)]
#[cormo(table = "bench_comments")]
#[belongs_to(BenchPost)]
pub struct BenchComment {
    pub id: Id,
    pub text: String,
    pub bench_post_id: Option<RecordId>,
}

pub const POSTS_PER_USER: usize = 2;
pub const COMMENTS_PER_POST: usize = 2;

/// Users with their posts with their comments, as every arm returns them:
/// (name, [(title, [text])]), sorted for the equality check.
pub(crate) type Tree = Vec<(String, Vec<(String, Vec<String>)>)>;

fn normalized(mut t: Tree) -> Tree {
    for (_, posts) in &mut t {
        for (_, comments) in posts.iter_mut() {
            comments.sort();
        }
        posts.sort();
    }
    t
}

/// What a hand-written three-query load returns: owned rows grouped by key.
struct RawUser {
    name: String,
    posts: Vec<RawPost>,
}
struct RawPost {
    title: String,
    comments: Vec<String>,
}

fn raw_tree(users: Vec<RawUser>) -> Tree {
    users
        .into_iter()
        .map(|u| {
            let posts = u.posts.into_iter().map(|p| (p.title, p.comments)).collect();
            (u.name, posts)
        })
        .collect()
}

fn cormo_tree(users: &[BenchUser]) -> Tree {
    users
        .iter()
        .map(|u| {
            let posts = u
                .loaded_bench_posts()
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    let comments = p
                        .loaded_bench_comments()
                        .unwrap_or_default()
                        .iter()
                        .map(|c| c.text.clone())
                        .collect();
                    (p.title.clone(), comments)
                })
                .collect();
            (u.name.clone(), posts)
        })
        .collect()
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
pub(crate) type Row = (String, Option<String>);

fn seed_user(i: usize) -> (String, Option<String>) {
    let hair = i.is_multiple_of(2).then(|| "black".to_owned());
    (format!("User {i}"), hair)
}

pub(crate) fn new_users(n: usize) -> Vec<(String, Option<String>)> {
    (0..n)
        .map(|i| (format!("New {i}"), Some("brown".to_owned())))
        .collect()
}

/// The database (and its name) the suite's harness makes for the bench.
const BENCH: &str = "bench";

/// Binds the ids: one array (PostgreSQL) or one value per placeholder.
macro_rules! bind_ids {
    (true, $q:ident, $ids:expr) => {
        $q.bind($ids.to_vec())
    };
    (false, $q:ident, $ids:expr) => {{
        let mut q = $q;
        for id in $ids {
            q = q.bind(*id);
        }
        q
    }};
}

/// The raw SQL each dialect's raw arms run: the same statements cormo
/// sends, written by hand.
macro_rules! sql_backend {
    ($name:ident, $conn:ty, $pool:ty, $returning:literal, $ph:expr, $array:tt) => {
        pub struct $name {
            bare: $conn,
            pool: $pool,
            cormo: cormo::Connection,
            sea: sea_orm::DatabaseConnection,
        }

        impl $name {
            /// The users as rows of the driver's own tuples, as a program
            /// reads them (what each arm returns is its own records; the
            /// equality check reshapes them, outside the timing).
            async fn raw_load<'e, E>(e: E, n: usize) -> Vec<(i64, String, Option<String>)>
            where
                E: sqlx::Executor<'e, Database = <$conn as sqlx::Connection>::Database>,
            {
                // The limit written into the statement, as cormo writes it.
                let sql =
                    format!("SELECT id, name, hair_color FROM bench_users ORDER BY id LIMIT {n}");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(e)
                    .await
                    .expect("raw load")
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

            /// `WHERE column IN` the ids: one array on PostgreSQL, one
            /// placeholder per id elsewhere, as one writes it by hand.
            fn by_ids(select: &str, column: &str, ids: &[i64]) -> String {
                if $array {
                    format!("{select} WHERE {column} = ANY($1)")
                } else {
                    let marks = vec!["?"; ids.len()].join(", ");
                    format!("{select} WHERE {column} IN ({marks})")
                }
            }

            async fn rows_by_ids(
                c: &mut $conn,
                select: &str,
                column: &str,
                ids: &[i64],
            ) -> Vec<(i64, String, Option<i64>)> {
                if ids.is_empty() {
                    return Vec::new();
                }
                let sql = Self::by_ids(select, column, ids);
                let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                let q = bind_ids!($array, q, ids);
                q.fetch_all(&mut *c).await.expect("raw children")
            }

            /// Users, then their posts, then the posts' comments: three
            /// queries, grouped by hand.
            async fn raw_tree(c: &mut $conn, n: usize) -> Vec<RawUser> {
                let sql =
                    format!("SELECT id, name, hair_color FROM bench_users ORDER BY id LIMIT {n}");
                let users: Vec<(i64, String, Option<String>)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&mut *c)
                        .await
                        .expect("raw users");
                let user_ids: Vec<i64> = users.iter().map(|u| u.0).collect();
                let posts = Self::rows_by_ids(
                    c,
                    "SELECT id, title, bench_user_id FROM bench_posts",
                    "bench_user_id",
                    &user_ids,
                )
                .await;
                let post_ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
                let comments = Self::rows_by_ids(
                    c,
                    "SELECT id, text, bench_post_id FROM bench_comments",
                    "bench_post_id",
                    &post_ids,
                )
                .await;
                let mut by_post: HashMap<i64, Vec<String>> = HashMap::new();
                for (_, text, post) in comments {
                    if let Some(p) = post {
                        by_post.entry(p).or_default().push(text);
                    }
                }
                let mut by_user: HashMap<i64, Vec<RawPost>> = HashMap::new();
                for (id, title, user) in posts {
                    if let Some(u) = user {
                        let comments = by_post.remove(&id).unwrap_or_default();
                        by_user
                            .entry(u)
                            .or_default()
                            .push(RawPost { title, comments });
                    }
                }
                users
                    .into_iter()
                    .map(|(id, name, _)| RawUser {
                        name,
                        posts: by_user.remove(&id).unwrap_or_default(),
                    })
                    .collect()
            }

            async fn run(&mut self, arm: usize, w: Workload) -> usize {
                match (arm, w) {
                    (0, Workload::Tree(n)) => Self::raw_tree(&mut self.bare, n).await.len(),
                    (1, Workload::Tree(n)) => {
                        let mut c = self.pool.acquire().await.expect("acquire");
                        Self::raw_tree(&mut c, n).await.len()
                    }
                    (2, Workload::Tree(n)) => cormo_load_tree(&self.cormo, n).await.len(),
                    (3, Workload::Tree(n)) => seaorm::tree(&self.sea, n).await.len(),
                    (0, Workload::Load(n)) => Self::raw_load(&mut self.bare, n).await.len(),
                    (1, Workload::Load(n)) => Self::raw_load(&self.pool, n).await.len(),
                    (2, Workload::Load(n)) => cormo_load(&self.cormo, n).await.len(),
                    (3, Workload::Load(n)) => seaorm::load(&self.sea, n).await.len(),
                    (0, Workload::Insert(n)) => {
                        Self::raw_insert(&mut self.bare, &new_users(n)).await
                    }
                    (1, Workload::Insert(n)) => Self::raw_insert(&self.pool, &new_users(n)).await,
                    (2, Workload::Insert(n)) => cormo_insert(&self.cormo, n).await,
                    (3, Workload::Insert(n)) => seaorm::insert_users(&self.sea, n).await,
                    _ => unreachable!("four arms"),
                }
            }

            async fn trees(&mut self, n: usize) -> Vec<Tree> {
                let mut c = self.pool.acquire().await.expect("acquire");
                vec![
                    raw_tree(Self::raw_tree(&mut self.bare, n).await),
                    raw_tree(Self::raw_tree(&mut c, n).await),
                    cormo_tree(&cormo_load_tree(&self.cormo, n).await),
                    seaorm::as_tree(seaorm::tree(&self.sea, n).await),
                ]
            }

            async fn loads(&mut self, n: usize) -> Vec<Vec<Row>> {
                let raw = |rows: Vec<(i64, String, Option<String>)>| -> Vec<Row> {
                    rows.into_iter().map(|(_, n, h)| (n, h)).collect()
                };
                vec![
                    raw(Self::raw_load(&mut self.bare, n).await),
                    raw(Self::raw_load(&self.pool, n).await),
                    cormo_rows(cormo_load(&self.cormo, n).await),
                    seaorm::rows(seaorm::load(&self.sea, n).await),
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
    q_ph,
    false
);
sql_backend!(PgArms, sqlx::PgConnection, sqlx::PgPool, true, pg_ph, true);
sql_backend!(
    MySqlArms,
    sqlx::MySqlConnection,
    sqlx::MySqlPool,
    false,
    q_ph,
    false
);

async fn cormo_load(db: &cormo::Connection, n: usize) -> Vec<BenchUser> {
    BenchUser::query()
        .order_by(BenchUser::ID.asc())
        .limit(n as u64)
        .all(db)
        .await
        .expect("cormo load")
}

/// cormo's records in the shape the equality check compares.
fn cormo_rows(users: Vec<BenchUser>) -> Vec<Row> {
    users.into_iter().map(|u| (u.name, u.hair_color)).collect()
}

/// The natural cormo form: one query with two include levels.
async fn cormo_load_tree(db: &cormo::Connection, n: usize) -> Vec<BenchUser> {
    BenchUser::query()
        .order_by(BenchUser::ID.asc())
        .limit(n as u64)
        .include(BenchUser::BENCH_POSTS.include(BenchPost::BENCH_COMMENTS))
        .all(db)
        .await
        .expect("cormo tree")
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
    let stored = seed(db, users).await;
    let posts: Vec<BenchPost> = stored
        .iter()
        .flat_map(|u| {
            (0..POSTS_PER_USER).map(|k| BenchPost {
                title: format!("{} post {k}", u.name),
                bench_user_id: u.id.get(),
                ..Default::default()
            })
        })
        .collect();
    let stored_posts = seed(db, posts).await;
    let comments: Vec<BenchComment> = stored_posts
        .iter()
        .flat_map(|p| {
            (0..COMMENTS_PER_POST).map(|k| BenchComment {
                text: format!("on {} #{k}", p.title),
                bench_post_id: p.id.get(),
                ..Default::default()
            })
        })
        .collect();
    seed(db, comments).await;
}

/// Stores `records` in batches the slow MongoDB test server takes.
async fn seed<M: Model + Clone>(db: &cormo::Connection, records: Vec<M>) -> Vec<M> {
    let mut stored = Vec::with_capacity(records.len());
    for batch in records.chunks(500) {
        stored.extend(M::create_many(db, batch.to_vec()).await.expect("seed"));
    }
    stored
}

/// The raw `mongodb` driver and cormo on one database.
pub struct MongoArms {
    users: mongodb::Collection<Document>,
    posts: mongodb::Collection<Document>,
    comments: mongodb::Collection<Document>,
    inserts: mongodb::Collection<Document>,
    cormo: cormo::Connection,
}

impl MongoArms {
    /// The users with their ids, as the SQL arms and cormo read them.
    async fn raw_load(
        &self,
        n: usize,
    ) -> Vec<(mongodb::bson::oid::ObjectId, String, Option<String>)> {
        let mut cursor = self
            .users
            .find(doc! {})
            .sort(doc! { "_id": 1 })
            .limit(n as i64)
            .await
            .expect("raw find");
        let mut out = Vec::with_capacity(n);
        while let Some(d) = cursor.try_next().await.expect("raw cursor") {
            let id = d.get_object_id("_id").expect("_id");
            let name = d.get_str("name").expect("name").to_owned();
            let hair = d.get_str("hair_color").ok().map(str::to_owned);
            out.push((id, name, hair));
        }
        out
    }

    /// Users, then posts `$in` their ids, then comments `$in` the posts'.
    async fn raw_tree(&self, n: usize) -> Vec<RawUser> {
        let mut cursor = self
            .users
            .find(doc! {})
            .sort(doc! { "_id": 1 })
            .limit(n as i64)
            .await
            .expect("raw users");
        let mut users = Vec::with_capacity(n);
        while let Some(d) = cursor.try_next().await.expect("raw cursor") {
            let id = d.get_object_id("_id").expect("_id");
            users.push((id, d.get_str("name").expect("name").to_owned()));
        }
        let ids: Vec<_> = users.iter().map(|u| u.0).collect();
        let mut cursor = self
            .posts
            .find(doc! { "bench_user_id": { "$in": ids } })
            .await
            .expect("raw posts");
        let mut posts = Vec::new();
        while let Some(d) = cursor.try_next().await.expect("raw cursor") {
            posts.push((
                d.get_object_id("_id").expect("_id"),
                d.get_str("title").expect("title").to_owned(),
                d.get_object_id("bench_user_id").ok(),
            ));
        }
        let ids: Vec<_> = posts.iter().map(|p| p.0).collect();
        let mut cursor = self
            .comments
            .find(doc! { "bench_post_id": { "$in": ids } })
            .await
            .expect("raw comments");
        let mut by_post: HashMap<_, Vec<String>> = HashMap::new();
        while let Some(d) = cursor.try_next().await.expect("raw cursor") {
            if let Ok(p) = d.get_object_id("bench_post_id") {
                let text = d.get_str("text").expect("text").to_owned();
                by_post.entry(p).or_default().push(text);
            }
        }
        let mut by_user: HashMap<_, Vec<RawPost>> = HashMap::new();
        for (id, title, user) in posts {
            if let Some(u) = user {
                let comments = by_post.remove(&id).unwrap_or_default();
                by_user
                    .entry(u)
                    .or_default()
                    .push(RawPost { title, comments });
            }
        }
        users
            .into_iter()
            .map(|(id, name)| RawUser {
                name,
                posts: by_user.remove(&id).unwrap_or_default(),
            })
            .collect()
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
            (0, Workload::Tree(n)) => self.raw_tree(n).await.len(),
            (_, Workload::Tree(n)) => cormo_load_tree(&self.cormo, n).await.len(),
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

const SQL_ARMS: [&str; 4] = [
    "raw sqlx, bare connection",
    "raw sqlx, Pool",
    "cormo",
    "SeaORM",
];

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
                let sea = seaorm::connect(url).await;
                (
                    SQL_ARMS.to_vec(),
                    false,
                    Arms::Sqlite(SqliteArms {
                        bare,
                        pool,
                        cormo,
                        sea,
                    }),
                )
            }
            "postgres" => {
                // A fresh database, as the test suite makes them.
                let cormo = harness::postgres(BENCH).await;
                cormo_setup(&cormo, SEEDED).await;
                let url = harness::postgres_url(BENCH);
                let bare = sqlx::PgConnection::connect(&url).await.expect("bare");
                let pool = sqlx::PgPool::connect(&url).await.expect("pool");
                let sea = seaorm::connect(&url).await;
                (
                    SQL_ARMS.to_vec(),
                    false,
                    Arms::Postgres(PgArms {
                        bare,
                        pool,
                        cormo,
                        sea,
                    }),
                )
            }
            "mysql" => {
                let cormo = harness::mysql(BENCH).await;
                cormo_setup(&cormo, SEEDED).await;
                let url = harness::mysql_url(BENCH);
                let bare = sqlx::MySqlConnection::connect(&url).await.expect("bare");
                let pool = sqlx::MySqlPool::connect(&url).await.expect("pool");
                let sea = seaorm::connect(&url).await;
                (
                    SQL_ARMS.to_vec(),
                    false,
                    Arms::Mysql(MySqlArms {
                        bare,
                        pool,
                        cormo,
                        sea,
                    }),
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
                        posts: db.collection("bench_posts"),
                        comments: db.collection("bench_comments"),
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
            Workload::Tree(n) => {
                let outputs = match &mut self.arms {
                    Arms::Sqlite(a) => a.trees(n).await,
                    Arms::Postgres(a) => a.trees(n).await,
                    Arms::Mysql(a) => a.trees(n).await,
                    Arms::Mongo(a) => vec![
                        raw_tree(a.raw_tree(n).await),
                        cormo_tree(&cormo_load_tree(&a.cormo, n).await),
                    ],
                };
                let seeded = if self.slow_server {
                    SEEDED_SLOW
                } else {
                    SEEDED
                };
                let expected: Tree = (0..n.min(seeded))
                    .map(|i| {
                        let name = seed_user(i).0;
                        let posts = (0..POSTS_PER_USER)
                            .map(|k| {
                                let title = format!("{name} post {k}");
                                let comments = (0..COMMENTS_PER_POST)
                                    .map(|c| format!("on {title} #{c}"))
                                    .collect();
                                (title, comments)
                            })
                            .collect();
                        (name, posts)
                    })
                    .collect();
                let expected = normalized(expected);
                for (arm, out) in outputs.into_iter().enumerate() {
                    assert!(
                        normalized(out) == expected,
                        "{} differs on {w:?}",
                        self.names[arm]
                    );
                }
            }
            Workload::Load(n) => {
                let outputs = match &mut self.arms {
                    Arms::Sqlite(a) => a.loads(n).await,
                    Arms::Postgres(a) => a.loads(n).await,
                    Arms::Mysql(a) => a.loads(n).await,
                    Arms::Mongo(a) => vec![
                        a.raw_load(n)
                            .await
                            .into_iter()
                            .map(|(_, name, hair)| (name, hair))
                            .collect(),
                        cormo_rows(cormo_load(&a.cormo, n).await),
                    ],
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

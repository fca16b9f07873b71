//! Gives each test its own empty database on the backend under test, so
//! tests run in parallel and rerun cleanly after a failure.

use cormo::Connection;

/// Test database URLs; override to point the suite at other servers.
pub const POSTGRES_URL_VAR: &str = "CORMO_TEST_POSTGRES_URL";
pub const MYSQL_URL_VAR: &str = "CORMO_TEST_MYSQL_URL";
pub const MONGODB_URL_VAR: &str = "CORMO_TEST_MONGODB_URL";

pub const POSTGRES_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306/test";
pub const MONGODB_DEFAULT: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

pub fn url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// Replaces the database path of a URL (`scheme://auth@host/db?opts`).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A short, valid database name for a test.
pub fn db_name(test: &str) -> String {
    let mut name = format!("cormo_t_{test}");
    name.truncate(63);
    name
}

/// The URL of `test`'s SQLite database file.
pub fn sqlite_url(test: &str) -> String {
    let dir = std::env::temp_dir().join("cormo-tests");
    format!("sqlite://{}", dir.join(format!("{test}.db")).display())
}

pub async fn sqlite(test: &str) -> Connection {
    let dir = std::env::temp_dir().join("cormo-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{test}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    cormo::connect(&sqlite_url(test)).await.unwrap()
}

/// The URL of `test`'s PostgreSQL database (made by [`postgres`]).
pub fn postgres_url(test: &str) -> String {
    with_database(&url(POSTGRES_URL_VAR, POSTGRES_DEFAULT), &db_name(test))
}

/// The URL of `test`'s MySQL database (made by [`mysql`]).
pub fn mysql_url(test: &str) -> String {
    with_database(&url(MYSQL_URL_VAR, MYSQL_DEFAULT), &db_name(test))
}

#[cfg(feature = "postgres")]
pub async fn postgres(test: &str) -> Connection {
    use sqlx::Connection as _;
    let admin_url = url(POSTGRES_URL_VAR, POSTGRES_DEFAULT);
    let name = db_name(test);
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&mut admin)
        .await
        .unwrap();
    let create = format!("CREATE DATABASE \"{name}\"");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let opts = cormo::ConnectOptions::new(with_database(&admin_url, &name)).max_connections(4);
    cormo::connect_with(opts).await.unwrap()
}

#[cfg(feature = "mysql")]
pub async fn mysql(test: &str) -> Connection {
    use sqlx::Connection as _;
    let admin_url = url(MYSQL_URL_VAR, MYSQL_DEFAULT);
    let name = db_name(test);
    let mut admin = sqlx::MySqlConnection::connect(&admin_url).await.unwrap();
    let drop = format!("DROP DATABASE IF EXISTS `{name}`");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&mut admin)
        .await
        .unwrap();
    let create = format!("CREATE DATABASE `{name}`");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let opts = cormo::ConnectOptions::new(with_database(&admin_url, &name)).max_connections(4);
    cormo::connect_with(opts).await.unwrap()
}

/// MongoDB gets a database name unique to this run instead of dropping the
/// previous one: a run that died mid-transaction can leave transactions
/// open, and dropping their database would wait for them (SecantusDB never
/// reaps them; mongod does after `transactionLifetimeLimitSeconds`).
pub async fn mongodb(test: &str) -> Connection {
    cormo::connect(&mongodb_url(test)).await.unwrap()
}

/// A URL naming a fresh MongoDB database for `test`.
pub fn mongodb_url(test: &str) -> String {
    let base = url(MONGODB_URL_VAR, MONGODB_DEFAULT);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut short = test.to_owned();
    short.truncate(40);
    let name = format!("cormo_{short}_{}_{nanos:x}", std::process::id());
    with_database(&base, &name)
}

#[cfg(test)]
#[test]
fn with_database_replaces_the_path() {
    assert_eq!(
        with_database("postgres://u@h:1/test", "x"),
        "postgres://u@h:1/x"
    );
    assert_eq!(
        with_database("mongodb://h:1/?directConnection=true", "x"),
        "mongodb://h:1/x?directConnection=true"
    );
    assert_eq!(
        with_database("mysql://root@h:3306", "x"),
        "mysql://root@h:3306/x"
    );
}

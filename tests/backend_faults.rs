//! Faults the shared suite cannot stage portably: a server that is not
//! there, and a connection killed under a transaction (as a restart does).

use cormo::prelude::*;
use cormo_suite::models::User;

async fn assert_lost_connection_is_typed(
    db: Connection,
    kill: impl std::future::Future<Output = ()>,
) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let tx = db.begin().await.unwrap();
    User::create(
        &tx,
        User {
            name: "in flight".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    kill.await;
    let err = User::create(
        &tx,
        User {
            name: "after".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    drop(tx);
    // The pool replaces the dead connection; nothing was half-written.
    assert_eq!(User::query().count(&db).await.unwrap(), 0);
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lost_connection() {
    use sqlx::Connection as _;
    let name = "postgres_lost_connection";
    let db = cormo_suite::harness::postgres(name).await;
    let admin_url = cormo_suite::harness::url(
        cormo_suite::harness::POSTGRES_URL_VAR,
        cormo_suite::harness::POSTGRES_DEFAULT,
    );
    let kill = async move {
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
            .bind(cormo_suite::harness::db_name(name))
            .execute(&mut admin)
            .await
            .unwrap();
    };
    assert_lost_connection_is_typed(db, kill).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_lost_connection() {
    use sqlx::Connection as _;
    let name = "mysql_lost_connection";
    let db = cormo_suite::harness::mysql(name).await;
    let admin_url = cormo_suite::harness::url(
        cormo_suite::harness::MYSQL_URL_VAR,
        cormo_suite::harness::MYSQL_DEFAULT,
    );
    let kill = async move {
        let mut admin = sqlx::MySqlConnection::connect(&admin_url).await.unwrap();
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
        )
        .bind(cormo_suite::harness::db_name(name))
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert!(!ids.is_empty());
        for id in ids {
            // An integer from the server, not user input.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL {id}")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    };
    assert_lost_connection_is_typed(db, kill).await;
}

#[tokio::test]
async fn unreachable_server_is_a_connection_error() {
    let urls: &[&str] = &[
        #[cfg(feature = "postgres")]
        "postgres://postgres@127.0.0.1:1/test",
        #[cfg(feature = "mysql")]
        "mysql://root@127.0.0.1:1/test",
    ];
    for url in urls {
        let opts =
            cormo::ConnectOptions::new(*url).acquire_timeout(std::time::Duration::from_secs(2));
        let err = cormo::connect_with(opts).await.unwrap_err();
        assert!(matches!(err, Error::Connection { .. }), "{url}: {err:?}");
    }
    // A database that does not exist is a connection error too.
    use cormo_suite::harness::{url as env_url, with_database};
    let missing: Vec<String> = vec![
        #[cfg(feature = "postgres")]
        with_database(
            &env_url(
                cormo_suite::harness::POSTGRES_URL_VAR,
                cormo_suite::harness::POSTGRES_DEFAULT,
            ),
            "cormo_no_such_database",
        ),
        #[cfg(feature = "mysql")]
        with_database(
            &env_url(
                cormo_suite::harness::MYSQL_URL_VAR,
                cormo_suite::harness::MYSQL_DEFAULT,
            ),
            "cormo_no_such_database",
        ),
    ];
    for url in &missing {
        let err = cormo::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::Connection { .. }), "{url}: {err:?}");
    }
    let err = cormo::connect("nosuchdb://x").await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
}

/// The connection's statement timeout bounds every statement (reads,
/// saves, inserts); a query's own limit replaces it for that query, longer
/// or shorter, and the connection's applies again afterwards.
async fn assert_connection_timeout_bounds_statements(plain: Connection, url: String) {
    use std::time::{Duration, Instant};
    let opts_url = url.clone();
    let limit = Duration::from_millis(300);
    let timed = cormo::connect_with(cormo::ConnectOptions::new(url).statement_timeout(limit))
        .await
        .unwrap();
    plain.register::<User>();
    plain.apply_schemas().await.unwrap();
    timed.register::<User>();
    let user = |name: &str| User {
        name: name.into(),
        ..Default::default()
    };
    let u = User::create(&timed, user("a")).await.unwrap();

    let holder = plain.begin().await.unwrap();
    User::query()
        .update(&holder, [User::AGE.set(1)])
        .await
        .unwrap();
    let mut copy = User::find(&timed, u.id.get().unwrap()).await.unwrap();
    copy.age = 5;
    let err = copy.save(&timed).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );

    let longer = Duration::from_millis(900);
    let started = Instant::now();
    let err = User::query()
        .timeout(longer)
        .update(&timed, [User::AGE.set(6)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == longer),
        "{err:?}"
    );
    assert!(started.elapsed() >= longer, "{:?}", started.elapsed());

    // The connection's own limit is back for the next statement.
    let started = Instant::now();
    let err = User::query()
        .update(&timed, [User::AGE.set(7)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );
    assert!(started.elapsed() < longer, "{:?}", started.elapsed());
    holder.rollback().await.unwrap();

    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = User::query().all(&timed).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].age, 0, "a timed-out statement was applied");
    User::create(&timed, user("b")).await.unwrap();
    assert_eq!(User::query().count(&timed).await.unwrap(), 2);

    // Limits past the longest any database takes mean the longest.
    let url = opts_url.clone();
    let longest =
        cormo::connect_with(cormo::ConnectOptions::new(url).statement_timeout(Duration::MAX))
            .await
            .unwrap();
    longest.register::<User>();
    assert_eq!(User::query().count(&longest).await.unwrap(), 2);
    let n = User::query()
        .timeout(Duration::MAX)
        .update(&longest, [User::AGE.inc(1)])
        .await
        .unwrap();
    assert_eq!(n, 2);
    longest.close().await;
    timed.close().await;
    plain.close().await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_statement_timeout() {
    let name = "sqlite_statement_timeout";
    let db = cormo_suite::harness::sqlite(name).await;
    assert_connection_timeout_bounds_statements(db, cormo_suite::harness::sqlite_url(name)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statement_timeout() {
    let name = "postgres_statement_timeout";
    let db = cormo_suite::harness::postgres(name).await;
    assert_connection_timeout_bounds_statements(db, cormo_suite::harness::postgres_url(name)).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_statement_timeout() {
    let name = "mysql_statement_timeout";
    let db = cormo_suite::harness::mysql(name).await;
    assert_connection_timeout_bounds_statements(db, cormo_suite::harness::mysql_url(name)).await;
}

/// MongoDB: the connection's limit goes to the server as `maxTimeMS`.
/// (A blocked write is not staged here: SecantusDB, the test server,
/// retries such a write forever; see the suite's
/// `Requires::BlockedWritesStopAtTheLimit`.)
#[cfg(feature = "mongodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_statement_timeout() {
    use std::time::Duration;
    let url = cormo_suite::harness::mongodb_url("mongodb_statement_timeout");
    let plain = cormo::connect(&url).await.unwrap();
    plain.register::<User>();
    plain.apply_schemas().await.unwrap();
    let users: Vec<User> = (0..400)
        .map(|i| User {
            name: format!("user {i}"),
            ..Default::default()
        })
        .collect();
    User::create_many(&plain, users).await.unwrap();
    let limit = Duration::from_millis(1);
    let timed = cormo::connect_with(cormo::ConnectOptions::new(url).statement_timeout(limit))
        .await
        .unwrap();
    timed.register::<User>();
    let err = User::query()
        .filter(User::NAME.contains("zz"))
        .all(&timed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );
    // A query's own, longer limit replaces the connection's.
    let n = User::query()
        .filter(User::NAME.contains("zz"))
        .timeout(Duration::MAX)
        .count(&timed)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // With a limit, writes go to the server as write commands carrying
    // `maxTimeMS`: they report the same outcomes as without one.
    use cormo_suite::models::Sample;
    timed.register::<Sample>();
    timed.apply_schemas().await.unwrap();
    let code = |c: &str| Sample {
        code: Some(c.into()),
        ..Default::default()
    };
    let taken = Sample::create(&timed, code("taken")).await.unwrap();
    let err = Sample::create(&timed, code("taken")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "code"),
        "{err:?}"
    );
    let err = Sample::create_many(&timed, vec![code("a"), code("taken")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "code"),
        "{err:?}"
    );
    Sample::create_many(&timed, vec![code("b"), code("c")])
        .await
        .unwrap();
    let mut s = Sample::find(&timed, &taken.id).await.unwrap();
    s.small = 7;
    s.save(&timed).await.unwrap();
    assert_eq!(Sample::find(&timed, &taken.id).await.unwrap().small, 7);
    let n = Sample::query()
        .filter(Sample::CODE.is_in(["b", "c", "nope"]))
        .update(&timed, [Sample::SMALL.set(3)])
        .await
        .unwrap();
    assert_eq!(n, 2);
    let err = Sample::query()
        .filter(Sample::CODE.eq("b"))
        .update(&timed, [Sample::CODE.set("taken")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "code"),
        "{err:?}"
    );
    let n = Sample::query()
        .filter(Sample::SMALL.eq(3))
        .delete(&timed)
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Read back through the connection without a limit.
    plain.register::<Sample>();
    let left: Vec<Option<String>> = Sample::query()
        .all(&plain)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.code)
        .collect();
    assert_eq!(left, [Some("taken".to_owned())]);
    timed.close().await;
    plain.close().await;
}

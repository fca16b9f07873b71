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

//! A database server restarted under a running program: what fails during
//! the outage is `Error::Connection`, and once the server is back the same
//! `Connection` works again, without restarting the program.
//!
//! Restarting a server needs rights a test suite does not usually have, so
//! these tests are ignored unless told how: `CORMO_TEST_POSTGRES_RESTART` /
//! `CORMO_TEST_MYSQL_RESTART` name a command that restarts the server and
//! returns once it accepts connections again (`.ci/restart-postgres`,
//! `.ci/restart-mariadb`). CI runs them with `--include-ignored`.

use std::time::Duration;

use cormo::prelude::*;
use cormo_suite::models::User;

/// Runs the restart command named by `var`.
async fn restart(var: &str) {
    let cmd = std::env::var(var).unwrap_or_else(|_| panic!("set {var} to a restart command"));
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .status()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "the restart command failed: {status}");
}

async fn assert_pool_recovers(db: Connection, var: &str) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let user = |name: &str| User {
        name: name.into(),
        ..Default::default()
    };
    User::create(&db, user("before")).await.unwrap();
    // Open several pooled connections, so idle ones are there to be killed.
    let busy: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { User::query().count(&db).await })
        })
        .collect();
    for b in busy {
        assert_eq!(b.await.unwrap().unwrap(), 1);
    }

    restart(var).await;

    // Dead pooled connections may each fail one operation, as `Connection`;
    // then the pool has replaced them.
    let mut failures = 0;
    loop {
        match User::query().count(&db).await {
            Ok(n) => {
                assert_eq!(n, 1);
                break;
            }
            Err(Error::Connection { .. }) if failures < 8 => {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("after {failures} connection errors: {e:?}"),
        }
    }
    User::create(&db, user("after")).await.unwrap();
    let tx = db.begin().await.unwrap();
    User::create(&tx, user("in a transaction")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(User::query().count(&db).await.unwrap(), 3);
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts the server: set CORMO_TEST_POSTGRES_RESTART and pass --include-ignored"]
async fn postgres_restart_recovers() {
    let db = cormo_suite::harness::postgres("postgres_restart_recovers").await;
    assert_pool_recovers(db, "CORMO_TEST_POSTGRES_RESTART").await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts the server: set CORMO_TEST_MYSQL_RESTART and pass --include-ignored"]
async fn mysql_restart_recovers() {
    let db = cormo_suite::harness::mysql("mysql_restart_recovers").await;
    assert_pool_recovers(db, "CORMO_TEST_MYSQL_RESTART").await;
}

//! A server that stops answering in the middle of a session (a hung host,
//! a network partition): staged with a TCP relay between cormo and the real
//! server that can be frozen (it stops passing bytes on) and then cut.
//!
//! With a statement timeout, an operation on a frozen server ends as
//! `Error::Timeout` shortly after its limit instead of waiting forever;
//! once the relay is cut, the pool replaces the dead connections and the
//! same `Connection` works again. What was held in the relay never reached
//! the server, so nothing of the timed-out write is stored.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cormo::prelude::*;
use cormo_suite::models::User;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Mutex};
use tokio::task::JoinSet;

/// A TCP relay to `upstream` that can freeze and cut its connections.
struct Relay {
    port: u16,
    frozen: watch::Sender<bool>,
    pumps: Arc<Mutex<JoinSet<()>>>,
}

/// Waits until the relay is not frozen.
async fn thawed(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|frozen| !frozen).await;
}

/// Copies `from` to `to`, holding bytes back while frozen.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut rx: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        thawed(&mut rx).await;
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        thawed(&mut rx).await;
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (frozen, rx) = watch::channel(false);
        let pumps = Arc::new(Mutex::new(JoinSet::new()));
        let set = pumps.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                let mut set = set.lock().await;
                set.spawn(pump(cr, sw, rx.clone()));
                set.spawn(pump(sr, cw, rx.clone()));
            }
        });
        Relay {
            port,
            frozen,
            pumps,
        }
    }

    /// Stops passing bytes on, in both directions, on every connection.
    fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    /// Drops every connection (what was held back is lost) and lets new
    /// connections through again.
    async fn cut(&self) {
        self.pumps.lock().await.abort_all();
        self.frozen.send_replace(false);
    }
}

/// Where a URL's `host:port` is: `(start, end)` byte offsets.
fn authority(url: &str) -> (usize, usize) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = rest[..end].rfind('@').map_or(0, |i| i + 1);
    (start + host, start + end)
}

/// `url` with its host and port replaced by the relay's.
fn through(url: &str, port: u16) -> String {
    let (start, end) = authority(url);
    format!("{}127.0.0.1:{port}{}", &url[..start], &url[end..])
}

/// The host and port a URL names.
async fn upstream(url: &str) -> SocketAddr {
    let (start, end) = authority(url);
    tokio::net::lookup_host(&url[start..end])
        .await
        .unwrap()
        .next()
        .unwrap()
}

async fn assert_stall_is_bounded(url: String) {
    let relay = Relay::start(upstream(&url).await).await;
    let limit = Duration::from_millis(300);
    let opts = cormo::ConnectOptions::new(through(&url, relay.port))
        .statement_timeout(limit)
        .max_connections(2);
    let db = cormo::connect_with(opts).await.unwrap();
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let user = |name: &str| User {
        name: name.into(),
        ..Default::default()
    };
    User::create(&db, user("before")).await.unwrap();

    relay.freeze();
    let started = Instant::now();
    let err = User::create(&db, user("stalled")).await.unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );
    // The limit plus cormo's 2 s grace for an unanswering server, and slack.
    assert!(waited < limit + Duration::from_secs(4), "{waited:?}");

    relay.cut().await;
    // Dead pooled connections may each fail once, as `Connection`; then
    // the pool has replaced them.
    let mut failures = 0;
    let n = loop {
        match User::query().count(&db).await {
            Ok(n) => break n,
            Err(Error::Connection { .. } | Error::Timeout { .. }) if failures < 8 => {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("after {failures} failures: {e:?}"),
        }
    };
    assert_eq!(n, 1, "the stalled write never reached the server");
    User::create(&db, user("after")).await.unwrap();
    assert_eq!(User::query().count(&db).await.unwrap(), 2);
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stall_is_bounded() {
    let name = "postgres_stall_is_bounded";
    cormo_suite::harness::postgres(name).await.close().await;
    assert_stall_is_bounded(cormo_suite::harness::postgres_url(name)).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_stall_is_bounded() {
    let name = "mysql_stall_is_bounded";
    cormo_suite::harness::mysql(name).await.close().await;
    assert_stall_is_bounded(cormo_suite::harness::mysql_url(name)).await;
}

#[cfg(feature = "mongodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_stall_is_bounded() {
    assert_stall_is_bounded(cormo_suite::harness::mongodb_url(
        "mongodb_stall_is_bounded",
    ))
    .await;
}

#[test]
fn through_replaces_host_and_port() {
    assert_eq!(
        through("postgres://postgres@127.0.0.1:5432/test", 9),
        "postgres://postgres@127.0.0.1:9/test"
    );
    assert_eq!(
        through("mongodb://127.0.0.1:27017/db?directConnection=true", 9),
        "mongodb://127.0.0.1:9/db?directConnection=true"
    );
}

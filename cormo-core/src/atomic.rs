//! All-or-nothing multi-step operations, for every operation file.

/// Runs a multi-step operation all-or-nothing: inside the caller's
/// transaction, or one of our own (retried on a write conflict, since
/// nobody else can retry it), or directly where the backend has none.
macro_rules! atomically {
    ($session:expr, |$s:ident| $body:block) => {{
        let mut attempt = 0;
        loop {
            let own = $session.own_tx().await?;
            let ours = own.is_some();
            // Everything read in here feeds the write it guards.
            let $s = own
                .as_ref()
                .map_or(*$session, |t| {
                    $crate::connection::Executor::session(t).with_timeout($session.timeout)
                })
                .for_write();
            let out = async { $body }.await;
            match $crate::session::finish(own, out).await {
                Err($crate::error::Error::Conflict { .. })
                    if ours && attempt < $crate::atomic::MAX_RETRIES =>
                {
                    attempt += 1
                }
                done => break done,
            }
        }
    }};
}

/// How often an internal transaction is retried after a conflict.
pub(crate) const MAX_RETRIES: u32 = 3;

//! The shared suite on MySQL/MariaDB: `CORMO_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`); each test gets its own database.
//! The tests live in the `cormo-suite` crate, compiled once for every backend.

fn main() -> std::process::ExitCode {
    cormo_suite::run(|test| Box::pin(cormo_suite::harness::mysql(test)))
}

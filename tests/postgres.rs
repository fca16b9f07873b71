//! The shared suite on PostgreSQL: `CORMO_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`); each test gets its own database.
//! The tests live in the `cormo-suite` crate, compiled once for every backend.

fn main() -> std::process::ExitCode {
    cormo_suite::run(|test| Box::pin(cormo_suite::harness::postgres(test)))
}

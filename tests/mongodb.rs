//! The shared suite on MongoDB: `CORMO_TEST_MONGODB_URL` (default `mongodb://127.0.0.1:27017/?directConnection=true`); each test gets its own database.
//! The tests live in the `cormo-suite` crate, compiled once for every backend.

fn main() -> std::process::ExitCode {
    cormo_suite::run(|test| Box::pin(cormo_suite::harness::mongodb(test)))
}

//! The shared suite on SQLite (a fresh database file per test).
//! The tests live in the `cormo-suite` crate, compiled once for every backend.

fn main() -> std::process::ExitCode {
    cormo_suite::run(|test| Box::pin(cormo_suite::harness::sqlite(test)))
}

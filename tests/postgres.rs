//! The suite on PostgreSQL: `CORMO_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`); each test gets its own database.
#![cfg(feature = "postgres")]

mod suite;

suite::suite!(suite::harness::postgres);

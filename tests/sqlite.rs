//! The suite on SQLite (a fresh database file per test).
#![cfg(feature = "sqlite")]

mod suite;

suite::suite!(suite::harness::sqlite);

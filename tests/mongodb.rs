//! The suite on MongoDB: `CORMO_TEST_MONGODB_URL`
//! (default `mongodb://127.0.0.1:27017/?directConnection=true`); each test
//! gets its own database.
#![cfg(feature = "mongodb")]

mod suite;

suite::suite!(suite::harness::mongodb);

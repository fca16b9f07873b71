//! The suite on MySQL / MariaDB: `CORMO_TEST_MYSQL_URL`
//! (default `mysql://root@127.0.0.1:3306/test`); each test gets its own database.
#![cfg(feature = "mysql")]

mod suite;

suite::suite!(suite::harness::mysql);

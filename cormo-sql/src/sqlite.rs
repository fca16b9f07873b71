//! SQLite through sqlx: embedded, in-memory for tests, a file for apps.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use cormo_core::{Capabilities, ConnectOptions, Connection, Error, IsolationLevel, Result, Value};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteRow};
use sqlx::{Arguments, Row, Sqlite};

use crate::enabled::adapter::SqlAdapter;
use crate::enabled::backend::unreadable;
use crate::enabled::backend::{json_list, text_param, Backend, BeginWith, Done};
use crate::enabled::dialect::Dialect;
use crate::enabled::errors::{self, Op};
use crate::enabled::pool::{ConnPool, Settings};
use crate::enabled::render::Sql;
use crate::enabled::row::{bound, decode_err, Own};
use crate::enabled::timeout::{Around, Limit};

/// How long a statement waits for another connection's write lock when no
/// statement timeout is set.
const DEFAULT_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The SQLite backend.
pub struct SqliteBackend;

/// Opens a SQLite database: `sqlite::memory:` or `sqlite://path.db`
/// (created if missing). Foreign keys are enforced on every pooled
/// connection. An in-memory database lives on a single connection, since
/// each connection would otherwise see its own empty database.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let map = |e| errors::map(Dialect::Sqlite, None, Op::Read, e);
    let memory = opts.url.contains(":memory:") || opts.url.contains("mode=memory");
    let mut co = SqliteConnectOptions::from_str(&opts.url)
        .map_err(map)?
        .create_if_missing(true)
        .foreign_keys(true)
        // REGEXP, for `Cond::Regex` (the regex crate's syntax).
        .with_regexp()
        .busy_timeout(
            opts.effective_statement_timeout()
                .unwrap_or(DEFAULT_BUSY_TIMEOUT),
        );
    if !memory {
        co = co.journal_mode(SqliteJournalMode::Wal);
    }
    let settings = if memory {
        // The database lives in its one connection.
        Settings {
            max_connections: 1,
            keep_forever: true,
            ..Settings::from(opts)
        }
    } else {
        Settings::from(opts)
    };
    let pool = ConnPool::open(co, settings, map).await?;
    Ok(Connection::from_adapter(
        Box::new(
            SqlAdapter::<SqliteBackend>::new(pool)
                .with_statement_timeout(opts.effective_statement_timeout()),
        ),
        opts,
    ))
}

impl Backend for SqliteBackend {
    type DB = Sqlite;
    const DIALECT: Dialect = Dialect::Sqlite;

    fn capabilities() -> Capabilities {
        Capabilities {
            backend: "sqlite",
            native_foreign_keys: true,
            transactions: true,
            savepoints: true,
            datetime_precision: 6,
            atomic_insert_values: Some(crate::enabled::adapter::INSERT_BATCH_VALUES),
            upsert_picks_key: true,
            object_ids: false,
            isolation_levels: &[IsolationLevel::Serializable],
        }
    }

    fn bind_own(args: &mut SqliteArguments, v: Own) -> Result<()> {
        bound(match v {
            // SQLite types values, not columns: a NULL's type is moot.
            Own::Null => args.add(None::<i64>),
            Own::DateTime(t) => args.add(t.timestamp_micros()),
            Own::Json(j) => args.add(j.to_string()),
        })
    }

    fn bind_list(args: &mut SqliteArguments, values: Vec<Value>) -> Result<()> {
        // Dates are stored as epoch microseconds.
        let list = json_list(values, |t| t.timestamp_micros().into())?;
        bound(args.add(list))
    }

    fn read_datetime(row: &SqliteRow, idx: usize) -> Result<Option<DateTime<Utc>>> {
        let micros: Option<i64> = row.try_get(idx).map_err(decode_err)?;
        micros
            .map(|m| {
                DateTime::from_timestamp_micros(m).ok_or_else(|| Error::Driver {
                    message: format!("stored date {m} is out of range"),
                    source: None,
                })
            })
            .transpose()
    }

    fn read_json(row: &SqliteRow, idx: usize) -> Result<Option<serde_json::Value>> {
        let text: Option<String> = row.try_get(idx).map_err(decode_err)?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| Error::driver("stored JSON is invalid", e))
        })
        .transpose()
    }

    fn lean(row: &SqliteRow) -> Result<serde_json::Map<String, serde_json::Value>> {
        use serde_json::Value as J;
        use sqlx::{Column, TypeInfo, ValueRef};
        let mut out = serde_json::Map::with_capacity(row.columns().len());
        for (i, col) in row.columns().iter().enumerate() {
            let name = col.name();
            // SQLite types values, not columns: read each by what it holds.
            let raw = row.try_get_raw(i).map_err(decode_err)?;
            if raw.is_null() {
                out.insert(name.to_owned(), J::Null);
                continue;
            }
            let kind = raw.type_info().name().to_owned();
            let get = |e| decode_err(e);
            let v = match kind.as_str() {
                "INTEGER" => J::from(row.try_get::<i64, _>(i).map_err(get)?),
                "REAL" => J::from(row.try_get::<f64, _>(i).map_err(get)?),
                "TEXT" => J::String(row.try_get(i).map_err(get)?),
                "BLOB" => J::from(row.try_get::<Vec<u8>, _>(i).map_err(get)?),
                other => return Err(unreadable(name, other)),
            };
            out.insert(name.to_owned(), v);
        }
        Ok(out)
    }

    fn done(r: <Self::DB as sqlx::Database>::QueryResult) -> Done {
        Done {
            rows: r.rows_affected(),
            last_id: Some(r.last_insert_rowid()),
        }
    }

    fn begin_statement(
        _level: Option<IsolationLevel>,
        intent: cormo_core::TxIntent,
    ) -> Option<BeginWith> {
        // SQLite transactions are serializable; core admits no other level.
        // A deferred transaction that reads, then writes while another
        // connection writes, fails at once (SQLite's deadlock avoidance);
        // cormo's own writing transactions take the write lock up front
        // and wait for it instead.
        (intent == cormo_core::TxIntent::Write).then_some(BeginWith::Replace("BEGIN IMMEDIATE"))
    }
    /// SQLite has no server to stop a statement; what blocks a caller is
    /// waiting for another connection's write lock, so the limit is the
    /// busy timeout (the connection's is set when it opens).
    fn bound(_sql: &mut Sql, limit: &Limit) -> Result<Around> {
        if limit.is_default() {
            return Ok(Around::default());
        }
        let set = |ms: u128| Sql::raw(Dialect::Sqlite, &format!("PRAGMA busy_timeout = {ms}"));
        let back = limit.default.unwrap_or(DEFAULT_BUSY_TIMEOUT);
        Ok(Around {
            before: Some(set(Limit::millis(limit.limit))),
            after: Some(set(Limit::millis(back))),
        })
    }

    fn tables_sql() -> Sql {
        Sql::raw(
            Dialect::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table'",
        )
    }

    fn columns_sql(table: &str) -> Sql {
        let mut s = Sql::raw(Dialect::Sqlite, "SELECT name FROM pragma_table_info(");
        text_param(&mut s, table);
        s.push(")");
        s
    }

    fn indexes_sql(table: &str) -> Sql {
        let mut s = Sql::raw(Dialect::Sqlite, "SELECT name FROM pragma_index_list(");
        text_param(&mut s, table);
        s.push(")");
        s
    }

    fn foreign_keys_sql(table: &str) -> Option<Sql> {
        let mut s = Sql::raw(
            Dialect::Sqlite,
            "SELECT \"from\" FROM pragma_foreign_key_list(",
        );
        text_param(&mut s, table);
        s.push(")");
        Some(s)
    }
}

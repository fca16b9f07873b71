//! MySQL and MariaDB through sqlx. SQL is kept to what both accept.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use cormo_core::{Capabilities, ConnectOptions, Connection, Error, IsolationLevel, Result, Value};
use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlRow};
use sqlx::{Arguments, MySql, Row};

use crate::enabled::adapter::SqlAdapter;
use crate::enabled::backend::{
    json_list, text_param, Backend, BeginWith, Done, ALL_ISOLATION_LEVELS,
};
use crate::enabled::backend::{lean_date, unreadable};
use crate::enabled::dialect::Dialect;
use crate::enabled::errors::{self, Op};
use crate::enabled::pool::{ConnPool, Settings};
use crate::enabled::render::Sql;
use crate::enabled::row::{bound, decode_err, Own};
use crate::enabled::timeout::{Around, Limit};

/// The MySQL / MariaDB backend.
pub struct MySqlBackend;

/// Opens a pool on `mysql://user[:password]@host[:port]/database`.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let map = |e| errors::map(Dialect::Mysql, None, Op::Read, e);
    let url = opts.url.replacen("mariadb://", "mysql://", 1);
    let co = MySqlConnectOptions::from_str(&url)
        .map_err(map)?
        .charset("utf8mb4");
    let pool = ConnPool::open(co, Settings::from(opts), map).await?;
    // PAD SPACE collations compare 'a' and 'a ' as equal; the no-pad
    // binary collation is named differently on MariaDB and MySQL 8.
    let version: String = {
        let mut lease = pool.acquire().await.map_err(map)?;
        sqlx::query_scalar("SELECT VERSION()")
            .fetch_one(lease.raw()?)
            .await
            .map_err(map)?
    };
    let mariadb = version.contains("MariaDB");
    let collation = if mariadb {
        "utf8mb4_nopad_bin"
    } else {
        "utf8mb4_0900_bin"
    };
    let mut adapter = SqlAdapter::<MySqlBackend>::new(pool)
        .with_collation(collation)
        .with_statement_timeout(opts.effective_statement_timeout());
    if !mariadb {
        // MySQL 8's max_execution_time bounds SELECTs only; a limit that
        // silently skipped writes would be worse than none.
        if opts.effective_statement_timeout().is_some() {
            return Err(Error::Unsupported {
                backend: "mysql",
                feature: "statement timeouts on MySQL (MariaDB has them)",
            });
        }
        adapter = adapter.without_server_timeouts();
    }
    Ok(Connection::from_adapter(Box::new(adapter), opts))
}

impl Backend for MySqlBackend {
    type DB = MySql;
    const DIALECT: Dialect = Dialect::Mysql;

    fn capabilities() -> Capabilities {
        Capabilities {
            backend: "mysql",
            native_foreign_keys: true,
            transactions: true,
            savepoints: true,
            datetime_precision: 6,
            atomic_insert_values: Some(crate::enabled::adapter::INSERT_BATCH_VALUES),
            upsert_picks_key: false,
            object_ids: false,
            isolation_levels: ALL_ISOLATION_LEVELS,
        }
    }

    fn bind_own(args: &mut MySqlArguments, v: Own) -> Result<()> {
        bound(match v {
            Own::Null => args.add(None::<String>),
            // DATETIME, not TIMESTAMP: sqlx sends a `DateTime<Utc>` as a
            // TIMESTAMP, which MariaDB stores as NULL outside 1970 ..= 2038.
            Own::DateTime(t) => args.add(t.naive_utc()),
            // JSON travels as text; MariaDB's JSON is LONGTEXT.
            Own::Json(j) => args.add(j.to_string()),
        })
    }

    fn bind_list(args: &mut MySqlArguments, values: Vec<Value>) -> Result<()> {
        let list = json_list(values, |t| {
            t.naive_utc()
                .format("%Y-%m-%d %H:%M:%S%.6f")
                .to_string()
                .into()
        })?;
        bound(args.add(list))
    }

    fn read_datetime(row: &MySqlRow, idx: usize) -> Result<Option<DateTime<Utc>>> {
        // DATETIME holds no zone; cormo writes UTC.
        let t: Option<chrono::NaiveDateTime> = row.try_get(idx).map_err(decode_err)?;
        Ok(t.map(|t| t.and_utc()))
    }

    fn read_json(row: &MySqlRow, idx: usize) -> Result<Option<serde_json::Value>> {
        // MariaDB returns JSON as text; MySQL 8 as its JSON type.
        let text = match row.try_get::<Option<String>, _>(idx) {
            Ok(t) => t,
            Err(sqlx::Error::ColumnDecode { .. }) => {
                return row.try_get(idx).map_err(decode_err);
            }
            Err(e) => return Err(decode_err(e)),
        };
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| Error::driver("stored JSON is invalid", e))
        })
        .transpose()
    }

    fn lean(row: &MySqlRow) -> Result<serde_json::Map<String, serde_json::Value>> {
        use serde_json::Value as J;
        use sqlx::{Column, TypeInfo, ValueRef};
        let mut out = serde_json::Map::with_capacity(row.columns().len());
        for (i, col) in row.columns().iter().enumerate() {
            let name = col.name();
            if row.try_get_raw(i).map_err(decode_err)?.is_null() {
                out.insert(name.to_owned(), J::Null);
                continue;
            }
            let get = |e| decode_err(e);
            let v = match col.type_info().name() {
                "BOOLEAN" => J::Bool(row.try_get(i).map_err(get)?),
                "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => {
                    J::from(row.try_get::<i64, _>(i).map_err(get)?)
                }
                "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED"
                | "INT UNSIGNED" | "BIGINT UNSIGNED" => {
                    J::from(row.try_get::<u64, _>(i).map_err(get)?)
                }
                "FLOAT" => J::from(row.try_get::<f32, _>(i).map_err(get)?),
                "DOUBLE" => J::from(row.try_get::<f64, _>(i).map_err(get)?),
                "VARCHAR" | "CHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" => {
                    J::String(row.try_get(i).map_err(get)?)
                }
                "DATETIME" => lean_date(
                    row.try_get::<chrono::NaiveDateTime, _>(i)
                        .map_err(get)?
                        .and_utc(),
                ),
                "TIMESTAMP" => lean_date(row.try_get(i).map_err(get)?),
                "JSON" => row.try_get(i).map_err(get)?,
                // Text under a binary collation (cormo's tables are
                // utf8mb4_bin) is reported as binary: UTF-8 reads as text.
                "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" => {
                    let bytes: Vec<u8> = row.try_get(i).map_err(get)?;
                    match String::from_utf8(bytes) {
                        Ok(text) => J::String(text),
                        Err(e) => J::from(e.into_bytes()),
                    }
                }
                other => return Err(unreadable(name, other)),
            };
            out.insert(name.to_owned(), v);
        }
        Ok(out)
    }

    fn done(r: <Self::DB as sqlx::Database>::QueryResult) -> Done {
        Done {
            rows: r.rows_affected(),
            last_id: i64::try_from(r.last_insert_id()).ok().filter(|id| *id != 0),
        }
    }

    fn begin_statement(
        level: Option<IsolationLevel>,
        _intent: cormo_core::TxIntent,
    ) -> Option<BeginWith> {
        // MySQL sets the level for the next transaction, before it starts.
        level.map(|l| {
            BeginWith::Before(match l {
                IsolationLevel::ReadUncommitted => {
                    "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"
                }
                IsolationLevel::ReadCommitted => "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                IsolationLevel::RepeatableRead => "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                IsolationLevel::Serializable => "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            })
        })
    }
    /// MariaDB takes a limit per statement in the statement itself, so the
    /// connection's own costs no extra statement either.
    fn bound(sql: &mut Sql, limit: &Limit) -> Result<Around> {
        let prefix = format!(
            "SET STATEMENT max_statement_time = {:.6} FOR ",
            limit.limit.as_secs_f64().max(0.000_001)
        );
        sql.text.insert_str(0, &prefix);
        Ok(Around::default())
    }

    fn tables_sql() -> Sql {
        Sql::raw(
            Dialect::Mysql,
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
    }

    fn columns_sql(table: &str) -> Sql {
        let mut s = Sql::raw(
            Dialect::Mysql,
            "SELECT CAST(column_name AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ",
        );
        text_param(&mut s, table);
        s
    }

    fn indexes_sql(table: &str) -> Sql {
        let mut s = Sql::raw(
            Dialect::Mysql,
            "SELECT DISTINCT CAST(index_name AS CHAR) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ",
        );
        text_param(&mut s, table);
        s
    }

    fn foreign_keys_sql(table: &str) -> Option<Sql> {
        let mut s = Sql::raw(
            Dialect::Mysql,
            "SELECT CAST(column_name AS CHAR) FROM information_schema.key_column_usage \
             WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL AND table_name = ",
        );
        text_param(&mut s, table);
        Some(s)
    }
}

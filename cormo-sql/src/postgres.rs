//! PostgreSQL through sqlx.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use cormo_core::{Capabilities, ConnectOptions, Connection, Error, IsolationLevel, Result, Value};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgRow};
use sqlx::{Arguments, Postgres, Row};

use crate::enabled::adapter::SqlAdapter;
use crate::enabled::backend::{lean_date, unreadable};
use crate::enabled::backend::{text_param, Backend, BeginWith, Done, ALL_ISOLATION_LEVELS};
use crate::enabled::dialect::Dialect;
use crate::enabled::errors::{self, Op};
use crate::enabled::pool::{ConnPool, Settings};
use crate::enabled::render::Sql;
use crate::enabled::row::{bound, decode_err, Own};
use crate::enabled::timeout::{Around, Limit};

/// A value sqlx's decoder refused when read by type OID (past its checked
/// `try_get`), as the same cormo error.
fn value_err(e: sqlx::error::BoxDynError) -> Error {
    Error::driver(format!("cannot decode a column: {e}"), e)
}

/// The PostgreSQL backend.
pub struct PgBackend;

/// Opens a pool on `postgres://user[:password]@host[:port]/database`.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let map = |e| errors::map(Dialect::Postgres, None, Op::Read, e);
    let mut co = PgConnectOptions::from_str(&opts.url).map_err(map)?;
    if let Some(limit) = opts.effective_statement_timeout() {
        // Set at connect, so the default costs no statement of its own.
        co = co.options([("statement_timeout", Limit::millis(limit).to_string())]);
    }
    let pool = ConnPool::open(co, Settings::from(opts), map).await?;
    Ok(Connection::from_adapter(
        Box::new(
            SqlAdapter::<PgBackend>::new(pool)
                .with_statement_timeout(opts.effective_statement_timeout()),
        ),
        opts,
    ))
}

/// A list as one typed array parameter, for `= ANY($n)`.
fn add_list(args: &mut PgArguments, values: Vec<Value>) -> Result<()> {
    fn all<T>(values: Vec<Value>, f: impl Fn(Value) -> Option<T>) -> Result<Vec<T>> {
        values
            .into_iter()
            .map(|v| {
                f(v).ok_or_else(|| {
                    Error::validation("condition", "a list mixes values of different types")
                })
            })
            .collect()
    }
    bound(match values.first() {
        Some(Value::Int(_)) => args.add(all(values, |v| match v {
            Value::Int(i) => Some(i),
            _ => None,
        })?),
        Some(Value::Id(_)) => args.add(all(values, |v| match v {
            Value::Id(id) => id.as_i64(),
            _ => None,
        })?),
        Some(Value::Float(_)) => args.add(all(values, |v| match v {
            Value::Float(f) => Some(f),
            _ => None,
        })?),
        Some(Value::Text(_)) => args.add(all(values, |v| match v {
            Value::Text(t) => Some(t),
            _ => None,
        })?),
        Some(Value::Bool(_)) => args.add(all(values, |v| match v {
            Value::Bool(b) => Some(b),
            _ => None,
        })?),
        Some(Value::DateTime(_)) => args.add(all(values, |v| match v {
            Value::DateTime(t) => Some(t),
            _ => None,
        })?),
        Some(Value::Bytes(_)) => args.add(all(values, |v| match v {
            Value::Bytes(b) => Some(b),
            _ => None,
        })?),
        _ => {
            return Err(Error::validation(
                "condition",
                "this kind of value cannot be matched in a list",
            ))
        }
    })
}

impl Backend for PgBackend {
    type DB = Postgres;
    const DIALECT: Dialect = Dialect::Postgres;

    fn capabilities() -> Capabilities {
        Capabilities {
            backend: "postgres",
            native_foreign_keys: true,
            transactions: true,
            savepoints: true,
            datetime_precision: 6,
            atomic_insert_values: Some(crate::enabled::adapter::INSERT_BATCH_VALUES),
            upsert_picks_key: true,
            object_ids: false,
            isolation_levels: ALL_ISOLATION_LEVELS,
        }
    }

    fn bind_own(args: &mut PgArguments, v: Own) -> Result<()> {
        bound(match v {
            // Untyped on the wire: PostgreSQL infers the parameter's type.
            Own::Null => args.add(None::<String>),
            Own::DateTime(t) => args.add(t),
            Own::Json(j) => args.add(sqlx::types::Json(j)),
        })
    }

    fn bind_list(args: &mut PgArguments, values: Vec<Value>) -> Result<()> {
        add_list(args, values)
    }

    fn read_i64(row: &PgRow, idx: usize) -> Result<Option<i64>> {
        // PostgreSQL's integer types are strict: an INTEGER (INT4) column,
        // common in tables cormo did not create, does not decode as i64.
        // Pick the decoder from the column's type rather than trying INT8
        // first, which would build a mismatch error per value.
        use sqlx::{Decode, TypeInfo, ValueRef};
        let raw = row.try_get_raw(idx).map_err(decode_err)?;
        if raw.is_null() {
            return Ok(None);
        }
        // By OID (INT8 20, INT2 21, INT4 23, fixed in PostgreSQL's catalog):
        // one integer match per value, where the type's name meant a
        // string comparison each time.
        let oid = raw.type_info().oid().map(|o| o.0);
        let int = match oid {
            Some(20) => <i64 as Decode<Postgres>>::decode(raw),
            Some(23) => <i32 as Decode<Postgres>>::decode(raw).map(i64::from),
            Some(21) => <i16 as Decode<Postgres>>::decode(raw).map(i64::from),
            _ => {
                return Err(Error::Driver {
                    message: format!(
                        "cannot decode a column of type {} as an integer",
                        raw.type_info().name()
                    ),
                    source: None,
                })
            }
        };
        int.map(Some).map_err(value_err)
    }

    fn read_string(row: &PgRow, idx: usize) -> Result<Option<String>> {
        use sqlx::{Decode, ValueRef};
        let raw = row.try_get_raw(idx).map_err(decode_err)?;
        if raw.is_null() {
            return Ok(None);
        }
        // The text types by OID (NAME 19, TEXT 25, UNKNOWN 705, BPCHAR
        // 1042, VARCHAR 1043): one integer match, where the driver's check
        // builds six type descriptions and compares each. Anything else
        // (citext, a domain, a wrong type) takes the driver's checked path,
        // which knows those and words the mismatch.
        match raw.type_info().oid().map(|o| o.0) {
            Some(19 | 25 | 705 | 1042 | 1043) => <String as Decode<Postgres>>::decode(raw)
                .map(Some)
                .map_err(value_err),
            _ => row.try_get(idx).map_err(decode_err),
        }
    }

    fn read_datetime(row: &PgRow, idx: usize) -> Result<Option<DateTime<Utc>>> {
        row.try_get(idx).map_err(decode_err)
    }

    fn read_json(row: &PgRow, idx: usize) -> Result<Option<serde_json::Value>> {
        row.try_get(idx).map_err(decode_err)
    }

    fn lean(row: &PgRow) -> Result<serde_json::Map<String, serde_json::Value>> {
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
                "BOOL" => J::Bool(row.try_get(i).map_err(get)?),
                "INT2" => J::from(row.try_get::<i16, _>(i).map_err(get)?),
                "INT4" => J::from(row.try_get::<i32, _>(i).map_err(get)?),
                "INT8" => J::from(row.try_get::<i64, _>(i).map_err(get)?),
                "FLOAT4" => J::from(row.try_get::<f32, _>(i).map_err(get)?),
                "FLOAT8" => J::from(row.try_get::<f64, _>(i).map_err(get)?),
                "TEXT" | "VARCHAR" | "CHAR" | "BPCHAR" | "NAME" => {
                    J::String(row.try_get(i).map_err(get)?)
                }
                "TIMESTAMPTZ" => lean_date(row.try_get(i).map_err(get)?),
                "TIMESTAMP" => lean_date(
                    row.try_get::<chrono::NaiveDateTime, _>(i)
                        .map_err(get)?
                        .and_utc(),
                ),
                "JSON" | "JSONB" => row.try_get(i).map_err(get)?,
                "BYTEA" => J::from(row.try_get::<Vec<u8>, _>(i).map_err(get)?),
                other => return Err(unreadable(name, other)),
            };
            out.insert(name.to_owned(), v);
        }
        Ok(out)
    }

    fn done(r: <Self::DB as sqlx::Database>::QueryResult) -> Done {
        Done {
            rows: r.rows_affected(),
            last_id: None,
        }
    }

    fn begin_statement(
        level: Option<IsolationLevel>,
        _intent: cormo_core::TxIntent,
    ) -> Option<BeginWith> {
        level.map(|l| {
            BeginWith::Replace(match l {
                IsolationLevel::ReadUncommitted => "BEGIN ISOLATION LEVEL READ UNCOMMITTED",
                IsolationLevel::ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
                IsolationLevel::RepeatableRead => "BEGIN ISOLATION LEVEL REPEATABLE READ",
                IsolationLevel::Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            })
        })
    }
    /// A limit other than the connection's is set for the one statement
    /// and put back after (`SET LOCAL` inside a transaction, which its
    /// rollback undoes too).
    fn bound(_sql: &mut Sql, limit: &Limit) -> Result<Around> {
        if limit.is_default() {
            return Ok(Around::default());
        }
        let verb = if limit.in_tx { "SET LOCAL" } else { "SET" };
        let set = |ms: u128| {
            Sql::raw(
                Dialect::Postgres,
                &format!("{verb} statement_timeout = {ms}"),
            )
        };
        Ok(Around {
            before: Some(set(Limit::millis(limit.limit))),
            after: Some(set(limit.default.map_or(0, Limit::millis))),
        })
    }

    fn tables_sql() -> Sql {
        Sql::raw(
            Dialect::Postgres,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        )
    }

    fn columns_sql(table: &str) -> Sql {
        let mut s = Sql::raw(
            Dialect::Postgres,
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ",
        );
        text_param(&mut s, table);
        s
    }

    fn indexes_sql(table: &str) -> Sql {
        let mut s = Sql::raw(
            Dialect::Postgres,
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ",
        );
        text_param(&mut s, table);
        s
    }

    fn foreign_keys_sql(table: &str) -> Option<Sql> {
        let mut s = Sql::raw(
            Dialect::Postgres,
            "SELECT kcu.column_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu \
             ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = ",
        );
        text_param(&mut s, table);
        Some(s)
    }
}

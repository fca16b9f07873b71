//! The escape hatch: statements in the backend's own language.

use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::schema::ColumnType;
use crate::stats::Op;
use crate::stmt::Raw;
use crate::value::{RowReader, Value};
use chrono::{DateTime, Utc};
use serde_json::Value as Json;

/// SQL as written, with bound values, for what the query language cannot
/// say. **Not portable**: the text is the database's own (placeholders are
/// `$1, $2…` on PostgreSQL and `?` elsewhere), and MongoDB runs no SQL (it
/// is [`Error::Unsupported`] there).
///
/// ```ignore
/// let rows = cormo::raw_sql("SELECT name, COUNT(*) AS n FROM users GROUP BY name HAVING COUNT(*) > ?")
///     .bind(1)
///     .fetch(&db)
///     .await?;
/// ```
pub fn raw_sql(text: impl Into<String>) -> RawQuery {
    RawQuery(Raw::Sql {
        text: text.into(),
        params: Vec::new(),
    })
}

/// A MongoDB database command as written (`{"distinct": "users", "key":
/// "name"}`); its reply is the one row `fetch` returns. **Not portable**:
/// the SQL backends run no commands ([`Error::Unsupported`]).
pub fn raw_command(command: serde_json::Value) -> RawQuery {
    RawQuery(Raw::Command(command))
}

/// A raw statement, run by [`fetch`](Self::fetch),
/// [`fetch_as`](Self::fetch_as) or [`execute`](Self::execute) on a
/// connection or a transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct RawQuery(Raw);

impl RawQuery {
    /// Binds the next placeholder's value.
    pub fn bind(mut self, v: impl Into<Value>) -> Self {
        if let Raw::Sql { params, .. } = &mut self.0 {
            params.push(v.into());
        }
        self
    }

    async fn run(&self, db: &impl Executor, rows: bool) -> Result<crate::adapter::RawOutcome> {
        if let Raw::Sql { params, .. } = &self.0 {
            // The values every backend can bind: finite numbers, text
            // without NUL, dates in range.
            for v in params {
                crate::validate::value("raw", ColumnType::Text, v, crate::validate::Use::Compare)?;
            }
        }
        let s = db.session();
        let slot = s.slot().await?;
        let r = s
            .bounded(Op::Write, s.adapter().raw(slot, &self.0, rows))
            .await;
        s.noted(r)
    }

    /// The rows, as JSON objects keyed by column name (lean rows).
    pub async fn fetch(&self, db: &impl Executor) -> Result<Vec<serde_json::Map<String, Json>>> {
        Ok(self.run(db, true).await?.rows)
    }

    /// The rows decoded as records of `M`: they must hold `id` and every
    /// column of the model, by name (in any order; more are ignored).
    pub async fn fetch_as<M: Model>(&self, db: &impl Executor) -> Result<Vec<M>> {
        let rows = self.run(db, true).await?.rows;
        let schema = M::schema();
        rows.iter()
            .map(|row| {
                let mut reader = JsonRow { row, schema };
                let mut m = M::from_row(&mut reader)?;
                if let Some(id) = reader.get_id(0)? {
                    m.cormo_id_mut().mark_persisted(id);
                }
                Ok(m)
            })
            .collect()
    }

    /// Runs the statement for its effect; returns the rows it affected
    /// where the database reports it (a command's reply's `n`).
    pub async fn execute(&self, db: &impl Executor) -> Result<u64> {
        Ok(self.run(db, false).await?.affected)
    }
}

/// A lean row read as a model row: column 0 is `id`, column `i + 1` the
/// schema's column `i`, found by name.
struct JsonRow<'a> {
    row: &'a serde_json::Map<String, Json>,
    schema: &'static crate::schema::ModelSchema,
}

impl JsonRow<'_> {
    fn value(&self, idx: usize) -> Result<Option<&Json>> {
        let (name, mongo) = match idx {
            0 => ("id", "_id"),
            i => {
                let c = self
                    .schema
                    .columns
                    .get(i - 1)
                    .ok_or_else(|| Error::Driver {
                        message: format!("{} has no column #{i}", self.schema.name),
                        source: None,
                    })?;
                (c.name, c.name)
            }
        };
        match self.row.get(name).or_else(|| self.row.get(mongo)) {
            // The model knows the column; the statement did not select it.
            None => Err(Error::validation(
                name,
                format!(
                    "is missing from the raw row: reading {} takes every one of its columns (select them all, or read lean rows with `fetch`)",
                    self.schema.name
                ),
            )),
            Some(Json::Null) => Ok(None),
            Some(v) => Ok(Some(v)),
        }
    }

    fn wrong<T>(&self, idx: usize, want: &str, got: &Json) -> Result<T> {
        let column = if idx == 0 {
            "id"
        } else {
            self.schema.columns.get(idx - 1).map_or("?", |c| c.name)
        };
        Err(Error::validation(
            column,
            format!(
                "holds {} in the raw row, expected {want}",
                crate::error::clip(&got.to_string())
            ),
        ))
    }
}

impl RowReader for JsonRow<'_> {
    fn get_bool(&mut self, idx: usize) -> Result<Option<bool>> {
        match self.value(idx)? {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            // MySQL's BOOLEAN is TINYINT(1); SQLite has no booleans.
            Some(Json::Number(n)) if n.as_i64().is_some() => Ok(Some(n.as_i64() != Some(0))),
            Some(v) => self.wrong(idx, "a boolean", v),
        }
    }
    fn get_i64(&mut self, idx: usize) -> Result<Option<i64>> {
        match self.value(idx)? {
            None => Ok(None),
            Some(Json::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(v) => self.wrong(idx, "an integer", v),
        }
    }
    fn get_f64(&mut self, idx: usize) -> Result<Option<f64>> {
        match self.value(idx)? {
            None => Ok(None),
            Some(Json::Number(n)) => Ok(n.as_f64()),
            Some(v) => self.wrong(idx, "a number", v),
        }
    }
    fn get_string(&mut self, idx: usize) -> Result<Option<String>> {
        match self.value(idx)? {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(v) => self.wrong(idx, "text", v),
        }
    }
    fn get_bytes(&mut self, idx: usize) -> Result<Option<Vec<u8>>> {
        match self.value(idx)? {
            None => Ok(None),
            // MySQL cannot tell binary data from text under a binary
            // collation; raw rows read it as text when it is UTF-8.
            Some(Json::String(s)) => Ok(Some(s.as_bytes().to_vec())),
            Some(Json::Array(items)) => items
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
                .map(Some)
                .ok_or_else(|| Error::validation("raw", "holds an array that is not bytes")),
            Some(v) => self.wrong(idx, "binary data", v),
        }
    }
    fn get_datetime(&mut self, idx: usize) -> Result<Option<DateTime<Utc>>> {
        let date_column = idx > 0
            && self
                .schema
                .columns
                .get(idx - 1)
                .is_some_and(|c| c.ty == ColumnType::Date);
        match self.value(idx)? {
            None => Ok(None),
            Some(Json::String(s)) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Ok(Some(t.with_timezone(&Utc))),
                Err(_) => self.wrong(idx, "an RFC 3339 date", &Json::String(s.clone())),
            },
            // SQLite stores cormo's dates as epoch microseconds.
            Some(Json::Number(n)) if date_column && n.as_i64().is_some() => {
                Ok(n.as_i64().and_then(DateTime::from_timestamp_micros))
            }
            Some(v) => self.wrong(idx, "a date", v),
        }
    }
    fn get_json(&mut self, idx: usize) -> Result<Option<Json>> {
        match self.value(idx)? {
            None => Ok(None),
            // SQLite keeps JSON as text.
            Some(Json::String(s)) => Ok(Some(
                serde_json::from_str(s).unwrap_or(Json::String(s.clone())),
            )),
            Some(v) => Ok(Some(v.clone())),
        }
    }
    fn get_id(&mut self, idx: usize) -> Result<Option<crate::id::RecordId>> {
        match self.value(idx)? {
            None => Ok(None),
            Some(Json::Number(n)) if n.as_i64().is_some() => {
                Ok(n.as_i64().map(crate::id::RecordId::Int))
            }
            Some(Json::String(s)) => s.parse().map(Some),
            Some(Json::Object(o)) if o.get("$oid").is_some_and(Json::is_string) => {
                o["$oid"].as_str().unwrap_or_default().parse().map(Some)
            }
            Some(v) => self.wrong(idx, "an id", v),
        }
    }
}

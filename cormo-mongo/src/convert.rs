//! Values ↔ BSON, and reading a stored document as a row.

use chrono::{DateTime, Utc};
use cormo_core::{Error, ModelSchema, RecordId, Result, RowReader, Value};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, RawBsonRef, RawDocument};

/// The document field of a column: `id` is `_id`.
pub fn field(column: &str) -> &str {
    if column == "id" {
        "_id"
    } else {
        column
    }
}

pub fn object_id(id: RecordId) -> Result<ObjectId> {
    id.as_object_bytes()
        .map(ObjectId::from_bytes)
        .ok_or_else(|| Error::InvalidId {
            value: id.to_string(),
        })
}

pub fn record_id(oid: ObjectId) -> RecordId {
    RecordId::Object(oid.bytes())
}

/// A value as BSON. Dates keep millisecond precision (BSON's).
pub fn to_bson(v: &Value) -> Result<Bson> {
    Ok(match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Int(i) => Bson::Int64(*i),
        Value::Float(f) => Bson::Double(*f),
        Value::Text(s) => Bson::String(s.clone()),
        Value::Bytes(b) => Bson::Binary(Binary {
            subtype: BinarySubtype::Generic,
            bytes: b.clone(),
        }),
        Value::DateTime(t) => {
            Bson::DateTime(mongodb::bson::DateTime::from_millis(t.timestamp_millis()))
        }
        Value::Json(j) => json_to_bson(j),
        Value::Id(id) => Bson::ObjectId(object_id(*id)?),
    })
}

/// JSON as BSON, verbatim: keys such as `$oid` or `$numberLong` stay data
/// (the driver's extended-JSON conversion would turn them into typed values).
fn json_to_bson(j: &serde_json::Value) -> Bson {
    use serde_json::Value as J;
    match j {
        J::Null => Bson::Null,
        J::Bool(b) => Bson::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Bson::Int64(i),
            None => Bson::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Bson::String(s.clone()),
        J::Array(items) => Bson::Array(items.iter().map(json_to_bson).collect()),
        J::Object(map) => Bson::Document(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_bson(v)))
                .collect(),
        ),
    }
}

/// The inverse of [`json_to_bson`]; BSON types JSON lacks use relaxed
/// extended JSON.
fn bson_to_json(b: Bson) -> serde_json::Value {
    use serde_json::Value as J;
    match b {
        Bson::Null | Bson::Undefined => J::Null,
        Bson::Boolean(b) => J::Bool(b),
        Bson::Int32(i) => J::from(i),
        Bson::Int64(i) => J::from(i),
        Bson::Double(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Bson::String(s) => J::String(s),
        Bson::Array(items) => J::Array(items.into_iter().map(bson_to_json).collect()),
        Bson::Document(d) => J::Object(d.into_iter().map(|(k, v)| (k, bson_to_json(v))).collect()),
        other => other.into_relaxed_extjson(),
    }
}

/// A stored document read as a row: column 0 is `_id`, column `i + 1` is
/// `schema.columns[i]`. Fields are read in place from the raw BSON.
pub struct DocReader<'a> {
    pub doc: &'a RawDocument,
    pub schema: &'static ModelSchema,
    /// The columns read, as positions in `schema.columns` (`None`: all).
    pub columns: Option<&'a [usize]>,
    /// Instead of columns: the top-level fields of a computed row (a
    /// grouped read's), with the names errors give them.
    pub named: Option<&'a [Named]>,
}

/// A field of a computed row, and what errors call it.
pub struct Named {
    /// The document field.
    pub field: String,
    /// The column or aggregate it holds, for messages.
    pub label: String,
}

impl DocReader<'_> {
    fn raw(&self, idx: usize) -> Result<Option<RawBsonRef<'_>>> {
        let name = if let Some(named) = self.named {
            match named.get(idx) {
                Some(n) => n.field.as_str(),
                None => {
                    return Err(Error::Driver {
                        message: format!(
                            "a grouped read of {} has no column #{idx}",
                            self.schema.name
                        ),
                        source: None,
                    })
                }
            }
        } else if idx == 0 {
            "_id"
        } else {
            let pos = match self.columns {
                Some(cols) => cols.get(idx - 1).copied().unwrap_or(usize::MAX),
                None => idx - 1,
            };
            match self.schema.columns.get(pos) {
                Some(c) => c.name,
                None => {
                    return Err(Error::Driver {
                        message: format!("{} has no column #{idx}", self.schema.name),
                        source: None,
                    })
                }
            }
        };
        let v = self
            .doc
            .get(name)
            .map_err(|e| Error::driver("malformed document", e))?;
        Ok(v.filter(|v| !matches!(v, RawBsonRef::Null | RawBsonRef::Undefined)))
    }

    fn mismatch<T>(&self, idx: usize, want: &str, got: RawBsonRef<'_>) -> Result<T> {
        let column = if let Some(n) = self.named.and_then(|n| n.get(idx)) {
            n.label.as_str()
        } else if idx == 0 {
            "id"
        } else {
            self.schema.columns.get(idx - 1).map_or("?", |c| c.name)
        };
        Err(Error::Validation {
            column: format!("{}.{column}", self.schema.table),
            message: format!(
                "holds {:?} in the database, expected {want}",
                got.element_type()
            ),
        })
    }
}

impl RowReader for DocReader<'_> {
    fn get_bool(&mut self, idx: usize) -> Result<Option<bool>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::Boolean(b)) => Ok(Some(b)),
            Some(other) => self.mismatch(idx, "a boolean", other),
        }
    }
    fn get_i64(&mut self, idx: usize) -> Result<Option<i64>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::Int64(i)) => Ok(Some(i)),
            Some(RawBsonRef::Int32(i)) => Ok(Some(i64::from(i))),
            Some(RawBsonRef::Double(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Ok(Some(f as i64))
            }
            Some(other) => self.mismatch(idx, "an integer", other),
        }
    }
    fn get_f64(&mut self, idx: usize) -> Result<Option<f64>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::Double(f)) => Ok(Some(f)),
            Some(RawBsonRef::Int32(i)) => Ok(Some(f64::from(i))),
            Some(RawBsonRef::Int64(i)) => Ok(Some(i as f64)),
            Some(other) => self.mismatch(idx, "a number", other),
        }
    }
    fn get_string(&mut self, idx: usize) -> Result<Option<String>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::String(s)) => Ok(Some(s.to_owned())),
            Some(other) => self.mismatch(idx, "a string", other),
        }
    }
    fn get_bytes(&mut self, idx: usize) -> Result<Option<Vec<u8>>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::Binary(b)) => Ok(Some(b.bytes.to_vec())),
            Some(other) => self.mismatch(idx, "binary data", other),
        }
    }
    fn get_datetime(&mut self, idx: usize) -> Result<Option<DateTime<Utc>>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::DateTime(d)) => DateTime::from_timestamp_millis(d.timestamp_millis())
                .map(Some)
                .ok_or_else(|| Error::Driver {
                    message: format!("stored date {d} is out of range"),
                    source: None,
                }),
            Some(other) => self.mismatch(idx, "a date", other),
        }
    }
    fn get_json(&mut self, idx: usize) -> Result<Option<serde_json::Value>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(raw) => {
                let owned = raw.to_raw_bson();
                let bson =
                    Bson::try_from(owned).map_err(|e| Error::driver("malformed document", e))?;
                Ok(Some(bson_to_json(bson)))
            }
        }
    }
    fn get_id(&mut self, idx: usize) -> Result<Option<RecordId>> {
        match self.raw(idx)? {
            None => Ok(None),
            Some(RawBsonRef::ObjectId(oid)) => Ok(Some(record_id(oid))),
            Some(other) => self.mismatch(idx, "an ObjectId", other),
        }
    }
}

//! Record ids that work on every backend, and the per-record identity.

use std::fmt;
use std::str::FromStr;

use crate::cache::AssocCache;
use crate::error::Error;

/// A backend-agnostic record id.
///
/// SQL backends hand out integers; MongoDB hands out ObjectIds. A model stores
/// `RecordId` (or `Option<RecordId>` for a nullable foreign key) and so runs
/// unchanged on either. It is `Copy` and 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordId {
    /// An integer key (SQLite, PostgreSQL, MySQL).
    Int(i64),
    /// The 12 bytes of a MongoDB ObjectId.
    Object([u8; 12]),
}

impl RecordId {
    /// The integer, if this is an integer id.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            RecordId::Int(v) => Some(*v),
            RecordId::Object(_) => None,
        }
    }

    /// The ObjectId bytes, if this is an ObjectId.
    pub fn as_object_bytes(&self) -> Option<[u8; 12]> {
        match self {
            RecordId::Object(b) => Some(*b),
            RecordId::Int(_) => None,
        }
    }
}

impl From<i64> for RecordId {
    fn from(v: i64) -> Self {
        RecordId::Int(v)
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordId::Int(v) => write!(f, "{v}"),
            RecordId::Object(bytes) => {
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({self})")
    }
}

/// Parses a decimal integer id or a 24-digit hex ObjectId, as ids arrive in URLs.
impl FromStr for RecordId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidId {
            value: crate::error::clip(s),
        };
        if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut out = [0u8; 12];
            for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
                let hex = std::str::from_utf8(chunk).map_err(|_| invalid())?;
                out[i] = u8::from_str_radix(hex, 16).map_err(|_| invalid())?;
            }
            return Ok(RecordId::Object(out));
        }
        // Digits with an optional minus only: `+1`, ` 1` or `01x` are not ids
        // (`str::parse` would take `+1`).
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        s.parse::<i64>().map(RecordId::Int).map_err(|_| invalid())
    }
}

/// The largest integer id a caller may choose for a new record: 2⁵³ − 1,
/// the largest a JSON number carries exactly. A chosen id moves the
/// table's id sequence past it, so a larger one, up to `i64::MAX`, would
/// leave no ids for the inserts after it (every one would fail).
pub const MAX_CHOSEN_ID: i64 = (1 << 53) - 1;

impl serde::Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RecordId::Int(v) => s.serialize_i64(*v),
            RecordId::Object(_) => s.collect_str(self),
        }
    }
}

impl<'de> serde::Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RecordId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a record id: an integer, or 24 hex digits")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RecordId, E> {
                Ok(RecordId::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RecordId, E> {
                i64::try_from(v)
                    .map(RecordId::Int)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RecordId, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A record's id and whether it is stored under it, in 16 bytes: the
/// flag sits beside each kind of id, where `(Option<RecordId>, bool)`
/// would take 24. Every record carries one, so its size is paid per row.
#[derive(Clone, Copy, Default)]
pub(crate) enum IdState {
    /// A new record without an id.
    #[default]
    New,
    /// An integer id; `stored` when the record is in the database.
    Int { value: i64, stored: bool },
    /// An ObjectId; `stored` when the record is in the database.
    Object { bytes: [u8; 12], stored: bool },
}

impl IdState {
    fn of(value: Option<RecordId>, stored: bool) -> IdState {
        match value {
            None => IdState::New,
            Some(RecordId::Int(value)) => IdState::Int { value, stored },
            Some(RecordId::Object(bytes)) => IdState::Object { bytes, stored },
        }
    }

    fn value(self) -> Option<RecordId> {
        match self {
            IdState::New => None,
            IdState::Int { value, .. } => Some(RecordId::Int(value)),
            IdState::Object { bytes, .. } => Some(RecordId::Object(bytes)),
        }
    }

    fn stored(self) -> bool {
        match self {
            IdState::New => false,
            IdState::Int { stored, .. } | IdState::Object { stored, .. } => stored,
        }
    }
}

/// A record's identity: its id, whether it is stored, and the associations
/// loaded through it.
///
/// Every model has a field `id: Id`. A new record has no id and is not
/// persisted; `save` inserts it. A record read from the database, or saved, is
/// persisted; `save` updates it. Giving an id to a new record (`Id::new`)
/// inserts it with that id.
///
/// The association cache lives here because it belongs to the record's
/// identity: cloning a record clones its id but starts with an empty cache.
#[derive(Default)]
pub struct Id {
    state: IdState,
    pub(crate) cache: AssocCache,
}

// 32 bytes a record: the id with its stored flag, and a thin pointer to
// the association slots (filled only when an association is loaded).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Id>() == 32);

impl Id {
    /// An id chosen by the caller for a record not yet stored
    /// (CORMO's `use_id_in_data`).
    pub fn new(value: impl Into<RecordId>) -> Self {
        Id {
            state: IdState::of(Some(value.into()), false),
            cache: AssocCache::default(),
        }
    }

    /// The id of a stored record.
    #[inline]
    pub fn persisted(value: RecordId) -> Self {
        Id {
            state: IdState::of(Some(value), true),
            cache: AssocCache::default(),
        }
    }

    /// The record id, if it has one.
    #[inline]
    pub fn get(&self) -> Option<RecordId> {
        self.state.value()
    }

    /// True when the record is stored in the database.
    #[inline]
    pub fn is_persisted(&self) -> bool {
        self.state.stored()
    }

    pub(crate) fn mark_persisted(&mut self, value: RecordId) {
        self.state = IdState::of(Some(value), true);
    }

    /// What [`Id::restore`] puts back.
    pub(crate) fn state(&self) -> IdState {
        self.state
    }

    /// Puts back the state a failed save started from.
    pub(crate) fn restore(&mut self, state: IdState) {
        self.state = state;
    }

    pub(crate) fn mark_deleted(&mut self) {
        self.state = IdState::of(self.get(), false);
        self.cache = AssocCache::default();
    }
}

impl Clone for Id {
    fn clone(&self) -> Self {
        Id {
            state: self.state,
            cache: AssocCache::default(),
        }
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("(unsaved)"),
        }
    }
}

/// A record's id as data: the id, or `null` for a record not yet stored.
/// The association cache is not part of it.
impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

/// An id read from data (a request body, a file) is the caller's choice for
/// a record, not proof that it is stored: it deserializes like
/// [`Id::new`], and `null` or a missing field is a new record's id.
impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<RecordId>::deserialize(d)? {
            Some(v) => Id::new(v),
            None => Id::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_their_value() {
        let json = |id: &Id| serde_json::to_value(id).unwrap();
        assert_eq!(json(&Id::default()), serde_json::Value::Null);
        assert_eq!(json(&Id::persisted(RecordId::Int(7))), serde_json::json!(7));
        let oid: RecordId = "0123456789abcdef01234567".parse().unwrap();
        assert_eq!(
            json(&Id::persisted(oid)),
            serde_json::json!("0123456789abcdef01234567")
        );
        let back: Id = serde_json::from_value(serde_json::json!(7)).unwrap();
        assert_eq!(back.get(), Some(RecordId::Int(7)));
        assert!(!back.is_persisted());
        let new: Id = serde_json::from_value(serde_json::Value::Null).unwrap();
        assert_eq!(new.get(), None);
        assert!(serde_json::from_value::<Id>(serde_json::json!("+1")).is_err());
        for bad in [
            serde_json::json!(1.5),
            serde_json::json!(true),
            serde_json::json!(1u64 << 63),
        ] {
            let err = serde_json::from_value::<Id>(bad.clone())
                .unwrap_err()
                .to_string();
            assert!(err.contains("a record id"), "{bad}: {err}");
        }
    }

    #[test]
    fn parses_both_kinds() {
        assert_eq!("42".parse::<RecordId>().unwrap(), RecordId::Int(42));
        let oid: RecordId = "0123456789abcdef01234567".parse().unwrap();
        assert_eq!(oid.to_string(), "0123456789abcdef01234567");
        for bad in ["12x", "+1", " 1", "", "-", "1.0"] {
            assert!(
                matches!(bad.parse::<RecordId>(), Err(Error::InvalidId { .. })),
                "{bad:?}"
            );
        }
        let long = "9".repeat(100_000);
        let Err(Error::InvalidId { value }) = long.parse::<RecordId>() else {
            panic!("a 100 000-digit id parsed")
        };
        assert!(value.chars().count() <= crate::error::MAX_ECHO_CHARS + 1);
    }
}

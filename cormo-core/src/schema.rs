//! Static schema metadata that `#[derive(Model)]` generates for each model.

use crate::value::Value;

/// The storage type of a column (CORMO's types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `String`, up to 255 characters on SQL (`VARCHAR(255)`), indexable.
    String,
    /// `String` of any length (`#[cormo(text)]`): `TEXT` on SQL.
    Text,
    /// `i32`
    Integer,
    /// `i64`
    BigInteger,
    /// `f64`
    Number,
    /// `bool`
    Boolean,
    /// `chrono::DateTime<Utc>`
    Date,
    /// `serde_json::Value`
    Object,
    /// `Vec<u8>`
    Blob,
    /// `RecordId`: the primary key and foreign keys.
    RecordId,
}

impl ColumnType {
    /// The type as messages name it, with its article: `an i32`, `a string`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ColumnType::String => "a string",
            ColumnType::Text => "a text",
            ColumnType::Integer => "an i32",
            ColumnType::BigInteger => "an i64",
            ColumnType::Number => "an f64",
            ColumnType::Boolean => "a boolean",
            ColumnType::Date => "a date",
            ColumnType::Object => "a JSON",
            ColumnType::Blob => "a binary",
            ColumnType::RecordId => "a record id",
        }
    }
}

/// A column default (`#[cormo(default = ...)]`). As in CORMO it fills a
/// nullable field left `None` when a new record is inserted; it is also in
/// the DDL, so rows inserted by other programs get it too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A text.
    Str(&'static str),
}

impl DefaultValue {
    /// As a bindable value.
    pub fn to_value(self) -> Value {
        match self {
            DefaultValue::Bool(b) => Value::Bool(b),
            DefaultValue::Int(i) => Value::Int(i),
            DefaultValue::Float(f) => Value::Float(f),
            DefaultValue::Str(s) => Value::Text(s.to_owned()),
        }
    }
}

/// Longest `String` value, in characters (`#[cormo(text)]` has no limit).
pub const MAX_STRING_CHARS: usize = 255;

/// One column of a model (the id column is implicit and not listed).
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// The Rust field name.
    pub field: &'static str,
    /// The database column name (`#[cormo(name = "...")]`, else the field name).
    pub name: &'static str,
    /// The column type.
    pub ty: ColumnType,
    /// Whether it accepts NULL (an `Option` field).
    pub nullable: bool,
    /// A unique index named after the column.
    pub unique: bool,
    /// A plain index on the column.
    pub index: bool,
    /// The value a new record's `None` is stored as (`#[cormo(default = ...)]`).
    pub default: Option<DefaultValue>,
    /// Whether the column compares case-insensitively, through a hidden
    /// shadow column (see [`crate::fold`]).
    pub fold: Fold,
}

/// How a column's text compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Byte for byte (every column but those below).
    Exact,
    /// `#[cormo(case_insensitive)]`: comparisons, ordering and indexes use
    /// the shadow column, which holds the folded text.
    CaseInsensitive {
        /// The shadow column's name.
        shadow: &'static str,
    },
    /// The hidden shadow of a case-insensitive column: written by cormo,
    /// never a model field, not visible to conditions.
    ShadowOf {
        /// The column it shadows.
        column: &'static str,
    },
}

impl ColumnDef {
    /// True for a hidden shadow column.
    pub fn is_shadow(&self) -> bool {
        matches!(self.fold, Fold::ShadowOf { .. })
    }
}

/// What happens to children when their parent is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Integrity {
    /// No foreign key; children may dangle (CORMO's default).
    Ignore,
    /// Children's foreign key becomes NULL (`ON DELETE SET NULL`).
    Nullify,
    /// The delete is rejected while children exist (`ON DELETE RESTRICT`).
    Restrict,
    /// Children are deleted too, recursively (`ON DELETE CASCADE`).
    Delete,
}

impl Integrity {
    /// Parses the option value used in `integrity = "..."`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ignore" => Integrity::Ignore,
            "nullify" => Integrity::Nullify,
            "restrict" => Integrity::Restrict,
            "delete" => Integrity::Delete,
            _ => return None,
        })
    }
}

/// The three association kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssocKind {
    /// The target holds this model's id; many of them.
    HasMany,
    /// The target holds this model's id; at most one.
    HasOne,
    /// This model holds the target's id.
    BelongsTo,
}

/// One association declared on a model.
#[derive(Debug, Clone, Copy)]
pub struct AssocDef {
    /// Which kind of association.
    pub kind: AssocKind,
    /// The accessor name (`posts`, `user`, or `as`).
    pub name: &'static str,
    /// The other model.
    pub target: fn() -> &'static ModelSchema,
    /// The foreign-key column: on the target for has_many / has_one, on this
    /// model for belongs_to.
    pub foreign_key: &'static str,
    /// For has_many / has_one; `Ignore` for belongs_to.
    pub integrity: Integrity,
}

/// An index over one or more columns.
#[derive(Debug, Clone, Copy)]
pub struct IndexDef {
    /// The index name.
    pub name: &'static str,
    /// Its columns, in order.
    pub columns: &'static [&'static str],
    /// Whether values must be unique.
    pub unique: bool,
}

/// Everything cormo knows about a model, generated once as a `static`.
#[derive(Debug)]
pub struct ModelSchema {
    /// The Rust type name (`User`).
    pub name: &'static str,
    /// The table or collection (`users`).
    pub table: &'static str,
    /// All columns but `id`, in field order.
    pub columns: &'static [ColumnDef],
    /// The associations the model declares.
    pub associations: &'static [AssocDef],
    /// Explicit multi-column indexes (single-column ones come from the columns).
    pub indexes: &'static [IndexDef],
}

impl ModelSchema {
    /// The column with this database name (not `id`), shadow columns
    /// included: what adapters look up.
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A column a user may name in a condition, an order or an update: a
    /// model field's column, never a hidden shadow.
    pub fn field_column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.column(name).filter(|c| !c.is_shadow())
    }

    /// Whether any column compares case-insensitively.
    pub fn has_folded_columns(&self) -> bool {
        self.columns.iter().any(ColumnDef::is_shadow)
    }

    /// Where an index over `column` really goes: its shadow when it is
    /// case-insensitive.
    pub(crate) fn indexed(&self, column: &'static str) -> &'static str {
        match self.column(column).map(|c| c.fold) {
            Some(Fold::CaseInsensitive { shadow }) => shadow,
            _ => column,
        }
    }

    /// Checks a value against its column before anything is written, so
    /// every backend rejects the same input the same way: a `String` column
    /// holds at most [`MAX_STRING_CHARS`] characters (`VARCHAR(255)` on SQL;
    /// use `#[cormo(text)]` for longer text), no text holds NUL, floats are
    /// finite and dates lie in years 1 ..= 9999.
    pub fn check_value(&self, column: &ColumnDef, value: &Value) -> crate::Result<()> {
        crate::validate::value(column.name, column.ty, value, crate::validate::Use::Write)
    }

    /// [`check_value`](Self::check_value) for a whole row in column order.
    pub fn check_values(&self, values: &[Value]) -> crate::Result<()> {
        self.columns
            .iter()
            .zip(values)
            .try_for_each(|(c, v)| self.check_value(c, v))
    }

    /// Replaces NULLs with the column defaults, for a new record.
    pub fn apply_defaults(&self, values: &mut [Value]) {
        for (c, v) in self.columns.iter().zip(values.iter_mut()) {
            if let (Some(d), true) = (c.default, v.is_null()) {
                *v = d.to_value();
            }
        }
    }

    /// Identity of the schema (schemas are statics, so address equality is type equality).
    pub fn same(&self, other: &ModelSchema) -> bool {
        std::ptr::eq(self, other)
    }

    /// Every index this model wants: explicit ones plus unique / indexed
    /// columns. Names are `<table>_<cols>` on every backend (CORMO's rule for
    /// PostgreSQL and SQLite, where index names are global to the database).
    pub fn all_indexes(&self) -> Vec<IndexSpec> {
        let mut out: Vec<IndexSpec> = self
            .indexes
            .iter()
            .map(|i| IndexSpec {
                name: i.name.to_owned(),
                columns: i.columns.iter().map(|c| self.indexed(c)).collect(),
                unique: i.unique,
            })
            .collect();
        for c in self.columns {
            // A shadow's index is named after the column it shadows, so a
            // duplicate reports that column.
            let named = match c.fold {
                Fold::ShadowOf { column } => column,
                _ => c.name,
            };
            if c.unique || c.index {
                out.push(IndexSpec {
                    name: format!("{}_{}", self.table, named),
                    columns: vec![c.name],
                    unique: c.unique,
                });
            }
        }
        out
    }
}

/// An index to create, with its final name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// The index name.
    pub name: String,
    /// Its database columns, in order.
    pub columns: Vec<&'static str>,
    /// Whether values must be unique.
    pub unique: bool,
}

//! Attribute and option names the derive understands, in one place.

pub const CORMO: &str = "cormo";
pub const HAS_MANY: &str = "has_many";
pub const HAS_ONE: &str = "has_one";
pub const BELONGS_TO: &str = "belongs_to";
/// `#[index(fields = "a, b", unique, name = "...")]` on the struct.
pub const INDEX_ATTR: &str = "index";
pub const FIELDS: &str = "fields";

// #[cormo(...)] on the struct
pub const TABLE: &str = "table";
/// `#[cormo(model = User)]` on a partial model.
pub const MODEL: &str = "model";

// #[cormo(...)] on a field
pub const NAME: &str = "name";
pub const UNIQUE: &str = "unique";
pub const INDEX: &str = "index";
pub const DEFAULT: &str = "default";
pub const TEXT: &str = "text";
pub const CASE_INSENSITIVE: &str = "case_insensitive";

/// What a case-insensitive column's hidden shadow column is called:
/// `<column>` + this.
pub const SHADOW_SUFFIX: &str = "__ci";

// association options
pub const AS: &str = "as";
pub const FOREIGN_KEY: &str = "foreign_key";
pub const INTEGRITY: &str = "integrity";
pub const REQUIRED: &str = "required";
/// Writes the association, when loaded, in `cormo::Loaded`'s output.
pub const SERIALIZE: &str = "serialize";

pub const INTEGRITY_VALUES: &[&str] = &["ignore", "nullify", "restrict", "delete"];

/// The field every model has.
pub const ID_FIELD: &str = "id";

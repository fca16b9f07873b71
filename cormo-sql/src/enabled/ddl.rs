//! Schema statements: CREATE TABLE, ADD COLUMN, CREATE INDEX, ADD FOREIGN KEY.

use cormo_core::integrity::IntegrityRule;
use cormo_core::{ColumnDef, ColumnType, DefaultValue, IndexSpec, Integrity, ModelSchema};

use crate::enabled::dialect::Dialect;
use crate::enabled::render::Sql;

fn column(s: &mut Sql, c: &ColumnDef) {
    let ty = s.dialect.column_type(c.ty);
    s.ident(c.name).push(" ").push(ty);
    // Strings compare byte-wise on every backend, whatever the database's
    // default collation (MySQL's tables are utf8mb4_bin for the same reason).
    if s.dialect == Dialect::Postgres && matches!(c.ty, ColumnType::String | ColumnType::Text) {
        s.push(" COLLATE \"C\"");
    }
    if !c.nullable {
        s.push(" NOT NULL");
    }
    if let Some(d) = c.default {
        s.push(" DEFAULT ");
        // Defaults are literals from the derive; strings are quoted with
        // doubled quotes, numbers and bools are plain.
        match d {
            DefaultValue::Bool(b) => s.push(if b { "TRUE" } else { "FALSE" }),
            DefaultValue::Int(i) => s.push(&i.to_string()),
            DefaultValue::Float(f) => s.push(&f.to_string()),
            DefaultValue::Str(t) => s.push(&format!("'{}'", t.replace('\'', "''"))),
        };
    }
}

fn on_delete(action: Integrity) -> &'static str {
    match action {
        Integrity::Nullify => "SET NULL",
        Integrity::Restrict => "RESTRICT",
        Integrity::Delete => "CASCADE",
        Integrity::Ignore => "NO ACTION",
    }
}

fn references(s: &mut Sql, rule: &IntegrityRule) {
    s.push("FOREIGN KEY (")
        .ident(rule.column)
        .push(") REFERENCES ");
    s.ident(rule.parent.table)
        .push(" (")
        .ident("id")
        .push(") ON DELETE ");
    s.push(on_delete(rule.action));
}

/// `CREATE TABLE`; with `fks`, the foreign keys go inline (SQLite's only way).
pub fn create_table(
    d: Dialect,
    schema: &ModelSchema,
    fks: &[&IntegrityRule],
    collation: Option<&str>,
) -> Sql {
    let mut s = Sql::new(d);
    s.push("CREATE TABLE ").ident(schema.table).push(" (");
    s.ident("id").push(" ").push(d.id_column());
    for c in schema.columns {
        s.push(", ");
        column(&mut s, c);
    }
    for rule in fks {
        s.push(", ");
        references(&mut s, rule);
    }
    s.push(")");
    if d == Dialect::Mysql {
        // Binary, no-pad collation: `=`, `<` and unique indexes are case-,
        // accent- and trailing-space-sensitive, as on the other backends.
        s.push(" DEFAULT CHARSET=utf8mb4 COLLATE=")
            .push(collation.unwrap_or("utf8mb4_bin"));
    }
    s
}

/// `ALTER TABLE … ADD COLUMN`. Existing rows need a value for a NOT NULL
/// column: without a declared default, numbers get 0, booleans FALSE and
/// strings ''; other types are added nullable.
pub fn add_column(d: Dialect, schema: &ModelSchema, c: &ColumnDef) -> Sql {
    let mut s = Sql::new(d);
    s.push("ALTER TABLE ")
        .ident(schema.table)
        .push(" ADD COLUMN ");
    let mut c = *c;
    if !c.nullable && c.default.is_none() {
        c.default = match c.ty {
            ColumnType::Integer | ColumnType::BigInteger => Some(DefaultValue::Int(0)),
            ColumnType::Number => Some(DefaultValue::Float(0.0)),
            ColumnType::Boolean => Some(DefaultValue::Bool(false)),
            ColumnType::String => Some(DefaultValue::Str("")),
            _ => None,
        };
        if c.default.is_none() {
            c.nullable = true;
        }
    }
    column(&mut s, &c);
    s
}

pub fn create_index(d: Dialect, schema: &ModelSchema, index: &IndexSpec) -> Sql {
    let mut s = Sql::new(d);
    s.push(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    s.ident(&index.name)
        .push(" ON ")
        .ident(schema.table)
        .push(" (");
    for (i, c) in index.columns.iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.ident(c);
        // cormo orders NULL first (`ASC NULLS FIRST`, `DESC NULLS LAST`);
        // an index built that way serves both directions.
        if d == Dialect::Postgres && schema.column(c).is_some_and(|c| c.nullable) {
            s.push(" NULLS FIRST");
        }
    }
    s.push(")");
    s
}

/// SQLite: the statements that rebuild `schema`'s table with `fks`, keeping
/// its rows (run inside a transaction with foreign keys off).
pub fn rebuild_with_foreign_keys(
    d: Dialect,
    schema: &ModelSchema,
    fks: &[&IntegrityRule],
) -> Vec<Sql> {
    let temp = format!("{}__cormo_rebuild", schema.table);
    let mut create = create_table(d, schema, fks, None);
    // Same definition under the temporary name.
    let mut quoted = String::new();
    d.quote(&mut quoted, schema.table);
    let mut quoted_temp = String::new();
    d.quote(&mut quoted_temp, &temp);
    create.text = create.text.replacen(&quoted, &quoted_temp, 1);

    let mut copy = Sql::new(d);
    copy.push("INSERT INTO ")
        .ident(&temp)
        .push(" (")
        .all_columns(schema);
    copy.push(") SELECT ")
        .all_columns(schema)
        .push(" FROM ")
        .ident(schema.table);

    let mut drop = Sql::new(d);
    drop.push("DROP TABLE ").ident(schema.table);

    let mut rename = Sql::new(d);
    rename
        .push("ALTER TABLE ")
        .ident(&temp)
        .push(" RENAME TO ")
        .ident(schema.table);
    vec![create, copy, drop, rename]
}

/// `ALTER TABLE child ADD CONSTRAINT … FOREIGN KEY … ON DELETE …`
pub fn add_foreign_key(d: Dialect, rule: &IntegrityRule) -> Sql {
    let mut s = Sql::new(d);
    s.push("ALTER TABLE ")
        .ident(rule.child.table)
        .push(" ADD CONSTRAINT ");
    s.ident(&rule.constraint_name()).push(" ");
    references(&mut s, rule);
    s
}

pub fn drop_table(d: Dialect, schema: &ModelSchema) -> Sql {
    let mut s = Sql::new(d);
    s.push("DROP TABLE IF EXISTS ").ident(schema.table);
    if d == Dialect::Postgres {
        s.push(" CASCADE");
    }
    s
}

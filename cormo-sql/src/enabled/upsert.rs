//! Renders an [`Upsert`]: `ON CONFLICT … DO UPDATE` on PostgreSQL and
//! SQLite, `ON DUPLICATE KEY UPDATE` on MySQL.

use cormo_core::stmt::Upsert;
use cormo_core::{Error, Result};

use crate::enabled::dialect::Dialect;
use crate::enabled::render::Sql;

/// One statement that inserts the row or updates the one with its key,
/// and yields the row's id: `RETURNING id` on PostgreSQL and SQLite;
/// on MySQL `id = LAST_INSERT_ID(id)` makes the updated row's id the
/// statement's insert id.
pub fn render(d: Dialect, q: &Upsert<'_>) -> Result<Sql> {
    let mut s = Sql::new(d);
    let columns = q.schema.columns;
    let name = |p: usize| {
        columns
            .get(p)
            .map(|c| c.name)
            .ok_or_else(|| Error::UnknownColumn {
                model: q.schema.name,
                column: format!("#{p}"),
            })
    };
    if q.key.is_empty() || q.values.len() != columns.len() {
        return Err(Error::validation(
            "upsert",
            "needs a unique key and a value for every column",
        ));
    }
    s.push("INSERT INTO ").ident(q.schema.table).push(" (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.ident(c.name);
    }
    s.push(") VALUES (");
    for (i, v) in q.values.iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.param(v.clone());
    }
    s.push(")");
    match d {
        Dialect::Postgres | Dialect::Sqlite => {
            s.push(" ON CONFLICT (");
            for (i, &k) in q.key.iter().enumerate() {
                if i > 0 {
                    s.push(", ");
                }
                s.ident(name(k)?);
            }
            s.push(") DO UPDATE SET ");
            // With nothing to update, a no-op assignment still makes the
            // statement return the existing row's id (DO NOTHING returns no row).
            let targets: &[usize] = if q.update.is_empty() {
                &q.key[..1]
            } else {
                q.update
            };
            for (i, &p) in targets.iter().enumerate() {
                if i > 0 {
                    s.push(", ");
                }
                let name = columns[p].name;
                s.ident(name)
                    .push(" = ")
                    .ident("excluded")
                    .push(".")
                    .ident(name);
            }
            s.push(" RETURNING ").ident("id");
        }
        Dialect::Mysql => {
            s.push(" ON DUPLICATE KEY UPDATE ")
                .ident("id")
                .push(" = LAST_INSERT_ID(")
                .ident("id")
                .push(")");
            for &p in q.update {
                let name = columns[p].name;
                s.push(", ")
                    .ident(name)
                    .push(" = VALUES(")
                    .ident(name)
                    .push(")");
            }
        }
    }
    Ok(s)
}

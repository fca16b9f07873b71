//! Renders core's queries to SQL text plus an ordered parameter list.
//! Values are always parameters; identifiers come from the schema.

use cormo_core::stmt::Assignment;
use cormo_core::{CmpOp, Cond, Dir, Error, LikeKind, ModelSchema, Result, Select, Value};

use crate::enabled::dialect::{escape_like, Dialect, LIKE_ESCAPE};

/// Most terms in one parenthesised AND / OR group.
const GROUP: usize = 32;

/// Longest `IN` list written inline exactly as given on SQLite and MySQL;
/// longer ones are padded to a bucket size (see [`inline_len`]) when the
/// statement is kept compiled.
const INLINE_LIST: usize = 64;

/// Placeholders kept free, after every inline list, for the parameters a
/// statement binds after its lists.
const RESERVED_PARAMS: usize = 1_024;

/// Longest inline list in a statement SQLite keeps compiled (see
/// [`Sql::cached`]); past it, compiling again costs little next to
/// running the statement.
const CACHED_LIST: usize = 1_024;

/// How many placeholders an inline `IN` list of `n` values takes: `n` up to
/// [`INLINE_LIST`], then the next of 3·2^k and 2^(k+2), the last value
/// repeated into the rest (a repeat does not change what `IN` matches).
/// The buckets keep the number of statement shapes, and so of prepared
/// statements a connection caches, to about two per doubling.
fn inline_len(n: usize) -> usize {
    if n <= INLINE_LIST {
        return n;
    }
    let p = n.next_power_of_two();
    let three_quarters = p / 4 * 3;
    if n <= three_quarters {
        three_quarters
    } else {
        p
    }
}

/// The JSON_TABLE column type for a list, from its values.
fn mysql_list_type(values: &[Value]) -> &'static str {
    match values.first() {
        Some(Value::Float(_)) => "DOUBLE",
        // Short strings get a column that can be indexed.
        Some(Value::Text(_))
            if values
                .iter()
                .all(|v| matches!(v, Value::Text(t) if t.chars().count() <= 255)) =>
        {
            "VARCHAR(255)"
        }
        Some(Value::Text(_)) => "LONGTEXT",
        Some(Value::DateTime(_)) => "DATETIME(6)",
        Some(Value::Bool(_)) => "BOOLEAN",
        _ => "BIGINT",
    }
}

/// One bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A single value.
    One(Value),
    /// A whole list as one parameter (values of one type, never empty):
    /// an array on PostgreSQL, a JSON array elsewhere. Lists of any length
    /// then fit under every driver's bind-parameter limit.
    List(Vec<Value>),
}

/// SQL being built, with its parameters.
pub struct Sql {
    pub dialect: Dialect,
    pub text: String,
    pub params: Vec<Param>,
    /// Whether the driver may keep the statement prepared for reuse
    /// (sqlx's `persistent`). Off on SQLite for statements with a long
    /// inline list (see [`Dialect::caches_long_lists`]): a connection's
    /// cache would hold up to a hundred of them.
    pub cached: bool,
}

impl Sql {
    pub fn new(dialect: Dialect) -> Self {
        Sql {
            dialect,
            text: String::with_capacity(128),
            params: Vec::new(),
            cached: true,
        }
    }

    /// A fixed statement with no parameters.
    pub fn raw(dialect: Dialect, text: &str) -> Self {
        let mut s = Sql::new(dialect);
        s.text.push_str(text);
        s
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub fn ident(&mut self, name: &str) -> &mut Self {
        self.dialect.quote(&mut self.text, name);
        self
    }

    pub fn param(&mut self, v: Value) -> &mut Self {
        if v.is_null() {
            // A literal NULL takes its type from the column; a typed NULL
            // parameter would not (PostgreSQL rejects int8 NULL into text).
            self.text.push_str("NULL");
            return self;
        }
        self.params.push(Param::One(v));
        self.dialect.placeholder(&mut self.text, self.params.len());
        self
    }

    /// Binds a whole list as one parameter.
    pub fn list_param(&mut self, values: Vec<Value>) -> &mut Self {
        self.params.push(Param::List(values));
        self.dialect.placeholder(&mut self.text, self.params.len());
        self
    }

    /// Refuses a statement with more parameters than the driver takes.
    pub fn check_size(&self) -> Result<()> {
        let limit = self.dialect.max_params();
        if self.params.len() > limit {
            return Err(Error::validation(
                "query",
                format!(
                    "needs {} bound values; {} takes at most {limit} (use is_in for long lists)",
                    self.params.len(),
                    self.dialect.name()
                ),
            ));
        }
        Ok(())
    }

    /// `"id", "col1", "col2"…` in schema order.
    pub fn all_columns(&mut self, schema: &ModelSchema) -> &mut Self {
        self.ident("id");
        for c in schema.columns {
            self.push(", ").ident(c.name);
        }
        self
    }

    /// `id` and the columns at `cols` (positions in `schema.columns`).
    pub fn some_columns(
        &mut self,
        schema: &'static ModelSchema,
        cols: &[usize],
    ) -> Result<&mut Self> {
        self.ident("id");
        for &pos in cols {
            let c = schema
                .columns
                .get(pos)
                .ok_or_else(|| Error::UnknownColumn {
                    model: schema.name,
                    column: format!("#{pos}"),
                })?;
            self.push(", ").ident(c.name);
        }
        Ok(self)
    }

    fn check_column(schema: &'static ModelSchema, column: &str) -> Result<()> {
        if column == "id" || schema.column(column).is_some() {
            Ok(())
        } else {
            Err(Error::UnknownColumn {
                model: schema.name,
                column: column.to_owned(),
            })
        }
    }

    /// ` WHERE …` unless the condition is always true.
    pub fn where_clause(&mut self, schema: &'static ModelSchema, cond: &Cond) -> Result<()> {
        if matches!(cond, Cond::True) {
            return Ok(());
        }
        self.push(" WHERE ");
        self.cond(schema, cond, false)
    }

    /// Renders a condition. Inside a NOT, comparisons are wrapped in
    /// `COALESCE(…, FALSE)` so NULL columns count as "not matching" and the
    /// negation includes them (CORMO's `$not`), uniformly across dialects.
    pub(crate) fn cond(
        &mut self,
        schema: &'static ModelSchema,
        cond: &Cond,
        in_not: bool,
    ) -> Result<()> {
        match cond {
            Cond::True => {
                self.push("1 = 1");
            }
            Cond::False => {
                self.push("1 = 0");
            }
            Cond::And(list) | Cond::Or(list) => {
                let and = matches!(cond, Cond::And(_));
                if list.is_empty() {
                    self.push(if and { "1 = 1" } else { "1 = 0" });
                    return Ok(());
                }
                self.group(schema, list, if and { " AND " } else { " OR " }, in_not)?;
            }
            Cond::Not(inner) => {
                self.push("NOT (");
                self.cond(schema, inner, true)?;
                self.push(")");
            }
            Cond::IsNull { column } => {
                Self::check_column(schema, column)?;
                self.ident(column).push(" IS NULL");
            }
            Cond::Cmp { column, op, value } => {
                Self::check_column(schema, column)?;
                self.leaf(in_not, |s| {
                    s.ident(column).push(comparison(*op));
                    s.param(value.clone());
                });
            }
            Cond::In { column, values } => {
                Self::check_column(schema, column)?;
                if values.is_empty() {
                    self.push("1 = 0");
                    return Ok(());
                }
                self.leaf(in_not, |s| s.in_list(column, values));
            }
            Cond::Compare { lhs, op, rhs } => {
                Self::check_expr(schema, lhs)?;
                Self::check_expr(schema, rhs)?;
                self.leaf(in_not, |s| {
                    s.expr(schema, lhs).push(comparison(*op));
                    s.expr(schema, rhs);
                });
            }
            Cond::Regex {
                column,
                pattern,
                case_insensitive,
            } => {
                Self::check_column(schema, column)?;
                let (op, prefix) = self.dialect.regex(*case_insensitive);
                let pattern = format!("{prefix}{pattern}");
                self.leaf(in_not, |s| {
                    s.ident(column).push(op).param(Value::Text(pattern));
                });
            }
            Cond::Like { column, kind, text } => {
                Self::check_column(schema, column)?;
                let escaped = escape_like(text);
                let pattern = match kind {
                    LikeKind::Contains => format!("%{escaped}%"),
                    LikeKind::StartsWith => format!("{escaped}%"),
                    LikeKind::EndsWith => format!("%{escaped}"),
                };
                self.leaf(in_not, |s| {
                    match s.dialect {
                        Dialect::Postgres => {
                            s.ident(column).push(" ILIKE ").param(Value::Text(pattern));
                        }
                        // Tables are utf8mb4_bin, so LIKE alone would be
                        // case-sensitive.
                        Dialect::Mysql => {
                            s.push("LOWER(").ident(column).push(") LIKE LOWER(");
                            s.param(Value::Text(pattern)).push(")");
                        }
                        Dialect::Sqlite => {
                            s.ident(column).push(" LIKE ").param(Value::Text(pattern));
                        }
                    }
                    s.push(&format!(" ESCAPE '{LIKE_ESCAPE}'"));
                });
            }
        }
        Ok(())
    }

    /// `(a AND b AND …)`, grouped into nested parentheses of at most
    /// [`GROUP`] terms: SQLite parses a flat chain of 1 000 terms as an
    /// expression 1 000 deep and refuses it; nested groups keep the depth
    /// logarithmic on every dialect.
    fn group(
        &mut self,
        schema: &'static ModelSchema,
        list: &[Cond],
        sep: &str,
        in_not: bool,
    ) -> Result<()> {
        let per = list.len().div_ceil(GROUP).max(1);
        let chunks: Vec<&[Cond]> = if list.len() <= GROUP {
            list.chunks(1).collect()
        } else {
            list.chunks(per).collect()
        };
        self.push("(");
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            match chunk {
                [one] => self.cond(schema, one, in_not)?,
                many => self.group(schema, many, sep, in_not)?,
            }
        }
        self.push(")");
        Ok(())
    }

    /// `col IN (…)`: on PostgreSQL always `= ANY($1)`, one array parameter,
    /// so one statement shape serves every length. On SQLite and MySQL a
    /// placeholder per value while the statement has room for them (the
    /// planner then knows how many values there are: MariaDB turns a long
    /// list into a table it sizes right, where it guesses 40 rows for a
    /// JSON_TABLE and picks index lookups that take twice as long as a scan
    /// on 20 000 ids); beyond that, the list is one JSON parameter.
    fn in_list(&mut self, column: &str, values: &[Value]) {
        self.ident(column);
        // A statement the driver does not keep compiled gains nothing from
        // a bucketed shape: its list is written exactly as given.
        let uncached = inline_len(values.len()) > CACHED_LIST && !self.dialect.caches_long_lists();
        let inline = if uncached {
            values.len()
        } else {
            inline_len(values.len())
        };
        let room = self.dialect.max_params().saturating_sub(RESERVED_PARAMS);
        match self.dialect {
            Dialect::Postgres => {
                self.push(" = ANY(").list_param(values.to_vec()).push(")");
            }
            _ if self.params.len() + inline <= room => {
                if uncached {
                    self.cached = false;
                }
                self.text.reserve(inline * 3 + 6);
                self.params.reserve(inline);
                self.push(" IN (");
                let padding = values.last().into_iter().cycle();
                let padded = values.iter().chain(padding).take(inline);
                for (i, v) in padded.enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.param(v.clone());
                }
                self.push(")");
            }
            Dialect::Sqlite => {
                self.push(" IN (SELECT value FROM json_each(")
                    .list_param(values.to_vec())
                    .push("))");
            }
            Dialect::Mysql => {
                let ty = mysql_list_type(values);
                // The DISTINCT derived table is materialised once, with an
                // index; a bare JSON_TABLE subquery inside UPDATE / DELETE
                // is re-read for every row (quadratic on MariaDB).
                self.push(" IN (SELECT v FROM (SELECT DISTINCT v FROM JSON_TABLE(")
                    .list_param(values.to_vec())
                    .push(", '$[*]' COLUMNS (v ")
                    .push(ty)
                    .push(" PATH '$')) AS ")
                    .ident("_j")
                    .push(") AS ")
                    .ident("_l")
                    .push(")");
            }
        }
    }

    pub(crate) fn leaf(&mut self, in_not: bool, f: impl FnOnce(&mut Self)) {
        if in_not {
            self.push("COALESCE(");
            f(self);
            self.push(", FALSE)");
        } else {
            f(self);
        }
    }

    /// ` ORDER BY …` and paging.
    pub fn order_and_paging(&mut self, q: &Select<'_>) -> Result<()> {
        if !q.order.is_empty() {
            self.push(" ORDER BY ");
            for (i, o) in q.order.iter().enumerate() {
                Self::check_column(q.schema, o.column)?;
                if i > 0 {
                    self.push(", ");
                }
                self.ident(o.column);
                self.push(if o.dir == Dir::Desc { " DESC" } else { " ASC" });
                // NULL sorts as the smallest value everywhere, as SQLite,
                // MySQL and MongoDB do; PostgreSQL's default is the reverse.
                // Only where NULL can occur: the clause keeps PostgreSQL
                // from walking a plain index in order (the primary key's
                // included), so `ORDER BY id` would sort the whole table.
                let nullable = q.schema.column(o.column).is_some_and(|c| c.nullable);
                if self.dialect == Dialect::Postgres && nullable {
                    self.push(if o.dir == Dir::Desc {
                        " NULLS LAST"
                    } else {
                        " NULLS FIRST"
                    });
                }
            }
        }
        self.dialect.paging(&mut self.text, q.limit, q.skip);
        Ok(())
    }
}

/// The operator of a comparison, with spaces around it.
pub(crate) fn comparison(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => " = ",
        CmpOp::Ne => " <> ",
        CmpOp::Gt => " > ",
        CmpOp::Gte => " >= ",
        CmpOp::Lt => " < ",
        CmpOp::Lte => " <= ",
    }
}

/// `SELECT id, cols… FROM t WHERE … ORDER BY … LIMIT …`
pub fn select(d: Dialect, q: &Select<'_>) -> Result<Sql> {
    let mut s = Sql::new(d);
    s.push("SELECT ");
    match q.columns {
        None => s.all_columns(q.schema),
        Some(cols) => s.some_columns(q.schema, cols)?,
    };
    s.push(" FROM ").ident(q.schema.table);
    s.where_clause(q.schema, q.cond)?;
    s.order_and_paging(q)?;
    Ok(s)
}

/// `SELECT id FROM t WHERE …`
pub fn select_ids(d: Dialect, q: &Select<'_>) -> Result<Sql> {
    let mut s = Sql::new(d);
    s.push("SELECT ")
        .ident("id")
        .push(" FROM ")
        .ident(q.schema.table);
    s.where_clause(q.schema, q.cond)?;
    s.order_and_paging(q)?;
    Ok(s)
}

/// `SELECT COUNT(*) …`; with paging, counts the page.
pub fn count(d: Dialect, q: &Select<'_>) -> Result<Sql> {
    if q.limit.is_none() && q.skip.is_none() {
        let mut s = Sql::new(d);
        s.push("SELECT COUNT(*) FROM ").ident(q.schema.table);
        s.where_clause(q.schema, q.cond)?;
        return Ok(s);
    }
    let inner = select_ids(d, q)?;
    let mut s = Sql::new(d);
    s.push("SELECT COUNT(*) FROM (")
        .push(&inner.text)
        .push(") AS ")
        .ident("_c");
    s.params = inner.params;
    Ok(s)
}

/// `INSERT INTO t (…) VALUES (…)`, with `RETURNING id` where available.
pub fn insert(d: Dialect, schema: &ModelSchema, id: Option<i64>, values: &[Value]) -> Sql {
    let mut s = Sql::new(d);
    s.push("INSERT INTO ").ident(schema.table);
    let mut names: Vec<&str> = Vec::with_capacity(values.len() + 1);
    if id.is_some() {
        names.push("id");
    }
    names.extend(schema.columns.iter().map(|c| c.name));
    if names.is_empty() {
        s.push(if d == Dialect::Mysql {
            " () VALUES ()"
        } else {
            " DEFAULT VALUES"
        });
    } else {
        s.push(" (");
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.ident(n);
        }
        s.push(") VALUES (");
        let mut first = true;
        if let Some(id) = id {
            s.param(Value::Int(id));
            first = false;
        }
        for v in values {
            if !first {
                s.push(", ");
            }
            first = false;
            s.param(v.clone());
        }
        s.push(")");
    }
    if d.returning() {
        s.push(" RETURNING ").ident("id");
    }
    s
}

/// One multi-row `INSERT` (rows must be non-empty and the model must have
/// columns), with `RETURNING id` where available.
pub fn insert_many(d: Dialect, schema: &ModelSchema, rows: &[Vec<Value>]) -> Sql {
    let mut s = Sql::new(d);
    s.push("INSERT INTO ").ident(schema.table).push(" (");
    for (i, c) in schema.columns.iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.ident(c.name);
    }
    s.push(") VALUES ");
    for (r, values) in rows.iter().enumerate() {
        s.push(if r == 0 { "(" } else { ", (" });
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.param(v.clone());
        }
        s.push(")");
    }
    if d.returning() {
        s.push(" RETURNING ").ident("id");
    }
    s
}

/// `UPDATE t SET every column WHERE id = ?`
pub fn update_by_id(d: Dialect, schema: &ModelSchema, id: i64, values: &[Value]) -> Sql {
    let mut s = Sql::new(d);
    s.push("UPDATE ").ident(schema.table).push(" SET ");
    for (i, (c, v)) in schema.columns.iter().zip(values).enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.ident(c.name).push(" = ").param(v.clone());
    }
    if schema.columns.is_empty() {
        // Nothing to write; still report whether the row exists.
        s.ident("id").push(" = ").ident("id");
    }
    s.push(" WHERE ")
        .ident("id")
        .push(" = ")
        .param(Value::Int(id));
    s
}

/// `UPDATE t SET … WHERE …` (paging is resolved to ids by the caller).
pub fn update(
    d: Dialect,
    schema: &'static ModelSchema,
    cond: &Cond,
    assigns: &[Assignment],
) -> Result<Sql> {
    let mut s = Sql::new(d);
    s.push("UPDATE ").ident(schema.table).push(" SET ");
    for (i, a) in assigns.iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        if schema.column(a.column).is_none() {
            return Err(Error::UnknownColumn {
                model: schema.name,
                column: a.column.to_owned(),
            });
        }
        Sql::check_expr(schema, &a.value)?;
        s.ident(a.column).push(" = ").expr(schema, &a.value);
    }
    s.where_clause(schema, cond)?;
    Ok(s)
}

/// `DELETE FROM t WHERE …` (paging is resolved to ids by the caller).
pub fn delete(d: Dialect, schema: &'static ModelSchema, cond: &Cond) -> Result<Sql> {
    let mut s = Sql::new(d);
    s.push("DELETE FROM ").ident(schema.table);
    s.where_clause(schema, cond)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cormo_core::{ColumnDef, ColumnType};

    static SCHEMA: ModelSchema = ModelSchema {
        name: "User",
        table: "users",
        columns: &[ColumnDef {
            field: "name",
            name: "name",
            ty: ColumnType::String,
            nullable: true,
            unique: false,
            index: false,
            default: None,
            fold: cormo_core::Fold::Exact,
        }],
        associations: &[],
        indexes: &[],
    };

    #[test]
    fn not_includes_nulls_and_escapes_like() {
        let cond = !Cond::Like {
            column: "name",
            kind: LikeKind::Contains,
            text: "50%_!".into(),
        };
        let q = Select::filter(&SCHEMA, &cond);
        let s = select(Dialect::Postgres, &q).unwrap();
        assert_eq!(
            s.text,
            r#"SELECT "id", "name" FROM "users" WHERE NOT (COALESCE("name" ILIKE $1 ESCAPE '!', FALSE))"#
        );
        assert_eq!(s.params, vec![Param::One(Value::Text("%50!%!_!!%".into()))]);
    }

    #[test]
    fn inline_lists_are_padded_to_few_shapes() {
        assert_eq!(inline_len(1), 1);
        assert_eq!(inline_len(64), 64);
        assert_eq!(inline_len(65), 96);
        assert_eq!(inline_len(96), 96);
        assert_eq!(inline_len(97), 128);
        assert_eq!(inline_len(20_000), 24_576);
        let shapes: std::collections::BTreeSet<usize> = (65..=40_000).map(inline_len).collect();
        assert_eq!(shapes.len(), 19, "{shapes:?}");
        let names: Vec<Value> = (0..70).map(|i| Value::Text(format!("n{i}"))).collect();
        let cond = Cond::In {
            column: "name",
            values: names.clone(),
        };
        let q = Select::filter(&SCHEMA, &cond);
        let s = select(Dialect::Mysql, &q).unwrap();
        assert_eq!(s.text.matches('?').count(), 96);
        assert!(s.cached);
        let bound: Vec<Value> = s
            .params
            .iter()
            .map(|p| match p {
                Param::One(v) => v.clone(),
                Param::List(_) => panic!("a list parameter in {}", s.text),
            })
            .collect();
        assert_eq!(bound[..70], names[..]);
        assert!(bound[70..].iter().all(|v| *v == names[69]));
    }

    #[test]
    fn lists_past_the_room_for_placeholders_are_one_parameter() {
        let ids: Vec<Value> = (0..40_000).map(Value::Int).collect();
        let cond = Cond::In {
            column: "name",
            values: ids,
        };
        let q = Select::filter(&SCHEMA, &cond);
        let sqlite = select(Dialect::Sqlite, &q).unwrap();
        assert!(sqlite.text.contains("json_each"), "{}", sqlite.text);
        assert_eq!(sqlite.params.len(), 1);
        let mysql = select(Dialect::Mysql, &q).unwrap();
        assert_eq!(mysql.params.len(), 49_152);
        assert!(mysql.cached, "MySQL keeps it prepared on the server");
        mysql.check_size().unwrap();
        let ids: Vec<Value> = (0..20_000).map(Value::Int).collect();
        let cond = Cond::In {
            column: "name",
            values: ids,
        };
        let q = Select::filter(&SCHEMA, &cond);
        let sqlite = select(Dialect::Sqlite, &q).unwrap();
        assert_eq!(
            sqlite.params.len(),
            20_000,
            "a statement SQLite does not keep compiled is not padded"
        );
        assert!(!sqlite.cached, "SQLite does not keep it compiled");
        // Up to the cached size a list is padded, and kept compiled.
        let ids: Vec<Value> = (0..1_000).map(Value::Int).collect();
        let cond = Cond::In {
            column: "name",
            values: ids,
        };
        let q = Select::filter(&SCHEMA, &cond);
        let sqlite = select(Dialect::Sqlite, &q).unwrap();
        assert_eq!(sqlite.params.len(), 1_024);
        assert!(sqlite.cached);
    }

    #[test]
    fn unknown_column_is_an_error() {
        let cond = Cond::eq("nope", Value::Int(1));
        let q = Select::filter(&SCHEMA, &cond);
        assert!(matches!(
            select(Dialect::Mysql, &q),
            Err(Error::UnknownColumn { .. })
        ));
    }

    #[test]
    fn skip_without_limit() {
        let all = Cond::True;
        let q = Select {
            skip: Some(5),
            ..Select::filter(&SCHEMA, &all)
        };
        assert!(select(Dialect::Mysql, &q)
            .unwrap()
            .text
            .ends_with("LIMIT 18446744073709551615 OFFSET 5"));
        assert!(select(Dialect::Sqlite, &q)
            .unwrap()
            .text
            .ends_with("LIMIT -1 OFFSET 5"));
        assert!(select(Dialect::Postgres, &q)
            .unwrap()
            .text
            .ends_with(" OFFSET 5"));
    }

    #[test]
    fn expressions_render_with_values_bound() {
        use cormo_core::stmt::Expr;
        let cond = !Cond::Compare {
            lhs: Expr::column("name"),
            op: CmpOp::Lt,
            rhs: Expr::column("id"),
        };
        let q = Select::filter(&SCHEMA, &cond);
        let s = select(Dialect::Sqlite, &q).unwrap();
        assert!(
            s.text
                .ends_with(r#"WHERE NOT (COALESCE("name" < "id", FALSE))"#),
            "{}",
            s.text
        );
        let inc = [Assignment::from(&cormo_core::Assign::Inc {
            column: "name",
            by: Value::Int(2),
        })];
        let s = update(Dialect::Postgres, &SCHEMA, &Cond::True, &inc).unwrap();
        assert_eq!(
            s.text,
            r#"UPDATE "users" SET "name" = (COALESCE("name", 0) + $1)"#
        );
        assert_eq!(s.params, vec![Param::One(Value::Int(2))]);
        let unknown = [Assignment {
            column: "name",
            value: Expr::column("nope") + Expr::value(1),
        }];
        assert!(matches!(
            update(Dialect::Mysql, &SCHEMA, &Cond::True, &unknown),
            Err(Error::UnknownColumn { column, .. }) if column == "nope"
        ));
    }
}

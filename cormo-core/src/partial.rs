//! Column selection: a [`Partial`] type holds some of a model's fields,
//! and a query or an eager-loading level reads only those columns.
//!
//! A partial record is its own type, so a field that was not read cannot
//! be mistaken for a stored value: there is no model whose unselected
//! fields hold made-up defaults.

use std::sync::OnceLock;

use crate::error::Result;
use crate::model::Model;
use crate::schema::ModelSchema;
use crate::value::RowReader;

/// Some of a model's fields, read on their own. Derive it:
///
/// ```ignore
/// #[derive(cormo::Partial, Debug)]
/// #[cormo(model = User)]
/// pub struct UserName {
///     pub id: Id,        // optional: the record's id
///     pub name: String,  // a field of User, with its type
/// }
///
/// let names: Vec<UserName> = User::query().select::<UserName>().all(&db).await?;
/// ```
///
/// Each field names a field of the model and has its type; a field the
/// model lacks or a different type is a compile error at the field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a partial model",
    label = "add #[derive(cormo::Partial)] and #[cormo(model = ...)] to `{Self}`"
)]
pub trait Partial: Sized + Send + Sync + 'static {
    /// The model whose fields this holds.
    type Model: Model;

    /// The positions in `Self::Model::schema().columns` of the fields,
    /// in field order.
    #[doc(hidden)]
    fn columns() -> &'static [usize];

    /// Decodes a row of `id`, then [`Partial::columns`] in order.
    #[doc(hidden)]
    fn from_row(row: &mut dyn RowReader) -> Result<Self>;
}

/// Positions of `names` in `schema.columns`, found once per partial type
/// (generated code keeps them in a `OnceLock`). A name the schema lacks
/// cannot come from the derive, which takes names from the model's column
/// constants; it would become `usize::MAX`, which backends refuse as an
/// unknown column rather than read the wrong one.
#[doc(hidden)]
pub fn positions(
    cell: &'static OnceLock<Vec<usize>>,
    schema: &'static ModelSchema,
    names: &[&'static str],
) -> &'static [usize] {
    cell.get_or_init(|| {
        names
            .iter()
            .map(|n| {
                schema
                    .columns
                    .iter()
                    .position(|c| c.name == *n)
                    .unwrap_or(usize::MAX)
            })
            .collect()
    })
}

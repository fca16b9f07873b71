use cormo::prelude::*;

#[derive(Model)]
#[cormo(collection = "people")]
pub struct User {
    pub id: Id,
    pub name: String,
}

fn main() {}

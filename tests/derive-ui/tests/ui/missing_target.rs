use cormo::prelude::*;

#[derive(Model)]
#[has_many(integrity = "delete")]
pub struct User {
    pub id: Id,
    pub name: String,
}

fn main() {}

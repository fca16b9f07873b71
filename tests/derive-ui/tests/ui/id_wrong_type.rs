use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: i64,
    pub name: String,
}

fn main() {}

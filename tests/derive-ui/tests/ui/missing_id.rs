use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub name: String,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model, Debug, Default)]
pub struct User {
    pub id: Id,
    #[cormo(case_insensitive)]
    pub age: i32,
}

fn main() {}

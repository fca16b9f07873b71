use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    #[cormo(default = "x")]
    pub age: i32,
}

fn main() {}

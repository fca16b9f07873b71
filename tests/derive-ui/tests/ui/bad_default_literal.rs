use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    #[cormo(default = b'x')]
    pub name: String,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    #[cormo(nullable)]
    pub name: String,
}

fn main() {}

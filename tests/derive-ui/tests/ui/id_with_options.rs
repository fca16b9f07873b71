use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    #[cormo(unique)]
    pub id: Id,
    pub name: String,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    pub name: String,
    #[cormo(name = "name")]
    pub nickname: String,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(cormo::Partial)]
#[cormo(model = User)]
pub struct UserNick {
    pub nick: String,
}

fn main() {}

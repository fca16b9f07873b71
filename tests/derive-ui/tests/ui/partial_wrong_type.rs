use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(cormo::Partial)]
#[cormo(model = User)]
pub struct UserName {
    pub name: i32,
}

fn main() {}

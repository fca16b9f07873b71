use cormo::prelude::*;

#[derive(Model)]
#[has_one(Profile, required)]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(Model)]
pub struct Profile {
    pub id: Id,
    pub user_id: Option<RecordId>,
}

fn main() {}

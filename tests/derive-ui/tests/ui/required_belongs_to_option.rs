use cormo::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(Model)]
#[belongs_to(User, required)]
pub struct Post {
    pub id: Id,
    pub title: String,
    pub user_id: Option<RecordId>,
}

fn main() {}

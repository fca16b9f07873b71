use cormo::prelude::*;

#[derive(Model)]
#[has_many(Post, integrity = "cascade")]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(Model)]
pub struct Post {
    pub id: Id,
    pub title: String,
    pub user_id: Option<RecordId>,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model)]
#[has_many(Post)]
pub struct User {
    pub id: Id,
    pub name: String,
}

pub struct Post {
    pub id: Id,
    pub title: String,
    pub user_id: Option<RecordId>,
}

fn main() {}

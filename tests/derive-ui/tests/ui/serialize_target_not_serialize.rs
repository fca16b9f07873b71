use cormo::prelude::*;

#[derive(Model, serde::Serialize)]
#[has_many(Post, serialize)]
pub struct User {
    pub id: Id,
}

// Not Serialize, so User cannot write it.
#[derive(Model)]
pub struct Post {
    pub id: Id,
    pub user_id: Option<RecordId>,
}

fn main() {}

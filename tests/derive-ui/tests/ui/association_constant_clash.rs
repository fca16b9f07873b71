use cormo::prelude::*;

#[derive(Model)]
#[has_many(Post)]
pub struct User {
    pub id: Id,
    pub posts: String,
}

#[derive(Model)]
pub struct Post {
    pub id: Id,
    pub user_id: Option<RecordId>,
}

fn main() {}

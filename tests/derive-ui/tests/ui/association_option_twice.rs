use cormo::prelude::*;

#[derive(Model)]
#[has_many(Post, as = "articles", as = "entries")]
pub struct User {
    pub id: Id,
}

#[derive(Model)]
pub struct Post {
    pub id: Id,
    pub articles_id: Option<RecordId>,
}

fn main() {}

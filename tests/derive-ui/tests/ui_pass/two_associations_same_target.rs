use cormo::prelude::*;

#[derive(Model)]
#[has_many(Post)]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(Model)]
#[belongs_to(User)]
#[belongs_to(Post, as = "parent_post")]
#[has_many(Post, as = "comments", foreign_key = "parent_post_id")]
pub struct Post {
    pub id: Id,
    pub title: String,
    pub user_id: Option<RecordId>,
    pub parent_post_id: Option<RecordId>,
}

fn main() {}

// When one model's derive fails, models that name it should not drown the
// real error in follow-on "`User: Model` is not satisfied" errors.
use cormo::prelude::*;

#[derive(Model)]
#[has_many(Post, integrity = "cascade")]
pub struct User {
    pub id: Id,
    pub name: String,
}

#[derive(Model)]
#[belongs_to(User)]
pub struct Post {
    pub id: Id,
    pub title: String,
    pub user_id: Option<RecordId>,
}

fn main() {}

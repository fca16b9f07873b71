use cormo::prelude::*;

#[derive(Model)]
#[belongs_to(Usr)]
pub struct Post {
    pub id: Id,
    pub title: String,
    pub usr_id: Option<RecordId>,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model)]
#[index(fields = "title, slug", unique)]
pub struct Post {
    pub id: Id,
    pub title: String,
}

fn main() {}

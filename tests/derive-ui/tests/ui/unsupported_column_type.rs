use cormo::prelude::*;

#[derive(Model)]
pub struct Counter {
    pub id: Id,
    pub hits: u128,
}

fn main() {}

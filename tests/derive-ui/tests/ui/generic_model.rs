use cormo::prelude::*;

#[derive(Model)]
pub struct Wrapper<T> {
    pub id: Id,
    pub value: T,
}

fn main() {}

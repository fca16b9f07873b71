use cormo::prelude::*;

#[derive(Model)]
pub enum Status {
    Active,
    Banned,
}

fn main() {}

use cormo::prelude::*;

#[derive(Model, Debug, Default)]
pub struct User {
    pub id: Id,
    #[cormo(case_insensitive)]
    pub email: String,
    pub email__ci: String,
}

fn main() {}

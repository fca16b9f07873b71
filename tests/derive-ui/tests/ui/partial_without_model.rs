#[derive(cormo::Partial)]
pub struct Loose {
    pub name: String,
}

fn main() {}

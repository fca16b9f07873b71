use cormo::prelude::*;

#[derive(Model, Default)]
pub struct Sale {
    pub id: Id,
    pub region: String,
    pub qty: i32,
}

fn main() {
    let _ = Sale::REGION.inc(1);
}

use cormo::prelude::*;
use cormo::{count, max, sum};

#[derive(Model, Debug, Default)]
pub struct Sale {
    pub id: Id,
    pub region: String,
    pub qty: i32,
}

fn main() {
    let _ = max(Sale::REGION).gt_agg(sum(Sale::QTY));
    let _ = count().lt_agg(max(Sale::REGION));
}

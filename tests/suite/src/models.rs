//! The models the suite uses: the seed's User / Post, and small model
//! families for each integrity mode.

use chrono::{DateTime, Utc};
use cormo::prelude::*;

// --- the seed ---

#[derive(Model, Debug, Default)]
#[has_many(Post)]
#[has_one(Computer)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub age: i32,
}

#[derive(Model, Debug, Default)]
#[belongs_to(User)]
#[has_many(
    Post,
    as = "comments",
    foreign_key = "parent_post_id",
    integrity = "delete"
)]
#[belongs_to(Post, as = "parent_post")]
pub struct Post {
    pub id: Id,
    pub title: String,
    pub body: String,
    pub user_id: Option<RecordId>,
    pub parent_post_id: Option<RecordId>,
}

#[derive(Model, Debug, Default)]
#[belongs_to(User)]
pub struct Computer {
    pub id: Id,
    pub brand: String,
    pub user_id: Option<RecordId>,
}

// --- every column type ---

#[derive(Model, Debug, Default, Clone)]
pub struct Sample {
    pub id: Id,
    pub text: String,
    pub small: i32,
    pub big: i64,
    pub ratio: f64,
    pub flag: bool,
    pub at: Option<DateTime<Utc>>,
    pub doc: Option<serde_json::Value>,
    pub data: Option<Vec<u8>>,
    pub maybe_text: Option<String>,
    pub maybe_int: Option<i32>,
    #[cormo(unique)]
    pub code: Option<String>,
    #[cormo(text)]
    pub long: Option<String>,
    #[cormo(default = "fresh")]
    pub status: Option<String>,
    #[cormo(default = 5)]
    pub rank: Option<i32>,
}

// --- integrity: one family per rule ---

#[derive(Model, Debug, Default)]
#[has_many(NPost, integrity = "nullify")]
pub struct NUser {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[belongs_to(NUser)]
pub struct NPost {
    pub id: Id,
    pub title: String,
    pub n_user_id: Option<RecordId>,
}

#[derive(Model, Debug, Default)]
#[has_many(RPost, integrity = "restrict")]
#[has_one(RProfile, integrity = "restrict")]
pub struct RUser {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[belongs_to(RUser)]
pub struct RPost {
    pub id: Id,
    pub title: String,
    pub r_user_id: Option<RecordId>,
}

#[derive(Model, Debug, Default)]
#[belongs_to(RUser)]
pub struct RProfile {
    pub id: Id,
    pub bio: String,
    pub r_user_id: Option<RecordId>,
}

/// Delete cascades two levels: DUser → DPost → DComment.
#[derive(Model, Debug, Default)]
#[has_many(DPost, integrity = "delete")]
pub struct DUser {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug)]
#[belongs_to(DUser, required)]
#[has_many(DComment, integrity = "delete")]
pub struct DPost {
    pub id: Id,
    pub title: String,
    pub d_user_id: RecordId,
}

#[derive(Model, Debug, Default)]
#[belongs_to(DPost)]
pub struct DComment {
    pub id: Id,
    pub body: String,
    pub d_post_id: Option<RecordId>,
}

/// Mixed: MUser deletes its MPosts; deleting an MPost nullifies its MComments.
#[derive(Model, Debug, Default)]
#[has_many(MPost, integrity = "delete")]
pub struct MUser {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[belongs_to(MUser)]
#[has_many(MComment, integrity = "nullify")]
pub struct MPost {
    pub id: Id,
    pub title: String,
    pub m_user_id: Option<RecordId>,
}

#[derive(Model, Debug, Default)]
#[belongs_to(MPost)]
pub struct MComment {
    pub id: Id,
    pub body: String,
    pub m_post_id: Option<RecordId>,
}

/// Delete cascade whose grandchildren restrict: deleting an XUser must be
/// rejected as a whole, deleting nothing.
#[derive(Model, Debug, Default)]
#[has_many(XPost, integrity = "delete")]
pub struct XUser {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[belongs_to(XUser)]
#[has_many(XComment, integrity = "restrict")]
pub struct XPost {
    pub id: Id,
    pub title: String,
    pub x_user_id: Option<RecordId>,
}

#[derive(Model, Debug, Default)]
#[belongs_to(XPost)]
pub struct XComment {
    pub id: Id,
    pub body: String,
    pub x_post_id: Option<RecordId>,
}

/// Reserved words as table and column names.
#[derive(Model, Debug, Default)]
#[cormo(table = "order")]
pub struct Order {
    pub id: Id,
    #[cormo(name = "group")]
    pub group_name: String,
    pub select: i32,
}

#[derive(Model, Debug, Default)]
pub struct Person {
    pub id: Id,
    pub name: String,
}

// --- schema evolution: version 1 and version 2 of the same two tables ---

#[derive(Model, Debug, Default)]
#[cormo(table = "evo_parents")]
#[has_many(EvoChildV1, foreign_key = "evo_parent_id")]
pub struct EvoParentV1 {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[cormo(table = "evo_children")]
pub struct EvoChildV1 {
    pub id: Id,
    pub evo_parent_id: Option<RecordId>,
}

/// Adds a restrict rule and an indexed column to the deployed tables.
#[derive(Model, Debug, Default)]
#[cormo(table = "evo_parents")]
#[has_many(EvoChildV2, foreign_key = "evo_parent_id", integrity = "restrict")]
pub struct EvoParentV2 {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[cormo(table = "evo_children")]
pub struct EvoChildV2 {
    pub id: Id,
    pub evo_parent_id: Option<RecordId>,
    #[cormo(index)]
    pub note: Option<String>,
    /// Not null, added to a table that has rows.
    pub score: i32,
}

/// A unique index over two columns.
#[derive(Model, Debug, Default)]
#[index(fields = "owner, slug", unique)]
#[index(fields = "kind, owner")]
pub struct Slot {
    pub id: Id,
    pub owner: String,
    pub slug: String,
    pub kind: Option<String>,
}

/// An impossible rule: nullify on a required key.
#[derive(Model, Debug, Default)]
#[has_many(BadItem, integrity = "nullify")]
pub struct BadBag {
    pub id: Id,
}

#[derive(Model, Debug)]
#[belongs_to(BadBag, required)]
pub struct BadItem {
    pub id: Id,
    pub bad_bag_id: RecordId,
}

/// Case-insensitive columns, one unique.
#[derive(Model, Debug, Default, Clone)]
pub struct Account {
    pub id: Id,
    #[cormo(unique, case_insensitive)]
    pub email: String,
    #[cormo(case_insensitive)]
    pub nick: Option<String>,
    pub exact: Option<String>,
}

/// A deployed table whose column later becomes case-insensitive.
#[derive(Model, Debug, Default)]
#[cormo(table = "ci_evo")]
pub struct CiEvoV1 {
    pub id: Id,
    pub email: String,
}

#[derive(Model, Debug, Default)]
#[cormo(table = "ci_evo")]
pub struct CiEvoV2 {
    pub id: Id,
    #[cormo(case_insensitive)]
    pub email: String,
}

// --- serde with loaded associations ---

/// Serializes its posts and profile when they are loaded (`cormo::Loaded`).
#[derive(Model, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[has_many(Article, serialize)]
#[has_one(Profile, serialize)]
#[has_many(Draft)]
pub struct Author {
    pub id: Id,
    pub display_name: String,
    #[serde(skip)]
    pub secret: String,
}

#[derive(Model, Debug, Default, serde::Serialize, serde::Deserialize)]
#[belongs_to(Author, serialize)]
pub struct Article {
    pub id: Id,
    pub title: String,
    pub author_id: Option<RecordId>,
}

#[derive(Model, Debug, Default, serde::Serialize)]
#[belongs_to(Author)]
pub struct Profile {
    pub id: Id,
    pub bio: String,
    pub author_id: Option<RecordId>,
}

/// Not `Serialize`: fine, since `Author` does not ask to serialize drafts.
#[derive(Model, Debug, Default)]
#[belongs_to(Author)]
pub struct Draft {
    pub id: Id,
    pub author_id: Option<RecordId>,
}

// --- partial models (column selection) ---

#[derive(cormo::Partial, Debug)]
#[cormo(model = User)]
pub struct UserName {
    pub name: String,
}

#[derive(cormo::Partial, Debug)]
#[cormo(model = Post)]
pub struct PostTitle {
    pub id: Id,
    pub title: String,
}

#[derive(cormo::Partial, Debug)]
#[cormo(model = Computer)]
pub struct ComputerBrand {
    pub brand: String,
}

// --- grouped reads ---

/// A sale, for grouping and aggregates.
#[derive(Model, Debug, Default, Clone)]
pub struct Sale {
    pub id: Id,
    pub region: String,
    pub customer: Option<String>,
    pub qty: i32,
    pub price: f64,
    pub discount: Option<i64>,
    pub at: Option<DateTime<Utc>>,
    pub paid: bool,
}

// --- upsert ---

/// One unique key, a default, and a column upserts leave alone.
#[derive(Model, Debug, Default, Clone)]
pub struct Member {
    pub id: Id,
    #[cormo(unique)]
    pub email: String,
    pub name: String,
    pub visits: i32,
    pub joined: Option<DateTime<Utc>>,
    #[cormo(default = "new")]
    pub tier: Option<String>,
}

/// The parent of seats.
#[derive(Model, Debug, Default)]
#[has_many(Seat, integrity = "delete")]
pub struct Venue {
    pub id: Id,
    pub name: String,
}

/// A two-column unique key and a foreign key.
#[derive(Model, Debug, Default, Clone)]
#[belongs_to(Venue)]
#[index(fields = "venue_id, slot", unique)]
pub struct Seat {
    pub id: Id,
    pub venue_id: Option<RecordId>,
    pub slot: i32,
    pub label: String,
}

/// Two unique keys.
#[derive(Model, Debug, Default, Clone)]
pub struct Handle {
    pub id: Id,
    #[cormo(unique)]
    pub email: String,
    #[cormo(unique)]
    pub nick: String,
}

// --- the condition language ---

/// Two comparable columns of each kind, some nullable.
#[derive(Model, Debug, Default, Clone)]
pub struct Span {
    pub id: Id,
    pub label: String,
    pub alt: Option<String>,
    pub lo: i32,
    pub hi: Option<i32>,
    pub ratio: f64,
}

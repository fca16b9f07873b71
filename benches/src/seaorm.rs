//! The SeaORM 2 arm: the same tables (cormo makes them) as SeaORM entities,
//! used the way SeaORM's documentation shows: `Entity::find()` for loads,
//! `insert_many(…).exec` for inserts, and the `LoaderTrait` (`load_many`,
//! one query per level) for users → posts → comments.

use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, LoaderTrait, QueryOrder, QuerySelect, Set};

use crate::arms::{new_users, Row, Tree};

/// `bench_users`.
pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::post::Entity")]
        Post,
    }

    impl Related<super::post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_posts`.
pub mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub bench_user_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::BenchUserId",
            to = "super::user::Column::Id"
        )]
        User,
        #[sea_orm(has_many = "super::comment::Entity")]
        Comment,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::comment::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Comment.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_comments`.
pub mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub text: String,
        pub bench_post_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::post::Entity",
            from = "Column::BenchPostId",
            to = "super::post::Column::Id"
        )]
        Post,
    }

    impl Related<super::post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_inserts`.
pub mod insert {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_inserts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// SeaORM's connection (a pool, with its default options) to `url`.
pub async fn connect(url: &str) -> DatabaseConnection {
    sea_orm::Database::connect(url).await.expect("SeaORM")
}

/// The first `n` users by id.
pub async fn load(db: &DatabaseConnection, n: usize) -> Vec<user::Model> {
    user::Entity::find()
        .order_by_asc(user::Column::Id)
        .limit(n as u64)
        .all(db)
        .await
        .expect("SeaORM load")
}

/// SeaORM's models in the shape the equality check compares.
pub fn rows(users: Vec<user::Model>) -> Vec<Row> {
    users.into_iter().map(|u| (u.name, u.hair_color)).collect()
}

/// `n` new users in one multi-row INSERT.
pub async fn insert_users(db: &DatabaseConnection, n: usize) -> usize {
    let models = new_users(n)
        .into_iter()
        .map(|(name, hair_color)| insert::ActiveModel {
            name: Set(name),
            hair_color: Set(hair_color),
            ..Default::default()
        });
    insert::Entity::insert_many(models)
        .exec(db)
        .await
        .expect("SeaORM insert");
    n
}

/// Users with their posts with their comments, one query per level.
pub type Loaded = Vec<(user::Model, Vec<(post::Model, Vec<comment::Model>)>)>;

/// The first `n` users, then `load_many` of their posts, then of the
/// posts' comments.
pub async fn tree(db: &DatabaseConnection, n: usize) -> Loaded {
    let users = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .limit(n as u64)
        .all(db)
        .await
        .expect("SeaORM users");
    let posts = users
        .load_many(post::Entity, db)
        .await
        .expect("SeaORM posts");
    let counts: Vec<usize> = posts.iter().map(Vec::len).collect();
    let flat: Vec<post::Model> = posts.into_iter().flatten().collect();
    let comments = flat
        .load_many(comment::Entity, db)
        .await
        .expect("SeaORM comments");
    let mut with_comments = flat.into_iter().zip(comments);
    users
        .into_iter()
        .zip(counts)
        .map(|(u, k)| (u, with_comments.by_ref().take(k).collect()))
        .collect()
}

/// The loaded tree in the shape the equality check compares.
pub fn as_tree(loaded: Loaded) -> Tree {
    loaded
        .into_iter()
        .map(|(u, posts)| {
            let posts = posts
                .into_iter()
                .map(|(p, cs)| (p.title, cs.into_iter().map(|c| c.text).collect()))
                .collect();
            (u.name, posts)
        })
        .collect()
}

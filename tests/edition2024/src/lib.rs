//! Models declared in an edition-2024 crate. The derive's output must
//! compile under the newest edition's rules (opaque types capture every
//! lifetime there), which an edition-2021 crate would not notice.

use cormo::prelude::*;

/// A parent with every association kind.
#[derive(Model, Debug, Default)]
#[has_many(Post, integrity = "delete")]
#[has_one(Profile, integrity = "nullify")]
pub struct User {
    /// Identity.
    pub id: Id,
    /// Display name.
    pub name: String,
}

/// A child with a self-reference, as in the seed.
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
    /// Identity.
    pub id: Id,
    /// Title.
    pub title: String,
    /// Owner.
    pub user_id: Option<RecordId>,
    /// The post this one comments on.
    pub parent_post_id: Option<RecordId>,
}

/// A has_one child.
#[derive(Model, Debug, Default)]
#[belongs_to(User)]
pub struct Profile {
    /// Identity.
    pub id: Id,
    /// Free text.
    pub bio: String,
    /// Owner.
    pub user_id: Option<RecordId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn associations_work_in_edition_2024() {
        let db = cormo::connect("sqlite::memory:").await.unwrap();
        db.register::<User>();
        db.apply_schemas().await.unwrap();
        let mut user = User::create(
            &db,
            User {
                name: "ann".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        user.build_post(Post {
            title: "built".into(),
            ..Default::default()
        })
        .unwrap()
        .save(&db)
        .await
        .unwrap();
        let post = Post::query().first(&db).await.unwrap().unwrap();
        assert_eq!(post.user_id, user.id.get());
        let mut comment = Post {
            title: "re".into(),
            ..Default::default()
        };
        let mut parent = post;
        comment.parent_post_id = parent.id.get();
        comment.save(&db).await.unwrap();
        assert_eq!(parent.comments(&db).await.unwrap().len(), 1);
        assert_eq!(parent.reload_comments(&db).await.unwrap()[0].title, "re");
        assert!(user.profile(&db).await.unwrap().is_none());
        let owner = parent.user(&db).await.unwrap().map(|u| u.name.clone());
        assert_eq!(owner.as_deref(), Some("ann"));
        user.destroy(&db).await.unwrap();
        assert_eq!(Post::query().count(&db).await.unwrap(), 0);
    }
}

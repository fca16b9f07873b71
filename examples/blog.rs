//! CORMO's association and integrity docs, line by line, in Rust, plus
//! cormo's string limit and text columns.
//!
//! Runs on an in-memory SQLite database:
//!
//! ```text
//! cargo run --example blog --features sqlite
//! ```

use cormo::prelude::*;

// class User extends cormo.BaseModel
//   @column 'name', String
//   @column 'age', Number
//
// User.hasMany Post
#[derive(Model, Debug, Default)]
#[has_many(Post)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub age: i32,
}

// class Post extends cormo.BaseModel
//   @column 'title', String
//   @column 'body', String
//
// Post.belongsTo User
// Post.hasMany Post, as: 'comments', foreign_key: 'parent_post_id'
// Post.belongsTo Post, as: 'parent_post'
//
// CORMO adds the foreign-key columns itself. In Rust the child declares
// them, and the derive checks at compile time that they exist and are
// `RecordId` or `Option<RecordId>`.
//
// `body` is `#[cormo(text)]`: a plain `String` column holds at most 255
// characters on every backend, a text column any length.
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
    #[cormo(text)]
    pub body: String,
    pub user_id: Option<RecordId>,
    pub parent_post_id: Option<RecordId>,
}

// Two more pairs of models for the integrity modes the seed models do not
// use: "nullify" and "restrict". ("ignore" is User → Post above; "delete"
// is Post → comments.)
#[derive(Model, Debug, Default)]
#[has_many(Player, integrity = "nullify")]
pub struct Team {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[belongs_to(Team)]
pub struct Player {
    pub id: Id,
    pub name: String,
    pub team_id: Option<RecordId>,
}

#[derive(Model, Debug, Default)]
#[has_many(Product, integrity = "restrict")]
pub struct Category {
    pub id: Id,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[belongs_to(Category)]
pub struct Product {
    pub id: Id,
    pub name: String,
    pub category_id: Option<RecordId>,
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

#[tokio::main]
async fn main() -> cormo::Result<()> {
    let db = cormo::connect("sqlite::memory:").await?;
    // Registering a model registers every model its associations reach.
    db.register::<User>()
        .register::<Team>()
        .register::<Category>();
    db.apply_schemas().await?;

    println!("== models");
    for schema in db.models() {
        let columns: Vec<&str> = schema.columns.iter().map(|c| c.name).collect();
        println!(
            "{} -> table {:?}, columns {:?}",
            schema.name, schema.table, columns
        );
    }

    println!("\n== two ways to create an associated object");
    let mut user = User::create(
        &db,
        User {
            name: "John".into(),
            age: 27,
            ..Default::default()
        },
    )
    .await?;
    println!("created user {} (id {})", user.name, user.id);

    // Post.create title: 'first post', body: '...', user_id: user.id
    let post = Post::create(
        &db,
        Post {
            title: "first post".into(),
            body: "This is the 1st post.".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await?;
    println!(
        "Post::create: post {} with user_id {:?}",
        post.id, post.user_id
    );

    // post = user.posts.build title: '...', body: '...'
    // post.save
    let built = user.build_post(Post {
        title: "second post".into(),
        body: "This is the 2nd post.".into(),
        ..Default::default()
    })?;
    println!(
        "user.build_post: user_id {:?}, persisted {}",
        built.user_id,
        built.id.is_persisted()
    );
    built.save(&db).await?;
    println!(
        "after save: post {}, persisted {}",
        built.id,
        built.id.is_persisted()
    );

    println!("\n== get associated objects");
    // user.posts
    println!("user.posts: {:?}", titles(user.posts(&db).await?));
    // post.user
    match post.user(&db).await? {
        Some(owner) => println!("post.user: {}", owner.name),
        None => println!("post.user: none"),
    }
    // Comments are posts whose parent_post_id is the post's id.
    for text in ["Nice post!", "Thanks."] {
        Post::create(
            &db,
            Post {
                title: text.into(),
                body: String::new(),
                parent_post_id: post.id.get(),
                ..Default::default()
            },
        )
        .await?;
    }
    // post.comments
    let comments = post.comments(&db).await?;
    println!("post.comments: {:?}", titles(comments));
    // post.parent_post: a comment's parent, and a top-level post's (none).
    if let Some(parent) = comments[0].parent_post(&db).await? {
        println!("comment.parent_post: {}", parent.title);
    }
    println!(
        "post.parent_post: {:?}",
        post.parent_post(&db).await?.map(|p| &p.title)
    );

    println!("\n== returned objects are cached, give true to reload");
    Post::create(
        &db,
        Post {
            title: "third post".into(),
            body: "Created behind the cache's back.".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await?;
    println!("user.posts (cached): {}", user.posts(&db).await?.len());
    // user.posts true
    println!("user.reload_posts: {}", user.reload_posts(&db).await?.len());
    // The same posts by a query: a foreign key compares with a record's id.
    let n = Post::query()
        .filter(Post::USER_ID.eq(&user.id))
        .count(&db)
        .await?;
    println!("Post::USER_ID.eq(&user.id): {n} posts");

    println!("\n== strings and text");
    let long_title = Post::create(
        &db,
        Post {
            title: "t".repeat(256),
            ..Default::default()
        },
    )
    .await;
    match long_title {
        Err(e @ Error::Validation { .. }) => println!("a 256-character title: {e}"),
        other => println!("a 256-character title: {other:?}"),
    }
    let long_body = Post::create(
        &db,
        Post {
            title: "long read".into(),
            body: "All work and no play. ".repeat(1000),
            ..Default::default()
        },
    )
    .await?;
    println!(
        "a {}-character body (text column): saved as post {}",
        long_body.body.chars().count(),
        long_body.id
    );

    println!("\n== integrity = \"delete\": comments go with their post");
    let mut post = post;
    post.destroy(&db).await?;
    let left = Post::query()
        .filter(Post::PARENT_POST_ID.is_not_null())
        .count(&db)
        .await?;
    println!("destroyed the post; comments left: {left}");

    println!("\n== no integrity option (\"ignore\"): posts keep a dangling user_id");
    let post_ids = Post::query()
        .filter(Post::USER_ID.eq(&user.id))
        .ids(&db)
        .await?;
    user.destroy(&db).await?;
    let orphan = Post::find(&db, post_ids[0]).await?;
    println!(
        "destroyed the user; the post's user_id is still {:?}",
        orphan.user_id
    );
    match orphan.user(&db).await {
        Err(Error::NotFound { model }) => println!("post.user: {model} not found"),
        other => println!("post.user: {other:?}"),
    }
    for (model, ids) in db.get_inconsistencies().await? {
        println!(
            "get_inconsistencies: {} {model} records point at nothing",
            ids.len()
        );
    }

    println!("\n== integrity = \"nullify\": players lose their team");
    let mut team = Team::create(
        &db,
        Team {
            name: "Reds".into(),
            ..Default::default()
        },
    )
    .await?;
    let player = Player::create(
        &db,
        Player {
            name: "Ann".into(),
            team_id: team.id.get(),
            ..Default::default()
        },
    )
    .await?;
    team.destroy(&db).await?;
    let player = Player::find(&db, &player.id).await?;
    println!("destroyed the team; player.team_id is {:?}", player.team_id);

    println!("\n== integrity = \"restrict\": a category with products stays");
    let mut category = Category::create(
        &db,
        Category {
            name: "Books".into(),
            ..Default::default()
        },
    )
    .await?;
    let mut product = Product::create(
        &db,
        Product {
            name: "Dune".into(),
            category_id: category.id.get(),
            ..Default::default()
        },
    )
    .await?;
    match category.destroy(&db).await {
        Err(Error::Rejected { model, child }) => println!(
            "destroy the category: rejected, {model} is still referenced by {}",
            child.as_deref().unwrap_or("a child")
        ),
        other => println!("destroy the category: {other:?}"),
    }
    product.destroy(&db).await?;
    category.destroy(&db).await?;
    println!("after destroying the product, the category goes too");

    println!("\n== a foreign key must point at a parent (nullify, restrict, delete)");
    let missing = Player::create(
        &db,
        Player {
            name: "Bob".into(),
            team_id: Some(RecordId::Int(12345)),
            ..Default::default()
        },
    )
    .await;
    match missing {
        Err(e @ Error::ForeignKey { .. }) => println!("create a player of team 12345: {e}"),
        other => println!("create a player of team 12345: {other:?}"),
    }

    db.close().await;
    Ok(())
}

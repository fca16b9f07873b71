//! CORMO's naming rules, with a maintained inflection crate.

/// `User` → `users`, `Person` → `people`.
pub fn table_name(model: &str) -> String {
    cruet::to_table_case(model)
}

/// `BlogPost` → `blog_post`.
pub fn snake(model: &str) -> String {
    cruet::to_snake_case(model)
}

/// `comments` → `comment`, for `build_<singular>`.
pub fn singular(name: &str) -> String {
    cruet::to_singular(name)
}

/// has_many accessor: the pluralized snake target (`Post` → `posts`).
pub fn plural_accessor(target: &str) -> String {
    cruet::to_plural(&snake(target))
}

/// The associated constant a field or association becomes: `user_id` →
/// `USER_ID`, `r#type` → `TYPE`.
pub fn constant(name: &str) -> String {
    name.trim_start_matches("r#").to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cormo_names() {
        assert_eq!(table_name("User"), "users");
        assert_eq!(table_name("Person"), "people");
        assert_eq!(table_name("BlogPost"), "blog_posts");
        assert_eq!(plural_accessor("Post"), "posts");
        assert_eq!(plural_accessor("Person"), "people");
        assert_eq!(snake("ParentPost"), "parent_post");
        assert_eq!(singular("comments"), "comment");
    }
}

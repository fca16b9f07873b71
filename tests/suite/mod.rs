//! The backend-neutral integration suite. Each backend's test binary
//! (`tests/sqlite.rs`, `tests/postgres.rs`, …) expands `suite!` with its own
//! database factory; the tests themselves are written once, here.

#![allow(dead_code, unused_macros, unused_imports)]

pub mod dynamic;
pub mod harness;
pub mod integrity;
pub mod models;
pub mod queries;
pub mod records;
pub mod reliability;
pub mod seed;
pub mod transactions;

/// Expands to one `#[tokio::test]` per suite test, each on a fresh database
/// from `$factory(test_name)`.
macro_rules! suite {
    ($factory:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn seed_user_posts_and_post_user() {
            let db = $factory(stringify!(seed_user_posts_and_post_user)).await;
            crate::suite::seed::seed_user_posts_and_post_user(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn seed_comments_and_parent_post() {
            let db = $factory(stringify!(seed_comments_and_parent_post)).await;
            crate::suite::seed::seed_comments_and_parent_post(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn seed_cache_and_reload() {
            let db = $factory(stringify!(seed_cache_and_reload)).await;
            crate::suite::seed::seed_cache_and_reload(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn seed_build_then_save() {
            let db = $factory(stringify!(seed_build_then_save)).await;
            crate::suite::seed::seed_build_then_save(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn seed_build_before_load_does_not_hide_stored_children() {
            let db = $factory(stringify!(
                seed_build_before_load_does_not_hide_stored_children
            ))
            .await;
            crate::suite::seed::seed_build_before_load_does_not_hide_stored_children(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn belongs_to_null_and_dangling() {
            let db = $factory(stringify!(belongs_to_null_and_dangling)).await;
            crate::suite::seed::belongs_to_null_and_dangling(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn has_one_returns_option_and_rejects_two() {
            let db = $factory(stringify!(has_one_returns_option_and_rejects_two)).await;
            crate::suite::seed::has_one_returns_option_and_rejects_two(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn unsaved_parent_has_no_children() {
            let db = $factory(stringify!(unsaved_parent_has_no_children)).await;
            crate::suite::seed::unsaved_parent_has_no_children(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn create_find_save_destroy() {
            let db = $factory(stringify!(create_find_save_destroy)).await;
            crate::suite::records::create_find_save_destroy(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn build_then_save_inserts_once() {
            let db = $factory(stringify!(build_then_save_inserts_once)).await;
            crate::suite::records::build_then_save_inserts_once(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn caller_chosen_id_is_inserted() {
            let db = $factory(stringify!(caller_chosen_id_is_inserted)).await;
            crate::suite::records::caller_chosen_id_is_inserted(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn find_many_requires_every_id() {
            let db = $factory(stringify!(find_many_requires_every_id)).await;
            crate::suite::records::find_many_requires_every_id(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn find_by_string_id() {
            let db = $factory(stringify!(find_by_string_id)).await;
            crate::suite::records::find_by_string_id(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn column_types_round_trip() {
            let db = $factory(stringify!(column_types_round_trip)).await;
            crate::suite::records::column_types_round_trip(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn reserved_words_and_naming() {
            let db = $factory(stringify!(reserved_words_and_naming)).await;
            crate::suite::records::reserved_words_and_naming(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn unique_violation_is_duplicated() {
            let db = $factory(stringify!(unique_violation_is_duplicated)).await;
            crate::suite::records::unique_violation_is_duplicated(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn apply_schemas_is_idempotent() {
            let db = $factory(stringify!(apply_schemas_is_idempotent)).await;
            crate::suite::records::apply_schemas_is_idempotent(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_comparisons() {
            let db = $factory(stringify!(query_comparisons)).await;
            crate::suite::queries::query_comparisons(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_and_or_not() {
            let db = $factory(stringify!(query_and_or_not)).await;
            crate::suite::queries::query_and_or_not(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_like_is_escaped_and_case_insensitive() {
            let db = $factory(stringify!(query_like_is_escaped_and_case_insensitive)).await;
            crate::suite::queries::query_like_is_escaped_and_case_insensitive(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_null_semantics() {
            let db = $factory(stringify!(query_null_semantics)).await;
            crate::suite::queries::query_null_semantics(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_order_limit_skip() {
            let db = $factory(stringify!(query_order_limit_skip)).await;
            crate::suite::queries::query_order_limit_skip(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_update_set_and_inc() {
            let db = $factory(stringify!(query_update_set_and_inc)).await;
            crate::suite::queries::query_update_set_and_inc(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_update_to_null() {
            let db = $factory(stringify!(query_update_to_null)).await;
            crate::suite::queries::query_update_to_null(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_delete() {
            let db = $factory(stringify!(query_delete)).await;
            crate::suite::queries::query_delete(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn query_ids_and_dates() {
            let db = $factory(stringify!(query_ids_and_dates)).await;
            crate::suite::queries::query_ids_and_dates(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_nullify() {
            let db = $factory(stringify!(integrity_nullify)).await;
            crate::suite::integrity::integrity_nullify(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_restrict() {
            let db = $factory(stringify!(integrity_restrict)).await;
            crate::suite::integrity::integrity_restrict(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_restrict_has_one() {
            let db = $factory(stringify!(integrity_restrict_has_one)).await;
            crate::suite::integrity::integrity_restrict_has_one(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_delete_cascades_two_levels() {
            let db = $factory(stringify!(integrity_delete_cascades_two_levels)).await;
            crate::suite::integrity::integrity_delete_cascades_two_levels(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_mixed_delete_then_nullify() {
            let db = $factory(stringify!(integrity_mixed_delete_then_nullify)).await;
            crate::suite::integrity::integrity_mixed_delete_then_nullify(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_deep_restrict_rejects_whole_delete() {
            let db = $factory(stringify!(integrity_deep_restrict_rejects_whole_delete)).await;
            crate::suite::integrity::integrity_deep_restrict_rejects_whole_delete(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn integrity_ignore_leaves_children() {
            let db = $factory(stringify!(integrity_ignore_leaves_children)).await;
            crate::suite::integrity::integrity_ignore_leaves_children(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn foreign_key_violation_on_write() {
            let db = $factory(stringify!(foreign_key_violation_on_write)).await;
            crate::suite::integrity::foreign_key_violation_on_write(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn required_belongs_to_is_not_null() {
            let db = $factory(stringify!(required_belongs_to_is_not_null)).await;
            crate::suite::integrity::required_belongs_to_is_not_null(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_closure_commits() {
            let db = $factory(stringify!(transaction_closure_commits)).await;
            crate::suite::transactions::transaction_closure_commits(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_closure_rolls_back_on_err() {
            let db = $factory(stringify!(transaction_closure_rolls_back_on_err)).await;
            crate::suite::transactions::transaction_closure_rolls_back_on_err(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_explicit_and_drop() {
            let db = $factory(stringify!(transaction_explicit_and_drop)).await;
            crate::suite::transactions::transaction_explicit_and_drop(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_cascade_inside() {
            let db = $factory(stringify!(transaction_cascade_inside)).await;
            crate::suite::transactions::transaction_cascade_inside(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_nested_savepoints() {
            let db = $factory(stringify!(transaction_nested_savepoints)).await;
            crate::suite::transactions::transaction_nested_savepoints(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn create_many_returns_ids_in_order() {
            let db = $factory(stringify!(create_many_returns_ids_in_order)).await;
            crate::suite::records::create_many_returns_ids_in_order(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn apply_schemas_evolves_deployed_tables() {
            let db = $factory(stringify!(apply_schemas_evolves_deployed_tables)).await;
            crate::suite::records::apply_schemas_evolves_deployed_tables(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_isolation_levels() {
            let db = $factory(stringify!(transaction_isolation_levels)).await;
            crate::suite::transactions::transaction_isolation_levels(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dynamic_filters_follow_cormo_language() {
            let db = $factory(stringify!(dynamic_filters_follow_cormo_language)).await;
            crate::suite::dynamic::dynamic_filters_follow_cormo_language(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dynamic_filters_treat_operators_in_values_as_data() {
            let db = $factory(stringify!(
                dynamic_filters_treat_operators_in_values_as_data
            ))
            .await;
            crate::suite::dynamic::dynamic_filters_treat_operators_in_values_as_data(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dynamic_filters_reject_bad_input() {
            let db = $factory(stringify!(dynamic_filters_reject_bad_input)).await;
            crate::suite::dynamic::dynamic_filters_reject_bad_input(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn strings_text_and_defaults() {
            let db = $factory(stringify!(strings_text_and_defaults)).await;
            crate::suite::records::strings_text_and_defaults(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn foreign_keys_compare_with_record_ids() {
            let db = $factory(stringify!(foreign_keys_compare_with_record_ids)).await;
            crate::suite::seed::foreign_keys_compare_with_record_ids(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn transaction_closure_may_finish_itself() {
            let db = $factory(stringify!(transaction_closure_may_finish_itself)).await;
            crate::suite::transactions::transaction_closure_may_finish_itself(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn multi_column_unique_index() {
            let db = $factory(stringify!(multi_column_unique_index)).await;
            crate::suite::records::multi_column_unique_index(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn impossible_rule_is_refused_before_any_change() {
            let db = $factory(stringify!(impossible_rule_is_refused_before_any_change)).await;
            crate::suite::integrity::impossible_rule_is_refused_before_any_change(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn deep_restrict_names_the_refusing_column() {
            let db = $factory(stringify!(deep_restrict_names_the_refusing_column)).await;
            crate::suite::integrity::deep_restrict_names_the_refusing_column(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dates_round_trip_over_years_1_to_9999() {
            let db = $factory(stringify!(dates_round_trip_over_years_1_to_9999)).await;
            crate::suite::reliability::dates_round_trip_over_years_1_to_9999(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn failed_statement_aborts_the_transaction() {
            let db = $factory(stringify!(failed_statement_aborts_the_transaction)).await;
            crate::suite::reliability::failed_statement_aborts_the_transaction(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn nested_transactions_are_a_stack() {
            let db = $factory(stringify!(nested_transactions_are_a_stack)).await;
            crate::suite::reliability::nested_transactions_are_a_stack(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn paging_edges_are_the_same_everywhere() {
            let db = $factory(stringify!(paging_edges_are_the_same_everywhere)).await;
            crate::suite::reliability::paging_edges_are_the_same_everywhere(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn nul_characters_are_refused() {
            let db = $factory(stringify!(nul_characters_are_refused)).await;
            crate::suite::reliability::nul_characters_are_refused(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn increments_are_checked() {
            let db = $factory(stringify!(increments_are_checked)).await;
            crate::suite::reliability::increments_are_checked(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn deep_conditions_are_an_error_not_a_crash() {
            let db = $factory(stringify!(deep_conditions_are_an_error_not_a_crash)).await;
            crate::suite::reliability::deep_conditions_are_an_error_not_a_crash(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn lists_of_any_length_work() {
            let db = $factory(stringify!(lists_of_any_length_work)).await;
            crate::suite::reliability::lists_of_any_length_work(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn errors_do_not_echo_huge_input() {
            let db = $factory(stringify!(errors_do_not_echo_huge_input)).await;
            crate::suite::reliability::errors_do_not_echo_huge_input(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn malformed_filters_are_refused() {
            let db = $factory(stringify!(malformed_filters_are_refused)).await;
            crate::suite::reliability::malformed_filters_are_refused(&db).await;
            db.close().await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn strings_compare_exactly() {
            let db = $factory(stringify!(strings_compare_exactly)).await;
            crate::suite::reliability::strings_compare_exactly(&db).await;
            db.close().await;
        }
    };
}
pub(crate) use suite;

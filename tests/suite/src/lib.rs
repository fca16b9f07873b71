//! The backend-neutral integration suite, compiled once as a library.
//!
//! Each backend's test binary (`tests/sqlite.rs`, `tests/postgres.rs`, …)
//! is a two-line `main` that hands [`run`] its database factory; the tests
//! themselves are written once, here, and listed once in [`TESTS`] with
//! what they require of the backend. A test whose requirement does not hold
//! is not generated for that backend (it does not show up as "passed").

#![allow(missing_docs)]

pub mod backend_specific;
pub mod conditions;
pub mod dynamic;
pub mod eager;
pub mod grouping;
pub mod harness;
pub mod integrity;
pub mod models;
pub mod queries;
pub mod reading;
pub mod records;
pub mod reliability;
mod runner;
pub mod seed;
pub mod streaming;
pub mod transactions;
pub mod upsert;

pub use runner::{run, Factory, Requires, SuiteTest};

/// Lists suite tests as `module::function`, each optionally followed by
/// `if Requirement & Requirement …`. The test's name is its function's.
macro_rules! suite_tests {
    ($( $module:ident :: $name:ident $( if $($req:ident)&+ )? ),* $(,)?) => {
        /// Every suite test, in the order they are listed.
        pub static TESTS: &[SuiteTest] = &[
            $(SuiteTest {
                name: stringify!($name),
                requires: &[$($(Requires::$req),+)?],
                run: |db| Box::pin($module::$name(db)),
            }),*
        ];
    };
}

suite_tests! {
    seed::seed_user_posts_and_post_user,
    seed::seed_comments_and_parent_post,
    seed::seed_cache_and_reload,
    seed::seed_build_then_save,
    seed::seed_build_before_load_does_not_hide_stored_children,
    seed::belongs_to_null_and_dangling,
    seed::has_one_returns_option_and_rejects_two,
    seed::unsaved_parent_has_no_children,
    seed::foreign_keys_compare_with_record_ids,
    eager::include_loads_every_kind_in_one_query_per_level,
    eager::include_nests_with_conditions_and_order,
    eager::include_on_no_records_runs_no_more_queries,
    eager::include_query_count_is_levels_plus_one,
    eager::fetch_associated_fills_records_in_hand,
    eager::include_has_one_with_two_children_is_an_integrity_error,
    eager::include_in_a_transaction_sees_its_writes if Transactions,
    eager::include_more_parents_than_one_statement_takes if LargeWrites,
    eager::saving_a_new_record_saves_what_was_built_on_it,
    eager::a_failed_built_child_stores_nothing if Transactions,
    eager::a_failed_tree_aborts_the_callers_transaction if Transactions,
    eager::loaded_associations_serialize_on_request,
    eager::select_reads_a_partial_type,
    eager::include_levels_select_partial_types,
    eager::loading_again_replaces_a_partial_load,
    eager::including_an_association_twice_merges_it,
    eager::a_new_record_shows_what_was_built_on_it,
    grouping::group_by_one_column_with_every_aggregate,
    grouping::group_by_several_columns_keeps_a_null_group,
    grouping::having_and_ordering_by_aggregates,
    grouping::having_compares_aggregates_and_grouped_columns,
    grouping::expressions_out_of_place_are_refused,
    grouping::aggregate_without_groups_is_one_group,
    grouping::grouped_reads_refuse_bad_input,
    grouping::group_json_is_cormos_group,
    grouping::grouped_read_in_a_transaction_sees_its_writes if Transactions,
    upsert::upsert_inserts_then_updates_by_the_unique_key,
    upsert::upsert_on_a_two_column_key_checks_foreign_keys,
    upsert::upsert_refuses_what_it_cannot_do,
    upsert::upsert_by_a_case_insensitive_key,
    upsert::upsert_in_a_rolled_back_transaction_stores_nothing if Transactions,
    streaming::stream_reads_every_record_in_order,
    streaming::a_dropped_stream_releases_its_connection,
    streaming::a_stream_reads_only_when_polled,
    streaming::stream_inside_a_transaction_sees_its_writes if Transactions,
    streaming::stream_refuses_what_it_cannot_do,
    reading::find_within_a_query_and_when,
    reading::find_preserve_keeps_order_and_repeats,
    reading::pluck_and_lean_rows,
    reading::distinct_values,
    reading::explain_returns_the_plan,
    reading::raw_statements_are_the_escape_hatch,
    records::create_find_save_destroy,
    records::build_then_save_inserts_once,
    records::caller_chosen_id_is_inserted,
    records::find_many_requires_every_id,
    records::find_by_string_id,
    records::column_types_round_trip,
    records::reserved_words_and_naming,
    records::unique_violation_is_duplicated,
    records::apply_schemas_is_idempotent,
    records::create_many_returns_ids_in_order,
    records::create_many_is_all_or_nothing,
    records::create_many_takes_chosen_ids,
    records::apply_schemas_evolves_deployed_tables,
    records::strings_text_and_defaults,
    records::multi_column_unique_index,
    queries::query_comparisons,
    queries::query_and_or_not,
    queries::query_like_is_escaped_and_case_insensitive,
    queries::query_null_semantics,
    queries::query_order_limit_skip,
    queries::query_update_set_and_inc,
    queries::query_update_to_null,
    queries::query_update_json_and_dec,
    queries::reads_that_feed_writes_are_marked,
    queries::query_delete,
    queries::query_ids_and_dates,
    conditions::columns_compare_with_columns,
    conditions::regular_expressions_match_the_same_everywhere,
    conditions::contains_lists_and_top_level_lists,
    conditions::numbers_compare_exactly,
    conditions::ids_of_the_other_kind_match_nothing,
    dynamic::dynamic_filters_follow_cormo_language,
    dynamic::dynamic_filters_treat_operators_in_values_as_data,
    dynamic::dynamic_filters_reject_bad_input,
    dynamic::dynamic_filters_check_comparisons_when_read,
    integrity::integrity_nullify,
    integrity::integrity_restrict,
    integrity::integrity_restrict_has_one,
    integrity::integrity_delete_cascades_two_levels,
    integrity::integrity_mixed_delete_then_nullify,
    integrity::integrity_deep_restrict_rejects_whole_delete,
    integrity::integrity_ignore_leaves_children,
    integrity::foreign_key_violation_on_write,
    integrity::required_belongs_to_is_not_null,
    integrity::impossible_rule_is_refused_before_any_change,
    integrity::deep_restrict_names_the_refusing_column,
    transactions::transactions_unsupported_is_typed if NoTransactions,
    transactions::transaction_closure_commits if Transactions,
    transactions::transaction_closure_rolls_back_on_err if Transactions,
    transactions::transaction_explicit_and_drop if Transactions,
    transactions::transaction_cascade_inside if Transactions,
    transactions::transaction_nested_savepoints if Transactions & Savepoints,
    transactions::nesting_without_savepoints_is_unsupported if Transactions & NoSavepoints,
    transactions::transaction_isolation_levels if Transactions,
    transactions::transaction_closure_may_finish_itself if Transactions,
    reliability::dates_round_trip_over_years_1_to_9999,
    reliability::failed_statement_aborts_the_transaction if Transactions,
    reliability::savepoint_contains_a_failed_statement if Transactions & Savepoints,
    reliability::nested_transactions_are_a_stack if Transactions & Savepoints,
    reliability::paging_edges_are_the_same_everywhere,
    reliability::nul_characters_are_refused,
    reliability::increments_are_checked,
    reliability::deep_conditions_are_an_error_not_a_crash,
    reliability::lists_of_any_length_work,
    reliability::errors_do_not_echo_huge_input,
    reliability::malformed_filters_are_refused,
    reliability::strings_compare_exactly,
    reliability::case_insensitive_columns,
    reliability::case_insensitive_column_added_to_a_deployed_table,
    reliability::blocked_statement_times_out if Transactions & BlockedWritesStopAtTheLimit,
    reliability::a_row_that_fails_to_decode_mid_read_leaves_the_connection_usable if Transactions,
    backend_specific::mongodb_reports_transactions_and_emulated_integrity if MongoDb,
    backend_specific::mongodb_concurrent_delete_parent_and_create_child if MongoDb,
    backend_specific::mongodb_json_values_are_data if MongoDb,
    backend_specific::mongodb_slow_read_stops_at_max_time if MongoDb,
    backend_specific::sqlite_single_writer if Sqlite,
    backend_specific::sqlite_in_memory_transaction_closure_refuses_the_connection if Sqlite,
    backend_specific::sqlite_time_limit_is_restored_after_a_failed_read if Sqlite,
    backend_specific::postgres_integer_widths_of_a_foreign_table if Postgres,
}

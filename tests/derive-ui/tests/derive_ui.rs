//! Compile-fail tests: every user mistake in #[derive(Model)] is a compile error at the attribute, and so are the typed API's kind mismatches (`having_*`).
#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui_pass/*.rs");
}

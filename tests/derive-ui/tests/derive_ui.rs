//! Compile-fail tests: every user mistake in #[derive(Model)] is a compile error at the attribute.
#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui_pass/*.rs");
}

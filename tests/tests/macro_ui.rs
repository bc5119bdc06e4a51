//! The macro's diagnostics (one `.stderr` per rule) and the shapes it accepts.

#[test]
fn macro_ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}

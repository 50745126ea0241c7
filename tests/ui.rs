//! Compile tests of `#[actor]` and of the typed runtime API (a `OnceSpec` cannot be made
//! restartable): every misuse in `ui/fail` is rejected with the error recorded in its `.stderr`
//! (spanned at the offending tokens); every form in `ui/pass` compiles and runs.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

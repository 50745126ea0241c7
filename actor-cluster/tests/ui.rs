//! `#[actor(remote)]` misuse is a compile error on the offending tokens: an argument or a reply
//! type that cannot cross nodes, a generic actor, a bad tag.

#[test]
fn remote_misuse_is_rejected_where_it_is_written() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

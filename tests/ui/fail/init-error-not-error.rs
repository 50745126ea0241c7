//! An `#[init]` error type that is only `Display`: the error is kept whole for `source()` and
//! downcasting, so it must be a `std::error::Error` (or a `String`/`&str`).

use beamish::prelude::*;

#[derive(Debug)]
struct NotAnError;

impl std::fmt::Display for NotAnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an error")
    }
}

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Result<Self, NotAnError> {
        Err(NotAnError)
    }
}

fn main() {}

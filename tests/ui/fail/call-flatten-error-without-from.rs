use beamish::prelude::*;

struct A;

/// An error type of the user's that cannot hold a `CallError`.
pub struct NotFound;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call(flatten)]
    async fn get(&self) -> Result<u64, NotFound> {
        Ok(1)
    }
}

fn main() {}

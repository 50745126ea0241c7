use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[init]
    async fn again() -> Self {
        A
    }
}

fn main() {}

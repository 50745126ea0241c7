use beamish::prelude::*;

struct A;

#[actor(restart = sometimes)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

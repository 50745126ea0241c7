use beamish::prelude::*;

struct A;

#[actor(restart = transient, restart = temporary)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

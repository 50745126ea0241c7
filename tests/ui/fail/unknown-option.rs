use beamish::prelude::*;

struct A;

#[actor(restrat = transient)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

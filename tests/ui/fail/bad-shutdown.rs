use beamish::prelude::*;

struct A;

#[actor(shutdown = "5 parsecs")]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

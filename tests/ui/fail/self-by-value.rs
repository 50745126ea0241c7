use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn consume(self) {}
}

fn main() {}

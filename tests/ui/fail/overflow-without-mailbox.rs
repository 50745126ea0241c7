use beamish::prelude::*;

struct A;

#[actor(overflow = drop_oldest)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

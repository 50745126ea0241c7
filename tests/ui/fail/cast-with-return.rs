use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn poke(&mut self) -> u8 {
        1
    }
}

fn main() {}

use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    async fn get() -> u8 {
        0
    }
}

fn main() {}

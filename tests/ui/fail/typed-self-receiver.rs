use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    async fn get(self: &mut Self) -> u8 {
        1
    }
}

fn main() {}

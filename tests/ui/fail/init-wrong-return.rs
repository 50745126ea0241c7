use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> u8 {
        1
    }
}

fn main() {}

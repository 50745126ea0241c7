use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    fn get(&self) -> u8 {
        0
    }
}

fn main() {}

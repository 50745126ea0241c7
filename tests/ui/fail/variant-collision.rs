use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    async fn get(&self) -> u8 {
        1
    }

    #[call]
    async fn get_(&self) -> u8 {
        2
    }
}

fn main() {}

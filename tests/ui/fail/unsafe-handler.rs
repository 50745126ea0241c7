use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    async unsafe fn get(&self) -> u8 {
        1
    }
}

fn main() {}

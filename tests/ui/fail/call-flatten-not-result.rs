use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call(flatten)]
    async fn get(&self) -> u64 {
        1
    }
}

fn main() {}

use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn set(&mut self, (a, b): (u8, u8)) {
        let _ = (a, b);
    }
}

fn main() {}

use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn name(&mut self, name: &str) {
        let _ = name;
    }
}

fn main() {}

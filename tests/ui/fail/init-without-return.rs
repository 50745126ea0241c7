use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() {}
}

fn main() {}

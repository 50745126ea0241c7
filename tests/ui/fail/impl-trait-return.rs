use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    async fn show(&self) -> impl std::fmt::Display {
        1
    }
}

fn main() {}

use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[call]
    async fn get(&self) -> u8 {
        0
    }
}

fn main() {}

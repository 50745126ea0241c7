use beamish::prelude::*;

struct A;

#[actor(mailbox = 0)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

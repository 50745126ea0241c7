use beamish::prelude::*;

struct A;

#[actor(mailbox = 8, overflow = drop_everything)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }
}

fn main() {}

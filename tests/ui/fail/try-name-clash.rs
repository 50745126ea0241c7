use beamish::prelude::*;

struct A;

#[actor(mailbox = 8)]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn push(&mut self, n: u8) {
        let _ = n;
    }

    #[call]
    async fn try_push(&mut self, n: u8) -> bool {
        n > 0
    }
}

fn main() {}

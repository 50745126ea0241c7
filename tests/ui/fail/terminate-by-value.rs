use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[terminate]
    async fn terminate(&mut self, reason: ExitReason) {
        let _ = reason;
    }
}

fn main() {}

use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[continuation]
    async fn resume(&mut self, cont: &Continuation) {
        let _ = cont;
    }
}

fn main() {}

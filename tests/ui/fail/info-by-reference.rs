use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[info]
    async fn on_info(&mut self, info: &Info) {
        let _ = info;
    }
}

fn main() {}

use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn take(&mut self, shared: std::rc::Rc<u8>) {
        let _ = shared;
    }
}

fn main() {}

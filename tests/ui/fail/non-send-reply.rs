use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call]
    async fn give(&self) -> std::rc::Rc<u8> {
        std::rc::Rc::new(1)
    }
}

fn main() {}

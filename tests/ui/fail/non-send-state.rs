use beamish::prelude::*;

struct A {
    shared: std::rc::Rc<u8>,
}

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A {
            shared: std::rc::Rc::new(1),
        }
    }

    #[call]
    async fn get(&self) -> u8 {
        *self.shared
    }
}

fn main() {}

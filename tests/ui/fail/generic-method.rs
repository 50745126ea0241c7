use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn take<T: Send + 'static>(&mut self, value: T) {
        let _ = value;
    }
}

fn main() {}

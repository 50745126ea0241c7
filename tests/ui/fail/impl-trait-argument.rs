use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[cast]
    async fn show(&mut self, value: impl std::fmt::Display + Send + 'static) {
        let _ = value.to_string();
    }
}

fn main() {}

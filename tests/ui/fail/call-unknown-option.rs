use beamish::prelude::*;

struct A;

#[actor]
impl A {
    #[init]
    async fn init() -> Self {
        A
    }

    #[call(flaten)]
    async fn get(&self) -> Result<u64, CallError> {
        Ok(1)
    }

    #[cast(flatten)]
    async fn reset(&mut self) {}
}

fn main() {}

use beamish::prelude::*;

struct Stack<T>(Vec<T>);

#[actor(remote)]
impl<T: Send + 'static> Stack<T> {
    #[init]
    async fn init() -> Self {
        Stack(Vec::new())
    }

    #[call]
    async fn len(&self) -> usize {
        self.0.len()
    }
}

fn main() {}

//! Two `#[init]`s are allowed only when each has a `#[cfg]`: here the second one has none.
use beamish::prelude::*;

struct Worker;

#[actor]
impl Worker {
    #[cfg(unix)]
    #[init]
    async fn init() -> Self {
        Worker
    }

    #[init]
    async fn init_anywhere() -> Self {
        Worker
    }
}

fn main() {}

//! Two `#[init]`s under `#[cfg]`s that are both enabled: rustc reports the duplicate at the
//! second `#[init]`.
use beamish::prelude::*;

struct Worker;

#[actor]
impl Worker {
    #[cfg(all())]
    #[init]
    async fn init() -> Self {
        Worker
    }

    #[cfg(not(any()))]
    #[init]
    async fn init_too() -> Self {
        Worker
    }
}

fn main() {}

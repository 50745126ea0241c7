use beamish::prelude::*;

struct Door;

#[actor(remote = "front door")]
impl Door {
    #[init]
    async fn init() -> Self {
        Door
    }
}

fn main() {}

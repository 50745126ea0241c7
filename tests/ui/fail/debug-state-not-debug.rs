use beamish::prelude::*;

struct Secret;

#[actor(debug_state)]
impl Secret {
    #[init]
    async fn init() -> Self {
        Secret
    }
}

fn main() {}

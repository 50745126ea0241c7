use beamish::prelude::*;

pub struct Secret;

struct Vault;

#[actor(remote)]
impl Vault {
    #[init]
    async fn init() -> Self {
        Vault
    }

    #[cast]
    async fn store(&mut self, secret: Secret) {
        let _ = secret;
    }
}

fn main() {}

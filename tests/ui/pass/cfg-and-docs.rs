//! `#[cfg]` on a handler removes its variant, handle method and dispatch arm together; `///`
//! docs are carried over.
use beamish::prelude::*;

struct Flags;

#[actor]
impl Flags {
    #[init]
    async fn init() -> Self {
        Flags
    }

    /// Present.
    #[call]
    async fn on(&self) -> bool {
        true
    }

    #[cfg(any())]
    #[call]
    async fn never(&self, missing: DoesNotExist) -> bool {
        false
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let f = Flags::start(()).await.unwrap();
    assert!(f.on().await.unwrap());
}

/// Exhaustive with one arm: the `#[cfg(any())]` handler left no variant behind.
fn only_variant(m: FlagsMessage) {
    match m {
        FlagsMessage::On(_) => {}
    }
}

const _: fn(FlagsMessage) = only_variant;

//! `#[cfg]` on a handler removes its variant, handle method and dispatch arm together; `///`
//! docs are carried over. `#[init]`, `#[info]` and `#[terminate]` may come once per `#[cfg]`:
//! the enabled one is used, the others (here naming a type that does not exist) are gone.
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

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

/// Records which `terminate` ran.
struct Platform {
    seen: Arc<AtomicU8>,
}

#[actor]
impl Platform {
    #[cfg(all())]
    #[init]
    async fn init(seen: Arc<AtomicU8>) -> Self {
        Platform { seen }
    }

    #[cfg(not(all()))]
    #[init]
    async fn init(other: DoesNotExist) -> Self {
        unreachable!()
    }

    #[cfg(all())]
    #[info]
    async fn on_info(&mut self, _info: Info) {}

    #[cfg(not(all()))]
    #[info]
    async fn on_info_elsewhere(&mut self, _info: Info) {
        does_not_exist();
    }

    #[cfg(all())]
    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.seen.store(1, Ordering::SeqCst);
    }

    #[cfg(not(all()))]
    #[terminate]
    async fn terminate_elsewhere(&mut self, _reason: &DoesNotExist) {}

    #[call]
    async fn ping(&self) -> u8 {
        7
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let f = Flags::start(()).await.unwrap();
    assert!(f.on().await.unwrap());

    let seen = Arc::new(AtomicU8::new(0));
    let p = Platform::start(Arc::clone(&seen)).await.unwrap();
    assert_eq!(p.ping().await.unwrap(), 7);
    p.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the enabled terminate ran");
}

/// Exhaustive with one arm: the `#[cfg(any())]` handler left no variant behind.
fn only_variant(m: FlagsMessage) {
    match m {
        FlagsMessage::On(_) => {}
    }
}

const _: fn(FlagsMessage) = only_variant;

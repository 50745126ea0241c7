//! `#[continuation]` takes the `Continuation` (and `ctx`, anywhere), and becomes
//! `Actor::handle_continue`: what `ctx.continue_with` asks for runs before the next message.
use beamish::prelude::*;

struct Warm(u32);

struct Cache {
    entries: u32,
}

#[actor]
impl Cache {
    #[init]
    async fn init(size: u32, ctx: &mut Context<Self>) -> Self {
        ctx.continue_with(Warm(size));
        Cache { entries: 0 }
    }

    #[call]
    async fn entries(&self) -> u32 {
        self.entries
    }

    #[continuation]
    async fn warm(&mut self, ctx: &mut Context<Self>, cont: Continuation) {
        let _ = ctx.id();
        if let Ok(Warm(n)) = cont.downcast::<Warm>() {
            self.entries = n;
        }
    }
}

/// Without `ctx`.
struct Plain;

#[actor]
impl Plain {
    #[init]
    async fn init() -> Self {
        Plain
    }

    #[continuation]
    async fn resume(&self, cont: Continuation) {
        let _ = cont.is::<()>();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cache = Cache::start(3).await.unwrap();
    assert_eq!(cache.entries().await.unwrap(), 3);
    let plain = Plain::start(()).await.unwrap();
    plain.stop(ExitReason::Normal).await.unwrap();
}

//! `ctx: &mut Context<Self>` anywhere in the argument list, in every kind of handler.
use std::time::Duration;

use beamish::prelude::*;

struct Timer {
    fired: u32,
    last: Option<ExitReason>,
}

#[actor]
impl Timer {
    #[init]
    async fn init(ctx: &mut Context<Self>, start: u32) -> Self {
        ctx.trap_exit(false);
        Timer { fired: start, last: None }
    }

    #[cast]
    async fn arm(&mut self, ctx: &mut Context<Self>, after: Duration) {
        ctx.send_after(after, "tick");
    }

    #[call]
    async fn id_and_count(&self, extra: u32, ctx: &mut Context<Self>) -> (ActorId, u32) {
        (ctx.id(), self.fired + extra)
    }

    #[info]
    async fn on_info(&mut self, ctx: &mut Context<Self>, info: Info) {
        let _ = ctx.id();
        if let Info::Timer { .. } = info {
            self.fired += 1;
        }
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.last = Some(reason.clone());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = Timer::start(1).await.unwrap();
    let (id, n) = t.id_and_count(1).await.unwrap();
    assert_eq!(id, t.id());
    assert_eq!(n, 2);
    t.arm(Duration::from_millis(1)).unwrap();
    t.stop(ExitReason::Normal).await.unwrap();
}

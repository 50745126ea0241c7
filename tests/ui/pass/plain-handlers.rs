//! Handlers that cannot wait run as plain functions (their body moved into a hidden one), and
//! that stays invisible: `mut` and `_` arguments, lint levels that concern the body (`expect`
//! included), a handler another one calls directly, `info` and `terminate` handlers, and a
//! panic, all warning-free.
#![deny(warnings)]

use beamish::prelude::*;

struct Tally {
    total: u64,
}

#[actor]
impl Tally {
    #[init]
    async fn init(start: u64) -> Self {
        Tally { total: start }
    }

    /// `mut` and `_` arguments, and an expected lint that fires in the body.
    #[call]
    #[expect(unused_variables)]
    async fn add(&mut self, mut n: u64, _: u8, _unused: u8) -> u64 {
        let ignored = 0;
        n += 1;
        self.total += n;
        self.total
    }

    /// Calls another handler's method directly, as an `async fn`.
    #[call]
    async fn add_twice(&mut self, n: u64) -> u64 {
        self.add(n, 0, 0).await;
        self.add(n, 0, 0).await
    }

    #[cast]
    async fn crash(&mut self) {
        panic!("crash at {}", self.total)
    }

    #[call]
    async fn total(&self, ctx: &mut Context<Self>) -> (u64, ActorId) {
        (self.total, ctx.id())
    }

    #[info]
    async fn on_info(&mut self, info: Info) {
        if let Info::Timer { .. } = info {
            self.total += 1;
        }
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = (reason, ctx.id());
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = Tally::start(0).await.unwrap();
    assert_eq!(t.add(1, 0, 0).await, Ok(2));
    assert_eq!(t.add_twice(1).await, Ok(6));
    assert_eq!(t.total().await, Ok((6, t.id())));
    std::panic::set_hook(Box::new(|_| {})); // the crash below is expected
    t.crash().unwrap();
    assert_eq!(t.wait().await, ExitReason::Panic("crash at 6".into()));
}

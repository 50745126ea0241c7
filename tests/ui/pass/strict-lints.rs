//! The generated code is warning-free under strict lints in the user's crate: exported with
//! `vis = pub` (`Counter`, whose items then need docs), and with the default `pub(crate)`
//! (`Bounded`, which also gets the hidden method behind the `vis = pub` hint).
#![deny(warnings, clippy::pedantic, unused_qualifications, missing_docs, missing_debug_implementations, unreachable_pub)]

//! A user crate.

use beamish::prelude::*;

/// A counter.
#[derive(Debug)]
pub struct Counter {
    count: i64,
}

#[actor(restart = transient, shutdown = "5s", vis = pub)]
impl Counter {
    #[init]
    async fn init(start: i64) -> Self {
        Counter { count: start }
    }

    /// Adds `n` and returns the new count.
    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.count += n;
        self.count
    }

    /// The count.
    #[call]
    async fn get(&self) -> i64 {
        self.count
    }

    /// Sets the count back to zero.
    #[cast]
    async fn reset(&mut self) {
        self.count = 0;
    }

    /// System messages.
    #[info]
    async fn on_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        let _ = (info, ctx);
    }

    /// Continuations.
    #[continuation]
    async fn resume(&mut self, cont: Continuation, ctx: &mut Context<Self>) {
        let _ = (cont, ctx);
    }

    /// Cleanup.
    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = reason;
    }
}

/// A bounded one.
#[derive(Debug)]
pub(crate) struct Bounded;

#[actor(mailbox = 4)]
impl Bounded {
    #[init]
    async fn init() -> Self {
        Bounded
    }

    /// Does nothing.
    #[cast]
    async fn poke(&mut self) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let c = Counter::start(1).await.unwrap();
    assert_eq!(c.add(1).await.unwrap(), 2);
    c.reset().unwrap();
    let b = Bounded::start(()).await.unwrap();
    b.poke().await.unwrap();
    b.try_poke().unwrap();
}

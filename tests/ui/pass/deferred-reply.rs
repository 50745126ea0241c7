//! A `#[call]` that keeps its `ReplyTo` and answers later (GenServer's `{:noreply, …}` + `reply`).
use beamish::prelude::*;

struct Gate {
    waiting: Vec<ReplyTo<u32>>,
}

#[actor]
impl Gate {
    #[init]
    async fn init() -> Self {
        Gate { waiting: Vec::new() }
    }

    /// Waits until `open` is cast.
    #[call]
    async fn pass(&mut self, reply: ReplyTo<u32>) {
        self.waiting.push(reply);
    }

    #[cast]
    async fn open(&mut self, ctx: &mut Context<Self>, value: u32) {
        for reply in self.waiting.drain(..) {
            ctx.reply(reply, value);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let g = Gate::start(()).await.unwrap();
    let waiter = {
        let g = g.clone();
        tokio::spawn(async move { g.pass().await })
    };
    tokio::task::yield_now().await;
    while !waiter.is_finished() {
        g.open(7).unwrap();
        tokio::task::yield_now().await;
    }
    assert_eq!(waiter.await.unwrap(), Ok(7));
}

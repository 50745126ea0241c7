//! While `terminate` runs after a stop from outside (no `ctx.stop` of the actor's own), the actor
//! is stopping: `is_stopping` says so, and a reply it sends from `terminate` is held back until
//! `terminate` returns (GS-3.7).

use beamish::prelude::*;
use beamish::{ExitReason, InitError};
use tokio::sync::mpsc;

/// What the test sees, in the order it happened.
#[derive(Debug, PartialEq)]
enum Seen {
    Held,
    Terminated { stopping: bool },
    Replied(u32),
}

struct Keeper {
    kept: Option<ReplyTo<u32>>,
    seen: mpsc::UnboundedSender<Seen>,
}

enum Msg {
    /// Keeps the reply for `terminate`.
    Hold(ReplyTo<u32>),
}

impl Actor for Keeper {
    type Args = mpsc::UnboundedSender<Seen>;
    type Message = Msg;

    async fn init(seen: Self::Args, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Keeper { kept: None, seen })
    }

    async fn handle(&mut self, Msg::Hold(reply): Msg, _ctx: &mut Context<Self>) {
        self.kept = Some(reply);
        let _ = self.seen.send(Seen::Held);
    }

    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        if let Some(reply) = self.kept.take() {
            ctx.reply(reply, 7);
        }
        // Gives the caller every chance to run: were the reply sent, it would report it first.
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        let _ = self.seen.send(Seen::Terminated {
            stopping: ctx.is_stopping(),
        });
    }
}

#[tokio::test(flavor = "current_thread")]
async fn terminate_after_an_outside_stop_is_stopping_and_holds_its_replies_back() {
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let keeper = ActorRef::<Keeper>::start(seen_tx.clone())
        .await
        .expect("start");
    let caller = {
        let keeper = keeper.clone();
        tokio::spawn(async move {
            let answer = keeper.call(Msg::Hold).await.expect("an answer");
            let _ = seen_tx.send(Seen::Replied(answer));
        })
    };
    assert_eq!(seen.recv().await, Some(Seen::Held));
    assert_eq!(keeper.stop(ExitReason::Normal).await, Ok(()));
    caller.await.expect("the caller");
    assert_eq!(seen.recv().await, Some(Seen::Terminated { stopping: true }));
    assert_eq!(seen.recv().await, Some(Seen::Replied(7)));
}

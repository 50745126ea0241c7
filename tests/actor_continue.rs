//! `handle_continue` (GS-7): `init` or any handler asks for a continuation with
//! `ctx.continue_with`; it runs right after that callback, before the next message, even one that
//! was already queued; `start` returns as soon as `init` returns.

use std::time::Duration;

use beamish::prelude::*;
use tokio::sync::oneshot;

/// What a continuation carries here.
struct Step(&'static str);

struct Args {
    /// Where `init` hands out its own handle, so that another task can cast to it during `init`.
    handle: oneshot::Sender<AnyActor>,
    /// The other task's word that it has cast.
    cast_done: oneshot::Receiver<()>,
    /// Holds the first continuation until the test releases it.
    gate: oneshot::Receiver<()>,
}

/// Writes down, in order, what it handled.
struct Journal {
    log: Vec<String>,
    gate: Option<oneshot::Receiver<()>>,
}

#[actor]
impl Journal {
    #[init]
    async fn init(args: Args, ctx: &mut Context<Self>) -> Self {
        // Two messages are queued before `init` returns: its own cast, and another task's.
        ctx.actor_ref()
            .cast(JournalMessage::Note("cast by init".into()))
            .unwrap();
        args.handle.send(ctx.actor_ref().to_any()).unwrap();
        args.cast_done.await.unwrap();
        ctx.continue_with(Step("continued"));
        Journal {
            log: Vec::new(),
            gate: Some(args.gate),
        }
    }

    /// Writes `what` down; `"ask"` asks for a continuation.
    #[cast]
    async fn note(&mut self, what: String, ctx: &mut Context<Self>) {
        if what == "ask" {
            ctx.continue_with(Step("after ask"));
        }
        self.log.push(what);
    }

    /// What was handled so far.
    #[call]
    async fn log(&self) -> Vec<String> {
        self.log.clone()
    }

    #[continuation]
    async fn resume(&mut self, cont: Continuation, ctx: &mut Context<Self>) {
        let Ok(Step(step)) = cont.downcast::<Step>() else {
            panic!("only `Step`s are asked for");
        };
        if let Some(gate) = self.gate.take() {
            gate.await.unwrap();
        }
        self.log.push(step.into());
        if step == "continued" {
            // Asked for inside a continuation: both run right after it, in the order asked.
            ctx.continue_with(Step("chained"));
            ctx.continue_with(Step("chained again"));
        }
    }
}

/// Starts a journal: another task casts to it during `init`. Returns it with the gate that holds
/// its first continuation, once `start` has returned (which it must do while that continuation
/// is still held).
async fn journal() -> (JournalHandle, oneshot::Sender<()>) {
    let (handle_tx, handle_rx) = oneshot::channel();
    let (cast_done_tx, cast_done) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    let starting = tokio::spawn(Journal::start(Args {
        handle: handle_tx,
        cast_done,
        gate,
    }));
    let during_init = JournalHandle::from_any(handle_rx.await.unwrap()).unwrap();
    during_init.note("cast during init".into()).unwrap();
    cast_done_tx.send(()).unwrap();
    // Paused time: if `start` waited for the held continuation, this times out at once.
    let started = tokio::time::timeout(Duration::from_secs(60), starting)
        .await
        .expect("`start` returns once `init` returned, not after the continuation");
    (started.unwrap().unwrap(), release)
}

// GS-7: the continuation `init` asked for (and those it asks for in turn) runs before the
// messages queued during `init` — by `init` itself and by another task.
#[tokio::test(start_paused = true)]
async fn the_continuation_of_init_runs_before_messages_queued_during_init() {
    let (journal, release) = journal().await;
    let log = tokio::spawn({
        let journal = journal.clone();
        async move { journal.log().await }
    });
    release.send(()).unwrap();
    assert_eq!(
        log.await.unwrap().unwrap(),
        [
            "continued",
            "chained",
            "chained again",
            "cast by init",
            "cast during init"
        ]
    );
}

// GS-7: a continuation asked for by an ordinary handler runs before the next message, which was
// queued before that handler even ran.
#[tokio::test(start_paused = true)]
async fn the_continuation_of_a_handler_runs_before_the_next_queued_message() {
    let (journal, release) = journal().await;
    release.send(()).unwrap();
    // One task, no await between them: both are queued before `ask` is handled.
    journal.note("ask".into()).unwrap();
    journal.note("next".into()).unwrap();
    let log = journal.log().await.unwrap();
    assert_eq!(&log[5..], ["ask", "after ask", "next"]);
}

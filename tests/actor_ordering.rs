//! The ordering guarantee (DESIGN.md, "Decisions where OTP leaves a choice"): by the time `wait()`
//! or `stop()` returns, or a call fails with the callee's exit reason, every `Down` and `Exit`
//! that the death produces is already in its recipients' mailboxes and every registry entry of
//! the actor is gone; per pair of actors, messages keep their send order.
//!
//! Each test repeats "watch X from M, end X, call M" many times on a multi-thread runtime, so that
//! X's exit path, the test and M run on different threads; M must have handled X's `Down` (or
//! `Exit`) every time.

use std::collections::HashSet;

use beamish::prelude::*;
use beamish::{Keys, Registry, RegistryError};

/// How many times each scenario is repeated.
const ROUNDS: usize = 10_000;

/// M: watches other actors and remembers whose `Down` and `Exit` it has handled.
struct Watcher {
    downs: HashSet<ActorId>,
    exits: HashSet<ActorId>,
}

#[actor]
impl Watcher {
    #[init]
    async fn init(trap: bool, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exit(trap);
        Watcher {
            downs: HashSet::new(),
            exits: HashSet::new(),
        }
    }

    /// Monitors `target`.
    #[call]
    async fn watch(&mut self, target: AnyActor, ctx: &mut Context<Self>) {
        ctx.monitor(&target);
    }

    /// Links to `target`.
    #[call]
    async fn link_to(&mut self, target: AnyActor, ctx: &mut Context<Self>) {
        ctx.link(&target);
    }

    /// Whether `id`'s `Down` was handled before this call (forgets it).
    #[call]
    async fn saw_down(&mut self, id: ActorId) -> bool {
        self.downs.remove(&id)
    }

    /// Whether `id`'s `Exit` was handled before this call (forgets it).
    #[call]
    async fn saw_exit(&mut self, id: ActorId) -> bool {
        self.exits.remove(&id)
    }

    /// Registers `key` in `registry` and gives it up again.
    #[call]
    async fn claim(&mut self, registry: Registry<u64>, key: u64) -> Result<(), RegistryError> {
        registry.register(key, ())?;
        registry.unregister(&key).map(drop)
    }

    #[info]
    async fn on_info(&mut self, info: Info) {
        match info {
            Info::Down { id, .. } => {
                self.downs.insert(id);
            }
            Info::Exit { id, .. } => {
                self.exits.insert(id);
            }
            _ => {}
        }
    }
}

/// X: the actor that dies, optionally holding a registry key.
struct Target;

#[actor]
impl Target {
    #[init]
    async fn init(name: Option<(Registry<u64>, u64)>) -> Result<Self, RegistryError> {
        if let Some((registry, key)) = name {
            registry.register(key, ())?;
        }
        Ok(Target)
    }

    /// Stops with an error without answering: the call fails with the exit reason.
    #[call]
    async fn fail(&mut self, reply: ReplyTo<()>, ctx: &mut Context<Self>) {
        drop(reply);
        ctx.stop(ExitReason::Error("asked to".into()));
    }

    /// Stops with an error; whatever is queued behind it is never handled.
    #[cast]
    async fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Error("quit".into()));
    }

    /// Answers.
    #[call]
    async fn ping(&mut self) {}
}

async fn target() -> TargetHandle {
    Target::start(None).await.unwrap()
}

// Monitor X from M, stop X, call M: M has handled X's `Down` first, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_then_call_sees_the_down() {
    let m = Watcher::start(false).await.unwrap();
    for round in 0..ROUNDS {
        let x = target().await;
        m.watch(x.to_any()).await.unwrap();
        x.stop(ExitReason::Normal).await.unwrap();
        assert_eq!(m.saw_down(x.id()).await, Ok(true), "round {round}");
    }
}

// The same through `kill` and `wait`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_and_wait_then_call_sees_the_down() {
    let m = Watcher::start(false).await.unwrap();
    for round in 0..ROUNDS {
        let x = target().await;
        m.watch(x.to_any()).await.unwrap();
        x.kill();
        assert_eq!(x.wait().await, ExitReason::Killed);
        assert_eq!(m.saw_down(x.id()).await, Ok(true), "round {round}");
    }
}

// The same when the news is a call failing with the callee's exit reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_then_call_sees_the_down() {
    let m = Watcher::start(false).await.unwrap();
    let reason = ExitReason::Error("asked to".into());
    for round in 0..ROUNDS {
        let x = target().await;
        m.watch(x.to_any()).await.unwrap();
        assert_eq!(x.fail().await, Err(CallError::Exited(reason.clone())));
        assert_eq!(m.saw_down(x.id()).await, Ok(true), "round {round}");
    }
}

// The same when the call was queued behind the message that ended X: it is never handled, and
// fails with X's exit reason only once X's `Down` is on its way. (A call that comes after X's
// mailbox closed fails with `NoProc` instead, which says nothing of the `Down`: those rounds
// are counted, not checked.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_queued_behind_the_end_then_call_sees_the_down() {
    let m = Watcher::start(false).await.unwrap();
    let reason = ExitReason::Error("quit".into());
    let mut queued = 0;
    for round in 0..ROUNDS {
        let x = target().await;
        m.watch(x.to_any()).await.unwrap();
        x.quit().unwrap();
        match x.ping().await {
            Err(CallError::Exited(r)) => {
                assert_eq!(r, reason);
                assert_eq!(m.saw_down(x.id()).await, Ok(true), "round {round}");
                queued += 1;
            }
            other => assert_eq!(other, Err(CallError::NoProc), "round {round}"),
        }
    }
    assert!(queued > 0, "no call was queued behind the end");
}

// Links: a trapping M linked to X has handled X's `Exit` before the next call, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_then_call_sees_the_trapped_exit() {
    let m = Watcher::start(true).await.unwrap();
    for round in 0..ROUNDS {
        let x = target().await;
        m.link_to(x.to_any()).await.unwrap();
        x.stop(ExitReason::Shutdown).await.unwrap();
        assert_eq!(m.saw_exit(x.id()).await, Ok(true), "round {round}");
    }
    assert!(m.is_alive(), "a trapping actor survives its links' exits");
}

// Registry: once `stop` returned, X's key is gone for every reader and free for another actor,
// and M has handled X's `Down`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_then_the_name_is_free() {
    let registry = Registry::<u64>::new(Keys::Unique);
    let m = Watcher::start(false).await.unwrap();
    for round in 0..ROUNDS {
        let x = Target::start(Some((registry.clone(), 7))).await.unwrap();
        m.watch(x.to_any()).await.unwrap();
        x.stop(ExitReason::Normal).await.unwrap();
        assert!(registry.whereis(&7).is_none(), "round {round}");
        assert!(registry.keys(x.id()).is_empty(), "round {round}");
        assert_eq!(
            m.claim(registry.clone(), 7).await,
            Ok(Ok(())),
            "round {round}"
        );
        assert_eq!(m.saw_down(x.id()).await, Ok(true), "round {round}");
    }
}

// `stop` on an actor that is dying (killed, its exit path maybe under way) answers `NoProc` or
// the kill, and in both cases only once its `Down` is queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_of_a_dying_actor_then_call_sees_the_down() {
    let m = Watcher::start(false).await.unwrap();
    for round in 0..ROUNDS / 10 {
        let x = target().await;
        m.watch(x.to_any()).await.unwrap();
        x.kill();
        let stopped = x.stop(ExitReason::Normal).await;
        assert!(
            matches!(
                stopped,
                Err(CallError::NoProc | CallError::Exited(ExitReason::Killed))
            ),
            "{stopped:?}"
        );
        assert_eq!(m.saw_down(x.id()).await, Ok(true), "round {round}");
    }
}

//! No stale names: an actor's registrations are gone before anyone can learn of its exit —
//! monitors (`Down`), links (`Exit` to a trapping actor) and waiters (`wait`). Elixir's Registry
//! removes entries asynchronously and may briefly return dead pids (REG-3.3); beamish promises
//! better (DESIGN.md "Registry"), and these loops would catch a broken ordering quickly.

mod registry_support;

use beamish::prelude::*;
use beamish::{Keys, Registry};
use registry_support::{Agent, AgentMsg, agent, on_info, run, run_ctx};
use tokio::sync::mpsc;

const ROUNDS: usize = 10_000;
const KEY: &str = "the-name";

/// Ends `holder` in one of four ways, so every exit path is covered: an orderly stop, a kill (the
/// running callback is dropped), a panic in a handler, and `ctx.stop` from inside.
async fn end(holder: &ActorRef<Agent>, round: usize) {
    match round % 4 {
        0 => holder.stop(ExitReason::Normal).await.unwrap(),
        1 => holder.kill(),
        2 => holder.cast(AgentMsg::Panic("crash".into())).unwrap(),
        _ => holder
            .cast(AgentMsg::Run(Box::new(|ctx| {
                ctx.stop(ExitReason::Shutdown);
            })))
            .unwrap(),
    }
}

/// How the watcher learns of each holder's exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Watch {
    /// A monitor: `Info::Down`.
    Monitor,
    /// A link, trapped: `Info::Exit`.
    TrappedLink,
}

/// `ROUNDS` holders take the unique key in turn and end; the watcher's handler for the exit
/// notice registers the key at once and must always find it free.
async fn the_name_is_free_when_the_exit_is_seen(watch: Watch) {
    let reg = Registry::<String>::new(Keys::Unique);
    let watcher = agent().await;
    if watch == Watch::TrappedLink {
        run_ctx(&watcher, |ctx| ctx.trap_exit(true)).await;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let r = reg.clone();
    on_info(&watcher, move |info, _| {
        let (Info::Down { id, .. } | Info::Exit { id, .. }) = info else {
            return;
        };
        let taken = r.register(KEY.to_string(), ());
        // Free it again for the next holder.
        let released = r.unregister(&KEY.to_string());
        let _ = tx.send((id, taken, released));
    })
    .await;
    for round in 0..ROUNDS {
        let holder = ActorRef::<Agent>::start_via(&reg, KEY.to_string(), None)
            .await
            .unwrap_or_else(|e| panic!("round {round}: the name was not free: {e}"));
        let h = holder.clone();
        match watch {
            Watch::Monitor => {
                run(&watcher, move || {
                    h.monitor().unwrap();
                })
                .await;
            }
            Watch::TrappedLink => run(&watcher, move || h.link().unwrap()).await,
        }
        end(&holder, round).await;
        let (id, taken, released) = rx.recv().await.unwrap();
        assert_eq!(id, holder.id());
        assert_eq!(
            taken,
            Ok(()),
            "round {round}: {watch:?} notice arrived before the name was free"
        );
        assert_eq!(released, Ok(1));
    }
}

// REG-3.3 (beamish), REG-2.2: a monitor's `Down` handler registers the dead holder's unique key
// at once, 10,000 times; it never finds the key taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_handler_always_finds_the_name_free() {
    the_name_is_free_when_the_exit_is_seen(Watch::Monitor).await;
}

// Links: a trapping linked actor's `Exit` handler finds the name free, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapped_exit_handler_always_finds_the_name_free() {
    the_name_is_free_when_the_exit_is_seen(Watch::TrappedLink).await;
}

// Waiters: once `wait` returns, the name is free and no read returns the dead holder — for a
// duplicate registry's entries too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_wait_no_read_sees_the_dead_holder() {
    let names = Registry::<String>::new(Keys::Unique);
    let topics = Registry::<String, usize>::new(Keys::Duplicate);
    for round in 0..ROUNDS {
        let holder = ActorRef::<Agent>::start_via(&names, KEY.to_string(), None)
            .await
            .unwrap_or_else(|e| panic!("round {round}: the name was not free: {e}"));
        let t = topics.clone();
        run(&holder, move || t.register("topic".to_string(), round))
            .await
            .unwrap();
        // Wait from another task while the holder dies on a worker thread.
        let waiter = {
            let h = holder.clone();
            tokio::spawn(async move { h.wait().await })
        };
        end(&holder, round).await;
        waiter.await.unwrap();
        assert!(names.whereis(&KEY.to_string()).is_none(), "round {round}");
        assert!(
            topics.lookup(&"topic".to_string()).is_empty(),
            "round {round}"
        );
        assert_eq!(names.count() + topics.count(), 0, "round {round}");
    }
}

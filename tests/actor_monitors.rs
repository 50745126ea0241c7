//! Monitors (EX-4): one `Info::Down` per monitor, with the reason terminate saw; a dead target
//! answers `NoProc` at once; demonitor stops delivery, even of a `Down` already queued.

mod support;

use beamish::prelude::*;
use beamish::{MonitorRef, NotInActor};
use support::macro_worker::MacroWorker;
use support::{
    Agent, AgentExt, Event, Events, Probe, agent, assert_no_event, next, probe, settle, within,
};

async fn start(probe: &Probe, events: &mut Events) -> ActorRef<Agent> {
    let a = agent(probe).await;
    assert!(matches!(next(events).await, Event::Init { .. }));
    assert!(matches!(next(events).await, Event::Handle(_)));
    a
}

/// `watcher` monitors `target`.
async fn monitor(watcher: &ActorRef<Agent>, target: &ActorRef<Agent>) -> MonitorRef {
    let target = target.clone();
    watcher
        .with_ctx(move |ctx| ctx.monitor(&target))
        .await
        .unwrap()
}

fn down(
    watcher: &ActorRef<Agent>,
    target: &ActorRef<Agent>,
    monitor: MonitorRef,
    reason: &ExitReason,
) -> Event {
    Event::Down {
        watcher: watcher.id(),
        id: target.id(),
        monitor,
        reason: reason.clone(),
    }
}

// EX-4, point 7: monitors stack; each gets exactly one `Down`, carrying the reason terminate saw.
#[tokio::test(start_paused = true)]
async fn one_down_per_monitor_with_the_terminate_reason() {
    for how in ["stop", "panic", "kill"] {
        let (probe, mut events) = probe();
        let target = start(&probe, &mut events).await;
        let w1 = start(&probe, &mut events).await;
        let w2 = start(&probe, &mut events).await;
        let m1 = monitor(&w1, &target).await;
        let m2 = monitor(&w1, &target).await;
        let m3 = monitor(&w2, &target).await;
        assert!(m1 != m2 && m2 != m3 && m1 != m3);

        let reason = match how {
            "stop" => {
                let reason = ExitReason::ShutdownWith("maintenance".into());
                target.stop(reason.clone()).await.unwrap();
                reason
            }
            "panic" => {
                target.cast_ctx(|_| panic!("monitored boom")).unwrap();
                within(target.wait()).await
            }
            _ => {
                target.kill();
                within(target.wait()).await
            }
        };
        if how != "kill" {
            // terminate ran first, with the very reason the monitors get.
            assert_eq!(
                next(&mut events).await,
                Event::Terminated {
                    id: target.id(),
                    reason: reason.clone()
                }
            );
        }
        let mut downs = Vec::new();
        for _ in 0..3 {
            downs.push(next(&mut events).await);
        }
        for expected in [
            down(&w1, &target, m1, &reason),
            down(&w1, &target, m2, &reason),
            down(&w2, &target, m3, &reason),
        ] {
            assert_eq!(
                downs.iter().filter(|d| **d == expected).count(),
                1,
                "{how}: expected exactly one {expected:?} in {downs:?}"
            );
        }
        // No second `Down`: round trips through both watchers, then nothing more arrived.
        w1.ping().await.unwrap();
        w2.ping().await.unwrap();
        assert_no_event(&mut events);
        // Monitors are one-way: the watchers live on.
        assert!(w1.is_alive() && w2.is_alive());
    }
}

// EX-4: monitoring an actor that is already dead yields `Down` with `NoProc` at once.
#[tokio::test(start_paused = true)]
async fn monitoring_a_dead_actor_is_noproc_at_once() {
    let (probe, mut events) = probe();
    let target = start(&probe, &mut events).await;
    let watcher = start(&probe, &mut events).await;
    target.kill();
    within(target.wait()).await;
    let m = monitor(&watcher, &target).await;
    // The `Down` was queued by `monitor` itself: a round trip later it has been handled.
    watcher.ping().await.unwrap();
    assert_eq!(
        events.try_recv().ok(),
        Some(down(&watcher, &target, m, &ExitReason::NoProc))
    );
}

// EX-4: after demonitor nothing is delivered for that monitor; other monitors are unaffected.
#[tokio::test(start_paused = true)]
async fn demonitor_stops_delivery() {
    let (probe, mut events) = probe();
    let target = start(&probe, &mut events).await;
    let watcher = start(&probe, &mut events).await;
    let removed = monitor(&watcher, &target).await;
    let kept = monitor(&watcher, &target).await;
    assert_eq!(
        watcher.with_ctx(move |ctx| ctx.demonitor(removed)).await,
        Ok(true)
    );
    assert_eq!(
        watcher.with_ctx(move |ctx| ctx.demonitor(removed)).await,
        Ok(false),
        "a removed monitor is not active any more"
    );
    target.kill();
    // `removed` was set up first, so its `Down` would have come first.
    assert_eq!(
        next(&mut events).await,
        down(&watcher, &target, kept, &ExitReason::Killed)
    );
    watcher.ping().await.unwrap();
    assert_no_event(&mut events);
}

// EX-4 ("demonitor with flush"): a `Down` already in the watcher's mailbox is dropped unseen.
// Current-thread runtime on purpose: the target's whole exit path runs within one poll, so once
// `wait` returns inside the watcher, the `Down` is queued behind the running handler.
#[tokio::test(start_paused = true)]
async fn demonitor_drops_a_queued_down() {
    let (probe, mut events) = probe();
    let target = start(&probe, &mut events).await;
    let watcher = start(&probe, &mut events).await;
    let m = monitor(&watcher, &target).await;
    let t = target.clone();
    let was_active = watcher
        .with_ctx_async(move |ctx| {
            Box::pin(async move {
                t.kill();
                t.wait().await;
                ctx.demonitor(m)
            })
        })
        .await
        .unwrap();
    assert!(!was_active, "the monitor had already fired");
    watcher.ping().await.unwrap();
    settle().await;
    assert_no_event(&mut events);
}

// `ActorRef::monitor` monitors from the calling actor (found from the task); outside any actor it
// is a typed error.
#[tokio::test(start_paused = true)]
async fn handle_monitor_uses_the_calling_actor() {
    let (probe, mut events) = probe();
    let target = start(&probe, &mut events).await;
    let watcher = start(&probe, &mut events).await;
    assert_eq!(target.monitor(), Err(NotInActor));
    let t = target.clone();
    let m = watcher
        .run(async move { t.monitor() })
        .await
        .unwrap()
        .unwrap();
    target.stop(ExitReason::Normal).await.unwrap();
    next(&mut events).await; // terminate
    assert_eq!(
        next(&mut events).await,
        down(&watcher, &target, m, &ExitReason::Normal)
    );
}

// Monitors are one-way: the watcher's death does not touch the target, and a dead watcher's
// monitor is cleaned up (the target's later exit is harmless).
#[tokio::test(start_paused = true)]
async fn a_dead_watcher_leaves_the_target_alone() {
    let (probe, mut events) = probe();
    let target = start(&probe, &mut events).await;
    let watcher = start(&probe, &mut events).await;
    monitor(&watcher, &target).await;
    watcher.cast_ctx(|_| panic!("watcher boom")).unwrap();
    within(watcher.wait()).await;
    next(&mut events).await; // the watcher's terminate
    assert_eq!(target.ping().await, Ok(target.id()));
    target.stop(ExitReason::Normal).await.unwrap();
    next(&mut events).await; // the target's terminate
    settle().await;
    assert_no_event(&mut events);
}

// Through `#[actor]`: the generated handle's `monitor()` monitors from the calling actor, and the
// `Down` carries the reason the macro actor's terminate saw.
#[tokio::test(start_paused = true)]
async fn macro_handle_monitor() {
    let (probe, mut events) = probe();
    let worker = MacroWorker::start(probe.clone()).await.unwrap();
    assert!(matches!(next(&mut events).await, Event::Init { .. }));
    let watcher = start(&probe, &mut events).await;
    assert_eq!(worker.monitor(), Err(NotInActor));
    let w = worker.clone();
    let m = watcher
        .run(async move { w.monitor() })
        .await
        .unwrap()
        .unwrap();
    worker.panic_cast("watched boom".into()).unwrap();
    let panic = ExitReason::Panic("watched boom".into());
    assert_eq!(
        next(&mut events).await,
        Event::Terminated {
            id: worker.id(),
            reason: panic.clone()
        }
    );
    assert_eq!(
        next(&mut events).await,
        Event::Down {
            watcher: watcher.id(),
            id: worker.id(),
            monitor: m,
            reason: panic
        }
    );
}

// Monitoring or linking yourself is harmless: no signal, no `Down`, no hang on the way out.
#[tokio::test(start_paused = true)]
async fn monitoring_and_linking_yourself_is_harmless() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events).await;
    let me = a.clone();
    a.with_ctx(move |ctx| {
        ctx.link(&me);
        ctx.monitor(&me);
    })
    .await
    .unwrap();
    assert_eq!(a.ping().await, Ok(a.id()));
    within(a.stop(ExitReason::Shutdown)).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        Event::Terminated {
            id: a.id(),
            reason: ExitReason::Shutdown
        }
    );
    settle().await;
    assert_no_event(&mut events);
}

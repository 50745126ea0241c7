//! Exits (EX-1, GS-8, GS-9): a panic in any callback ends only that actor with `Panic(msg)`;
//! `terminate` runs on stop and on a handler's panic, not on `kill`; `stop` waits for `terminate`;
//! `wait` gives every waiter the reason.

#[macro_use]
mod support;

use std::time::Duration;

use beamish::prelude::*;
use support::{AgentArgs, AgentExt, Event, agent, assert_no_event, next, probe, settle, within};

contract_tests!(tokio::test(start_paused = true);
    panic_in_cast_ends_only_that_actor,
    stop_waits_for_terminate_and_wakes_every_waiter,
    kill_skips_terminate,
);

mod multi_thread {
    contract_tests!(tokio::test(flavor = "multi_thread", worker_threads = 2);
        panic_in_cast_ends_only_that_actor,
        stop_waits_for_terminate_and_wakes_every_waiter,
        kill_skips_terminate,
    );
}

// GS-9.2, point 4: a panic in handle_info (here a timer's) ends the actor with `Panic(msg)`, and
// terminate runs with that reason; a neighbour is untouched.
#[tokio::test(start_paused = true)]
async fn panic_in_info_ends_the_actor_with_the_message() {
    let (probe, mut events) = probe();
    let victim = agent(&probe).await;
    let bystander = agent(&probe).await;
    for _ in 0..4 {
        next(&mut events).await; // Init and Handle of both
    }
    victim
        .with_ctx(|ctx| ctx.send_after(Duration::ZERO, "boom in info"))
        .await
        .unwrap();
    let panic = ExitReason::Panic("boom in info".into());
    assert_eq!(within(victim.wait()).await, panic);
    assert_eq!(
        next(&mut events).await,
        Event::Terminated {
            id: victim.id(),
            reason: panic
        }
    );
    assert_eq!(bystander.ping().await, Ok(bystander.id()));
}

// A panic whose payload is not a string still ends the actor with a `Panic` reason.
#[tokio::test(start_paused = true)]
async fn panic_with_a_non_string_payload() {
    let (probe, _events) = probe();
    let a = agent(&probe).await;
    a.cast_ctx(|_| std::panic::panic_any(42_u32)).unwrap();
    assert!(matches!(within(a.wait()).await, ExitReason::Panic(_)));
}

// GS-9: terminate's own panic does not change the exit reason, and stop still succeeds.
#[tokio::test(start_paused = true)]
async fn panic_in_terminate_keeps_the_reason() {
    let (probe, mut events) = probe();
    let a = ActorRef::<support::Agent>::start(AgentArgs {
        terminate_panic: Some("boom in terminate".into()),
        ..AgentArgs::new(&probe)
    })
    .await
    .unwrap();
    next(&mut events).await;
    next(&mut events).await;
    assert_eq!(a.stop(ExitReason::Shutdown).await, Ok(()));
    assert_eq!(
        next(&mut events).await,
        Event::Terminated {
            id: a.id(),
            reason: ExitReason::Shutdown
        }
    );
    assert_eq!(a.exit_reason(), Some(ExitReason::Shutdown));
}

// GS-8.1: `stop` that finds the actor exiting with another reason reports that reason.
#[tokio::test(start_paused = true)]
async fn stop_reports_another_exit_reason() {
    let (probe, mut events) = probe();
    let a = agent(&probe).await;
    next(&mut events).await;
    next(&mut events).await;
    // Keep the actor busy, queue a stop behind the busy handler, then kill it.
    let (release, gate) = tokio::sync::oneshot::channel::<()>();
    a.cast(support::AgentMsg::Run(Box::pin(async move {
        let _ = gate.await;
    })))
    .unwrap();
    let stop = tokio::spawn({
        let a = a.clone();
        async move { a.stop(ExitReason::Normal).await }
    });
    settle().await;
    assert!(
        !stop.is_finished(),
        "stop returned before the actor handled it"
    );
    a.kill();
    assert_eq!(
        stop.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    drop(release);
    settle().await;
    assert_no_event(&mut events); // killed: no terminate
}

// GS-8, point 5: messages sent before a stop are handled first, then terminate, then the exit.
#[tokio::test(start_paused = true)]
async fn stop_handles_earlier_messages_first() {
    let (probe, mut events) = probe();
    let a = agent(&probe).await;
    next(&mut events).await;
    next(&mut events).await;
    for i in 0..5 {
        let probe = probe.clone();
        a.cast_ctx(move |_| {
            let _ = probe.send(Event::Mark(i));
        })
        .unwrap();
    }
    a.stop(ExitReason::Normal).await.unwrap();
    for i in 0..5 {
        assert_eq!(events.try_recv().ok(), Some(Event::Mark(i)));
    }
    assert_eq!(
        events.try_recv().ok(),
        Some(Event::Terminated {
            id: a.id(),
            reason: ExitReason::Normal
        })
    );
}

// EX-2: the classes of exit reasons.
#[test]
fn exit_reason_classes() {
    use ExitReason::*;
    let reasons = [
        Normal,
        Shutdown,
        ShutdownWith("x".into()),
        Killed,
        Panic("p".into()),
        Error("e".into()),
        NoProc,
    ];
    let normal: Vec<_> = reasons.iter().map(ExitReason::is_normal).collect();
    let clean: Vec<_> = reasons.iter().map(ExitReason::is_clean).collect();
    let crash: Vec<_> = reasons.iter().map(ExitReason::is_crash).collect();
    assert_eq!(normal, [true, false, false, false, false, false, false]);
    assert_eq!(clean, [true, true, true, false, false, false, false]);
    assert_eq!(crash, [false, false, false, true, true, true, true]);
    assert_eq!(Panic("boom".into()).to_string(), "panicked: boom");
}

// GS-9.1, point 4: a handler that stops its actor with an error (`ctx.stop(Error(..))`) runs
// terminate with that reason, which is also the exit reason; linked actors see it as a crash.
#[tokio::test(start_paused = true)]
async fn handler_error_runs_terminate_with_the_reason() {
    let (probe, mut events) = probe();
    let a = agent(&probe).await;
    let linked = agent(&probe).await;
    for _ in 0..4 {
        next(&mut events).await;
    }
    let a2 = a.clone();
    linked.with_ctx(move |ctx| ctx.link(&a2)).await.unwrap();
    let error = ExitReason::Error("invariant broken".into());
    let e = error.clone();
    a.cast_ctx(move |ctx| ctx.stop(e)).unwrap();
    assert_eq!(within(a.wait()).await, error);
    assert_eq!(
        next(&mut events).await,
        Event::Terminated {
            id: a.id(),
            reason: error.clone()
        }
    );
    assert_eq!(within(linked.wait()).await, error);
}

// GS-3.7: the reply of a call that stopped its actor is delivered after terminate, even when
// terminate panicked.
#[tokio::test(start_paused = true)]
async fn reply_after_stop_survives_a_panicking_terminate() {
    let (probe, mut events) = probe();
    let a = ActorRef::<support::Agent>::start(AgentArgs {
        terminate_panic: Some("boom in terminate".into()),
        ..AgentArgs::new(&probe)
    })
    .await
    .unwrap();
    next(&mut events).await;
    next(&mut events).await;
    let answer = a
        .with_ctx(|ctx| {
            ctx.stop(ExitReason::Shutdown);
            "bye"
        })
        .await;
    assert_eq!(answer, Ok("bye"));
    assert_eq!(
        events.try_recv().ok(),
        Some(Event::Terminated {
            id: a.id(),
            reason: ExitReason::Shutdown
        }),
        "terminate did not run"
    );
    assert_eq!(within(a.wait()).await, ExitReason::Shutdown);
}

/// An actor whose state panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("boom in drop");
    }
}

impl Actor for PanicOnDrop {
    type Args = ();
    type Message = ReplyTo<()>;

    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, beamish::InitError> {
        Ok(PanicOnDrop)
    }

    async fn handle(&mut self, msg: ReplyTo<()>, _ctx: &mut Context<Self>) {
        msg.send(());
    }
}

// A panic while the runtime drops an actor's state (after stop, or on kill) still completes the
// exit: waiters, callers, links and the live count all see it.
#[tokio::test(start_paused = true)]
async fn panic_while_dropping_the_state_still_exits() {
    let (probe, mut events) = probe();
    let stopped = ActorRef::<PanicOnDrop>::start(()).await.unwrap();
    assert_eq!(stopped.call(|r| r).await, Ok(()));
    assert_eq!(within(stopped.stop(ExitReason::Normal)).await, Ok(()));

    let killed = ActorRef::<PanicOnDrop>::start(()).await.unwrap();
    let watcher = agent(&probe).await;
    next(&mut events).await;
    next(&mut events).await;
    let k = killed.clone();
    watcher.with_ctx(move |ctx| ctx.monitor(&k)).await.unwrap();
    killed.kill();
    assert_eq!(within(killed.wait()).await, ExitReason::Killed);
    assert!(matches!(
        next(&mut events).await,
        Event::Down {
            reason: ExitReason::Killed,
            ..
        }
    ));
    watcher.stop(ExitReason::Normal).await.unwrap();
}

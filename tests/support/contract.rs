//! The call/cast/exit checks, written once, generic over [`Subject`]: the hand-written worker and
//! the `#[actor]` worker must both pass every one.
//!
//! "At once" is proven without wall-clock assertions: the calls use an hour-long timeout, and the
//! tests run on paused time, where tokio jumps the clock straight to the next timer whenever every
//! task is idle. An error that only came from the timeout would therefore arrive an hour later in
//! virtual time; an error that arrives with less than an hour elapsed came from the runtime.

use std::time::Duration;

use beamish::prelude::*;
use tokio::time::Instant;

use super::{Event, Events, Probe, Subject, assert_no_event, next, probe, settle};

/// The timeout of calls that must fail "at once": far longer than any test.
pub(crate) const HOUR: Duration = Duration::from_secs(3600);

/// Starts a subject and checks that its `init` ran inside it, before `start` returned.
pub(crate) async fn start<S: Subject>(probe: &Probe, events: &mut Events) -> S {
    let subject = S::start(probe.clone()).await.expect("subject starts");
    // `try_recv`, not `next`: the report must already be there when `start` returns (GS-1.1).
    match events.try_recv() {
        Ok(Event::Init { id, current }) => {
            assert_eq!(id, subject.id(), "init ran as another actor");
            assert_eq!(
                current,
                Some(subject.id()),
                "init did not run inside the actor"
            );
        }
        other => panic!("init had not run when start returned: {other:?}"),
    }
    subject
}

/// Awaits `fut` and asserts it finished well before [`HOUR`] of (virtual) time passed.
pub(crate) async fn at_once<T>(fut: impl Future<Output = T>) -> T {
    let t0 = Instant::now();
    let out = fut.await;
    assert!(
        t0.elapsed() < HOUR,
        "the result came only when the call timeout ran out"
    );
    out
}

/// Expects `Event::Terminated` for `id` next, with `reason`.
pub(crate) async fn expect_terminated(events: &mut Events, id: ActorId, reason: ExitReason) {
    assert_eq!(next(events).await, Event::Terminated { id, reason });
}

/// GS-3.10, point 2: calls and casts from one sender are handled in send order, and a call
/// returns the handler's value.
pub(crate) async fn calls_and_casts_in_order<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await;
    let mut expected_total = 0;
    for i in 1..=300 {
        if i % 3 == 0 {
            expected_total += i;
            assert_eq!(
                s.add(i).await,
                Ok(expected_total),
                "call returned another value"
            );
        } else {
            s.push(i).unwrap();
        }
    }
    // Casts after the last call, then a call that must see all of them.
    s.push(301).unwrap();
    s.push(302).unwrap();
    let expected: Vec<i64> = (1..=302).collect();
    assert_eq!(s.log().await, Ok(expected));
    s.stop(ExitReason::Normal).await.unwrap();
}

/// GS-3.10 with concurrent senders: each sender's casts and calls keep their order, however the
/// senders interleave.
pub(crate) async fn order_holds_per_sender_among_many<S: Subject>() {
    const SENDERS: i64 = 4;
    const EACH: i64 = 500;
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await;
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let s = s.clone();
            tokio::spawn(async move {
                for seq in 0..EACH {
                    let n = sender * 1_000_000 + seq;
                    if seq % 5 == 0 {
                        s.add(n).await.unwrap();
                    } else {
                        s.push(n).unwrap();
                    }
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    let log = s.log().await.unwrap();
    assert_eq!(log.len(), (SENDERS * EACH) as usize);
    for sender in 0..SENDERS {
        let mine: Vec<i64> = log
            .iter()
            .filter(|n| **n / 1_000_000 == sender)
            .map(|n| n % 1_000_000)
            .collect();
        assert_eq!(
            mine,
            (0..EACH).collect::<Vec<_>>(),
            "sender {sender} out of order"
        );
    }
    s.stop(ExitReason::Normal).await.unwrap();
}

/// GS-3.5: a call or cast to an actor that is already dead fails with `NoProc` at once.
pub(crate) async fn call_to_dead_actor_is_noproc<S: Subject>() {
    let (probe, mut events) = probe();
    let stopped = start::<S>(&probe, &mut events).await;
    stopped.stop(ExitReason::Normal).await.unwrap();
    expect_terminated(&mut events, stopped.id(), ExitReason::Normal).await;
    let killed = start::<S>(&probe, &mut events).await;
    killed.kill();
    assert_eq!(killed.wait().await, ExitReason::Killed);
    for dead in [stopped, killed] {
        let dead = dead.with_timeout(HOUR);
        assert!(!dead.is_alive());
        assert_eq!(at_once(dead.add(1)).await, Err(CallError::NoProc));
        assert_eq!(at_once(dead.log()).await, Err(CallError::NoProc));
        assert_eq!(dead.push(1), Err(SendError::NoProc));
        assert_eq!(
            at_once(dead.stop(ExitReason::Normal)).await,
            Err(CallError::NoProc)
        );
    }
}

/// GS-3.6 with a panic, point 4: the handler of the call itself panics; the caller gets the
/// panic as the exit reason at once, terminate sees it, and other actors are unaffected.
pub(crate) async fn call_exits_when_handler_panics<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await.with_timeout(HOUR);
    let bystander = start::<S>(&probe, &mut events).await;
    let panic = ExitReason::Panic("boom in call".into());
    assert_eq!(
        at_once(s.panic_call("boom in call")).await,
        Err(CallError::Exited(panic.clone()))
    );
    assert_eq!(s.exit_reason(), Some(panic.clone()));
    expect_terminated(&mut events, s.id(), panic).await;
    assert_eq!(bystander.add(3).await, Ok(3));
    bystander.stop(ExitReason::Normal).await.unwrap();
}

/// GS-3.6 with a kill: the call is in progress (its reply parked) when the actor is killed.
pub(crate) async fn call_exits_when_target_killed_mid_call<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await.with_timeout(HOUR);
    let call = tokio::spawn({
        let s = s.clone();
        async move { at_once(s.park()).await }
    });
    assert_eq!(next(&mut events).await, Event::Parked { id: s.id() });
    s.kill();
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    // Killed: terminate did not run (GS-9).
    settle().await;
    assert_no_event(&mut events);
}

/// GS-3.6 with a stop: the call is in progress (its reply parked) when the actor is stopped.
pub(crate) async fn call_exits_when_target_stopped_mid_call<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await.with_timeout(HOUR);
    let call = tokio::spawn({
        let s = s.clone();
        async move { at_once(s.park()).await }
    });
    assert_eq!(next(&mut events).await, Event::Parked { id: s.id() });
    s.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    expect_terminated(&mut events, s.id(), ExitReason::Shutdown).await;
}

/// GS-3.6 with a panic elsewhere: the call is in progress when another message's handler panics.
pub(crate) async fn call_exits_when_target_panics_mid_call<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await.with_timeout(HOUR);
    let call = tokio::spawn({
        let s = s.clone();
        async move { at_once(s.park()).await }
    });
    assert_eq!(next(&mut events).await, Event::Parked { id: s.id() });
    s.panic_cast("boom in cast").unwrap();
    let panic = ExitReason::Panic("boom in cast".into());
    assert_eq!(call.await.unwrap(), Err(CallError::Exited(panic.clone())));
    expect_terminated(&mut events, s.id(), panic).await;
}

/// GS-3.9: a call that outlives its timeout returns `Timeout`; the actor keeps running, and the
/// late reply is dropped without harm to either side.
pub(crate) async fn call_times_out_and_late_reply_is_dropped<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await;
    let timeout = Duration::from_millis(250);
    let t0 = Instant::now();
    assert_eq!(
        s.with_timeout(timeout).park().await,
        Err(CallError::Timeout)
    );
    assert!(t0.elapsed() >= timeout, "timed out before its timeout");
    assert_eq!(next(&mut events).await, Event::Parked { id: s.id() });
    // The late reply: the actor learns nobody waits for it any more, and carries on.
    s.release(99).unwrap();
    assert_eq!(next(&mut events).await, Event::Replied { delivered: false });
    assert!(s.is_alive());
    assert_eq!(s.add(5).await, Ok(5));
    assert_eq!(s.log().await, Ok(vec![5]));
    s.stop(ExitReason::Normal).await.unwrap();
}

/// GS-3.3, GS-8.3: an actor calling or stopping itself gets `CallingSelf` instead of a deadlock,
/// and survives.
pub(crate) async fn calling_self_is_an_error<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await.with_timeout(HOUR);
    assert_eq!(
        at_once(s.call_self()).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert_eq!(
        at_once(s.stop_self()).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert!(s.is_alive());
    assert_eq!(s.add(2).await, Ok(2));
    s.stop(ExitReason::Normal).await.unwrap();
}

/// GS-3.7: `ctx.stop` inside a call still delivers the handler's value, after `terminate`.
pub(crate) async fn stop_inside_call_replies_after_terminate<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await;
    let reason = ExitReason::ShutdownWith("done".into());
    assert_eq!(s.stop_with(reason.clone(), 42).await, Ok(42));
    // terminate takes TERMINATE_TIME before it reports: a reply sent before it would arrive first.
    match events.try_recv() {
        Ok(event) => assert_eq!(
            event,
            Event::Terminated {
                id: s.id(),
                reason: reason.clone()
            }
        ),
        Err(_) => panic!("the reply came before terminate finished"),
    }
    assert_eq!(s.wait().await, reason);
}

/// GS-9, point 4: a panicking cast ends the actor with `Panic(msg)`, terminate sees that reason,
/// and other actors of the same type are unaffected.
pub(crate) async fn panic_in_cast_ends_only_that_actor<S: Subject>() {
    let (probe, mut events) = probe();
    let victim = start::<S>(&probe, &mut events).await;
    let bystander = start::<S>(&probe, &mut events).await;
    victim.push(1).unwrap();
    victim.panic_cast("boom in cast").unwrap();
    let panic = ExitReason::Panic("boom in cast".into());
    // A call sent right behind the panicking cast is a pending caller: it gets the panic. (On a
    // multi-thread runtime the actor may already be gone when it is sent: then `NoProc`.)
    let queued = victim.add(1).await;
    let current_thread = tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::CurrentThread;
    if current_thread || queued != Err(CallError::NoProc) {
        assert_eq!(queued, Err(CallError::Exited(panic.clone())));
    }
    assert_eq!(victim.wait().await, panic);
    expect_terminated(&mut events, victim.id(), panic).await;
    assert_eq!(victim.push(3), Err(SendError::NoProc));
    assert_eq!(victim.add(3).await, Err(CallError::NoProc));
    assert!(bystander.is_alive());
    assert_eq!(bystander.add(7).await, Ok(7));
    bystander.stop(ExitReason::Normal).await.unwrap();
}

/// GS-8.1, point 5: `stop(reason)` returns only after `terminate` finished, and `wait()` gives
/// the exit reason to every waiter, before and after the exit.
pub(crate) async fn stop_waits_for_terminate_and_wakes_every_waiter<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await;
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.wait().await })
        })
        .collect();
    settle().await;
    let reason = ExitReason::ShutdownWith("maintenance".into());
    assert_eq!(s.stop(reason.clone()).await, Ok(()));
    // The report is already there: terminate (which takes TERMINATE_TIME before it reports)
    // finished before stop returned.
    match events.try_recv() {
        Ok(event) => assert_eq!(
            event,
            Event::Terminated {
                id: s.id(),
                reason: reason.clone()
            }
        ),
        Err(_) => panic!("stop returned before terminate finished"),
    }
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap(), reason);
    }
    assert_eq!(s.wait().await, reason);
    assert_eq!(s.exit_reason(), Some(reason));
    assert!(!s.is_alive());
}

/// GS-9: `kill` ends the actor with `Killed` at once, without running `terminate`, even with
/// messages waiting.
pub(crate) async fn kill_skips_terminate<S: Subject>() {
    let (probe, mut events) = probe();
    let s = start::<S>(&probe, &mut events).await;
    for i in 0..10 {
        s.push(i).unwrap();
    }
    s.kill();
    assert_eq!(s.wait().await, ExitReason::Killed);
    assert_eq!(s.push(1), Err(SendError::NoProc));
    settle().await;
    assert_no_event(&mut events);
}

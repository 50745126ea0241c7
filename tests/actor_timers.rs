//! Timers: `ctx.send_after` delivers `Info::Timer` after its delay, in deadline order, and never
//! once the actor stopped (or the timer was cancelled). All on paused time: no test waits for real.

mod support;

use std::time::Duration;

use beamish::prelude::*;
use support::{
    Agent, AgentExt, AgentMsg, DropGuard, Event, Events, Probe, agent, assert_no_event, next,
    probe, settle, within,
};
use tokio::time::Instant;

async fn start(probe: &Probe, events: &mut Events) -> ActorRef<Agent> {
    let a = agent(probe).await;
    assert!(matches!(next(events).await, Event::Init { .. }));
    assert!(matches!(next(events).await, Event::Handle(_)));
    a
}

const SECOND: Duration = Duration::from_secs(1);

// Point 8: a timer fires after its delay, not before; timers fire in deadline order, not in the
// order they were set.
#[tokio::test(start_paused = true)]
async fn send_after_delivers_after_the_delay() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events).await;
    let t0 = Instant::now();
    let late = a
        .with_ctx(|ctx| ctx.send_after(20 * SECOND, 2_u32))
        .await
        .unwrap();
    let early = a
        .with_ctx(|ctx| ctx.send_after(10 * SECOND, 1_u32))
        .await
        .unwrap();
    assert_ne!(late, early);

    // Just before the first deadline nothing has arrived.
    tokio::time::advance(10 * SECOND - Duration::from_millis(1)).await;
    a.ping().await.unwrap();
    assert_no_event(&mut events);

    let Event::Timer {
        watcher,
        timer,
        tag,
        at,
    } = next(&mut events).await
    else {
        panic!("expected a timer")
    };
    assert_eq!((watcher, timer, tag), (a.id(), early, 1));
    assert!(
        at - t0 >= 10 * SECOND,
        "fired {:?} after being set",
        at - t0
    );
    let Event::Timer { timer, tag, at, .. } = next(&mut events).await else {
        panic!("expected a timer")
    };
    assert_eq!((timer, tag), (late, 2));
    assert!(
        at - t0 >= 20 * SECOND,
        "fired {:?} after being set",
        at - t0
    );
    a.stop(ExitReason::Normal).await.unwrap();
}

// Point 8: a timer set by an actor that stops (or is killed) first is never delivered: it is
// dropped with the actor, long before its deadline.
#[tokio::test(start_paused = true)]
async fn timer_of_a_stopped_actor_is_never_delivered() {
    for kill in [false, true] {
        let (probe, mut events) = probe();
        let a = start(&probe, &mut events).await;
        let t0 = Instant::now();
        let guard = DropGuard {
            tag: 7,
            probe: probe.clone(),
        };
        a.with_ctx(move |ctx| ctx.send_after(10 * SECOND, guard))
            .await
            .unwrap();
        a.with_ctx(|ctx| ctx.send_after(10 * SECOND, 8_u32))
            .await
            .unwrap();
        if kill {
            a.kill();
            within(a.wait()).await;
        } else {
            a.stop(ExitReason::Normal).await.unwrap();
            assert!(matches!(next(&mut events).await, Event::Terminated { .. }));
        }
        // The pending timer let go of its payload with the actor, not at its deadline.
        let Event::Dropped { tag: 7, at } = next(&mut events).await else {
            panic!("expected the payload's drop")
        };
        assert!(at - t0 < 10 * SECOND, "the timer outlived its actor");
        // And past the deadline nothing was delivered anywhere.
        tokio::time::sleep(20 * SECOND).await;
        settle().await;
        assert_no_event(&mut events);
    }
}

// A cancelled timer is never delivered; the others still are.
#[tokio::test(start_paused = true)]
async fn cancelled_timer_is_never_delivered() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events).await;
    let t0 = Instant::now();
    let cancelled = a
        .with_ctx(|ctx| ctx.send_after(5 * SECOND, 1_u32))
        .await
        .unwrap();
    let kept = a
        .with_ctx(|ctx| ctx.send_after(10 * SECOND, 2_u32))
        .await
        .unwrap();
    assert_eq!(
        a.with_ctx(move |ctx| ctx.cancel_timer(cancelled)).await,
        Ok(true)
    );
    assert_eq!(
        a.with_ctx(move |ctx| ctx.cancel_timer(cancelled)).await,
        Ok(false),
        "cancelling twice"
    );
    let Event::Timer { timer, at, .. } = next(&mut events).await else {
        panic!("expected a timer")
    };
    assert_eq!(timer, kept, "the cancelled timer fired");
    assert!(at - t0 >= 10 * SECOND);
    assert_eq!(
        a.with_ctx(move |ctx| ctx.cancel_timer(kept)).await,
        Ok(false),
        "a timer that fired is not pending"
    );
}

// `cast_after` delivers a typed message after the delay.
#[tokio::test(start_paused = true)]
async fn cast_after_delivers_a_message() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events).await;
    let t0 = Instant::now();
    let p = probe.clone();
    a.with_ctx(move |ctx| {
        let msg = AgentMsg::Ctx(Box::new(move |_| {
            let _ = p.send(Event::Mark(1));
        }));
        ctx.cast_after(3 * SECOND, msg)
    })
    .await
    .unwrap();
    assert_eq!(next(&mut events).await, Event::Mark(1));
    assert!(t0.elapsed() >= 3 * SECOND);
}

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

// `cancel_timer` returning `true` is a promise: that timer is never delivered, even when it fires
// on another worker thread at the very moment it is cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_racing_the_timer_keeps_its_promise() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events).await;
    let mut promised = Vec::new();
    for round in 0..200_u32 {
        let cancelled = a
            .with_ctx(move |ctx| {
                let mut cancelled = Vec::new();
                for i in 0..20 {
                    let tag = round * 100 + i;
                    let timer = ctx.send_after(Duration::ZERO, tag);
                    // Give the timer's task a chance to run on the other worker meanwhile.
                    for _ in 0..(i * 50) {
                        std::hint::spin_loop();
                    }
                    if ctx.cancel_timer(timer) {
                        cancelled.push(tag);
                    }
                }
                cancelled
            })
            .await
            .unwrap();
        promised.extend(cancelled);
    }
    // Fence: a timer set last arrives after every earlier one that was going to.
    a.with_ctx(|ctx| ctx.send_after(Duration::from_millis(50), u32::MAX))
        .await
        .unwrap();
    loop {
        match next(&mut events).await {
            Event::Timer { tag: u32::MAX, .. } => break,
            Event::Timer { tag, .. } => {
                assert!(
                    !promised.contains(&tag),
                    "cancelled timer {tag} was delivered"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(!promised.is_empty());
}

/// An `#[actor]` that ticks: its `#[info]` handler gets the timers its `#[init]` set.
#[derive(Debug)]
pub(crate) struct Ticker {
    probe: Probe,
}

#[actor(vis = pub(crate))]
impl Ticker {
    #[init]
    async fn init(probe: Probe, ctx: &mut Context<Self>) -> Self {
        ctx.send_after(2 * SECOND, 2_u32);
        ctx.send_after(SECOND, 1_u32);
        Ticker { probe }
    }

    #[info]
    async fn on_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        if let Info::Timer { timer, payload } = info {
            let tag = payload.downcast::<u32>().expect("a u32 payload");
            let _ = self.probe.send(Event::Timer {
                watcher: ctx.id(),
                timer,
                tag,
                at: Instant::now(),
            });
        }
    }
}

// Timers through `#[actor]`: set in `#[init]`, delivered to `#[info]` in deadline order.
#[tokio::test(start_paused = true)]
async fn macro_actor_gets_its_timers() {
    let (probe, mut events) = probe();
    let t0 = Instant::now();
    let ticker = Ticker::start(probe).await.unwrap();
    for (tag, delay) in [(1, SECOND), (2, 2 * SECOND)] {
        let Event::Timer {
            watcher,
            tag: got,
            at,
            ..
        } = next(&mut events).await
        else {
            panic!("expected a timer")
        };
        assert_eq!((watcher, got), (ticker.id(), tag));
        assert!(at - t0 >= delay);
    }
    ticker.stop(ExitReason::Normal).await.unwrap();
}

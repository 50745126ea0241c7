//! Stopping children: shutdown modes, orderly terminate, sequential vs concurrent (DS-6, SUP-5,
//! GS-9). Time is paused where timeouts matter.

#[path = "support/supervisor.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, FromAnyActor, Restart, Shutdown, Strategy,
    Supervisor, SupervisorOptions,
};
use support::{
    Event, Events, Watch, WorkerArgs, WorkerHandle, terminated_names, worker, worker_with,
};
use tokio::sync::Barrier;
use tokio::time::Instant;

fn args(name: &str, events: &Events, trap: bool, hang: bool) -> WorkerArgs {
    let mut args = WorkerArgs::new(name, events);
    args.trap = trap;
    args.hang_in_terminate = hang;
    args
}

// DS-6, GS-9: Shutdown::Timeout stops the child in order — terminate runs with Shutdown, trapping
// or not — and the child exits with Shutdown.
#[tokio::test(start_paused = true)]
async fn timeout_runs_terminate_with_shutdown_trapping_or_not() {
    for trap in [false, true] {
        let mut events = Events::new();
        let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
            .await
            .unwrap();
        let spec = worker_with(args("w", &events, trap, false))
            .shutdown(Shutdown::Timeout(Duration::from_secs(3)));
        let w = sup.start_child(spec).await.unwrap();
        events.started().await;
        let t0 = Instant::now();
        sup.terminate_child(w.id()).await.unwrap();
        assert_eq!(
            t0.elapsed(),
            Duration::ZERO,
            "no waiting for a prompt child"
        );
        assert_eq!(
            events.next().await,
            Event::Terminated("w".into(), ExitReason::Shutdown)
        );
        assert_eq!(w.wait().await, ExitReason::Shutdown);
        sup.stop(ExitReason::Shutdown).await.unwrap();
    }
}

// DS-6: a child that hangs in terminate is killed once its Shutdown::Timeout has passed.
#[tokio::test(start_paused = true)]
async fn timeout_kills_a_child_that_hangs_in_terminate() {
    let mut events = Events::new();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let spec = worker_with(args("slow", &events, false, true))
        .shutdown(Shutdown::Timeout(Duration::from_secs(3)));
    let w = sup.start_child(spec).await.unwrap();
    events.started().await;
    let t0 = Instant::now();
    sup.terminate_child(w.id()).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(3));
    assert_eq!(
        events.next().await,
        Event::Terminated("slow".into(), ExitReason::Shutdown),
        "terminate started"
    );
    assert_eq!(w.wait().await, ExitReason::Killed);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-6: BrutalKill kills at once; terminate never runs.
#[tokio::test(start_paused = true)]
async fn brutal_kill_skips_terminate() {
    let mut events = Events::new();
    let sup = Supervisor::start(
        [worker_with(args("b", &events, true, false))
            .shutdown(Shutdown::BrutalKill)
            .untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    events.started().await;
    let b = sup.which_children().await.unwrap()[0]
        .actor()
        .unwrap()
        .clone();
    sup.terminate_child("b").await.unwrap();
    assert_eq!(b.wait().await, ExitReason::Killed);
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(events.is_empty(), "terminate never ran");
}

// DS-6: Shutdown::Infinity waits for terminate however long it takes, and never kills.
#[tokio::test(start_paused = true)]
async fn infinity_waits_for_terminate() {
    let mut events = Events::new();
    let gate = Arc::new(Barrier::new(2));
    let mut a = args("inf", &events, false, false);
    a.terminate_barrier = Some(gate.clone());
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let w = sup
        .start_child(worker_with(a).shutdown(Shutdown::Infinity))
        .await
        .unwrap();
    events.started().await;
    let stopping = tokio::spawn({
        let sup = sup.clone();
        let id = w.id();
        async move { sup.terminate_child(id).await }
    });
    assert_eq!(
        events.next().await,
        Event::Terminated("inf".into(), ExitReason::Shutdown)
    );
    // An hour later it is still in terminate, and terminate_child still waits.
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert!(w.is_alive());
    assert!(!stopping.is_finished());
    gate.wait().await;
    stopping.await.unwrap().unwrap();
    assert_eq!(w.wait().await, ExitReason::Shutdown);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-5: a static supervisor stops its children one at a time in reverse start order: the next is
// asked only once the previous one is gone (here: killed after its timeout).
#[tokio::test(start_paused = true)]
async fn static_supervisor_stops_children_one_by_one_in_reverse_order() {
    let mut events = Events::new();
    let children = vec![
        worker("a", &events).untyped(),
        worker("b", &events).untyped(),
        worker_with(args("slow", &events, false, true))
            .shutdown(Shutdown::Timeout(Duration::from_secs(2)))
            .untyped(),
        worker("d", &events).untyped(),
    ];
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    events.take(4).await;
    let slow = sup.which_children().await.unwrap()[2]
        .actor()
        .unwrap()
        .clone();
    let t0 = Instant::now();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(2));
    let seen = events.take(4).await;
    assert_eq!(terminated_names(&seen), ["d", "slow", "b", "a"]);
    assert_eq!(slow.wait().await, ExitReason::Killed);
}

// SUP-5: the order is recorded by the children themselves, and `b` is only asked to stop after
// `slow` was killed: it sees `slow` dead when its own terminate runs.
#[tokio::test(start_paused = true)]
async fn static_shutdown_waits_for_each_child_before_the_next() {
    let mut events = Events::new();
    let children = vec![
        worker("b", &events).untyped(),
        worker_with(args("slow", &events, true, true))
            .shutdown(Shutdown::Timeout(Duration::from_secs(2)))
            .untyped(),
    ];
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    events.take(2).await;
    let slow = sup.which_children().await.unwrap()[1]
        .actor()
        .unwrap()
        .clone();
    let stopping = tokio::spawn({
        let sup = sup.clone();
        async move { sup.stop(ExitReason::Shutdown).await }
    });
    assert_eq!(
        events.next().await,
        Event::Terminated("slow".into(), ExitReason::Shutdown)
    );
    assert!(slow.is_alive());
    assert_eq!(
        events.next().await,
        Event::Terminated("b".into(), ExitReason::Shutdown)
    );
    assert!(!slow.is_alive(), "b is stopped only after slow is gone");
    assert_eq!(stopping.await.unwrap(), Ok(()));
}

// DS-6: a DynamicSupervisor stops its children concurrently: all of them are in terminate at the
// same time (a barrier only all of them together can pass). Stopped one by one, the first would
// wait at the barrier until its timeout and be killed.
#[tokio::test(start_paused = true)]
async fn dynamic_supervisor_stops_children_concurrently() {
    let mut events = Events::new();
    let barrier = Arc::new(Barrier::new(4));
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let mut handles = Vec::new();
    for name in ["a", "b", "c", "d"] {
        let mut a = WorkerArgs::new(name, &events);
        a.terminate_barrier = Some(barrier.clone());
        let spec = worker_with(a).shutdown(Shutdown::Timeout(Duration::from_secs(60)));
        handles.push(sup.start_child(spec).await.unwrap());
    }
    events.take(4).await;
    let t0 = Instant::now();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    for h in &handles {
        assert_eq!(h.wait().await, ExitReason::Shutdown, "none was killed");
    }
    let mut names = terminated_names(&events.take(4).await);
    names.sort();
    assert_eq!(names, ["a", "b", "c", "d"]);
}

// DS-6, GS-9: when the supervisor stops, every child's terminate runs with Shutdown — the
// non-trapping ones too (orderly stop, not an exit signal).
#[tokio::test]
async fn supervisor_stop_runs_every_childs_terminate() {
    let mut events = Events::new();
    let sup = Supervisor::start(
        [
            worker_with(args("plain", &events, false, false)).untyped(),
            worker_with(args("trapping", &events, true, false)).untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForAll),
    )
    .await
    .unwrap();
    events.take(2).await;
    sup.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(
        events.take(2).await,
        [
            Event::Terminated("trapping".into(), ExitReason::Shutdown),
            Event::Terminated("plain".into(), ExitReason::Shutdown),
        ]
    );
}

// A killed supervisor cannot stop its children in order; the link takes them down instead
// (EX-3): a non-trapping child dies with Killed without terminate, a trapping one (whose parent the
// supervisor is) stops in order (GS-10).
#[tokio::test]
async fn killing_a_supervisor_takes_its_children_down_through_links() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let plain = sup
        .start_child(worker_with(args("plain", &events, false, false)))
        .await
        .unwrap();
    let trapping = sup
        .start_child(worker_with(args("trapping", &events, true, false)))
        .await
        .unwrap();
    events.take(2).await;
    watch.watch(&plain).await;
    watch.watch(&trapping).await;
    sup.kill();
    let mut downs = vec![watch.down().await, watch.down().await];
    downs.sort_by_key(|(id, _)| *id);
    assert_eq!(
        downs,
        [
            (plain.id(), ExitReason::Killed),
            (trapping.id(), ExitReason::Killed)
        ]
    );
    assert_eq!(
        events.next().await,
        Event::Terminated("trapping".into(), ExitReason::Killed)
    );
    assert!(events.is_empty());
}

// Transient and temporary children stopped by the supervisor are not restarted either.
#[tokio::test]
async fn terminate_child_never_restarts_whatever_the_policy() {
    let mut events = Events::new();
    let sup = Supervisor::start(
        [
            worker("p", &events).untyped(),
            worker("t", &events).restart(Restart::Transient).untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForAll),
    )
    .await
    .unwrap();
    events.take(2).await;
    sup.terminate_child("p").await.unwrap();
    sup.terminate_child("t").await.unwrap();
    assert_eq!(terminated_names(&events.take(2).await), ["p", "t"]);
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.restarts), (2, 0, 0));
    let w = WorkerHandle::from_any(sup.restart_child("p").await.unwrap()).unwrap();
    assert_eq!(w.name().await, Ok("p".to_string()));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

/// What a [`Busy`] child reports.
#[derive(Debug, PartialEq, Eq)]
enum Busy {
    /// `hold` began.
    Entered,
    /// `terminate` ran with `reason`, at (virtual) time `at`, and `hold` had got as far as
    /// `progress` (1: inside, 2: done).
    Terminated {
        reason: ExitReason,
        progress: u32,
        at: Instant,
    },
}

#[derive(Clone)]
struct BusyArgs {
    trap: bool,
    hang_in_terminate: bool,
    report: tokio::sync::mpsc::UnboundedSender<Busy>,
}

/// A child that can be held busy in a handler, for as long as the test likes or for ever.
struct BusyChild {
    args: BusyArgs,
    progress: u32,
}

#[actor]
impl BusyChild {
    #[init]
    async fn init(args: BusyArgs, ctx: &mut Context<Self>) -> Self {
        ctx.trap_exit(args.trap);
        BusyChild { args, progress: 0 }
    }

    /// Stays in this handler for `release` (for ever if `None`).
    #[cast]
    async fn hold(&mut self, release: Option<Duration>) {
        self.progress = 1;
        let _ = self.args.report.send(Busy::Entered);
        match release {
            Some(delay) => tokio::time::sleep(delay).await,
            None => std::future::pending().await,
        }
        self.progress = 2;
    }

    /// How far `hold` got.
    #[call]
    async fn progress(&self) -> u32 {
        self.progress
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = self.args.report.send(Busy::Terminated {
            reason: reason.clone(),
            progress: self.progress,
            at: Instant::now(),
        });
        if self.args.hang_in_terminate {
            std::future::pending::<()>().await;
        }
    }
}

/// A busy child's spec and the channel it reports to.
fn busy(
    trap: bool,
    hang_in_terminate: bool,
    shutdown: Shutdown,
) -> (
    beamish::ChildSpec<BusyChildHandle>,
    tokio::sync::mpsc::UnboundedReceiver<Busy>,
) {
    let (report, reports) = tokio::sync::mpsc::unbounded_channel();
    let args = BusyArgs {
        trap,
        hang_in_terminate,
        report,
    };
    (
        BusyChild::child_spec(args)
            .with_id("busy")
            .shutdown(shutdown),
        reports,
    )
}

async fn report(reports: &mut tokio::sync::mpsc::UnboundedReceiver<Busy>) -> Busy {
    tokio::time::timeout(Duration::from_secs(3600), reports.recv())
        .await
        .expect("a report within the hour")
        .expect("the child keeps its sender")
}

// DS-6 as DESIGN.md decides it: a non-trapping child blocked for ever in a handler does not delay
// `Supervisor::stop` by any time at all — its handler is cancelled — and its `terminate` runs
// with `Shutdown` on the state the handler left. A call queued behind the handler is not handled:
// it fails with the exit reason.
#[tokio::test(start_paused = true)]
async fn a_busy_non_trapping_child_is_cancelled_and_still_terminates() {
    for mode in [
        Shutdown::Timeout(Duration::from_secs(5)),
        Shutdown::Infinity,
    ] {
        let (spec, mut reports) = busy(false, false, mode);
        let sup = Supervisor::start(
            [spec.untyped()],
            SupervisorOptions::new(Strategy::OneForOne),
        )
        .await
        .unwrap();
        let child = BusyChildHandle::from_any(
            sup.which_children().await.unwrap()[0]
                .actor()
                .unwrap()
                .clone(),
        )
        .unwrap();
        child.hold(None).unwrap();
        assert_eq!(report(&mut reports).await, Busy::Entered);
        // Polled once, the call is in the mailbox behind the blocked handler.
        let mut queued = std::pin::pin!(child.progress());
        tokio::select! {
            biased;
            answer = &mut queued => panic!("answered while blocked: {answer:?}"),
            () = std::future::ready(()) => {}
        }
        let t0 = Instant::now();
        // Bounded, so that a stop that waits on the busy child fails the test instead of hanging.
        let stopped =
            tokio::time::timeout(Duration::from_secs(3600), sup.stop(ExitReason::Shutdown));
        assert_eq!(stopped.await, Ok(Ok(())), "{mode:?}");
        assert_eq!(
            t0.elapsed(),
            Duration::ZERO,
            "{mode:?}: no virtual time passed"
        );
        assert_eq!(
            report(&mut reports).await,
            Busy::Terminated {
                reason: ExitReason::Shutdown,
                progress: 1,
                at: t0
            },
            "{mode:?}"
        );
        assert_eq!(
            child.wait().await,
            ExitReason::Shutdown,
            "{mode:?}: not killed"
        );
        assert_eq!(
            queued.await,
            Err(CallError::Exited(ExitReason::Shutdown)),
            "{mode:?}"
        );
    }
}

// The same for a DynamicSupervisor's concurrent shutdown and its `terminate_child`: busy
// non-trapping children are stopped at once, and each one's terminate runs.
#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_never_waits_on_busy_non_trapping_children() {
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let mut children = Vec::new();
    for _ in 0..3 {
        let (spec, mut reports) = busy(false, false, Shutdown::Timeout(Duration::from_secs(5)));
        let child = sup.start_child(spec).await.unwrap();
        child.hold(None).unwrap();
        assert_eq!(report(&mut reports).await, Busy::Entered);
        children.push((child, reports));
    }
    let t0 = Instant::now();
    sup.terminate_child(children[0].0.id()).await.unwrap();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    for (child, mut reports) in children {
        assert_eq!(
            report(&mut reports).await,
            Busy::Terminated {
                reason: ExitReason::Shutdown,
                progress: 1,
                at: t0
            }
        );
        assert_eq!(child.wait().await, ExitReason::Shutdown);
    }
}

// DS-6, GS-9: a trapping child finishes its current handler first, then runs terminate; one that
// is still in terminate when its shutdown timeout runs out is killed, exactly then.
#[tokio::test(start_paused = true)]
async fn a_busy_trapping_child_terminates_after_its_handler_and_is_killed_at_its_timeout() {
    let (spec, mut reports) = busy(true, true, Shutdown::Timeout(Duration::from_secs(3)));
    let sup = Supervisor::start(
        [spec.untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let child = sup.which_children().await.unwrap()[0]
        .actor()
        .unwrap()
        .clone();
    let typed = BusyChildHandle::from_any(child.clone()).unwrap();
    typed.hold(Some(Duration::from_secs(1))).unwrap();
    assert_eq!(report(&mut reports).await, Busy::Entered);
    let t0 = Instant::now();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        t0.elapsed(),
        Duration::from_secs(3),
        "killed at the timeout"
    );
    assert_eq!(
        report(&mut reports).await,
        Busy::Terminated {
            reason: ExitReason::Shutdown,
            progress: 2,
            at: t0 + Duration::from_secs(1)
        },
        "terminate ran after the handler was done"
    );
    assert_eq!(child.wait().await, ExitReason::Killed);
}

// A trapping child blocked for ever in a handler never reaches terminate: it is killed when its
// shutdown timeout runs out, exactly then.
#[tokio::test(start_paused = true)]
async fn a_trapping_child_blocked_for_ever_is_killed_at_its_timeout() {
    let (spec, mut reports) = busy(true, false, Shutdown::Timeout(Duration::from_secs(3)));
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let child = sup.start_child(spec).await.unwrap();
    child.hold(None).unwrap();
    assert_eq!(report(&mut reports).await, Busy::Entered);
    let t0 = Instant::now();
    sup.terminate_child(child.id()).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(3));
    assert_eq!(child.wait().await, ExitReason::Killed);
    assert!(reports.try_recv().is_err(), "terminate never ran");
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

//! Handles that follow a supervised child across restarts: `DynamicSupervisor::start_child_followed`,
//! `Supervisor::start_child_followed` and `Supervisor::follow_child`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, Strategy, Supervisor, SupervisorError,
    SupervisorOptions,
};
use tokio::sync::{Semaphore, oneshot};

/// A child whose incarnations after the first wait in `init` for a permit from `gate`, so a test
/// can hold a restart in progress.
struct Gated {
    count: i64,
}

#[derive(Clone)]
struct Gate {
    permits: Arc<Semaphore>,
    first: Arc<std::sync::atomic::AtomicBool>,
}

impl Gate {
    fn new() -> Self {
        Gate {
            permits: Arc::new(Semaphore::new(0)),
            first: Arc::new(std::sync::atomic::AtomicBool::new(true)),
        }
    }

    fn open(&self) {
        self.permits.add_permits(1);
    }
}

#[actor]
impl Gated {
    #[init]
    async fn init(gate: Gate) -> Self {
        if !gate.first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            gate.permits
                .acquire()
                .await
                .expect("the gate is never closed")
                .forget();
        }
        Gated { count: 0 }
    }

    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.count += n;
        self.count
    }

    #[call]
    async fn crash(&mut self) {
        panic!("crash on purpose")
    }

    /// Says it has started, then holds the actor until `release` fires.
    #[call]
    async fn hold(&mut self, entered: Signal, release: Wait) {
        entered.fire();
        release.wait().await;
    }

    #[cast]
    async fn crash_later(&mut self) {
        panic!("crash on purpose")
    }

    /// Stops this incarnation cleanly.
    #[cast]
    async fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }
}

/// One side of a oneshot, movable into a handler.
struct Signal(oneshot::Sender<()>);

impl Signal {
    fn fire(self) {
        let _ = self.0.send(());
    }
}

/// The other side.
struct Wait(oneshot::Receiver<()>);

impl Wait {
    async fn wait(self) {
        let _ = self.0.await;
    }
}

fn signal() -> (Signal, Wait) {
    let (tx, rx) = oneshot::channel();
    (Signal(tx), Wait(rx))
}

/// A plain handle to the incarnation `handle` follows now.
async fn incarnation(sup: &DynamicSupervisor, handle: &GatedHandle) -> AnyActor {
    sup.which_children()
        .await
        .unwrap()
        .iter()
        .filter_map(|child| child.actor())
        .find(|actor| actor.id() == handle.id())
        .cloned()
        .expect("the followed child runs")
}

fn permissive() -> DynamicSupervisorOptions {
    DynamicSupervisorOptions::new().max_restarts(100)
}

/// A permissive supervisor, and a handle following a `Gated` child under it whose restarts
/// `gate` holds.
async fn followed_child(gate: &Gate) -> (DynamicSupervisor, GatedHandle) {
    let sup = DynamicSupervisor::start(permissive()).await.unwrap();
    let child = sup
        .start_child_followed(Gated::child_spec(gate.clone()))
        .await
        .unwrap();
    (sup, child)
}

#[tokio::test]
async fn a_followed_handle_reaches_each_new_incarnation() {
    let gate = Gate::new();
    let (sup, counter) = followed_child(&gate).await;
    assert_eq!(counter.add(2).await, Ok(2));
    for round in 0..5 {
        let before = counter.id();
        assert!(counter.to_any().follows_restarts());
        let plain = incarnation(&sup, &counter).await;
        assert!(!plain.follows_restarts());
        assert!(matches!(
            counter.crash().await,
            Err(CallError::Exited(ExitReason::Panic(_)))
        ));
        assert!(!plain.is_alive());
        gate.open();
        // A fresh state each time: the handle went to the new incarnation.
        assert_eq!(counter.add(1).await, Ok(1), "round {round}");
        assert_ne!(counter.id(), before);
        assert!(counter.is_alive());
    }
    assert_eq!(sup.count_children().await.unwrap().active, 1);
}

#[tokio::test]
async fn a_call_made_while_the_child_restarts_waits_for_the_new_incarnation() {
    let gate = Gate::new();
    let (sup, counter) = followed_child(&gate).await;
    let first = incarnation(&sup, &counter).await;
    counter.crash_later().unwrap();
    assert!(matches!(first.wait().await, ExitReason::Panic(_)));
    // The first incarnation is dead and the next one is held in `init` by the gate: this call is
    // made while the child restarts.
    let mut waiting = Box::pin(counter.add(5));
    let polled = std::future::poll_fn(|cx| Poll::Ready(waiting.as_mut().poll(cx))).await;
    assert!(polled.is_pending(), "the call waits for the restart");
    // The supervisor is restarting: a cast does not wait, it fails at once.
    assert_eq!(counter.crash_later(), Err(SendError::NoProc));
    gate.open();
    assert_eq!(waiting.await, Ok(5));
    assert_ne!(counter.id(), first.id());
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_a_restart_times_out_at_its_own_timeout() {
    let gate = Gate::new();
    let (sup, counter) = followed_child(&gate).await;
    let first = incarnation(&sup, &counter).await;
    counter.crash_later().unwrap();
    first.wait().await;
    let quick = counter.with_timeout(Duration::from_millis(300));
    let start = tokio::time::Instant::now();
    assert_eq!(quick.add(1).await, Err(CallError::Timeout));
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    gate.open();
    assert_eq!(counter.add(1).await, Ok(1));
}

/// Polls `call` once, so that its message is queued: it must still be waiting.
async fn queue<F: Future + Unpin>(call: &mut F) {
    let polled = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *call).poll(cx))).await;
    assert!(
        polled.is_pending(),
        "the call waits behind the held handler"
    );
}

/// The release of a held handler, and the held call.
type Held = (Signal, tokio::task::JoinHandle<Result<(), CallError>>);

/// Holds `counter`'s incarnation in a handler until the release fires.
async fn hold(counter: &GatedHandle) -> Held {
    let (entered, has_entered) = signal();
    let (release, released) = signal();
    let held = tokio::spawn({
        let counter = counter.clone();
        async move { counter.hold(entered, released).await }
    });
    has_entered.wait().await;
    (release, held)
}

/// Holds `counter`'s incarnation in a handler and queues a crash behind it.
async fn hold_then_crash(counter: &GatedHandle) -> Held {
    let held = hold(counter).await;
    counter.crash_later().unwrap();
    held
}

#[tokio::test]
async fn calls_the_dying_incarnation_had_not_started_are_answered_by_the_next_once_in_order() {
    let gate = Gate::new();
    gate.open();
    let (sup, counter) = followed_child(&gate).await;
    let first = counter.id();
    let dying = incarnation(&sup, &counter).await;
    let plain: GatedHandle = dying.downcast::<Gated>().unwrap().into();
    // Hold the actor, queue a crash and then two adds behind it, one through a plain handle of
    // this incarnation and one through the followed handle: both are accepted by the incarnation
    // that dies before starting them.
    let (release, held) = hold_then_crash(&counter).await;
    let mut through_plain = Box::pin(plain.add(10));
    queue(&mut through_plain).await;
    let mut through_followed = Box::pin(counter.add(100));
    queue(&mut through_followed).await;
    release.fire();
    assert_eq!(held.await.unwrap(), Ok(()));
    // That incarnation is dead; the child's mailbox was carried over to the next one, which
    // starts from zero and handles both once, in their order.
    assert!(matches!(dying.wait().await, ExitReason::Panic(_)));
    assert_eq!(through_plain.await, Ok(10));
    assert_eq!(through_followed.await, Ok(110));
    assert_ne!(counter.id(), first);
    assert_eq!(counter.add(1).await, Ok(111));
}

#[tokio::test]
async fn a_kept_call_fails_with_the_exit_reason_when_the_child_is_not_restarted() {
    let sup = DynamicSupervisor::start(permissive()).await.unwrap();
    let counter: GatedHandle = sup
        .start_child_followed(Gated::child_spec(Gate::new()).restart(Restart::Temporary))
        .await
        .unwrap();
    let (release, held) = hold_then_crash(&counter).await;
    let mut to_child = Box::pin(counter.add(100));
    queue(&mut to_child).await;
    release.fire();
    assert_eq!(held.await.unwrap(), Ok(()));
    // Nothing to carry it to: it fails with the exit reason at once, not at its timeout.
    assert!(matches!(
        to_child.await,
        Err(CallError::Exited(ExitReason::Panic(_)))
    ));
    assert_eq!(counter.add(1).await, Err(CallError::NoProc));
}

#[tokio::test]
async fn calls_fail_at_once_when_the_child_is_gone_for_good() {
    let sup = DynamicSupervisor::start(permissive()).await.unwrap();
    let gate = Gate::new();

    // Temporary: not restarted after its exit.
    let temporary: GatedHandle = sup
        .start_child_followed(Gated::child_spec(gate.clone()).restart(Restart::Temporary))
        .await
        .unwrap();
    assert!(temporary.crash().await.is_err());
    assert_eq!(temporary.add(1).await, Err(CallError::NoProc));

    // Transient, stopped cleanly.
    let transient: GatedHandle = sup
        .start_child_followed(Gated::child_spec(Gate::new()).restart(Restart::Transient))
        .await
        .unwrap();
    transient.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(transient.add(1).await, Err(CallError::NoProc));

    // Terminated through the supervisor.
    let terminated: GatedHandle = sup
        .start_child_followed(Gated::child_spec(Gate::new()))
        .await
        .unwrap();
    sup.terminate_child(terminated.id()).await.unwrap();
    assert_eq!(terminated.add(1).await, Err(CallError::NoProc));

    // The supervisor itself exits.
    let orphan: GatedHandle = sup
        .start_child_followed(Gated::child_spec(Gate::new()))
        .await
        .unwrap();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(orphan.add(1).await, Err(CallError::NoProc));
}

#[tokio::test]
async fn calls_fail_at_once_when_the_supervisor_gives_up() {
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_restarts(0))
        .await
        .unwrap();
    let gate = Gate::new();
    gate.open();
    let counter: GatedHandle = sup
        .start_child_followed(Gated::child_spec(gate))
        .await
        .unwrap();
    assert!(counter.crash().await.is_err());
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    assert_eq!(counter.add(1).await, Err(CallError::NoProc));
}

#[tokio::test]
async fn followed_handles_of_one_child_are_equal_and_plain_ones_are_not() {
    let gate = Gate::new();
    gate.open();
    let (sup, followed) = followed_child(&gate).await;
    let same = followed.clone();
    let plain: GatedHandle = GatedHandle::from_any(incarnation(&sup, &followed).await).unwrap();
    assert_eq!(followed, same);
    assert_ne!(followed, plain);
    assert!(followed.crash().await.is_err());
    assert_eq!(followed.add(1).await, Ok(1));
    assert_eq!(followed, same, "equality survives restarts");
    assert_eq!(
        plain.add(1).await,
        Err(CallError::NoProc),
        "a plain handle goes stale"
    );

    // A followed AnyActor downcasts to a followed typed handle.
    let any = followed.to_any();
    let back = GatedHandle::from_any(any).unwrap();
    assert_eq!(back, followed);
}

/// A one_for_all static supervisor of two `Gated` children, `a` and `b`, and handles following
/// each.
async fn one_for_all_pair(gate_a: &Gate, gate_b: &Gate) -> (Supervisor, GatedHandle, GatedHandle) {
    let sup = Supervisor::start(
        vec![
            Gated::child_spec(gate_a.clone()).with_id("a").untyped(),
            Gated::child_spec(gate_b.clone()).with_id("b").untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForAll).max_restarts(10),
    )
    .await
    .unwrap();
    let a = sup.follow_child("a").await.unwrap();
    let b = sup.follow_child("b").await.unwrap();
    (sup, a, b)
}

#[tokio::test]
async fn a_static_supervisor_child_is_followed_across_group_restarts() {
    let gate_a = Gate::new();
    let gate_b = Gate::new();
    gate_a.open();
    gate_b.open();
    let (sup, a, b) = one_for_all_pair(&gate_a, &gate_b).await;
    assert_eq!(a.add(3).await, Ok(3));
    // b crashes; one_for_all restarts a too, and the handle to a follows.
    assert!(b.crash().await.is_err());
    gate_a.open();
    gate_b.open();
    assert_eq!(a.add(1).await, Ok(1));
    assert_eq!(b.add(1).await, Ok(1));

    // terminate_child: calls fail at once; restart_child: they reach it again.
    sup.terminate_child("a").await.unwrap();
    assert_eq!(a.add(1).await, Err(CallError::NoProc));
    assert!(matches!(
        sup.follow_child::<GatedHandle>("a").await,
        Err(SupervisorError::NotRunning)
    ));
    gate_a.open();
    sup.restart_child("a").await.unwrap();
    assert_eq!(a.add(1).await, Ok(1));

    // delete_child: gone for good.
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert_eq!(a.add(1).await, Err(CallError::NoProc));
    assert!(matches!(
        sup.follow_child::<GatedHandle>("a").await,
        Err(SupervisorError::NotFound)
    ));

    // start_child_followed on a static supervisor.
    let c: GatedHandle = sup
        .start_child_followed(Gated::child_spec(Gate::new()).with_id("c"))
        .await
        .unwrap();
    assert_eq!(c.add(7).await, Ok(7));
    assert!(matches!(
        sup.follow_child::<GatedHandle>("c").await,
        Ok(handle) if handle == c
    ));
}

#[tokio::test(start_paused = true)]
async fn a_static_supervisors_child_not_restarted_fails_followed_calls_at_once() {
    let sup = Supervisor::start(
        vec![
            Gated::child_spec(Gate::new())
                .with_id("t")
                .restart(Restart::Transient)
                .untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let t: GatedHandle = sup.follow_child("t").await.unwrap();
    let patient = t.clone().with_timeout(Duration::from_secs(3600));
    // Hold the child, queue a clean stop and a call behind it: a transient child is not
    // restarted, so the queued call and every later one fail with no wait.
    let (release, held) = hold(&t).await;
    t.quit().unwrap();
    let mut queued = Box::pin(patient.add(1));
    queue(&mut queued).await;
    release.fire();
    assert_eq!(held.await.unwrap(), Ok(()));
    let start = tokio::time::Instant::now();
    assert!(matches!(
        queued.await,
        Err(CallError::Exited(ExitReason::Normal))
    ));
    assert_eq!(patient.add(1).await, Err(CallError::NoProc));
    assert_eq!(start.elapsed(), Duration::ZERO, "no call waited");
}

#[tokio::test]
async fn a_group_restart_carries_each_followed_childs_queued_calls_over() {
    let (gate_a, gate_b) = (Gate::new(), Gate::new());
    let (_sup, a, b) = one_for_all_pair(&gate_a, &gate_b).await;
    assert_eq!(a.add(3).await, Ok(3));
    // a is busy with a call and has another queued behind it when b crashes: one_for_all stops
    // a (cutting its running handler short) and starts both again.
    let (_release, held) = hold(&a).await;
    let mut queued = Box::pin(a.add(10));
    queue(&mut queued).await;
    gate_a.open();
    gate_b.open();
    assert!(b.crash().await.is_err());
    assert!(matches!(held.await.unwrap(), Err(CallError::Exited(_))));
    // The queued call went to a's next incarnation, which starts from zero.
    assert_eq!(queued.await, Ok(10));
    assert_eq!(a.add(1).await, Ok(11));
    assert_eq!(b.add(1).await, Ok(1));
}

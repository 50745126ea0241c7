//! An idle dynamic supervisor takes a child's exit in the dying child's task: the restart (its
//! bookkeeping and the new incarnation's first poll) runs there, with no hand-off to the
//! supervisor's task, and the new incarnation runs on in that task. What a user relies on holds
//! either way, and is hammered here: a call to the supervisor made once the old incarnation's
//! `wait` returned sees the restart done, even when the new `init` waits; a restart whose `init`
//! fails is retried; and every crash is restarted exactly once while other children crash and
//! callers query the supervisor meanwhile.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use beamish::prelude::*;
use beamish::{ChildState, DynamicSupervisor, DynamicSupervisorOptions};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{Id, JoinHandle};

/// A gate for the next `init` that finds one: it reports its id, then waits for the value.
type Gate = Arc<Mutex<Option<(mpsc::UnboundedSender<ActorId>, oneshot::Receiver<()>)>>>;

/// What every incarnation's `init` reads (a spec's arguments are cloned for every start).
#[derive(Clone, Default)]
struct Setup {
    gate: Gate,
    /// The next `init`s that fail, counted down.
    failing: Arc<AtomicU32>,
}

/// Records the task its `init` ran in; crashes on request.
struct Phoenix {
    init_task: Option<Id>,
}

#[actor]
impl Phoenix {
    #[init]
    async fn init(setup: Setup, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        let failing = setup
            .failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if failing.is_ok() {
            return Err(InitError::msg("refused"));
        }
        let gate = setup.gate.lock().expect("gate").take();
        if let Some((waiting, gate)) = gate {
            let _ = waiting.send(ctx.id());
            let _ = gate.await;
        }
        Ok(Phoenix {
            init_task: tokio::task::try_id(),
        })
    }

    /// The task this incarnation's handlers run in, and the one its `init` ran in.
    #[call]
    async fn tasks(&mut self) -> (Option<Id>, Option<Id>) {
        // (A handler that can wait runs in the actor's own task, never inline in the caller's.)
        std::future::ready(()).await;
        (tokio::task::try_id(), self.init_task)
    }

    #[call]
    async fn ping(&mut self) -> u32 {
        7
    }

    #[cast]
    async fn boom(&mut self) {
        panic!("boom")
    }
}

async fn supervisor() -> DynamicSupervisor {
    let options = DynamicSupervisorOptions::new().max_restarts(u32::MAX);
    DynamicSupervisor::start(options).await.expect("supervisor")
}

/// The one running child of `sup`, as a typed handle.
async fn running(sup: &DynamicSupervisor) -> PhoenixHandle {
    let children = sup.which_children().await.expect("which_children");
    assert_eq!(children.len(), 1, "one child");
    match &children[0].state {
        ChildState::Running(actor) => PhoenixHandle::from_any(actor.clone()).expect("a Phoenix"),
        other => panic!("the child is not running: {other:?}"),
    }
}

/// A supervisor and its one child, started with `setup`.
async fn supervised(setup: &Setup) -> (DynamicSupervisor, PhoenixHandle) {
    let sup = supervisor().await;
    let child = sup
        .start_child(Phoenix::child_spec(setup.clone()))
        .await
        .expect("child");
    (sup, child)
}

impl Setup {
    /// Arms the gate for the next `init` that gets past the failing ones: where it reports its
    /// id, and what releases it.
    fn arm_gate(&self) -> (mpsc::UnboundedReceiver<ActorId>, oneshot::Sender<()>) {
        let (waiting_tx, waiting) = mpsc::unbounded_channel();
        let (release, gate) = oneshot::channel();
        *self.gate.lock().expect("gate") = Some((waiting_tx, gate));
        (waiting, release)
    }
}

/// A task that queries `sup` until told to stop (the sender), checking it holds `specs`
/// children and counts no more than `most` restarts: how many queries it made.
fn querier(
    sup: &DynamicSupervisor,
    specs: usize,
    most: u64,
) -> (oneshot::Sender<()>, JoinHandle<u64>) {
    let (done, mut stop) = oneshot::channel::<()>();
    let sup = sup.clone();
    let queries = tokio::spawn(async move {
        let mut queries = 0u64;
        while stop.try_recv().is_err() {
            let counts = sup.count_children().await.expect("counts");
            assert_eq!(counts.specs, specs);
            assert!(counts.restarts <= most);
            queries += 1;
        }
        queries
    });
    (done, queries)
}

/// The new incarnation's `init` ran in the old incarnation's own task (its exit path ran the
/// restart), not in the supervisor's, and the new incarnation goes on in that task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_supervisor_restarts_a_crashed_child_in_the_childs_own_task() {
    let (sup, old) = supervised(&Setup::default()).await;
    let (old_task, _) = old.tasks().await.expect("tasks");
    let received = sup.mailbox_stats().received;
    old.boom().expect("cast");
    old.wait().await;
    // An exit signal is a system message, however it is handled: not counted as received.
    assert_eq!(sup.mailbox_stats().received, received);
    let new = running(&sup).await;
    assert_ne!(new.id(), old.id(), "a new incarnation");
    let (new_task, init_task) = new.tasks().await.expect("tasks");
    assert_eq!(init_task, old_task, "init ran in the crashed child's task");
    assert_eq!(new_task, old_task, "the new incarnation runs on in it");
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// A restart whose `init` waits ends before the supervisor handles anything sent after the old
/// incarnation's `wait` returned: that call sees the new incarnation running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_whose_init_waits_ends_before_the_supervisor_answers_anything_else() {
    let setup = Setup::default();
    let (sup, old) = supervised(&setup).await;
    let (mut waiting, release) = setup.arm_gate();
    old.boom().expect("cast");
    old.wait().await;
    let new_id = waiting.recv().await.expect("the new init waits");
    let query = tokio::spawn({
        let sup = sup.clone();
        async move { sup.which_children().await }
    });
    release.send(()).expect("release");
    let children = query.await.expect("query").expect("which_children");
    assert!(
        matches!(&children[0].state, ChildState::Running(a) if a.id() == new_id),
        "the restart was done first: {children:?}"
    );
    assert_eq!(sup.count_children().await.expect("counts").restarts, 1);
    assert_eq!(running(&sup).await.ping().await, Ok(7));
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// A restart whose `init` fails is retried until one succeeds, each attempt counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_whose_init_fails_is_retried_until_it_succeeds() {
    let setup = Setup::default();
    let (sup, old) = supervised(&setup).await;
    setup.failing.store(3, Ordering::SeqCst);
    let (mut waiting, release) = setup.arm_gate();
    old.boom().expect("cast");
    // The fourth attempt gets through and waits at the gate.
    let new_id = waiting.recv().await.expect("an init got through");
    release.send(()).expect("release");
    let new = running(&sup).await;
    assert_eq!(new.id(), new_id);
    assert_eq!(new.ping().await, Ok(7));
    assert_eq!(setup.failing.load(Ordering::SeqCst), 0);
    assert_eq!(sup.count_children().await.expect("counts").restarts, 4);
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// Two children crash 1,000 times each, from two tasks on four workers, while a third task
/// queries the supervisor: each exit is taken inline or queued, whichever the supervisor's
/// state allows at that instant. Every crash is restarted exactly once, and every call queued
/// behind a crash on a followed handle is answered by the next incarnation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_crash_is_restarted_once_while_others_crash_and_callers_query() {
    const CRASHES: u32 = 1_000;
    let sup = supervisor().await;
    let mut drivers = Vec::new();
    for _ in 0..2 {
        let child: PhoenixHandle = sup
            .start_child_followed(Phoenix::child_spec(Setup::default()))
            .await
            .expect("child");
        drivers.push(tokio::spawn(async move {
            for round in 0..CRASHES {
                let before = child.id();
                child.boom().expect("cast");
                assert_eq!(child.ping().await, Ok(7), "round {round}");
                assert_ne!(child.id(), before, "round {round}: a new incarnation");
            }
        }));
    }
    let (done, querier) = querier(&sup, 2, u64::from(2 * CRASHES));
    for driver in drivers {
        driver.await.expect("driver");
    }
    done.send(()).expect("querier");
    assert!(querier.await.expect("querier") > 0);
    let counts = sup.count_children().await.expect("counts");
    assert_eq!(counts.restarts, u64::from(2 * CRASHES));
    assert_eq!(counts.active, 2);
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// A hundred crashes sent to a followed child: each incarnation takes one, crashes,
/// and is restarted in its own task's exit path, the next running on in that task (a few per
/// poll, then in a task of its own): every crash is restarted once, and the call queued behind
/// them reaches the hundred-and-first incarnation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_crashes_queued_on_a_followed_child_restarts_it_once_per_crash() {
    const CRASHES: u64 = 100;
    let sup = supervisor().await;
    let child: PhoenixHandle = sup
        .start_child_followed(Phoenix::child_spec(Setup::default()))
        .await
        .expect("child");
    let first = child.id();
    for _ in 0..CRASHES {
        // (`send`, not a cast: a cast made while the child restarts fails with `NoProc`.)
        let boom = PhoenixMessage::Boom();
        child.actor_ref().send(boom).await.expect("send");
    }
    assert_eq!(child.ping().await, Ok(7));
    assert_ne!(child.id(), first);
    let counts = sup.count_children().await.expect("counts");
    assert_eq!(counts.restarts, CRASHES);
    assert_eq!(counts.active, 1);
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// The Ordering guarantee (`ActorHandle`), hammered: 1,000 times on four workers, a child's
/// incarnation crashes while another task keeps the supervisor busy with queries, so that its
/// exit is taken inline or queued as it happens; once the old incarnation's `wait` returned, a
/// query of the supervisor finds the new incarnation running.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn once_a_crashed_incarnations_wait_returns_its_restart_is_done() {
    const CRASHES: u64 = 1_000;
    let (sup, mut child) = supervised(&Setup::default()).await;
    let (done, querier) = querier(&sup, 1, CRASHES);
    for round in 0..CRASHES {
        child.boom().expect("cast");
        child.wait().await;
        let new = running(&sup).await;
        assert_ne!(new.id(), child.id(), "round {round}: a new incarnation");
        child = new;
    }
    done.send(()).expect("querier");
    assert!(querier.await.expect("querier") > 0);
    assert_eq!(
        sup.count_children().await.expect("counts").restarts,
        CRASHES
    );
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

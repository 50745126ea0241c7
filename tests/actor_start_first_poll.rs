//! A supervisor's start of a child polls the new actor's task once in the supervisor's task
//! before spawning it: an `init` that never waits runs there (no task hand-off), one that waits
//! carries on in the actor's own task (woken by what it waits on), and nested supervisors'
//! first polls stop nesting past a bound. Other starts run `init` in the actor's own task.

use std::sync::{Arc, Mutex};

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, Strategy, Supervisor, SupervisorOptions,
    current_id,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::Id;

/// Records the task its `init` ran in; `init` waits for a gate if given one, after telling
/// `waiting`.
struct Probe {
    init_task: Option<Id>,
    n: u64,
}

/// Taken by the one `init` that uses it (a spec's arguments are cloned for every start).
type Gate = Option<Arc<Mutex<Option<(mpsc::UnboundedSender<ActorId>, oneshot::Receiver<u64>)>>>>;

#[actor]
impl Probe {
    #[init]
    async fn init(gate: Gate, ctx: &mut Context<Self>) -> Self {
        let gate = gate.and_then(|g| g.lock().expect("gate").take());
        let n = match gate {
            Some((waiting, gate)) => {
                let _ = waiting.send(ctx.id());
                gate.await.unwrap_or(0)
            }
            None => 0,
        };
        Probe {
            init_task: tokio::task::try_id(),
            n,
        }
    }

    /// `n`, whether `init` ran in the task running this handler, and who runs it.
    #[call]
    async fn report(&mut self) -> (u64, bool, Option<ActorId>) {
        (
            self.n,
            self.init_task == tokio::task::try_id(),
            current_id(),
        )
    }
}

/// A supervisor child whose `init` never waits runs it in the supervisor's task, as itself;
/// its handlers run in its own task. A plain start runs `init` in the actor's own task.
#[tokio::test]
async fn a_supervisors_child_runs_an_init_that_never_waits_in_the_supervisors_task() {
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .expect("supervisor");
    let child: ProbeHandle = sup
        .start_child(Probe::child_spec(None))
        .await
        .expect("child");
    assert_eq!(
        child.report().await,
        Ok((0, false, Some(child.id()))),
        "init ran in the supervisor's task"
    );
    let plain = Probe::start(None).await.expect("start");
    assert_eq!(plain.report().await, Ok((0, true, Some(plain.id()))));
    plain.stop(ExitReason::Normal).await.expect("stop");
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// `init` registers its wait during the supervisor's first poll, under a waker that wakes
/// nothing, and the value it waits for comes from another thread: the child's own task must be
/// the one woken (a start that hung here would fail the bounded wait).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_supervisors_child_whose_init_waits_is_woken_in_its_own_task() {
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .expect("supervisor");
    for round in 0..2_000u64 {
        let (waiting_tx, mut waiting) = mpsc::unbounded_channel();
        let (release, gate) = oneshot::channel();
        let gate = Arc::new(Mutex::new(Some((waiting_tx, gate))));
        let spec = Probe::child_spec(Some(gate)).restart(Restart::Temporary);
        let start = {
            let sup = sup.clone();
            tokio::spawn(async move { sup.start_child(spec).await })
        };
        let id = waiting.recv().await.expect("init ran");
        std::thread::spawn(move || release.send(round))
            .join()
            .expect("sender")
            .ok();
        let child = tokio::time::timeout(std::time::Duration::from_secs(10), start)
            .await
            .expect("the start was never woken")
            .expect("starter")
            .expect("start");
        assert_eq!(child.id(), id, "init ran as the new actor");
        assert_eq!(child.report().await.map(|r| r.0), Ok(round));
        sup.terminate_child(child.id()).await.expect("terminate");
    }
    sup.stop(ExitReason::Shutdown).await.expect("stop");
}

/// Nested first polls stop deepening the stack past a bound: 2,000 static supervisors, each
/// the only child of the one above (each one's `init` starts the next), would overflow a
/// worker's stack if every start polled inline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_chain_of_nested_supervisors_stays_within_the_stack() {
    let options = || SupervisorOptions::new(Strategy::OneForOne);
    let mut spec = Probe::child_spec(None).untyped();
    for _ in 0..2_000 {
        spec = Supervisor::child_spec(vec![spec], options()).untyped();
    }
    let top = tokio::spawn(Supervisor::start(vec![spec], options()))
        .await
        .expect("starter")
        .expect("start");
    let mut depth = 0;
    let mut children = top.which_children().await.expect("children");
    while let Some(next) = children
        .first()
        .and_then(|c| c.actor())
        .and_then(|a| Supervisor::from_any(a.clone()))
    {
        depth += 1;
        children = next.which_children().await.expect("children");
    }
    assert_eq!(depth, 2_000);
    top.stop(ExitReason::Shutdown).await.expect("stop");
}

//! A supervised child whose callers had it run their calls inline is restarted ready for them:
//! the new incarnation parks its state from the start, so the first call to it, made with the
//! handle its `init` sent out, runs in the caller's task as the calls to the last one did. A
//! child nobody called inline restarts as any actor starts (its state is not boxed for calls
//! that never come), and its first call is queued.
//!
//! On a current-thread runtime, so that the path each call takes is known (see
//! `actor_inline.rs`).

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, Strategy, Supervisor, SupervisorOptions,
};
use tokio::sync::mpsc;

/// Sends its handle from `init`; answers with the task its call ran in.
struct Announced;

#[actor]
impl Announced {
    #[init]
    async fn init(to: mpsc::UnboundedSender<AnnouncedHandle>, ctx: &mut Context<Self>) -> Self {
        let _ = to.send(ctx.actor_ref().clone().into());
        Announced
    }

    /// Cannot wait: runs inline when the actor is idle.
    #[call]
    async fn task(&self) -> Option<tokio::task::Id> {
        tokio::task::try_id()
    }

    #[cast]
    async fn boom(&mut self) {
        panic!("boom")
    }
}

/// Calls `child` inline (the first call is queued and has the actor park its state), crashes it,
/// and returns its next incarnation, announced by its `init`.
async fn called_inline_then_crashed(
    child: AnnouncedHandle,
    handles: &mut mpsc::UnboundedReceiver<AnnouncedHandle>,
) -> AnnouncedHandle {
    let me = tokio::task::try_id();
    assert_ne!(child.task().await, Ok(me), "the first call is queued");
    assert_eq!(child.task().await, Ok(me), "the next one runs inline");
    child.boom().unwrap();
    let next = handles.recv().await.unwrap();
    assert_ne!(next.id(), child.id(), "a new incarnation");
    next
}

/// A `DynamicSupervisor` with one `Announced` child: the supervisor, the child's first handle,
/// and where its next incarnations send theirs.
async fn dynamic_child() -> (
    DynamicSupervisor,
    AnnouncedHandle,
    mpsc::UnboundedReceiver<AnnouncedHandle>,
) {
    let (to, mut handles) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let _: AnnouncedHandle = sup.start_child(Announced::child_spec(to)).await.unwrap();
    let first = handles.recv().await.unwrap();
    (sup, first, handles)
}

#[tokio::test(flavor = "current_thread")]
async fn a_dynamic_supervisors_restarted_child_takes_its_first_call_inline() {
    let (sup, first, mut handles) = dynamic_child().await;
    let next = called_inline_then_crashed(first, &mut handles).await;
    assert_eq!(
        next.task().await,
        Ok(tokio::task::try_id()),
        "inline at once"
    );
    // Crashed again without a call: still ready, its callers did not change.
    next.boom().unwrap();
    let third = handles.recv().await.unwrap();
    assert_eq!(third.task().await, Ok(tokio::task::try_id()));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_supervisors_restarted_child_takes_its_first_call_inline() {
    let (to, mut handles) = mpsc::unbounded_channel();
    let sup = Supervisor::start(
        vec![Announced::child_spec(to).untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let first = handles.recv().await.unwrap();
    let next = called_inline_then_crashed(first, &mut handles).await;
    assert_eq!(
        next.task().await,
        Ok(tokio::task::try_id()),
        "inline at once"
    );
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_child_nobody_called_inline_restarts_with_its_first_call_queued() {
    let (sup, first, mut handles) = dynamic_child().await;
    first.boom().unwrap();
    let next = handles.recv().await.unwrap();
    assert_ne!(next.task().await, Ok(tokio::task::try_id()), "queued");
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

/// Counts calls; sends its handle from `init`.
struct Tally {
    count: u64,
}

#[actor]
impl Tally {
    #[init]
    async fn init(to: mpsc::UnboundedSender<TallyHandle>, ctx: &mut Context<Self>) -> Self {
        let _ = to.send(ctx.actor_ref().clone().into());
        Tally { count: 0 }
    }

    /// Cannot wait: runs inline when the actor is idle. The count, and the task it ran in.
    #[call]
    async fn bump(&mut self) -> (u64, Option<tokio::task::Id>) {
        self.count += 1;
        (self.count, tokio::task::try_id())
    }

    #[cast]
    async fn boom(&mut self) {
        panic!("boom")
    }
}

/// Restarts racing callers on other workers: each new incarnation is called at once by several
/// tasks, while its supervisor may still be finishing the restart and its own task may be
/// taking its parked state back. Every call is answered (within a bound, so a lost wake-up
/// fails instead of hanging), no increment is lost or counted twice, and every incarnation
/// starts from zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restarted_children_called_inline_from_other_workers_lose_no_call() {
    const RESTARTS: usize = 1_000;
    const CALLERS: u64 = 3;
    const CALLS: u64 = 5;
    let bound = std::time::Duration::from_secs(10);
    let (to, mut handles) = mpsc::unbounded_channel();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_restarts(u32::MAX))
        .await
        .unwrap();
    let _: TallyHandle = sup.start_child(Tally::child_spec(to)).await.unwrap();
    let mut inline = 0;
    for round in 0..RESTARTS {
        let child = tokio::time::timeout(bound, handles.recv())
            .await
            .expect("a new incarnation in time")
            .unwrap();
        let callers: Vec<_> = (0..CALLERS)
            .map(|_| {
                let child = child.clone();
                tokio::spawn(async move {
                    let me = tokio::task::try_id();
                    let mut ran_here = 0;
                    let mut last = 0;
                    for _ in 0..CALLS {
                        let (count, task) = child.bump().await.expect("answered");
                        assert!(count > last, "counts only grow within one caller");
                        last = count;
                        ran_here += u32::from(task == me);
                    }
                    ran_here
                })
            })
            .collect();
        for caller in callers {
            inline += tokio::time::timeout(bound, caller)
                .await
                .expect("every call answered in time")
                .expect("caller");
        }
        let (count, _) = child.bump().await.unwrap();
        assert_eq!(
            count,
            CALLERS * CALLS + 1,
            "round {round}: a fresh state, no update lost"
        );
        child.boom().unwrap();
    }
    assert!(inline > 0, "the inline path was taken");
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

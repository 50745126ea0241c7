//! DynamicSupervisor: starting children, restart decisions, queries, terminate_child (DS-1 … DS-4).

#[path = "support/supervisor.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{
    Backoff, ChildSpec, ChildState, ChildType, DynamicSupervisor, DynamicSupervisorOptions,
    FromAnyActor, Restart, Shutdown, SupervisorError,
};
use support::{Event, Events, Watch, Worker, WorkerArgs, WorkerHandle, worker, worker_as};
use tokio::sync::{Semaphore, mpsc};

async fn dyn_sup() -> DynamicSupervisor {
    DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .expect("supervisor starts")
}

/// A new supervisor with `spec`'s child started and then crashed: returns once the child's `Down`
/// arrived (its supervisor got the exit signal first), with the watch that saw it.
async fn crashed_child(spec: ChildSpec<WorkerHandle>) -> (DynamicSupervisor, WorkerHandle, Watch) {
    let mut watch = Watch::new().await;
    let sup = dyn_sup().await;
    let w = sup.start_child(spec).await.unwrap();
    watch.watch(&w).await;
    w.crash().unwrap();
    watch.down().await;
    (sup, w, watch)
}

/// An actor whose start argument is `(extra, n)`: for `ChildSpec::of_extra`.
#[derive(Debug)]
pub(crate) struct Pool {
    extra: String,
    n: u32,
}

#[actor]
impl Pool {
    #[init]
    async fn init(args: (String, u32)) -> Self {
        Pool {
            extra: args.0,
            n: args.1,
        }
    }

    #[call]
    async fn show(&self) -> String {
        format!("{}/{}", self.extra, self.n)
    }

    #[cast]
    async fn crash(&mut self) {
        panic!("pool crashed");
    }
}

// DS-2.6: the child's handle comes back typed; the child is stored and running.
#[tokio::test]
async fn start_child_returns_the_typed_handle() {
    let mut events = Events::new();
    let sup = dyn_sup().await;
    let w: WorkerHandle = sup
        .start_child(worker("w1", &events))
        .await
        .expect("started");
    assert_eq!(events.started().await, ("w1".to_string(), w.id()));
    assert_eq!(w.name().await, Ok("w1".to_string()));
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (1, 1, 1));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-2.3: the id is ignored; the same spec starts any number of times.
#[tokio::test]
async fn ds_2_3_the_same_spec_starts_many_times() {
    let events = Events::new();
    let sup = dyn_sup().await;
    let spec = worker("same", &events);
    let a = sup.start_child(spec.clone()).await.unwrap();
    let b = sup.start_child(spec.clone()).await.unwrap();
    let c = sup.start_child(spec).await.unwrap();
    assert!(a.id() != b.id() && b.id() != c.id());
    assert_eq!(sup.count_children().await.unwrap().specs, 3);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-2.4: max_children is checked first; nothing is started beyond it.
#[tokio::test]
async fn ds_2_4_max_children_refuses_and_starts_nothing() {
    let mut events = Events::new();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_children(2))
        .await
        .unwrap();
    sup.start_child(worker("a", &events)).await.unwrap();
    sup.start_child(worker("b", &events)).await.unwrap();
    events.take(2).await;
    assert!(matches!(
        sup.start_child(worker("c", &events)).await,
        Err(SupervisorError::MaxChildren)
    ));
    // Nothing of "c" ever ran.
    assert_eq!(sup.count_children().await.unwrap().specs, 2);
    assert!(events.is_empty());
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-2.4, DS-4.2: a child waiting for its restart still counts toward max_children, specs and
// workers, but not active. (Backoff holds it in the restarting state deterministically.)
#[tokio::test(start_paused = true)]
async fn ds_2_4_restarting_children_count_toward_max_children() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let backoff = Backoff::new(Duration::from_secs(10), Duration::from_secs(10));
    let sup = DynamicSupervisor::start(
        DynamicSupervisorOptions::new()
            .max_children(1)
            .backoff(backoff),
    )
    .await
    .unwrap();
    let w = sup.start_child(worker("a", &events)).await.unwrap();
    events.started().await;
    watch.watch(&w).await;
    w.crash().unwrap();
    assert!(matches!(watch.down().await.1, ExitReason::Panic(_)));

    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (counts.specs, counts.active, counts.workers),
        (1, 0, 1),
        "{counts:?}"
    );
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[0].state, ChildState::Restarting);
    assert!(matches!(
        sup.start_child(worker("b", &events)).await,
        Err(SupervisorError::MaxChildren)
    ));

    // After the backoff delay it runs again.
    events.next().await; // a's terminate after the panic
    let (name, _) = events.started().await;
    assert_eq!(name, "a");
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.restarts), (1, 1, 1));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-2.5: the extra argument reaches the start function on the first start and on every restart.
#[tokio::test]
async fn ds_2_5_extra_args_on_every_start_and_restart() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = DynamicSupervisor::start(
        DynamicSupervisorOptions::new()
            .max_restarts(10)
            .extra_args("pool-7".to_string()),
    )
    .await
    .unwrap();
    let args = WorkerArgs::new("w", &events);
    let spec = ChildSpec::with_extra("w", move |extra: String| {
        let mut args = args.clone();
        args.extra = Some(extra);
        async move { Worker::start_link(args).await.map(|w| w.to_any()) }
    })
    .typed::<WorkerHandle>();
    let mut w = sup.start_child(spec).await.unwrap();
    assert_eq!(events.started().await.1, w.id());
    for _ in 0..3 {
        assert_eq!(w.extra().await, Ok(Some("pool-7".to_string())));
        watch.watch(&w).await;
        w.crash().unwrap();
        watch.down().await;
        let id = loop {
            if let Event::Started(_, id) = events.next().await {
                break id;
            }
        };
        let children = sup.which_children().await.unwrap();
        w = WorkerHandle::from_any(children[0].actor().unwrap().clone()).unwrap();
        assert_eq!(w.id(), id);
    }
    assert_eq!(w.extra().await, Ok(Some("pool-7".to_string())));
    assert_eq!(sup.count_children().await.unwrap().restarts, 3);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-2.5: `ChildSpec::of_extra` prepends the extra argument to the actor's own arguments, again on
// restart; `ignore_extra` adapts an ordinary spec.
#[tokio::test]
async fn ds_2_5_of_extra_prepends_the_extra_argument() {
    let mut watch = Watch::new().await;
    let sup =
        DynamicSupervisor::start(DynamicSupervisorOptions::new().extra_args("db".to_string()))
            .await
            .unwrap();
    let spec = ChildSpec::<ActorRef<Pool>, String>::of_extra(3).typed::<PoolHandle>();
    let pool = sup.start_child(spec).await.unwrap();
    assert_eq!(pool.show().await, Ok("db/3".to_string()));
    watch.watch(&pool).await;
    pool.crash().unwrap();
    watch.down().await;
    let children = sup.which_children().await.unwrap();
    let again = PoolHandle::from_any(children[0].actor().unwrap().clone()).unwrap();
    assert_ne!(again.id(), pool.id());
    assert_eq!(again.show().await, Ok("db/3".to_string()));

    let events = Events::new();
    let plain = sup
        .start_child(worker("plain", &events).ignore_extra())
        .await
        .unwrap();
    assert_eq!(plain.extra().await, Ok(None));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// `E` defaults to `()`, and the common forms compile without a turbofish or a type annotation:
// `start` takes `E` from its options, `from_any` is the `()` supervisor's. Another `E` is named:
// `DynamicSupervisor::<E>::from_any`, `ChildSpec::<ActorRef<A>, _>::of_extra`.
#[tokio::test]
async fn the_default_extra_argument_needs_no_type_annotations() {
    let events = Events::new();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let w = sup.start_child(worker("w", &events)).await.unwrap();
    let found = DynamicSupervisor::from_any(sup.to_any()).expect("a DynamicSupervisor<()>");
    assert_eq!(found.id(), sup.id());
    assert_eq!(found.count_children().await.unwrap().active, 1);
    assert!(
        DynamicSupervisor::from_any(w.to_any()).is_none(),
        "a worker"
    );

    // Nested under a static supervisor, and found again among its children.
    let top = Supervisor::start(
        [DynamicSupervisor::child_spec(DynamicSupervisorOptions::default()).untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let children = top.which_children().await.unwrap();
    let nested = DynamicSupervisor::from_any(children[0].actor().unwrap().clone())
        .expect("the nested DynamicSupervisor");
    assert_eq!(nested.count_children().await.unwrap().specs, 0);

    // With an extra argument, `from_any` without a turbofish is the `()` supervisor's: `None`.
    let pooled =
        DynamicSupervisor::start(DynamicSupervisorOptions::new().extra_args("db".to_string()))
            .await
            .unwrap();
    assert!(DynamicSupervisor::from_any(pooled.to_any()).is_none());
    let found = DynamicSupervisor::<String>::from_any(pooled.to_any()).expect("named `E`");
    assert_eq!(found.id(), pooled.id());
    let spec = ChildSpec::<ActorRef<Pool>, _>::of_extra(5).typed::<PoolHandle>();
    let pool = found.start_child(spec).await.unwrap();
    assert_eq!(pool.show().await, Ok("db/5".to_string()));

    top.stop(ExitReason::Shutdown).await.unwrap();
    pooled.stop(ExitReason::Shutdown).await.unwrap();
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-2.6: a failing start function (init error, panic in init, panic in the start function
// itself) is returned as an error; nothing is stored and the supervisor survives.
#[tokio::test]
async fn ds_2_6_start_errors_are_returned_and_the_supervisor_survives() {
    let mut events = Events::new();
    let sup = dyn_sup().await;

    let mut args = WorkerArgs::new("refuses", &events);
    args.fail_inits = Arc::new(AtomicUsize::new(1));
    let err = sup
        .start_child(support::worker_with(args))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupervisorError::Start { id, error: StartError::Init(_) } if id == "refuses"),
        "{err:?}"
    );
    assert_eq!(events.next().await, Event::InitFailed("refuses".into()));

    let panicking = ChildSpec::new("panics", || async {
        panic!("start function exploded");
        #[allow(unreachable_code)]
        Err(StartError::Refused("unreachable".into()))
    });
    let err = sup.start_child(panicking).await.unwrap_err();
    assert!(
        matches!(&err, SupervisorError::Start { error: StartError::Panic(msg), .. } if msg.contains("exploded")),
        "{err:?}"
    );

    assert!(sup.is_alive());
    assert_eq!(
        sup.count_children().await.unwrap(),
        beamish::ChildCounts::default()
    );
    sup.start_child(worker("fine", &events)).await.unwrap();
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// A spec retyped to the wrong handle: typed error, the child is stopped and not kept.
#[tokio::test]
async fn a_spec_with_the_wrong_handle_type_is_refused() {
    let mut events = Events::new();
    let sup = dyn_sup().await;
    let wrong = worker("w", &events).typed::<PoolHandle>();
    let err = sup.start_child(wrong).await.unwrap_err();
    assert!(
        matches!(err, SupervisorError::WrongHandle { .. }),
        "{err:?}"
    );
    events.started().await;
    assert_eq!(
        events.next().await,
        Event::Terminated("w".into(), ExitReason::Shutdown)
    );
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

/// Starts one child with `restart`, makes it exit with `reason` (a crash when `None`), and says
/// whether it was restarted, checking the child counts either way.
async fn restarted_after(restart: Restart, reason: Option<ExitReason>) -> bool {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = dyn_sup().await;
    let w = sup
        .start_child(worker_as(
            "w",
            &events,
            restart,
            Shutdown::Timeout(Duration::from_secs(5)),
        ))
        .await
        .unwrap();
    events.started().await;
    watch.watch(&w).await;
    match reason {
        Some(reason) => w.exit_with(reason).unwrap(),
        None => w.crash().unwrap(),
    }
    watch.down().await;
    let children = sup.which_children().await.unwrap();
    let counts = sup.count_children().await.unwrap();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    match children.as_slice() {
        [] => {
            assert_eq!((counts.specs, counts.restarts), (0, 0));
            false
        }
        [child] => {
            let new = child.actor().expect("running again");
            assert_ne!(new.id(), w.id());
            assert_eq!((counts.specs, counts.active, counts.restarts), (1, 1, 1));
            true
        }
        more => panic!("unexpected children {more:?}"),
    }
}

// DS-3 (table): permanent restarts on every reason.
#[tokio::test]
async fn ds_3_permanent_restarts_on_any_exit() {
    assert!(restarted_after(Restart::Permanent, Some(ExitReason::Normal)).await);
    assert!(restarted_after(Restart::Permanent, Some(ExitReason::Shutdown)).await);
    assert!(restarted_after(Restart::Permanent, Some(ExitReason::Error("e".into()))).await);
    assert!(restarted_after(Restart::Permanent, None).await);
}

// DS-3 (table), EX-2: transient restarts only after a crash; a clean exit removes it.
#[tokio::test]
async fn ds_3_transient_restarts_only_on_abnormal_exit() {
    assert!(!restarted_after(Restart::Transient, Some(ExitReason::Normal)).await);
    assert!(!restarted_after(Restart::Transient, Some(ExitReason::Shutdown)).await);
    assert!(
        !restarted_after(
            Restart::Transient,
            Some(ExitReason::ShutdownWith("bye".into()))
        )
        .await
    );
    assert!(restarted_after(Restart::Transient, Some(ExitReason::Error("e".into()))).await);
    assert!(restarted_after(Restart::Transient, None).await);
}

// DS-3 (table): temporary is never restarted, whatever the reason.
#[tokio::test]
async fn ds_3_temporary_never_restarts() {
    assert!(!restarted_after(Restart::Temporary, Some(ExitReason::Normal)).await);
    assert!(!restarted_after(Restart::Temporary, Some(ExitReason::Shutdown)).await);
    assert!(!restarted_after(Restart::Temporary, None).await);
}

// DS-3: a failed restart leaves the child restarting and posts a retry to the supervisor's own
// mailbox, so calls that arrived meanwhile are served between attempts; the retry succeeds later.
#[tokio::test]
async fn ds_3_failed_restart_retries_through_the_mailbox_serving_calls_between() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let (entered_tx, mut entered) = mpsc::unbounded_channel();
    let events = Events::new();
    let args = WorkerArgs::new("flaky", &events);
    let spec = {
        let (attempts, gate) = (attempts.clone(), gate.clone());
        ChildSpec::new("flaky", move || {
            let (attempts, gate, entered_tx, args) = (
                attempts.clone(),
                gate.clone(),
                entered_tx.clone(),
                args.clone(),
            );
            async move {
                let n = attempts.fetch_add(1, Ordering::AcqRel);
                if n == 1 {
                    // The first restart: hold the supervisor here until the test says so, then fail.
                    let _ = entered_tx.send(n);
                    gate.acquire().await.expect("gate open").forget();
                    return Err(StartError::Refused("not yet".into()));
                }
                Worker::start_link(args).await.map(|w| w.to_any())
            }
        })
        .typed::<WorkerHandle>()
    };
    let (sup, _w, _watch) = crashed_child(spec).await;
    assert_eq!(entered.recv().await, Some(1));

    // The supervisor is inside the failing restart; queue a call behind it.
    let mut counts = Box::pin(sup.count_children());
    tokio::select! {
        biased;
        _ = &mut counts => panic!("the supervisor is busy restarting"),
        () = std::future::ready(()) => {}
    }
    gate.add_permits(1);
    // Served after the failed attempt and before the retry: the child is restarting.
    let counts = counts.await.unwrap();
    assert_eq!(
        (counts.specs, counts.active, counts.restarts),
        (1, 0, 1),
        "{counts:?}"
    );
    // The retry (a second restart attempt) brings it back.
    let children = sup.which_children().await.unwrap();
    assert!(children[0].actor().is_some_and(|a| a.is_alive()));
    assert_eq!(attempts.load(Ordering::Acquire), 3);
    assert_eq!(sup.count_children().await.unwrap().restarts, 2);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-4.1: which_children lists children in first-start order; a restarted child keeps its place.
#[tokio::test]
async fn ds_4_1_which_children_in_start_order() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = dyn_sup().await;
    let mut handles = Vec::new();
    for name in ["a", "b", "c"] {
        handles.push(sup.start_child(worker(name, &events)).await.unwrap());
    }
    events.take(3).await;
    watch.watch(&handles[0]).await;
    handles[0].crash().unwrap();
    watch.down().await;
    let children = sup.which_children().await.unwrap();
    let ids: Vec<_> = children.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_ne!(children[0].actor().unwrap().id(), handles[0].id());
    assert_eq!(children[1].actor().unwrap().id(), handles[1].id());
    assert!(children.iter().all(|c| c.child_type == ChildType::Worker));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-4.2: counts by type, supervisors included; an empty supervisor counts zeros.
#[tokio::test]
async fn ds_4_2_count_children_by_type() {
    let events = Events::new();
    let sup = dyn_sup().await;
    assert_eq!(
        sup.count_children().await.unwrap(),
        beamish::ChildCounts::default()
    );
    sup.start_child(worker("a", &events)).await.unwrap();
    sup.start_child(worker("b", &events)).await.unwrap();
    let nested = sup
        .start_child(DynamicSupervisor::child_spec(
            DynamicSupervisorOptions::new(),
        ))
        .await
        .unwrap();
    nested.start_child(worker("deep", &events)).await.unwrap();
    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.workers,
            counts.supervisors
        ),
        (3, 3, 2, 1)
    );
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(!nested.is_alive());
}

// DS-4.3: terminate_child stops the child by its shutdown mode (terminate runs), removes it, never
// restarts it; a second call and unknown ids give NotFound.
#[tokio::test]
async fn ds_4_3_terminate_child_removes_without_restart() {
    let mut events = Events::new();
    let sup = dyn_sup().await;
    let a = sup.start_child(worker("a", &events)).await.unwrap();
    let b = sup.start_child(worker("b", &events)).await.unwrap();
    events.take(2).await;
    sup.terminate_child(a.id()).await.unwrap();
    assert_eq!(
        events.next().await,
        Event::Terminated("a".into(), ExitReason::Shutdown)
    );
    assert_eq!(a.wait().await, ExitReason::Shutdown);
    assert!(matches!(
        sup.terminate_child(a.id()).await,
        Err(SupervisorError::NotFound)
    ));
    assert!(matches!(
        sup.terminate_child(sup.id()).await,
        Err(SupervisorError::NotFound)
    ));
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].actor().unwrap().id(), b.id());
    assert_eq!(sup.count_children().await.unwrap().restarts, 0);
    assert!(events.is_empty());
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-4.3, DS-3: a child waiting for its restart is terminated by its old id; that ends the retry
// loop, and a retry that comes later is ignored.
#[tokio::test(start_paused = true)]
async fn ds_4_3_terminating_a_restarting_child_ends_its_retries() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(1));
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().backoff(backoff))
        .await
        .unwrap();
    let w = sup.start_child(worker("w", &events)).await.unwrap();
    events.started().await;
    watch.watch(&w).await;
    w.crash().unwrap();
    watch.down().await;
    assert!(matches!(
        events.next().await,
        Event::Terminated(_, ExitReason::Panic(_))
    ));
    assert_eq!(
        sup.which_children().await.unwrap()[0].state,
        ChildState::Restarting
    );
    sup.terminate_child(w.id()).await.unwrap();
    tokio::time::advance(Duration::from_secs(5)).await;
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    assert!(events.is_empty(), "the retry must not start it again");
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-4.5 / SUP-6.8: an exit signal from a linked actor that is not a child is ignored.
#[tokio::test]
async fn exit_from_a_linked_non_child_is_ignored() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = dyn_sup().await;
    let w = sup.start_child(worker("w", &events)).await.unwrap();
    events.started().await;
    let stranger = Watch::new().await;
    stranger.watcher.link_to(sup.to_any()).await.unwrap();
    watch.watch(&stranger.watcher).await;
    stranger.watcher.crash().unwrap();
    assert!(matches!(watch.down().await.1, ExitReason::Panic(_)));
    assert!(sup.is_alive());
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.active, counts.restarts), (1, 0));
    assert!(w.is_alive());
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// DS-1.4, GS-10: the supervisor traps exits and is linked to its parent, so it stops (stopping its
// children in order) when the parent exits, even with `Normal`.
#[tokio::test]
async fn ds_1_4_stops_with_its_parent_even_on_normal() {
    let mut events = Events::new();
    let parent = Parent::start(()).await.unwrap();
    let sup = parent.start_supervisor().await.unwrap().unwrap();
    let w = sup.start_child(worker("w", &events)).await.unwrap();
    events.started().await;
    parent.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(sup.wait().await, ExitReason::Normal);
    assert_eq!(
        events.next().await,
        Event::Terminated("w".into(), ExitReason::Shutdown)
    );
    assert!(!w.is_alive());
}

/// Starts a supervisor linked to itself.
#[derive(Debug)]
pub(crate) struct Parent;

#[actor]
impl Parent {
    #[init]
    async fn init() -> Self {
        Parent
    }

    #[call]
    async fn start_supervisor(&mut self) -> Result<DynamicSupervisor, SupervisorError> {
        DynamicSupervisor::start_link(DynamicSupervisorOptions::new()).await
    }
}

// DS-1.5, GS-11: a dynamic supervisor's own child spec is a supervisor with infinite shutdown.
#[test]
fn ds_1_5_child_spec_is_a_supervisor() {
    let spec = DynamicSupervisor::child_spec(DynamicSupervisorOptions::new());
    assert_eq!(spec.id(), "DynamicSupervisor");
    assert_eq!(spec.kind(), ChildType::Supervisor);
    assert_eq!(spec.shutdown_mode(), Shutdown::Infinity);
    assert_eq!(spec.restart_policy(), Restart::Permanent);
}

// DS-1.3: invalid options are a typed error, and nothing starts.
#[tokio::test]
async fn ds_1_3_zero_max_seconds_is_refused() {
    let err = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_seconds(Duration::ZERO))
        .await
        .unwrap_err();
    assert!(matches!(err, SupervisorError::InvalidOptions(_)));
}

// DS-4.4: stop is GenServer.stop: the supervisor exits with the reason given. Calls to a
// supervisor that is gone are a typed error, not a hang; DS-2.2: a bad spec is refused in the
// caller, before the (here dead) supervisor is asked.
#[tokio::test]
async fn calls_to_a_stopped_supervisor_fail_with_noproc() {
    let events = Events::new();
    let sup = dyn_sup().await;
    sup.stop(ExitReason::ShutdownWith("bye".into()))
        .await
        .unwrap();
    assert_eq!(sup.wait().await, ExitReason::ShutdownWith("bye".into()));
    let significant = worker("s", &events)
        .restart(Restart::Temporary)
        .significant(true);
    assert!(matches!(
        sup.start_child(significant).await,
        Err(SupervisorError::InvalidSpec { .. })
    ));
    assert!(matches!(
        sup.start_child(worker("late", &events)).await,
        Err(SupervisorError::Call(CallError::NoProc))
    ));
    assert!(matches!(
        sup.count_children().await,
        Err(SupervisorError::Call(CallError::NoProc))
    ));
}

// A child killed with `ExitReason::Fenced` (its node was cut off from its cluster, which
// re-homes its work) is not restarted by either supervisor, whatever its restart policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_child_is_never_restarted() {
    let events = Events::new();
    let dynamic = dyn_sup().await;
    let children = vec![
        worker_as("p", &events, Restart::Permanent, Shutdown::BrutalKill).untyped(),
        worker_as("t", &events, Restart::Transient, Shutdown::BrutalKill).untyped(),
    ];
    let fixed = beamish::Supervisor::start(
        children,
        beamish::SupervisorOptions::new(beamish::Strategy::OneForAll),
    )
    .await
    .unwrap();
    for round in 0..200 {
        let w = dynamic
            .start_child(worker_as(
                &format!("d{round}"),
                &events,
                Restart::Permanent,
                Shutdown::BrutalKill,
            ))
            .await
            .unwrap();
        beamish::__private::remote::kill_with(&w.to_any(), ExitReason::Fenced);
        assert_eq!(w.wait().await, ExitReason::Fenced);
        let counts = dynamic.count_children().await.unwrap();
        assert_eq!((counts.specs, counts.active), (0, 0), "round {round}");
    }
    let kids = fixed.which_children().await.unwrap();
    for kid in &kids {
        let ChildState::Running(actor) = &kid.state else {
            panic!("{kid:?} runs");
        };
        beamish::__private::remote::kill_with(actor, ExitReason::Fenced);
        assert_eq!(actor.wait().await, ExitReason::Fenced);
    }
    // Neither restarted, nor their sibling taken down with them (one_for_all): both stopped.
    let after = fixed.which_children().await.unwrap();
    assert!(
        after.iter().all(|k| matches!(k.state, ChildState::Stopped)),
        "{after:?}"
    );
    assert!(fixed.is_alive());
}

// A start function that does not link its child (`start`, not `start_link`): the supervisor links
// it, so its crash is still a restart, and the supervisor's stop still stops it.
#[tokio::test]
async fn a_child_its_start_function_did_not_link_is_still_supervised() {
    let events = Events::new();
    let args = WorkerArgs::new("unlinked", &events);
    let spec = ChildSpec::new("unlinked", move || {
        let args = args.clone();
        async move { Worker::start(args).await.map(|w| w.to_any()) }
    })
    .typed::<WorkerHandle>();
    let (sup, w, mut watch) = crashed_child(spec).await;
    let children = sup.which_children().await.unwrap();
    let next = children[0].actor().expect("restarted").clone();
    assert_ne!(next.id(), w.id());
    let next = WorkerHandle::from_any(next).expect("a worker");
    watch.watch(&next).await;
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(watch.down().await, (next.id(), ExitReason::Shutdown));
}

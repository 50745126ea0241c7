//! Supervisor with static children: start order, restart decisions, strategies, runtime API
//! (SUP-1 … SUP-6).

#[path = "support/supervisor.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use beamish::prelude::*;
use beamish::{
    AutoShutdown, ChildCounts, ChildSpec, ChildState, ChildType, FromAnyActor, Restart, Shutdown,
    Strategy, Supervisor, SupervisorError, SupervisorOptions,
};
use support::{
    Event, Events, Watch, WorkerArgs, WorkerHandle, started_names, terminated_names, worker,
    worker_as, worker_with,
};

fn specs(names: &[&str], events: &Events) -> Vec<ChildSpec> {
    names.iter().map(|n| worker(n, events).untyped()).collect()
}

async fn sup(names: &[&str], events: &mut Events, strategy: Strategy) -> Supervisor {
    let sup = Supervisor::start(
        specs(names, events),
        SupervisorOptions::new(strategy).max_restarts(10),
    )
    .await
    .expect("supervisor starts");
    assert_eq!(
        started_names(&events.take(names.len()).await),
        names,
        "SUP-1.5: children start in list order"
    );
    sup
}

/// The running child `id`, typed.
async fn child(sup: &Supervisor, id: &str) -> WorkerHandle {
    let children = sup.which_children().await.unwrap();
    let info = children.iter().find(|c| c.id == id).expect("child exists");
    WorkerHandle::from_any(info.actor().expect("running").clone()).expect("a worker")
}

async fn ids(sup: &Supervisor) -> Vec<(String, Option<ActorId>)> {
    sup.which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| (c.id.clone(), c.actor().map(|a| a.id())))
        .collect()
}

// SUP-1.4: duplicate ids fail the start, and nothing is started.
#[tokio::test]
async fn sup_1_4_duplicate_ids_fail_before_anything_starts() {
    let mut events = Events::new();
    let err = Supervisor::start(
        specs(&["a", "b", "a"], &events),
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, SupervisorError::DuplicateId(id) if id == "a"),
        "{err:?}"
    );
    assert!(events.is_empty());
}

// SUP-1.5: a child that fails to start stops the ones already started, in reverse order, and the
// start fails with that child's id and error.
#[tokio::test]
async fn sup_1_5_failed_start_stops_started_children_in_reverse() {
    let mut events = Events::new();
    let mut bad = WorkerArgs::new("c", &events);
    bad.fail_inits = Arc::new(AtomicUsize::new(1));
    let mut children = specs(&["a", "b"], &events);
    children.push(worker_with(bad).untyped());
    children.push(worker("d", &events).untyped());
    let err = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupervisorError::Start { id, error: StartError::Init(_) } if id == "c"),
        "{err:?}"
    );
    let seen = events.take(5).await;
    assert_eq!(started_names(&seen), ["a", "b"]);
    assert_eq!(seen[2], Event::InitFailed("c".into()));
    assert_eq!(terminated_names(&seen), ["b", "a"]);
    assert!(events.is_empty(), "d never starts");
}

// SUP-3, SUP-4 one_for_one: only the child that exited is restarted, keeping its position.
#[tokio::test]
async fn sup_4_one_for_one_restarts_only_that_child() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = sup(&["a", "b", "c"], &mut events, Strategy::OneForOne).await;
    let before = ids(&sup).await;
    let b = child(&sup, "b").await;
    watch.watch(&b).await;
    b.crash().unwrap();
    watch.down().await;
    let after = ids(&sup).await;
    assert_eq!(after[0], before[0]);
    assert_ne!(after[1].1, before[1].1);
    assert_eq!(after[2], before[2]);
    let seen = events.take(2).await;
    assert!(matches!(&seen[0], Event::Terminated(n, ExitReason::Panic(_)) if n == "b"));
    assert_eq!(started_names(&seen), ["b"]);
    assert_eq!(sup.count_children().await.unwrap().restarts, 1);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-4 one_for_all: the others stop in reverse start order, then all start again in start order;
// one restart for intensity.
#[tokio::test]
async fn sup_4_one_for_all_stops_others_in_reverse_then_starts_all_in_order() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = sup(&["a", "b", "c", "d"], &mut events, Strategy::OneForAll).await;
    let b = child(&sup, "b").await;
    watch.watch(&b).await;
    b.crash().unwrap();
    watch.down().await;
    let seen = events.take(8).await;
    assert_eq!(
        terminated_names(&seen),
        ["b", "d", "c", "a"],
        "the crashed one, then the others in reverse start order"
    );
    assert!(
        seen[1..4]
            .iter()
            .all(|e| matches!(e, Event::Terminated(_, ExitReason::Shutdown)))
    );
    assert_eq!(started_names(&seen), ["a", "b", "c", "d"]);
    assert_eq!(
        &seen[4..]
            .iter()
            .filter(|e| matches!(e, Event::Started(..)))
            .count(),
        &4,
        "every stop happens before any start"
    );
    let after = ids(&sup).await;
    assert!(after.iter().all(|(_, id)| id.is_some()));
    assert_eq!(sup.count_children().await.unwrap().restarts, 1);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-4 rest_for_one: the children after the failed one stop in reverse order, then the failed one
// and those after it start in order; the ones before are untouched.
#[tokio::test]
async fn sup_4_rest_for_one_restarts_the_failed_child_and_those_after() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = sup(&["a", "b", "c", "d"], &mut events, Strategy::RestForOne).await;
    let before = ids(&sup).await;
    let b = child(&sup, "b").await;
    watch.watch(&b).await;
    b.crash().unwrap();
    watch.down().await;
    let seen = events.take(6).await;
    assert_eq!(terminated_names(&seen), ["b", "d", "c"]);
    assert_eq!(started_names(&seen), ["b", "c", "d"]);
    assert!(matches!(seen[3], Event::Started(..)), "stops come first");
    let after = ids(&sup).await;
    assert_eq!(after[0], before[0], "a is untouched");
    for i in 1..4 {
        assert_ne!(after[i].1, before[i].1);
    }
    assert!(events.is_empty());
    assert_eq!(sup.count_children().await.unwrap().restarts, 1);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-4 one_for_all: temporary siblings are stopped and removed for good; [quirk] children stopped
// with terminate_child come back.
#[tokio::test]
async fn sup_4_one_for_all_drops_temporary_and_revives_terminated_children() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let children = vec![
        worker("a", &events).untyped(),
        worker_as(
            "temp",
            &events,
            Restart::Temporary,
            Shutdown::Timeout(Duration::from_secs(5)),
        )
        .untyped(),
        worker("off", &events).untyped(),
        worker("d", &events).untyped(),
    ];
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForAll))
        .await
        .unwrap();
    events.take(4).await;
    sup.terminate_child("off").await.unwrap();
    assert_eq!(
        events.next().await,
        Event::Terminated("off".into(), ExitReason::Shutdown)
    );
    let d = child(&sup, "d").await;
    watch.watch(&d).await;
    d.crash().unwrap();
    watch.down().await;
    let seen = events.take(6).await;
    assert_eq!(terminated_names(&seen), ["d", "temp", "a"]);
    assert_eq!(started_names(&seen), ["a", "off", "d"]);
    let names: Vec<_> = ids(&sup).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["a", "off", "d"]);
    assert!(events.is_empty());
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-3: a transient child that exits cleanly keeps its spec (stopped) and restart_child works; a
// temporary child's spec is deleted when it exits.
#[tokio::test]
async fn sup_3_transient_clean_exit_keeps_spec_temporary_is_deleted() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let children = vec![
        worker_as(
            "trans",
            &events,
            Restart::Transient,
            Shutdown::Timeout(Duration::from_secs(5)),
        )
        .untyped(),
        worker_as(
            "temp",
            &events,
            Restart::Temporary,
            Shutdown::Timeout(Duration::from_secs(5)),
        )
        .untyped(),
    ];
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    events.take(2).await;
    let trans = child(&sup, "trans").await;
    let temp = child(&sup, "temp").await;
    watch.watch(&trans).await;
    watch.watch(&temp).await;
    trans.exit_with(ExitReason::Normal).unwrap();
    temp.crash().unwrap();
    watch.down().await;
    watch.down().await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(
        (children[0].id.as_str(), &children[0].state),
        ("trans", &ChildState::Stopped)
    );
    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (counts.specs, counts.active, counts.workers, counts.restarts),
        (1, 0, 1, 0)
    );
    events.take(2).await;
    let again = sup.restart_child("trans").await.unwrap();
    assert_eq!(events.started().await, ("trans".to_string(), again.id()));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.1: start_child appends (last to start, first to stop); a running id gives AlreadyStarted,
// a kept one AlreadyPresent; a failing start keeps nothing.
#[tokio::test]
async fn sup_6_1_start_child_appends_and_checks_ids() {
    let mut events = Events::new();
    let sup = sup(&["a"], &mut events, Strategy::OneForOne).await;
    let b = sup.start_child(worker("b", &events)).await.unwrap();
    assert_eq!(events.started().await.1, b.id());
    let names: Vec<_> = ids(&sup).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(matches!(
        sup.start_child(worker("b", &events)).await,
        Err(SupervisorError::AlreadyStarted(id)) if id == b.id()
    ));
    sup.terminate_child("b").await.unwrap();
    events.next().await;
    assert!(matches!(
        sup.start_child(worker("b", &events)).await,
        Err(SupervisorError::AlreadyPresent)
    ));
    let mut bad = WorkerArgs::new("bad", &events);
    bad.fail_inits = Arc::new(AtomicUsize::new(1));
    assert!(matches!(
        sup.start_child(worker_with(bad)).await,
        Err(SupervisorError::Start { .. })
    ));
    assert_eq!(sup.count_children().await.unwrap().specs, 2);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.2: terminate_child keeps the spec (stopped), does not restart it, is idempotent, and
// removes a temporary child's spec; unknown ids are NotFound.
#[tokio::test]
async fn sup_6_2_terminate_child_keeps_the_spec() {
    let mut events = Events::new();
    let children = vec![
        worker("a", &events).untyped(),
        worker_as(
            "temp",
            &events,
            Restart::Temporary,
            Shutdown::Timeout(Duration::from_secs(5)),
        )
        .untyped(),
    ];
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    events.take(2).await;
    sup.terminate_child("a").await.unwrap();
    assert_eq!(
        events.next().await,
        Event::Terminated("a".into(), ExitReason::Shutdown)
    );
    sup.terminate_child("a").await.unwrap();
    sup.terminate_child("temp").await.unwrap();
    events.next().await;
    assert!(matches!(
        sup.terminate_child("temp").await,
        Err(SupervisorError::NotFound)
    ));
    assert!(matches!(
        sup.terminate_child("nope").await,
        Err(SupervisorError::NotFound)
    ));
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].state, ChildState::Stopped);
    assert_eq!(sup.count_children().await.unwrap().restarts, 0);
    assert!(events.is_empty(), "not restarted");
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.3: restart_child starts a stopped child (not counted toward intensity); a running child is
// Running, an unknown id NotFound; a failing start is returned and the spec kept.
#[tokio::test]
async fn sup_6_3_restart_child() {
    let mut events = Events::new();
    let mut flaky = WorkerArgs::new("flaky", &events);
    let fails = Arc::new(AtomicUsize::new(0));
    flaky.fail_inits = fails.clone();
    let children = vec![worker("a", &events).untyped(), worker_with(flaky).untyped()];
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    events.take(2).await;
    assert!(matches!(
        sup.restart_child("a").await.map(|a| a.id()),
        Err(SupervisorError::Running)
    ));
    assert!(matches!(
        sup.restart_child("nope").await.map(|a| a.id()),
        Err(SupervisorError::NotFound)
    ));
    sup.terminate_child("a").await.unwrap();
    events.next().await;
    let a = sup.restart_child("a").await.unwrap();
    assert_eq!(events.started().await, ("a".to_string(), a.id()));

    sup.terminate_child("flaky").await.unwrap();
    events.next().await;
    fails.store(1, std::sync::atomic::Ordering::Release);
    assert!(matches!(
        sup.restart_child("flaky").await,
        Err(SupervisorError::Start { .. })
    ));
    assert_eq!(
        sup.which_children().await.unwrap()[1].state,
        ChildState::Stopped
    );
    assert_eq!(sup.count_children().await.unwrap().restarts, 0);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.4: delete_child only for a stopped child.
#[tokio::test]
async fn sup_6_4_delete_child() {
    let mut events = Events::new();
    let sup = sup(&["a", "b"], &mut events, Strategy::OneForOne).await;
    assert!(matches!(
        sup.delete_child("a").await,
        Err(SupervisorError::Running)
    ));
    assert!(matches!(
        sup.delete_child("x").await,
        Err(SupervisorError::NotFound)
    ));
    sup.terminate_child("a").await.unwrap();
    sup.delete_child("a").await.unwrap();
    assert!(matches!(
        sup.delete_child("a").await,
        Err(SupervisorError::NotFound)
    ));
    assert!(matches!(
        sup.restart_child("a").await.map(|a| a.id()),
        Err(SupervisorError::NotFound)
    ));
    let names: Vec<_> = ids(&sup).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["b"]);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.5 (documented difference): which_children lists in start order, OTP newest first.
#[tokio::test]
async fn sup_6_5_which_children_in_start_order() {
    let mut events = Events::new();
    let sup = sup(&["x", "a", "m"], &mut events, Strategy::OneForOne).await;
    sup.start_child(worker("b", &events)).await.unwrap();
    let children = sup.which_children().await.unwrap();
    let names: Vec<_> = children.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(names, ["x", "a", "m", "b"]);
    assert!(children.iter().all(|c| c.child_type == ChildType::Worker));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.6: counts; an empty supervisor counts zeros; supervisors by type.
#[tokio::test]
async fn sup_6_6_count_children() {
    let events = Events::new();
    let empty = Supervisor::start(Vec::new(), SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    assert_eq!(
        empty.count_children().await.unwrap(),
        ChildCounts::default()
    );
    let nested = Supervisor::child_spec(
        specs(&["n1"], &events),
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .with_id("nested")
    .untyped();
    let mut children = specs(&["a", "b"], &events);
    children.push(nested);
    let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    sup.terminate_child("b").await.unwrap();
    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.workers,
            counts.supervisors
        ),
        (3, 2, 2, 1)
    );
    sup.stop(ExitReason::Shutdown).await.unwrap();
    empty.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-6.7: stop stops the children, then the supervisor exits with the reason given.
#[tokio::test]
async fn sup_6_7_stop_exits_with_the_reason() {
    let mut events = Events::new();
    let sup = sup(&["a"], &mut events, Strategy::OneForOne).await;
    let a = child(&sup, "a").await;
    let reason = ExitReason::ShutdownWith("maintenance".into());
    assert_eq!(sup.stop(reason.clone()).await, Ok(()));
    assert_eq!(sup.wait().await, reason);
    assert_eq!(a.wait().await, ExitReason::Shutdown);
    assert!(matches!(
        sup.which_children().await,
        Err(SupervisorError::Call(CallError::NoProc))
    ));
}

// SUP-6.8: an exit from a linked actor that is not a child is ignored.
#[tokio::test]
async fn sup_6_8_unknown_exit_is_ignored() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = sup(&["a"], &mut events, Strategy::OneForAll).await;
    let before = ids(&sup).await;
    let stranger = Watch::new().await;
    stranger.watcher.link_to(sup.to_any()).await.unwrap();
    watch.watch(&stranger.watcher).await;
    stranger.watcher.crash().unwrap();
    watch.down().await;
    assert_eq!(ids(&sup).await, before);
    assert_eq!(sup.count_children().await.unwrap().restarts, 0);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-2, GS-11: defaults of a spec — permanent worker with 5 s shutdown; a supervisor's own spec
// has type supervisor and infinite shutdown.
#[test]
fn sup_2_child_spec_defaults() {
    let events = Events::new();
    let w = worker("w", &events);
    assert_eq!(w.restart_policy(), Restart::Permanent);
    assert_eq!(w.kind(), ChildType::Worker);
    assert_eq!(w.shutdown_mode(), Shutdown::Timeout(Duration::from_secs(5)));
    let s = Supervisor::child_spec(Vec::new(), SupervisorOptions::new(Strategy::OneForAll));
    assert_eq!(s.id(), "Supervisor");
    assert_eq!(s.kind(), ChildType::Supervisor);
    assert_eq!(s.shutdown_mode(), Shutdown::Infinity);
}

// SUP-1.1: invalid options are a typed error.
#[tokio::test]
async fn sup_1_1_zero_max_seconds_is_refused() {
    let err = Supervisor::start(
        Vec::new(),
        SupervisorOptions::new(Strategy::OneForOne).max_seconds(Duration::ZERO),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SupervisorError::InvalidOptions(_)));
}

// SUP-4: a child of the group that fails to start during a one_for_all restart is left
// restarting, those after it stay stopped, and the retry restarts the whole group again (stop,
// then start); the retry is another attempt for intensity.
#[tokio::test]
async fn sup_4_group_restart_failure_retries_the_whole_group() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let fails = Arc::new(AtomicUsize::new(0));
    let mut b = WorkerArgs::new("b", &events);
    b.fail_inits = fails.clone();
    let children = vec![
        worker("a", &events).untyped(),
        worker_with(b).untyped(),
        worker("c", &events).untyped(),
    ];
    let sup = Supervisor::start(
        children,
        SupervisorOptions::new(Strategy::OneForAll).max_restarts(5),
    )
    .await
    .unwrap();
    events.take(3).await;
    fails.store(1, std::sync::atomic::Ordering::Release);
    let c = child(&sup, "c").await;
    watch.watch(&c).await;
    c.crash().unwrap();
    watch.down().await;
    let seen = events.take(9).await;
    assert!(matches!(&seen[0], Event::Terminated(n, ExitReason::Panic(_)) if n == "c"));
    assert_eq!(
        seen[1..3],
        [
            Event::Terminated("b".into(), ExitReason::Shutdown),
            Event::Terminated("a".into(), ExitReason::Shutdown),
        ]
    );
    assert!(matches!(&seen[3], Event::Started(n, _) if n == "a"));
    assert_eq!(seen[4], Event::InitFailed("b".into()));
    assert_eq!(seen[5], Event::Terminated("a".into(), ExitReason::Shutdown));
    assert_eq!(started_names(&seen[6..]), ["a", "b", "c"]);
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.active, counts.restarts), (3, 2));
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

/// A supervisor with `auto` and children a (permanent), s1 and s2 (transient, significant).
async fn significant_sup(events: &mut Events, auto: AutoShutdown) -> Supervisor {
    let significant = |name: &str, events: &Events| {
        worker(name, events)
            .restart(Restart::Transient)
            .significant(true)
            .untyped()
    };
    let sup = Supervisor::start(
        vec![
            worker("a", events).untyped(),
            significant("s1", events),
            significant("s2", events),
        ],
        SupervisorOptions::new(Strategy::OneForOne).auto_shutdown(auto),
    )
    .await
    .unwrap();
    events.take(3).await;
    sup
}

// SUP-7 any_significant: one significant child exiting on its own (not restarted) shuts the
// supervisor down, other children first; a crash (restarted) does not.
#[tokio::test]
async fn sup_7_any_significant_shuts_down_on_the_first_clean_exit() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = significant_sup(&mut events, AutoShutdown::AnySignificant).await;
    let s1 = child(&sup, "s1").await;
    watch.watch(&s1).await;
    s1.crash().unwrap();
    watch.down().await;
    assert_eq!(
        sup.count_children().await.unwrap().restarts,
        1,
        "a crash is restarted"
    );
    events.take(2).await;
    let s1 = child(&sup, "s1").await;
    s1.exit_with(ExitReason::Normal).unwrap();
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    let seen = events.take(3).await;
    assert_eq!(seen[0], Event::Terminated("s1".into(), ExitReason::Normal));
    assert_eq!(terminated_names(&seen[1..]), ["s2", "a"]);
}

// SUP-7 all_significant: only once no significant child runs; terminate_child never triggers it.
#[tokio::test]
async fn sup_7_all_significant_waits_for_the_last_one() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = significant_sup(&mut events, AutoShutdown::AllSignificant).await;
    sup.terminate_child("s2").await.unwrap();
    let s1 = child(&sup, "s1").await;
    watch.watch(&s1).await;
    s1.exit_with(ExitReason::Shutdown).unwrap();
    watch.down().await;
    // s2 was stopped by terminate_child, which does not count as exiting on its own — but it has
    // no running actor either, so s1's exit is the last one.
    assert_eq!(sup.wait().await, ExitReason::Shutdown);

    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = significant_sup(&mut events, AutoShutdown::AllSignificant).await;
    let s1 = child(&sup, "s1").await;
    watch.watch(&s1).await;
    s1.exit_with(ExitReason::Normal).unwrap();
    watch.down().await;
    assert!(sup.is_alive(), "s2 still runs");
    sup.terminate_child("s2").await.unwrap();
    assert!(
        sup.is_alive(),
        "terminate_child never triggers auto-shutdown"
    );
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-7: significant is refused on a permanent child, with AutoShutdown::Never, and by a
// DynamicSupervisor; nothing starts.
#[tokio::test]
async fn sup_7_bad_combinations_are_refused() {
    let mut events = Events::new();
    let err = Supervisor::start(
        vec![worker("p", &events).significant(true).untyped()],
        SupervisorOptions::new(Strategy::OneForOne).auto_shutdown(AutoShutdown::AnySignificant),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SupervisorError::InvalidSpec { .. }),
        "{err:?}"
    );
    let err = Supervisor::start(
        vec![
            worker("t", &events)
                .restart(Restart::Transient)
                .significant(true)
                .untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SupervisorError::InvalidSpec { .. }),
        "{err:?}"
    );
    let sup = Supervisor::start(Vec::new(), SupervisorOptions::new(Strategy::OneForOne))
        .await
        .unwrap();
    let err = sup
        .start_child(
            worker("t", &events)
                .restart(Restart::Temporary)
                .significant(true),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, SupervisorError::InvalidSpec { .. }),
        "{err:?}"
    );
    let dynamic = beamish::DynamicSupervisor::start(beamish::DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let err = dynamic
        .start_child(
            worker("t", &events)
                .restart(Restart::Temporary)
                .significant(true),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, SupervisorError::InvalidSpec { .. }),
        "{err:?}"
    );
    assert!(events.is_empty());
    sup.stop(ExitReason::Shutdown).await.unwrap();
    dynamic.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-1.5 nested: a supervisor child whose own child fails to start fails its parent's start in
// turn, naming the failed grandchild.
#[tokio::test]
async fn sup_1_5_nested_start_failure_propagates() {
    let mut events = Events::new();
    let mut bad = WorkerArgs::new("bad", &events);
    bad.fail_inits = Arc::new(AtomicUsize::new(1));
    let middle = Supervisor::child_spec(
        vec![worker("ok", &events).untyped(), worker_with(bad).untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .with_id("middle")
    .untyped();
    let err = Supervisor::start(
        vec![worker("first", &events).untyped(), middle],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap_err();
    match err {
        SupervisorError::Start {
            id,
            error: StartError::Init(error),
        } => {
            assert_eq!(id, "middle");
            // The middle supervisor's own start error is the source, down to the grandchild's.
            assert!(
                matches!(
                    error.downcast_ref::<SupervisorError>(),
                    Some(SupervisorError::Start { id, error: StartError::Init(_) }) if id == "bad"
                ),
                "{error:?}"
            );
            assert!(
                error.to_string().contains("child `bad` failed to start"),
                "{error}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let seen = events.take(5).await;
    assert_eq!(started_names(&seen), ["first", "ok"]);
    assert_eq!(seen[2], Event::InitFailed("bad".into()));
    assert_eq!(terminated_names(&seen), ["ok", "first"]);
}

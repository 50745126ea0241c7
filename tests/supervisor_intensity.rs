//! Restart intensity, escalation up a supervision tree, and backoff (DS-5, SUP-3, SUP-8, §5.4).
//! Time is paused: windows and delays are exact.

#[path = "support/supervisor.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{
    Backoff, ChildSpec, ChildState, DynamicSupervisor, DynamicSupervisorOptions, FromAnyActor,
    Restart, Strategy, Supervisor, SupervisorError, SupervisorOptions,
};
use support::{
    Event, Events, Watch, WorkerArgs, WorkerHandle, started_names, terminated_names, worker,
    worker_with,
};

/// Crashes `w` and waits until its supervisor has the exit in its mailbox.
async fn crash(watch: &mut Watch, w: &WorkerHandle) {
    watch.watch(w).await;
    w.crash().unwrap();
    let (id, reason) = watch.down().await;
    assert_eq!(id, w.id());
    assert!(matches!(reason, ExitReason::Panic(_)));
}

/// The running child `id` of a static supervisor.
async fn child_of(sup: &Supervisor, id: &str) -> beamish::AnyActor {
    let children = sup.which_children().await.unwrap();
    let info = children.iter().find(|c| c.id == id).expect("child exists");
    info.actor().expect("running").clone()
}

/// The next `Started` event of worker `name`, skipping the crashed incarnation's `Terminated`.
async fn restarted(events: &mut Events, name: &str) -> ActorId {
    loop {
        match events.next().await {
            Event::Started(n, id) if n == name => return id,
            Event::Terminated(n, ExitReason::Panic(_)) if n == name => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

// DS-5, DS-1.2: with the defaults (3 restarts in 5 s), a 4th crash within the window makes the
// supervisor stop its other children and then exit with Shutdown.
#[tokio::test(start_paused = true)]
async fn ds_5_max_restarts_plus_one_crashes_stop_the_supervisor_children_first() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let bystander = sup.start_child(worker("bystander", &events)).await.unwrap();
    let mut victim = sup.start_child(worker("victim", &events)).await.unwrap();
    events.take(2).await;
    for _ in 0..3 {
        crash(&mut watch, &victim).await;
        let id = restarted(&mut events, "victim").await;
        let children = sup.which_children().await.unwrap();
        victim = WorkerHandle::from_any(children[1].actor().unwrap().clone()).unwrap();
        assert_eq!(victim.id(), id);
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    assert_eq!(sup.count_children().await.unwrap().restarts, 3);
    // Fourth crash at t = 3 s: four attempts within 5 s > max_restarts.
    victim.crash().unwrap();
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    assert!(
        !bystander.is_alive(),
        "children are stopped before the supervisor exits"
    );
    assert_eq!(bystander.wait().await, ExitReason::Shutdown);
    let seen = events.take(2).await;
    assert!(seen.contains(&Event::Terminated("bystander".into(), ExitReason::Shutdown)));
    assert!(
        events.is_empty(),
        "the victim is not restarted a fourth time"
    );
}

// DS-5: crashes spread wider than the window never add up; the window is exact.
#[tokio::test(start_paused = true)]
async fn ds_5_crashes_outside_the_window_do_not_add_up() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let sup = DynamicSupervisor::start(
        DynamicSupervisorOptions::new()
            .max_restarts(2)
            .max_seconds(Duration::from_secs(4)),
    )
    .await
    .unwrap();
    let mut w = sup.start_child(worker("w", &events)).await.unwrap();
    events.started().await;
    // One crash every 2.001 s: at most two restarts within any 4 s.
    for _ in 0..8 {
        crash(&mut watch, &w).await;
        restarted(&mut events, "w").await;
        w = WorkerHandle::from_any(
            sup.which_children().await.unwrap()[0]
                .actor()
                .unwrap()
                .clone(),
        )
        .unwrap();
        tokio::time::advance(Duration::from_millis(2001)).await;
    }
    assert!(sup.is_alive());
    assert_eq!(sup.count_children().await.unwrap().restarts, 8);
    // Three within 4 s (exactly 2 s apart: the oldest is exactly 4 s old, still inside) → give up.
    for _ in 0..2 {
        crash(&mut watch, &w).await;
        restarted(&mut events, "w").await;
        w = WorkerHandle::from_any(
            sup.which_children().await.unwrap()[0]
                .actor()
                .unwrap()
                .clone(),
        )
        .unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
    }
    w.crash().unwrap();
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

// DS-5: max_restarts 0 makes the first restart attempt fatal.
#[tokio::test(start_paused = true)]
async fn ds_5_zero_max_restarts_first_crash_is_fatal() {
    let mut events = Events::new();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_restarts(0))
        .await
        .unwrap();
    let w = sup.start_child(worker("w", &events)).await.unwrap();
    events.started().await;
    w.crash().unwrap();
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

// DS-3, §5.4: every restart attempt counts, failed ones too: a child whose restarts keep failing
// brings the supervisor down after exactly max_restarts failed attempts, without backoff.
#[tokio::test(start_paused = true)]
async fn ds_3_failed_restarts_count_toward_intensity() {
    let mut events = Events::new();
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new().max_restarts(3))
        .await
        .unwrap();
    let mut args = WorkerArgs::new("w", &events);
    let fails = Arc::new(AtomicUsize::new(0));
    args.fail_inits = fails.clone();
    let w = sup.start_child(worker_with(args)).await.unwrap();
    events.started().await;
    fails.store(usize::MAX, Ordering::Release);
    w.crash().unwrap();
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    let seen = events.take(4).await;
    assert!(matches!(
        &seen[0],
        Event::Terminated(_, ExitReason::Panic(_))
    ));
    assert!(
        seen[1..]
            .iter()
            .all(|e| *e == Event::InitFailed("w".into()))
    );
    assert!(
        events.is_empty(),
        "the fourth attempt exceeds intensity before starting"
    );
}

// SUP-3: a static supervisor that gives up stops the remaining children in reverse start order.
#[tokio::test(start_paused = true)]
async fn sup_3_giving_up_stops_children_in_reverse_order() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let children = ["a", "b", "c", "d"].map(|n| worker(n, &events).untyped());
    let sup = Supervisor::start(
        children,
        SupervisorOptions::new(Strategy::OneForOne).max_restarts(1),
    )
    .await
    .unwrap();
    events.take(4).await;
    let b = WorkerHandle::from_any(child_of(&sup, "b").await).unwrap();
    crash(&mut watch, &b).await;
    restarted(&mut events, "b").await;
    let b = WorkerHandle::from_any(child_of(&sup, "b").await).unwrap();
    b.crash().unwrap();
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    let seen = events.take(4).await;
    assert!(matches!(&seen[0], Event::Terminated(n, ExitReason::Panic(_)) if n == "b"));
    assert_eq!(terminated_names(&seen[1..]), ["d", "c", "a"]);
}

/// top (Supervisor) → middle (Supervisor, `restart`) → leaf (worker).
async fn three_levels(
    events: &mut Events,
    restart: Restart,
) -> (Supervisor, Supervisor, WorkerHandle) {
    let middle = Supervisor::child_spec(
        [worker("leaf", events).untyped()],
        SupervisorOptions::new(Strategy::OneForOne).max_restarts(0),
    )
    .with_id("middle")
    .restart(restart)
    .untyped();
    let top = Supervisor::start(
        [worker("sibling", events).untyped(), middle],
        SupervisorOptions::new(Strategy::OneForOne)
            .max_restarts(1)
            .max_seconds(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    assert_eq!(started_names(&events.take(2).await), ["sibling", "leaf"]);
    let middle = Supervisor::from_any(child_of(&top, "middle").await).unwrap();
    let leaf = WorkerHandle::from_any(child_of(&middle, "leaf").await).unwrap();
    (top, middle, leaf)
}

// SUP-8: a supervisor that gives up exits with Shutdown; its permanent parent restarts it (which
// counts toward the parent's intensity) until the parent gives up too: the failure climbs the tree.
#[tokio::test(start_paused = true)]
async fn sup_8_escalation_through_three_levels() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let (top, middle, leaf) = three_levels(&mut events, Restart::Permanent).await;

    // The leaf crashes: middle (max_restarts 0) gives up with Shutdown; top restarts middle, which
    // starts a fresh leaf.
    watch.watch(&middle).await;
    leaf.crash().unwrap();
    assert_eq!(watch.down().await, (middle.id(), ExitReason::Shutdown));
    let seen = events.take(2).await;
    assert!(matches!(&seen[0], Event::Terminated(n, ExitReason::Panic(_)) if n == "leaf"));
    assert_eq!(started_names(&seen), ["leaf"]);
    let counts = top.count_children().await.unwrap();
    assert_eq!((counts.active, counts.restarts), (2, 1));
    let middle2 = Supervisor::from_any(child_of(&top, "middle").await).unwrap();
    assert_ne!(middle2.id(), middle.id());
    let leaf2 = WorkerHandle::from_any(child_of(&middle2, "leaf").await).unwrap();
    assert_ne!(leaf2.id(), leaf.id());

    // Again: middle gives up again, and top's second restart within 60 s exceeds its budget of 1.
    let sibling = WorkerHandle::from_any(child_of(&top, "sibling").await).unwrap();
    leaf2.crash().unwrap();
    assert_eq!(top.wait().await, ExitReason::Shutdown);
    assert_eq!(middle2.wait().await, ExitReason::Shutdown);
    assert_eq!(sibling.wait().await, ExitReason::Shutdown);
    let seen = events.take(2).await;
    assert!(matches!(&seen[0], Event::Terminated(n, ExitReason::Panic(_)) if n == "leaf"));
    assert_eq!(
        seen[1],
        Event::Terminated("sibling".into(), ExitReason::Shutdown)
    );
}

// SUP-8: held as transient, a supervisor that gave up (Shutdown, a clean reason) is not restarted.
#[tokio::test(start_paused = true)]
async fn sup_8_transient_supervisor_child_is_not_restarted_after_giving_up() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let (top, middle, leaf) = three_levels(&mut events, Restart::Transient).await;
    watch.watch(&middle).await;
    leaf.crash().unwrap();
    assert_eq!(watch.down().await, (middle.id(), ExitReason::Shutdown));
    let children = top.which_children().await.unwrap();
    assert_eq!(children[1].state, ChildState::Stopped);
    assert_eq!(top.count_children().await.unwrap().restarts, 0);
    assert!(top.is_alive());
    top.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-8 with a DynamicSupervisor in the middle: the parent restarts it empty.
#[tokio::test(start_paused = true)]
async fn sup_8_dynamic_supervisor_escalates_to_its_parent() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let top = Supervisor::start(
        [
            DynamicSupervisor::child_spec(DynamicSupervisorOptions::new().max_restarts(0))
                .with_id("sessions")
                .untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let sessions = DynamicSupervisor::from_any(child_of(&top, "sessions").await).unwrap();
    let w = sessions.start_child(worker("s1", &events)).await.unwrap();
    events.started().await;
    watch.watch(&sessions).await;
    w.crash().unwrap();
    assert_eq!(watch.down().await, (sessions.id(), ExitReason::Shutdown));
    let again = DynamicSupervisor::from_any(child_of(&top, "sessions").await).unwrap();
    assert_ne!(again.id(), sessions.id());
    assert_eq!(again.count_children().await.unwrap().specs, 0);
    assert_eq!(top.count_children().await.unwrap().restarts, 1);
    top.stop(ExitReason::Shutdown).await.unwrap();
}

// Backoff (beyond OTP): the n-th consecutive restart waits min·2^(n-1); the child is Restarting
// meanwhile; a quiet period resets the delay.
#[tokio::test(start_paused = true)]
async fn backoff_delays_restarts_exponentially_and_resets() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1))
        .reset_after(Duration::from_secs(10));
    let sup = DynamicSupervisor::start(
        DynamicSupervisorOptions::new()
            .max_restarts(100)
            .backoff(backoff),
    )
    .await
    .unwrap();
    let mut w = sup.start_child(worker("w", &events)).await.unwrap();
    events.started().await;
    for delay_ms in [100, 200, 400, 800, 1000, 1000] {
        crash(&mut watch, &w).await;
        assert!(matches!(
            events.next().await,
            Event::Terminated(_, ExitReason::Panic(_))
        ));
        tokio::time::advance(Duration::from_millis(delay_ms - 1)).await;
        assert_eq!(
            sup.which_children().await.unwrap()[0].state,
            ChildState::Restarting
        );
        assert!(events.is_empty(), "not before {delay_ms} ms");
        tokio::time::advance(Duration::from_millis(1)).await;
        restarted(&mut events, "w").await;
        w = WorkerHandle::from_any(
            sup.which_children().await.unwrap()[0]
                .actor()
                .unwrap()
                .clone(),
        )
        .unwrap();
    }
    // Quiet for 10 s: back to the minimum.
    tokio::time::advance(Duration::from_secs(10)).await;
    crash(&mut watch, &w).await;
    events.next().await;
    tokio::time::advance(Duration::from_millis(100)).await;
    restarted(&mut events, "w").await;
    assert_eq!(sup.count_children().await.unwrap().restarts, 7);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// Backoff with rest_for_one: the affected group goes down at once and comes back together, in
// start order, after the delay.
#[tokio::test(start_paused = true)]
async fn backoff_with_rest_for_one_restarts_the_group_after_the_delay() {
    let mut events = Events::new();
    let mut watch = Watch::new().await;
    let children = ["a", "b", "c"].map(|n| worker(n, &events).untyped());
    let sup = Supervisor::start(
        children,
        SupervisorOptions::new(Strategy::RestForOne)
            .backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(1))),
    )
    .await
    .unwrap();
    events.take(3).await;
    let b = WorkerHandle::from_any(child_of(&sup, "b").await).unwrap();
    crash(&mut watch, &b).await;
    // c stops right away; b waits in Restarting.
    let states: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.state)
        .collect();
    assert!(matches!(states[0], ChildState::Running(_)));
    assert_eq!(states[1..], [ChildState::Restarting, ChildState::Stopped]);
    assert_eq!(terminated_names(&events.take(2).await), ["b", "c"]);
    assert!(matches!(
        sup.restart_child("b").await.map(|a| a.id()),
        Err(SupervisorError::Restarting)
    ));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(started_names(&events.take(2).await), ["b", "c"]);
    assert_eq!(sup.count_children().await.unwrap().active, 3);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

// SUP-1.3: a spec's fields are overridden by its builders (id, restart, shutdown, type).
#[test]
fn sup_1_3_child_spec_overrides() {
    let events = Events::new();
    let spec: ChildSpec<WorkerHandle> = worker("w", &events)
        .with_id("renamed")
        .restart(Restart::Transient)
        .shutdown(beamish::Shutdown::BrutalKill)
        .child_type(beamish::ChildType::Supervisor);
    assert_eq!(spec.id(), "renamed");
    assert_eq!(spec.restart_policy(), Restart::Transient);
    assert_eq!(spec.shutdown_mode(), beamish::Shutdown::BrutalKill);
    assert_eq!(spec.kind(), beamish::ChildType::Supervisor);
    // Without an explicit shutdown, a supervisor-type child defaults to Infinity (SUP-2).
    let sup_child = worker("s", &events).child_type(beamish::ChildType::Supervisor);
    assert_eq!(sup_child.shutdown_mode(), beamish::Shutdown::Infinity);
}

//! Agents (Elixir's `Agent`): an actor that is only its state, driven by closures. Operations are
//! ordinary calls and casts, so ordering, timeouts, crashes, via names and supervision behave as
//! for any actor.

#[path = "support/supervisor.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use beamish::current_id;
use beamish::prelude::*;
use support::Watch;

/// The agent's handle can be shared and stored anywhere, whatever its state (a `Cell` is `Send`
/// but not `Sync`).
fn handle<T: Clone + Send + Sync + std::fmt::Debug + Eq + std::hash::Hash + 'static>() {}

#[test]
fn agent_handles_are_clone_send_sync_and_compare_by_id() {
    handle::<Agent<u64>>();
    handle::<Agent<std::cell::Cell<u64>>>();
}

// Operations from one caller run in the order sent, casts and calls alike; each call answers
// with what its closure returned.
#[tokio::test]
async fn get_update_get_and_update_and_cast_run_in_order() {
    let agent = Agent::start(Vec::<u32>::new).await.unwrap();
    agent.cast(|v| v.push(1)).unwrap();
    assert_eq!(agent.update(|v| v.push(2)).await, Ok(()));
    agent.cast(|v| v.push(3)).unwrap();
    let before = agent
        .get_and_update(|v| {
            let before = v.clone();
            v.push(4);
            before
        })
        .await;
    assert_eq!(before, Ok(vec![1, 2, 3]));
    agent.cast(|v| v.retain(|n| n % 2 == 0)).unwrap();
    assert_eq!(agent.get(Vec::len).await, Ok(2));
    assert_eq!(agent.get(Clone::clone).await, Ok(vec![2, 4]));
    agent.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(agent.cast(|v| v.push(5)), Err(SendError::NoProc));
    assert_eq!(agent.get(Vec::len).await, Err(CallError::NoProc));
}

// The initial-state function runs inside the new actor, before `start` returns.
#[tokio::test]
async fn the_initial_state_is_built_inside_the_agent() {
    let agent = Agent::start(current_id).await.unwrap();
    assert_eq!(agent.get(|inside| *inside).await, Ok(Some(agent.id())));

    let linked = Agent::start_link(|| "linked").await.unwrap();
    assert_eq!(linked.get(|s| *s).await, Ok("linked"));
    linked.stop(ExitReason::Normal).await.unwrap();
    agent.stop(ExitReason::Normal).await.unwrap();
}

// A panicking initial-state function fails the start, as a panicking `init` does.
#[tokio::test]
async fn a_panicking_initial_state_fails_the_start() {
    let started = Agent::<u32>::start(|| panic!("no state")).await;
    assert!(
        matches!(&started, Err(StartError::Panic(msg)) if msg == "no state"),
        "{started:?}"
    );
}

// A closure that panics crashes the agent with `Panic`, as a panicking handler crashes any
// actor; the caller gets the exit reason, and later callers `NoProc`.
#[tokio::test]
async fn a_panicking_update_crashes_the_agent() {
    let agent = Agent::start(|| 7_u32).await.unwrap();
    let other = agent.clone();
    let crashed = agent.update(|_| panic!("bad update")).await;
    assert_eq!(
        crashed,
        Err(CallError::Exited(ExitReason::Panic("bad update".into())))
    );
    assert_eq!(other.wait().await, ExitReason::Panic("bad update".into()));
    assert!(!other.is_alive());
    assert_eq!(other.get(|n| *n).await, Err(CallError::NoProc));
}

// A panicking cast crashes the agent too; a monitor sees the reason.
#[tokio::test]
async fn a_panicking_cast_crashes_the_agent() {
    let mut watch = Watch::new().await;
    let agent = Agent::start(|| 7_u32).await.unwrap();
    watch.watch(&agent).await;
    agent.cast(|_| panic!("bad cast")).unwrap();
    assert_eq!(
        watch.down().await,
        (agent.id(), ExitReason::Panic("bad cast".into()))
    );
    assert_eq!(agent.get_and_update(|n| *n).await, Err(CallError::NoProc));
}

// A call to an idle agent runs its closure in the caller's task, as the agent (its state lent
// to the caller); on a current-thread runtime the agent is idle again once a call was answered.
#[tokio::test(flavor = "current_thread")]
async fn a_call_to_an_idle_agent_runs_in_the_callers_task_as_the_agent() {
    let agent = Agent::start(|| 0_u32).await.unwrap();
    agent.update(|n| *n += 1).await.unwrap();
    let me = tokio::task::try_id();
    for i in 2..=100 {
        let (task, actor, n) = agent
            .get_and_update(|n| {
                *n += 1;
                (tokio::task::try_id(), current_id(), *n)
            })
            .await
            .unwrap();
        assert_eq!((task, actor, n), (me, Some(agent.id()), i));
    }
    assert_eq!(current_id(), None);
}

// GS-3.9 for agents: a call that outlives its timeout returns `Timeout`; the agent is not told,
// still runs the closure when it gets to it, and keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_agent_times_the_call_out_and_still_runs_it() {
    let agent = Agent::start(|| 0_u32).await.unwrap();
    assert_eq!(agent.timeout(), beamish::DEFAULT_CALL_TIMEOUT);
    // The agent is held inside a closure until the test opens the gate: the call behind it
    // cannot be answered before its timeout.
    let (open, gate) = std::sync::mpsc::channel::<()>();
    agent
        .cast(move |_| {
            let _ = gate.recv();
        })
        .unwrap();
    let quick = agent.with_timeout(Duration::from_millis(50));
    assert_eq!(quick.timeout(), Duration::from_millis(50));
    assert_eq!(quick, agent);
    assert_eq!(quick.update(|n| *n += 1).await, Err(CallError::Timeout));
    open.send(()).unwrap();
    // The timed-out update ran all the same.
    assert_eq!(agent.get(|n| *n).await, Ok(1));
    agent.stop(ExitReason::Normal).await.unwrap();
}

// A via name: the agent is found by key, typed by its state; a taken key fails the start
// without running the initial-state function; the name is free once the agent is gone.
#[tokio::test]
async fn start_via_registers_the_agent_and_whereis_finds_it() {
    let names = Registry::<String>::new(Keys::Unique);
    let agent = Agent::start_via(&names, "config".to_string(), || 42_u64)
        .await
        .unwrap();
    let found = Agent::<u64>::whereis(&names, "config").expect("registered");
    assert_eq!(found, agent);
    assert_eq!(found.get(|n| *n).await, Ok(42));
    // Another state type is another handle type.
    assert!(Agent::<String>::whereis(&names, "config").is_none());
    assert!(Agent::<u64>::from_any(agent.to_any()).is_some());
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    assert!(Agent::<u64>::from_any(sup.to_any()).is_none());
    sup.stop(ExitReason::Shutdown).await.unwrap();

    let inits = Arc::new(AtomicUsize::new(0));
    let counted = inits.clone();
    let taken = Agent::start_via(&names, "config".to_string(), move || {
        counted.fetch_add(1, Ordering::SeqCst);
        0_u64
    })
    .await;
    assert!(
        matches!(taken, Err(StartError::AlreadyStarted(holder)) if holder == agent.id()),
        "{taken:?}"
    );
    assert_eq!(inits.load(Ordering::SeqCst), 0);

    agent.stop(ExitReason::Normal).await.unwrap();
    assert!(Agent::<u64>::whereis(&names, "config").is_none());
    let again = Agent::start_link_via(&names, "config".to_string(), || 1_u64)
        .await
        .unwrap();
    assert_eq!(
        Agent::<u64>::whereis(&names, "config").map(|a| a.id()),
        Some(again.id())
    );
    again.stop(ExitReason::Normal).await.unwrap();
}

// An agent under a DynamicSupervisor: after a panicking update, the supervisor restarts it
// with a fresh state from its initial-state function.
#[tokio::test]
async fn a_supervised_agent_restarts_with_a_fresh_state() {
    let inits = Arc::new(AtomicUsize::new(0));
    let counted = inits.clone();
    let spec = Agent::child_spec(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        vec!["initial"]
    });
    assert_eq!(spec.id(), "Agent");
    assert_eq!(spec.restart_policy(), Restart::Permanent);
    assert_eq!(spec.kind(), ChildType::Worker);
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let agent = sup.start_child(spec).await.unwrap();
    agent.update(|s| s.push("changed")).await.unwrap();
    assert_eq!(agent.get(Vec::len).await, Ok(2));

    let crashed = agent.update(|_| panic!("corrupt")).await;
    assert_eq!(
        crashed,
        Err(CallError::Exited(ExitReason::Panic("corrupt".into())))
    );
    // The exit is in the supervisor's mailbox before the call failed: once it answers, the
    // restart is done.
    let children = sup.which_children().await.unwrap();
    assert_eq!(sup.count_children().await.unwrap().restarts, 1);
    let again = children[0]
        .actor()
        .cloned()
        .and_then(Agent::<Vec<&str>>::from_any)
        .expect("the restarted agent");
    assert_ne!(again.id(), agent.id());
    assert_eq!(again.get(Clone::clone).await, Ok(vec!["initial"]));
    assert_eq!(inits.load(Ordering::SeqCst), 2);
    assert_eq!(agent.get(Vec::len).await, Err(CallError::NoProc));

    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(!again.is_alive());
}

// `child_spec_via`: each incarnation is registered under the key, so `whereis` follows restarts;
// a static supervisor takes it as any other spec.
#[tokio::test]
async fn a_via_named_agent_is_found_again_after_a_restart() {
    let names = Registry::<&'static str>::new(Keys::Unique);
    let mut watch = Watch::new().await;
    let spec = Agent::child_spec_via(&names, "hits", || 0_u32);
    assert_eq!(spec.id(), "\"hits\"");
    let sup = Supervisor::start(
        [spec.untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let first = Agent::<u32>::whereis(&names, "hits").expect("registered");
    first.update(|n| *n += 3).await.unwrap();

    watch.watch(&first).await;
    first.kill();
    assert_eq!(watch.down().await, (first.id(), ExitReason::Killed));
    assert_eq!(sup.count_children().await.unwrap().restarts, 1);
    let second = Agent::<u32>::whereis(&names, "hits").expect("registered again");
    assert_ne!(second.id(), first.id());
    assert_eq!(second.get(|n| *n).await, Ok(0));

    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(Agent::<u32>::whereis(&names, "hits").is_none());
}

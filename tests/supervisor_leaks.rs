//! Nothing leaks: a supervision tree that restarted, escalated and shut down leaves no actor
//! behind. `live_actors()` is process-global, so this is the only test in its binary.

#[path = "support/supervisor.rs"]
mod support;

use std::time::Duration;

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, Strategy, Supervisor, SupervisorOptions,
    live_actors,
};
use support::{Events, Watch, WorkerHandle, worker};

#[tokio::test(start_paused = true)]
async fn a_whole_tree_leaves_no_actor_behind() {
    let baseline = live_actors();
    let mut events = Events::new();
    let mut watch = Watch::new().await;

    let tree = Supervisor::start(
        [
            worker("a", &events).untyped(),
            Supervisor::child_spec(
                [
                    worker("b1", &events).untyped(),
                    worker("b2", &events).untyped(),
                ],
                SupervisorOptions::new(Strategy::OneForAll).max_restarts(0),
            )
            .with_id("group")
            .untyped(),
            DynamicSupervisor::child_spec(DynamicSupervisorOptions::new().max_restarts(10))
                .with_id("dynamic")
                .untyped(),
        ],
        SupervisorOptions::new(Strategy::RestForOne)
            .max_restarts(10)
            .max_seconds(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    events.take(3).await;
    let children = tree.which_children().await.unwrap();
    let dynamic = DynamicSupervisor::from_any(children[2].actor().unwrap().clone()).unwrap();
    let mut sessions = Vec::new();
    for i in 0..20 {
        sessions.push(
            dynamic
                .start_child(worker(&format!("s{i}"), &events))
                .await
                .unwrap(),
        );
    }
    events.take(20).await;
    // Crash a few sessions (restarted by the dynamic supervisor)...
    for s in sessions.iter().take(5) {
        watch.watch(s).await;
        s.crash().unwrap();
        watch.down().await;
    }
    assert_eq!(dynamic.count_children().await.unwrap().restarts, 5);
    // ...and a member of the group, whose supervisor gives up: rest_for_one restarts the group
    // and the dynamic supervisor after it (empty again).
    let group = Supervisor::from_any(children[1].actor().unwrap().clone()).unwrap();
    let b1 = WorkerHandle::from_any(
        group.which_children().await.unwrap()[0]
            .actor()
            .unwrap()
            .clone(),
    )
    .unwrap();
    watch.watch(&group).await;
    b1.crash().unwrap();
    watch.down().await;
    // The tree has the group's exit in its mailbox; its answer comes after handling it.
    let counts = tree.count_children().await.unwrap();
    assert_eq!((counts.active, counts.restarts), (3, 1));
    assert!(!dynamic.is_alive());
    assert!(sessions.iter().all(|s| !s.is_alive()));

    tree.stop(ExitReason::Shutdown).await.unwrap();
    watch.watcher.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(live_actors(), baseline);
}

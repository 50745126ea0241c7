//! `beamish::sys`: the table of live actors matches what was started and stopped, mailbox
//! counters are exact, the supervision tree of a three-level tree comes back exactly, restarts
//! are counted per child, and crashes are logged.
//!
//! The table is global and the tests of this file run concurrently: each looks only at the
//! actors it started.

mod support;

use std::collections::HashSet;

use beamish::prelude::*;
use beamish::sys;
use support::{settle, within};
use tokio::sync::oneshot;

struct Worker {
    seen: u64,
}

#[actor]
impl Worker {
    #[init]
    async fn init(_: ()) -> Self {
        Worker { seen: 0 }
    }

    #[cast]
    async fn bump(&mut self) {
        self.seen += 1;
    }

    /// Holds the actor until `gate` is released.
    #[cast]
    async fn hold(&mut self, held: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = held.send(());
        let _ = gate.await;
    }

    #[call]
    async fn seen(&self) -> u64 {
        self.seen
    }
}

fn live_ids() -> HashSet<ActorId> {
    sys::processes().into_iter().map(|p| p.id).collect()
}

#[tokio::test]
async fn the_table_lists_exactly_the_live_actors() {
    let workers = [
        Worker::start(()).await.unwrap(),
        Worker::start(()).await.unwrap(),
        Worker::start(()).await.unwrap(),
    ];
    let live = live_ids();
    assert!(workers.iter().all(|w| live.contains(&w.id())));
    workers[1].stop(ExitReason::Normal).await.unwrap();
    let live = live_ids();
    assert!(live.contains(&workers[0].id()) && live.contains(&workers[2].id()));
    assert!(!live.contains(&workers[1].id()));
    assert!(sys::process(workers[1].id()).is_none());
    assert!(sys::actor(workers[1].id()).is_none());
    // A handle by id: killing through it ends the actor.
    sys::actor(workers[0].id()).expect("alive").kill();
    assert_eq!(within(workers[0].wait()).await, ExitReason::Killed);
    assert!(!live_ids().contains(&workers[0].id()));
    let info = sys::process(workers[2].id()).expect("alive");
    assert!(info.type_name.ends_with("Worker"));
    assert_eq!(info.parent, None);
    assert!(!info.supervisor && !info.trap_exit);
}

#[tokio::test(start_paused = true)]
async fn mailbox_counters_are_exact() {
    let w = Worker::start(()).await.unwrap();
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    w.hold(held_tx, gate).unwrap();
    within(held).await.unwrap();
    for _ in 0..10 {
        w.bump().unwrap();
    }
    let info = sys::process(w.id()).unwrap();
    assert_eq!((info.mailbox.len, info.mailbox.received), (10, 1));
    drop(release);
    assert_eq!(w.seen().await, Ok(10));
    let info = sys::process(w.id()).unwrap();
    assert_eq!((info.mailbox.len, info.mailbox.received), (0, 12));
    assert_eq!(info.mailbox.capacity, None);
}

#[tokio::test]
async fn monitors_and_links_are_listed() {
    let a = Worker::start(()).await.unwrap();
    let b = Worker::start(()).await.unwrap();
    let watcher = Agent::start(|| ()).await.unwrap();
    let mref = {
        let a = a.clone();
        watcher.get(move |()| a.monitor()).await.unwrap().unwrap()
    };
    let info = sys::process(a.id()).unwrap();
    assert_eq!(info.monitored_by, vec![watcher.id()]);
    assert_eq!(sys::process(watcher.id()).unwrap().monitoring, vec![a.id()]);
    let _ = (b, mref);
}

/// A static supervisor over a dynamic supervisor (two workers) and a worker: the tree from the
/// root is exactly that, in start order, with supervisors marked.
#[tokio::test]
async fn the_tree_of_three_levels_comes_back_exactly() {
    let root = Supervisor::start(
        [
            DynamicSupervisor::child_spec(DynamicSupervisorOptions::default())
                .with_id("pool")
                .untyped(),
            Worker::child_spec(()).with_id("solo").untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let children = root.which_children().await.unwrap();
    let pool = DynamicSupervisor::from_any(children[0].actor().unwrap().clone()).unwrap();
    let solo = children[1].actor().unwrap().clone();
    let w1 = pool.start_child(Worker::child_spec(())).await.unwrap();
    let w2 = pool.start_child(Worker::child_spec(())).await.unwrap();

    let tree = sys::tree_of(root.id()).expect("alive");
    assert!(tree.info.supervisor);
    let level1: Vec<_> = tree.children.iter().map(|n| n.info.id).collect();
    assert_eq!(level1, vec![pool.id(), solo.id()]);
    let pool_node = &tree.children[0];
    assert!(pool_node.info.supervisor);
    let level2: Vec<_> = pool_node.children.iter().map(|n| n.info.id).collect();
    assert_eq!(level2, vec![w1.id(), w2.id()]);
    assert!(pool_node.children.iter().all(|n| n.children.is_empty()));
    assert!(tree.children[1].children.is_empty() && !tree.children[1].info.supervisor);
    // The root is a root of the whole tree too.
    assert!(sys::tree().iter().any(|n| n.info.id == root.id()));
    root.stop(ExitReason::Shutdown).await.unwrap();
    assert!(sys::tree_of(root.id()).is_none());
    assert!(sys::process(w1.id()).is_none());
}

/// A supervised child's incarnations count their restarts, and each crash is logged with its
/// reason and parent.
#[tokio::test]
async fn restarts_are_counted_and_crashes_logged() {
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::default().max_restarts(10))
        .await
        .unwrap();
    let child: WorkerHandle = sup
        .start_child_followed(Worker::child_spec(()))
        .await
        .unwrap();
    assert_eq!(sys::process(child.id()).unwrap().restarts, 0);
    for n in 1..=3 {
        let dying = child.id();
        // This incarnation, not the child: the followed handle moves on once it is restarted.
        let incarnation = sys::actor(dying).unwrap();
        incarnation.kill();
        assert_eq!(within(incarnation.wait()).await, ExitReason::Killed);
        // The followed handle reaches the next incarnation once it answers.
        assert_eq!(within(child.seen()).await, Ok(0));
        assert_ne!(child.id(), dying);
        assert_eq!(sys::process(child.id()).unwrap().restarts, n);
        let (log, total) = sys::crashes();
        assert!(total >= u64::from(n));
        let crash = log.iter().find(|c| c.id == dying).expect("logged");
        assert_eq!(crash.reason, ExitReason::Killed);
        assert_eq!(crash.parent, Some(sup.id()));
    }
    settle().await;
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

/// A counter whose state the observer may read.
#[derive(Debug)]
struct Open {
    seen: u64,
}

#[actor(debug_state)]
impl Open {
    #[init]
    async fn init(_: ()) -> Self {
        Open { seen: 0 }
    }

    #[cast]
    async fn bump(&mut self) {
        self.seen += 1;
    }

    #[cast]
    async fn hold(&mut self, held: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = held.send(());
        let _ = gate.await;
    }
}

// `get_state` is answered between two messages, in mailbox order: after the messages sent before
// it, before those sent after; a type that did not opt in answers `None`; a dead actor `NoProc`;
// a busy one `Timeout`.
#[tokio::test(start_paused = true)]
async fn get_state_answers_between_two_messages() {
    use std::time::Duration;
    let open = Open::start(()).await.unwrap();
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    open.hold(held_tx, gate).unwrap();
    within(held).await.unwrap();
    open.bump().unwrap();
    open.bump().unwrap();
    let id = open.id();
    let asked = tokio::spawn(sys::get_state(id, Duration::from_secs(3600)));
    settle().await;
    open.bump().unwrap();
    // Busy: a short wait times out.
    assert_eq!(
        sys::get_state(id, Duration::from_millis(10)).await,
        Err(CallError::Timeout)
    );
    drop(release);
    let state = within(asked).await.unwrap().unwrap().expect("opted in");
    assert!(state.contains("seen: 2"), "{state}");

    let private = Worker::start(()).await.unwrap();
    assert_eq!(
        sys::get_state(private.id(), Duration::from_secs(1)).await,
        Ok(None)
    );
    private.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(
        sys::get_state(private.id(), Duration::from_secs(1)).await,
        Err(CallError::NoProc)
    );
}

// Registries are listed while they live, with their entries (key as `{:?}`, actor), searchable
// and paged; an entry goes with its actor.
#[tokio::test]
async fn registries_and_their_entries_are_listed() {
    let names = Registry::<String>::builder(Keys::Unique)
        .name("sys-test-names")
        .build()
        .unwrap();
    let a = Worker::start_via(&names, "alpha".to_string(), ())
        .await
        .unwrap();
    let b = Worker::start_via(&names, "beta".to_string(), ())
        .await
        .unwrap();
    let listed = sys::registries()
        .into_iter()
        .find(|r| r.name.as_deref() == Some("sys-test-names"))
        .expect("listed");
    assert_eq!((listed.keys, listed.entries), (Keys::Unique, 2));
    let (total, entries) = sys::registry_entries(listed.id, "", 0, 10).unwrap();
    assert_eq!(total, 2);
    let got: Vec<_> = entries.iter().map(|e| (e.key.as_str(), e.actor)).collect();
    assert_eq!(got, vec![("\"alpha\"", a.id()), ("\"beta\"", b.id())]);
    let (total, entries) = sys::registry_entries(listed.id, "bet", 0, 10).unwrap();
    assert_eq!((total, entries[0].actor), (1, b.id()));
    let (total, entries) = sys::registry_entries(listed.id, "", 1, 10).unwrap();
    assert_eq!((total, entries.len()), (2, 1));
    a.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(sys::registry_entries(listed.id, "", 0, 10).unwrap().0, 1);
    drop(names);
    assert!(sys::registries().iter().all(|r| r.id != listed.id));
    assert!(sys::registry_entries(listed.id, "", 0, 10).is_none());
    b.stop(ExitReason::Normal).await.unwrap();
}

// The table never lists a dead actor once its exit is observable, and always lists a live one:
// 4 tasks on a multi-thread runtime start and stop 500 actors each, checking both sides around
// every stop, while another task keeps listing the whole table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_follows_starts_and_exits_under_concurrency() {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lister = tokio::spawn({
        let done = done.clone();
        async move {
            let mut listings = 0u32;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let all = sys::processes();
                assert!(all.windows(2).all(|w| w[0].id < w[1].id), "in spawn order");
                listings += 1;
                tokio::task::yield_now().await;
            }
            listings
        }
    });
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..500 {
                    let w = Worker::start(()).await.unwrap();
                    assert!(sys::process(w.id()).is_some(), "a live actor is listed");
                    w.stop(ExitReason::Normal).await.unwrap();
                    assert!(sys::process(w.id()).is_none(), "a dead actor is not");
                    assert!(sys::actor(w.id()).is_none());
                }
            })
        })
        .collect();
    for task in tasks {
        within(task).await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(within(lister).await.unwrap() > 0);
}

/// Crashes on request, with the text it is given.
struct Faulty;

#[actor]
impl Faulty {
    #[init]
    async fn init(_: ()) -> Self {
        Faulty
    }

    #[cast]
    async fn panic_with(&mut self, text: String) {
        panic!("{text}")
    }

    #[cast]
    async fn fail_with(&mut self, text: String, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Error(text));
    }
}

/// Past its bound the log forgets its oldest crashes, and the entries it reuses for the new ones
/// carry the new crashes' own reasons (texts longer and shorter than the ones they replace,
/// panics over errors and the other way round).
#[tokio::test]
async fn a_full_crash_log_keeps_the_latest_crashes_each_with_its_own_reason() {
    quiet_panics_starting_with("crash ");
    let mut ours = Vec::new();
    for i in 0..2 * sys::CRASH_LOG + 10 {
        let faulty = Faulty::start(()).await.unwrap();
        let text = format!("crash {i} {}", "x".repeat(i * 7 % 45));
        let reason = if i % 3 == 0 {
            faulty.fail_with(text.clone()).unwrap();
            ExitReason::Error(text)
        } else {
            faulty.panic_with(text.clone()).unwrap();
            ExitReason::Panic(text)
        };
        assert_eq!(within(faulty.wait()).await, reason);
        ours.push((faulty.id(), reason));
    }
    let (log, _) = sys::crashes();
    assert!(log.len() <= sys::CRASH_LOG);
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    let mut found = 0;
    for crash in &log {
        if let Some((_, reason)) = ours.iter().find(|(id, _)| *id == crash.id) {
            assert_eq!(&crash.reason, reason);
            assert!(crash.type_name.ends_with("Faulty"));
            found += 1;
        }
    }
    let (last, _) = ours.last().unwrap();
    assert!(
        log.iter().any(|c| c.id == *last),
        "the latest crash is kept"
    );
    assert!(found > 0);
}

/// Keeps this binary's expected panics (their messages start with `prefix`) out of the test
/// log; every other panic is reported as before.
fn quiet_panics_starting_with(prefix: &'static str) {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        if !message.is_some_and(|m| m.starts_with(prefix)) {
            report(info);
        }
    }));
}

//! Server restarts and store loss: frames sent to a node while it was away from the server went
//! nowhere, and the audit its reconnection triggers makes them good; a name claimed by another
//! node while the store had lost it stays with that node, and the old owner stops; an entry the
//! store lost on its own is re-created by its owner's self-audit.

mod support;

use std::time::{Duration, Instant};

use beamish::cluster::{ClusterRegistry, Node, NodeOptions};
use beamish::prelude::*;
use support::{Counter, CounterHandle, HeldNode, server, wait_for};

/// Node `name` of `cluster` (TTL 5 s) and its registry "names"; retries for 5 s while a
/// restarted server comes back.
async fn steady(url: &str, cluster: &str, name: &str) -> (Node, ClusterRegistry) {
    let since = Instant::now();
    let node = loop {
        let options = NodeOptions::new(cluster, name).ttl(Duration::from_secs(5));
        match Node::connect(url, options).await {
            Ok(node) => break node,
            Err(e) => assert!(since.elapsed() < Duration::from_secs(5), "node {name}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let names = node.registry::<()>("names", Keys::Unique).await.unwrap();
    (node, names)
}

/// Node `b` watches `a`'s actor, then is away (held still) while the server restarts and the
/// actor dies, so `a`'s `down` finds no subscriber of `b`'s. When `b` runs again it reconnects,
/// audits, and its stand-in still ends with the real reason.
#[tokio::test(flavor = "current_thread")]
async fn a_down_sent_while_a_node_was_away_is_made_good_when_it_reconnects() {
    let mut server = server();
    let url = server.url();
    let (_a, names_a) = steady(&url, "t14", "a").await;
    let target: CounterHandle = Counter::start_via(&names_a, "x", 0).await.unwrap();
    let options = NodeOptions::new("t14", "b").ttl(Duration::from_secs(5));
    let (mut b, (_names_b, target_on_b)) = HeldNode::start(url.clone(), options, |b| async move {
        let names = b.registry::<()>("names", Keys::Unique).await.unwrap();
        // The stand-in's `watch` reaches `a` before this call: `a` watches for `b` after it.
        let target: CounterHandle = wait_for(|| names.whereis("x")).await;
        target.get().await.expect("x answers b");
        (names, target)
    })
    .await;
    let (_c, names_c) = steady(&url, "t14", "c").await;
    let target_on_c: CounterHandle = wait_for(|| names_c.whereis("x")).await;
    target_on_c.get().await.expect("x answers c");

    b.hold().await;
    server.restart().expect("server back");
    target.kill();
    // `a` tells its watchers in the order they came, `b` first, in one go: once `c` has heard,
    // the server has had `b`'s `down` too, while `b` was away.
    let within = Duration::from_secs(20);
    let ended = tokio::time::timeout(within, target_on_c.wait()).await;
    assert_eq!(ended, Ok(ExitReason::Killed), "c's monitor");
    b.release();

    let ended = tokio::time::timeout(within, target_on_b.wait()).await;
    assert_eq!(
        ended,
        Ok(ExitReason::Killed),
        "b's monitor, after b reconnected"
    );
}

/// The store is wiped while node `b` is away (held still), and node `a` claims `b`'s name before
/// `b` has re-created its entry: the store wins, and `b`'s actor stops with `NameConflict`.
#[tokio::test(flavor = "current_thread")]
async fn a_name_claimed_elsewhere_after_a_store_loss_stops_its_old_owner() {
    let mut server = server();
    let url = server.url();
    let options = NodeOptions::new("t15", "b").ttl(Duration::from_secs(5));
    let (mut b, (_names_b, first)) = HeldNode::start(url.clone(), options, |b| async move {
        let names = b.registry::<()>("names", Keys::Unique).await.unwrap();
        let first: CounterHandle = Counter::start_via(&names, "o1", 3).await.unwrap();
        (names, first)
    })
    .await;

    b.hold().await;
    server.restart_wiped().expect("server back");
    let (_a, names_a) = steady(&url, "t15", "a").await;
    let second: CounterHandle = Counter::start_via(&names_a, "o1", 9).await.unwrap();
    b.release();

    let ended = tokio::time::timeout(Duration::from_secs(20), first.wait()).await;
    assert_eq!(ended, Ok(ExitReason::NameConflict("o1".into())));
    // The name stays with its new owner.
    assert_eq!(second.get().await, Ok(9));
    let owner: CounterHandle = wait_for(|| names_a.whereis("o1")).await;
    assert_eq!(owner.id(), second.id());
    assert_eq!(names_a.count(), 1);
}

/// An entry the store loses behind its owner's back (JetStream has lost acknowledged writes
/// under some faults; here another node deletes it) comes back at the owner's next self-audit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_the_store_lost_is_re_created_by_its_owners_self_audit() {
    let server = server();
    let url = server.url();
    let options = NodeOptions::new("t18", "a")
        .ttl(Duration::from_secs(5))
        .self_audit(Duration::from_millis(200));
    let a = Node::connect(&url, options).await.expect("node a");
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let owner: CounterHandle = Counter::start_via(&names_a, "k", 1).await.unwrap();
    let (_b, names_b) = steady(&url, "t18", "b").await;
    let _seen: CounterHandle = wait_for(|| names_b.whereis("k")).await;
    let rev = names_b.revision("k").expect("an entry");

    assert!(names_b.delete_at("k", rev).await, "lost behind a's back");
    let back: CounterHandle = wait_for(|| {
        names_b
            .whereis("k")
            .filter(|_| names_b.revision("k") != Some(rev))
    })
    .await;
    assert_eq!(back.id().local_id(), owner.id().local_id());
    assert!(names_b.revision("k") > Some(rev), "written anew");
    assert_eq!(back.get().await, Ok(1));
}

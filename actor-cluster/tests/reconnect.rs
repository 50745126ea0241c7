//! Reconnection: frames sent to a node while it was away from the server went nowhere; the
//! audit its reconnection triggers makes them good.

mod support;

use std::time::Duration;

use beamish::cluster::{ClusterRegistry, Node, NodeOptions};
use beamish::prelude::*;
use support::{Counter, CounterHandle, HeldNode, server, wait_for};

async fn steady(url: &str, name: &str) -> (Node, ClusterRegistry) {
    let options = NodeOptions::new("t14", name).ttl(Duration::from_secs(5));
    let node = Node::connect(url, options).await.expect("node");
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
    let (_a, names_a) = steady(&url, "a").await;
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
    let (_c, names_c) = steady(&url, "c").await;
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

//! A cluster of three NATS servers and replicated buckets (`NodeOptions::replicas(3)`): the loss
//! of the server that leads the registry's stream stalls writes for one Raft election, then
//! they go on; with a TTL above the stall no node fences, no entry is lost, and a name still has
//! one owner.

mod support;

use std::time::{Duration, Instant};

use beamish::cluster::{ClusterError, NatsCluster, Node, NodeOptions};
use beamish::prelude::*;
use support::{Counter, CounterHandle, wait_for};

const NAMES: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_stream_leader_stalls_writes_and_loses_nothing() {
    let mut servers = NatsCluster::start(3).unwrap_or_else(|e| panic!("servers: {e}"));
    let options = |name: &str| {
        NodeOptions::new("ha", name)
            .replicas(3)
            .ttl(Duration::from_secs(15))
    };
    // Each node knows one server; it learns of the others from it.
    let mut nodes = Vec::new();
    let mut names = Vec::new();
    for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
        let node = Node::connect(&servers.url(i), options(name))
            .await
            .unwrap_or_else(|e| panic!("node {name}: {e}"));
        names.push(node.registry::<()>("names", Keys::Unique).await.unwrap());
        nodes.push(node);
    }
    let mut owned = Vec::new();
    for i in 0..NAMES {
        let h: CounterHandle =
            Counter::start_via(&names[i % 3], format!("n{i}").as_str(), i as i64)
                .await
                .unwrap();
        owned.push(h);
    }
    for registry in &names {
        for i in 0..NAMES {
            wait_for(|| registry.whereis::<CounterHandle>(&format!("n{i}"))).await;
        }
    }

    // The server that leads the registry bucket's stream (its Raft group's leader).
    let raw = async_nats::connect(servers.url(0)).await.unwrap();
    let stream = async_nats::jetstream::new(raw)
        .get_stream("KV_bm_reg_ha_names")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    let cluster = stream.cluster.expect("a clustered stream");
    assert_eq!(
        cluster.replicas.len(),
        2,
        "three copies: the leader and two"
    );
    let leader = cluster.leader.expect("a leader");
    assert!(servers.kill(&leader));
    let killed = Instant::now();

    // Writes wait for a new leader, then go on: a new name is registered from every node (the
    // one whose server was killed moves to another).
    for (i, registry) in names.iter().enumerate() {
        let key = format!("after-{i}");
        loop {
            match Counter::start_via(registry, key.as_str(), 0).await {
                Ok(_) => break,
                Err(e) => {
                    assert!(
                        killed.elapsed() < Duration::from_secs(30),
                        "node {i}: no registration 30 s after the leader was killed: {e:?}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    let stall = killed.elapsed();

    // Nothing was lost: every name still resolves, on every node, to the actor that took it,
    // and answers; a name still has one owner.
    for (n, registry) in names.iter().enumerate() {
        for (i, h) in owned.iter().enumerate() {
            let found: CounterHandle = registry.whereis(&format!("n{i}")).expect("still named");
            assert_eq!(found.get().await, Ok(i as i64), "n{i} from node {n}");
            if n == i % 3 {
                assert_eq!(found.id(), h.id());
            }
        }
        let again = Counter::start_via(registry, "n0", 99).await;
        assert!(again.is_err(), "n0 taken twice");
    }
    for node in &nodes {
        assert_eq!(
            node.fences(),
            0,
            "{} fenced: the stall outlasted its fence",
            node.name()
        );
        assert!(!node.is_fenced());
    }
    println!(
        "  the leader ({leader}) killed: every node registered again after {stall:?} (TTL 15 s, fence at 14.5 s)"
    );
}

/// Replicas a single server cannot keep: the node does not join, and says why.
#[tokio::test]
async fn replicas_one_server_cannot_keep_are_refused_with_the_reason() {
    let server = support::server();
    let refused = Node::connect(&server.url(), NodeOptions::new("one", "a").replicas(3)).await;
    match refused {
        Err(ClusterError::Unavailable(why)) => assert!(why.contains("replicas"), "{why}"),
        other => panic!("joined, or another error: {other:?}"),
    }
}

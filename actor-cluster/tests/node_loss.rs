//! Node loss and store loss against a real nats-server, with node processes killed by SIGKILL.
//!
//! `harness = false`: run with `BEAMISH_TEST_NODE=<url>|<cluster>|<node>|<key>`, this binary is a
//! node process that starts a `Counter` under `<key>` and waits to be killed; run without it,
//! it runs the tests below, each starting its own server and node processes.

mod support;

use std::time::{Duration, Instant};

use beamish::cluster::{NatsServer, Node, NodeOptions};
use beamish::prelude::*;
use support::{
    Counter, CounterHandle, Process, Seen, Watcher, down_and_exit, heard, node, server,
    wait_for_within,
};

fn main() {
    if let Ok(spec) = std::env::var("BEAMISH_TEST_NODE") {
        node_process(&spec);
        return;
    }
    support::harness(
        "node_loss",
        &[
            (
                "a_killed_node_gives_node_down_frees_its_names_and_tells_monitors",
                killed_node,
            ),
            ("a_wiped_store_is_rebuilt_by_the_live_nodes", wiped_store),
        ],
    );
}

/// A node process: joins, starts a `Counter` under the key, says `ready`, waits to be killed.
fn node_process(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let [url, cluster, name, key] = parts[..] else {
        panic!("BEAMISH_TEST_NODE={spec}: want url|cluster|node|key");
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let node = Node::connect(url, NodeOptions::new(cluster, name))
            .await
            .expect("join");
        let names = node
            .registry::<()>("names", Keys::Unique)
            .await
            .expect("registry");
        let _c: CounterHandle = Counter::start_via(&names, key, 7).await.expect("start_via");
        println!("ready");
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// A node process of this test binary.
struct NodeProcess(Process);

impl NodeProcess {
    fn start(server: &NatsServer, cluster: &str, name: &str, key: &str) -> NodeProcess {
        let spec = format!("{}|{cluster}|{name}|{key}", server.url());
        NodeProcess(Process::start("BEAMISH_TEST_NODE", spec, name))
    }

    fn kill(&mut self) {
        self.0.kill();
    }
}

fn killed_node(rt: &tokio::runtime::Runtime) {
    let server = server();
    let mut victim = NodeProcess::start(&server, "nl", "victim", "v");
    rt.block_on(async {
        let obs = node(&server, "nl", "obs").await;
        let names = obs.registry::<()>("names", Keys::Unique).await.unwrap();
        let remote: CounterHandle =
            wait_for_within(Duration::from_secs(5), || names.whereis("v")).await;
        assert_eq!(remote.get().await, Ok(7));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Seen>();
        let _watcher = Watcher::start((remote.to_any(), tx)).await.unwrap();

        victim.kill();
        let killed = Instant::now();
        // Its membership key lives on until its TTL: a call finds nobody serving and says so.
        assert_eq!(
            remote.get().await,
            Err(CallError::NodeDown("victim".into()))
        );

        let seen = heard(&mut rx).await;
        let told = killed.elapsed();
        assert_eq!(seen, down_and_exit(remote.id(), &ExitReason::NoConnection));
        wait_for_within(Duration::from_secs(5), || {
            names.whereis::<CounterHandle>("v").is_none().then_some(())
        })
        .await;
        let freed = killed.elapsed();
        assert!(
            freed <= Duration::from_secs(3),
            "name freed after {freed:?}"
        );
        // The old handle now fails at once; the name is free to claim.
        assert_eq!(remote.get().await, Err(CallError::NoProc));
        let again: CounterHandle = Counter::start_via(&names, "v", 1).await.unwrap();
        assert_eq!(again.get().await, Ok(1));
        println!("  monitors told {told:?}, name freed {freed:?} after SIGKILL");
    });
}

fn wiped_store(rt: &tokio::runtime::Runtime) {
    let mut server = server();
    let _remote_node = NodeProcess::start(&server, "ws", "far", "w1");
    rt.block_on(async {
        let near = node(&server, "ws", "near").await;
        let names = near.registry::<()>("names", Keys::Unique).await.unwrap();
        let _o1: CounterHandle = Counter::start_via(&names, "o1", 3).await.unwrap();
        wait_for_within(Duration::from_secs(5), || {
            names.whereis::<CounterHandle>("w1")
        })
        .await;

        server.restart_wiped().expect("server back");
        let wiped = Instant::now();
        // A node that joins after the wipe sees only what the live nodes re-created.
        let probe = loop {
            match Node::connect(&server.url(), NodeOptions::new("ws", "probe")).await {
                Ok(n) => break n,
                Err(e) => {
                    assert!(
                        wiped.elapsed() < Duration::from_secs(5),
                        "probe cannot join: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        let seen = probe.registry::<()>("names", Keys::Unique).await.unwrap();
        let w1: CounterHandle =
            wait_for_within(Duration::from_secs(5), || seen.whereis("w1")).await;
        let o1: CounterHandle =
            wait_for_within(Duration::from_secs(5), || seen.whereis("o1")).await;
        let back = wiped.elapsed();
        assert!(
            back <= Duration::from_secs(5),
            "entries back after {back:?}"
        );
        assert_eq!(w1.get().await, Ok(7));
        assert_eq!(o1.get().await, Ok(3));
        assert_eq!(seen.count(), 2, "nothing duplicated");
        println!("  entries back {back:?} after the store was wiped");
    });
}

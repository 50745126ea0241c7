//! The cluster supervisor against node loss, with node processes killed by SIGKILL: over 20
//! rounds of "kill a random host, start a replacement" (and, before the eleventh, the server's
//! store wiped: everything back within 5 s), every permanent and transient child runs on exactly one live node afterwards, the
//! temporary children of the killed nodes are gone, every node's view agrees with the store's,
//! and each named child's name resolves to the incarnation that runs.
//!
//! `harness = false`: run with `BEAMISH_TEST_HOST=<url>|<cluster>|<node>`, this binary is a host
//! process (it hosts `Counter` children for supervisor "jobs" and answers a `Probe` under its
//! node name) that waits to be killed; run without it, it runs the test.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use beamish::Restart;
use beamish::cluster::{ClusterRegistry, ClusterSupervisor, NatsServer, Node, NodeOptions};
use beamish::prelude::*;
use support::{Counter, CounterHandle, Process, server};

const ROUNDS: usize = 20;
/// The round after which the server restarts with its store wiped.
const WIPE_AT: usize = 10;

fn main() {
    if let Ok(spec) = std::env::var("BEAMISH_TEST_HOST") {
        host_process(&spec);
        return;
    }
    support::harness(
        "rehoming",
        &[(
            "every_child_runs_once_over_rounds_of_node_kills_and_a_wiped_store",
            rounds,
        )],
    );
}

/// What a host process tells the test: the children running there, and its view of where
/// every child runs.
pub(crate) struct Probe {
    jobs: ClusterSupervisor,
}

#[actor(remote)]
impl Probe {
    #[init]
    async fn init(jobs: ClusterSupervisor) -> Self {
        Probe { jobs }
    }

    #[call]
    async fn running(&self) -> Vec<String> {
        self.jobs.running_here()
    }

    #[call]
    async fn placement(&self) -> BTreeMap<String, Option<String>> {
        view_of(&self.jobs)
    }
}

fn view_of(jobs: &ClusterSupervisor) -> BTreeMap<String, Option<String>> {
    jobs.which_children()
        .into_iter()
        .map(|c| (c.id().to_owned(), c.node().map(str::to_owned)))
        .collect()
}

/// A host process: joins, hosts `Counter`, registers its probe, says `ready`, waits.
fn host_process(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let [url, cluster, name] = parts[..] else {
        panic!("BEAMISH_TEST_HOST={spec}: want url|cluster|node");
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let node = Node::connect(url, NodeOptions::new(cluster, name))
            .await
            .expect("join");
        let jobs = node.supervisor("jobs").await.expect("supervisor");
        jobs.host::<Counter>().await.expect("host");
        let probes = node
            .registry::<()>("probes", Keys::Unique)
            .await
            .expect("registry");
        let _probe: ProbeHandle = Probe::start_via(&probes, name, jobs).await.expect("probe");
        println!("ready");
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// A host process of this test binary, killed by SIGKILL on drop.
struct HostProcess {
    name: String,
    _process: Process,
}

impl HostProcess {
    fn start(server: &NatsServer, cluster: &str, name: &str) -> HostProcess {
        let spec = format!("{}|{cluster}|{name}", server.url());
        HostProcess {
            name: name.to_owned(),
            _process: Process::start("BEAMISH_TEST_HOST", spec, name),
        }
    }
}

/// An owner entry as the store holds it (the layout of CLUSTER.md §5).
#[derive(serde::Deserialize)]
struct StoredOwner {
    node: String,
    _epoch: u64,
    local: u64,
    failed: Option<String>,
}

/// The supervisor's bucket read raw: child id → owning node (started children only), and the
/// ids of the children wished for. `None` while the bucket cannot be read (the server is back
/// from its wipe but nobody re-created the bucket yet).
async fn in_store(server: &NatsServer) -> Option<(BTreeMap<String, String>, BTreeSet<String>)> {
    let raw = async_nats::connect(server.url()).await.ok()?;
    let bucket = async_nats::jetstream::new(raw)
        .get_key_value("bm_sup_rh_jobs")
        .await
        .ok()?;
    let mut keys = bucket.keys().await.ok()?;
    let (mut owners, mut wishes) = (BTreeMap::new(), BTreeSet::new());
    while let Some(key) = futures_util::StreamExt::next(&mut keys).await {
        let key = key.ok()?;
        if let Some(id) = key.strip_prefix("c.") {
            wishes.insert(id.to_owned());
            continue;
        }
        let Some(id) = key.strip_prefix("o.") else {
            continue;
        };
        let Ok(Some(value)) = bucket.get(&key).await else {
            continue;
        };
        let owner: StoredOwner = beamish::cluster::wire::decode(&value).expect("an owner entry");
        if owner.local != 0 && owner.failed.is_none() {
            owners.insert(id.to_owned(), owner.node);
        }
    }
    Some((owners, wishes))
}

/// Whether the store itself agrees with the hosts: each expected child is wished for, and its
/// owner entry names the host that runs it.
async fn store_agrees(
    server: &NatsServer,
    probes: &ClusterRegistry,
    hosts: &[HostProcess],
    expected: &BTreeSet<String>,
) -> bool {
    let (Some(at), Some((owners, wishes))) =
        (running_on(probes, hosts).await, in_store(server).await)
    else {
        return false;
    };
    owners == at && wishes == *expected
}

/// A small deterministic generator (the victims are the same every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Where each child runs by the hosts' own accounts (`None` while a host does not answer);
/// panics on a child running on two nodes at once.
async fn running_on(
    probes: &beamish::cluster::ClusterRegistry,
    hosts: &[HostProcess],
) -> Option<BTreeMap<String, String>> {
    let mut at = BTreeMap::new();
    for h in hosts {
        let probe: ProbeHandle = probes.whereis(&h.name)?;
        for id in probe.running().await.ok()? {
            if let Some(other) = at.insert(id.clone(), h.name.clone()) {
                panic!("child {id} runs on {other} and on {}", h.name);
            }
        }
    }
    Some(at)
}

/// Whether every host's view, and the test node's, show each expected child on the node that
/// runs it (and nothing else), and each named child's name resolves to it.
async fn settled(
    (jobs, names, named): (
        &ClusterSupervisor,
        &ClusterRegistry,
        &BTreeMap<String, String>,
    ),
    probes: &ClusterRegistry,
    hosts: &[HostProcess],
    expected: &BTreeSet<String>,
) -> bool {
    let Some(at) = running_on(probes, hosts).await else {
        return false;
    };
    if at.keys().cloned().collect::<BTreeSet<_>>() != *expected {
        return false;
    }
    let truth: BTreeMap<String, Option<String>> =
        at.into_iter().map(|(id, node)| (id, Some(node))).collect();
    if view_of(jobs) != truth {
        return false;
    }
    for h in hosts {
        let Some(probe) = probes.whereis::<ProbeHandle>(&h.name) else {
            return false;
        };
        if probe.placement().await.ok().as_ref() != Some(&truth) {
            return false;
        }
    }
    // Each named child's name resolves to the incarnation that runs.
    let children = jobs.which_children();
    named.iter().all(|(id, key)| {
        let running = children
            .iter()
            .find(|c| c.id() == id)
            .and_then(|c| c.handle::<CounterHandle>());
        let holder = names.whereis::<CounterHandle>(key);
        running.is_some() && running.map(|r| r.id()) == holder.map(|h| h.id())
    })
}

fn rounds(rt: &tokio::runtime::Runtime) {
    let mut server = server();
    let cluster = "rh";
    let mut hosts: Vec<HostProcess> = (0..3)
        .map(|i| HostProcess::start(&server, cluster, &format!("h{i}")))
        .collect();
    rt.block_on(async {
        let me = Node::connect(&server.url(), NodeOptions::new(cluster, "test"))
            .await
            .expect("test node");
        let jobs = me.supervisor("jobs").await.unwrap();
        let probes = me.registry::<()>("probes", Keys::Unique).await.unwrap();
        let names = me.registry::<()>("names", Keys::Unique).await.unwrap();
        let mut named: BTreeMap<String, String> = BTreeMap::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while jobs.hosts::<Counter>().len() < 3 {
            assert!(Instant::now() < deadline, "hosts not seen");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut kinds: BTreeMap<String, Restart> = BTreeMap::new();
        for (i, restart) in [Restart::Permanent, Restart::Transient, Restart::Temporary]
            .into_iter()
            .flat_map(|r| [r; 8])
            .enumerate()
        {
            // The permanent ones are named: their names must follow them.
            let child = if restart == Restart::Permanent {
                let key = format!("job-{i}");
                let child = jobs
                    .start_child_via::<Counter, ()>(&names, &key, i as i64, restart)
                    .await
                    .unwrap();
                named.insert(child.id().to_owned(), key);
                child
            } else {
                jobs.start_child_with::<Counter>(i as i64, restart)
                    .await
                    .unwrap()
            };
            kinds.insert(child.id().to_owned(), restart);
        }
        let mut expected: BTreeSet<String> = kinds.keys().cloned().collect();
        let mut rng = Lcg(17);
        let mut took = Vec::new();
        let mut rebuilt = None;
        for round in 0..ROUNDS {
            if round == WIPE_AT {
                // The store is lost; the hosts hold the master copies of what they run.
                server.restart_wiped().expect("server back");
                let wiped = Instant::now();
                // Rebuilt means in the store, not only in the caches (which still show the
                // old store until each node finds the wipe): a host killed before it re-created
                // its entries would take its children with it (both faults at once).
                while !(settled((&jobs, &names, &named), &probes, &hosts, &expected).await
                    && store_agrees(&server, &probes, &hosts, &expected).await)
                {
                    assert!(
                        wiped.elapsed() < Duration::from_secs(5),
                        "not rebuilt 5 s after the wipe; running {:?}, expected {expected:?}, view {:?}",
                        running_on(&probes, &hosts).await,
                        view_of(&jobs)
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                rebuilt = Some(wiped.elapsed());
            }
            let victim = hosts.remove(rng.below(hosts.len()));
            let view = view_of(&jobs);
            // The temporary children of the killed node go with it.
            for (id, node) in &view {
                if node.as_deref() == Some(victim.name.as_str()) && kinds[id] == Restart::Temporary {
                    expected.remove(id);
                }
            }
            let killed = Instant::now();
            drop(victim); // SIGKILL
            let next = 3 + round; // a new name for each replacement
            hosts.push(HostProcess::start(&server, cluster, &format!("h{next}")));
            let deadline = Instant::now() + Duration::from_secs(20);
            while !settled((&jobs, &names, &named), &probes, &hosts, &expected).await {
                assert!(
                    Instant::now() < deadline,
                    "round {round}: not settled; running {:?}, expected {expected:?}, view {:?}, names unresolved {:?}",
                    running_on(&probes, &hosts).await,
                    view_of(&jobs),
                    named
                        .values()
                        .filter(|k| names.whereis::<CounterHandle>(k).is_none())
                        .collect::<Vec<_>>()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            took.push(killed.elapsed());
            // And by the store itself, read raw: each expected child's owner entry names the
            // host that runs it.
            let at = running_on(&probes, &hosts).await.expect("hosts answer");
            let (owners, wishes) = in_store(&server).await.expect("the supervisor's bucket");
            assert_eq!(owners, at, "round {round}: the store's owners disagree");
            assert_eq!(wishes, expected, "round {round}: the store's wishes disagree");
        }
        // The host entries of the 20 killed hosts are swept from the store (names that come and
        // go do not pile up): only the live hosts' remain.
        let raw = async_nats::connect(server.url()).await.expect("raw client");
        let bucket = async_nats::jetstream::new(raw)
            .get_key_value("bm_sup_rh_jobs")
            .await
            .expect("the supervisor's bucket");
        let live: BTreeSet<String> = hosts.iter().map(|h| format!("h.{}", h.name)).collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut keys = bucket.keys().await.expect("keys");
            let mut found = BTreeSet::new();
            while let Some(key) = futures_util::StreamExt::next(&mut keys).await {
                let key = key.expect("a key");
                if key.starts_with("h.") {
                    found.insert(key);
                }
            }
            if found == live {
                break;
            }
            assert!(Instant::now() < deadline, "host entries left: {found:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let permanent = kinds.values().filter(|r| **r != Restart::Temporary).count();
        assert!(expected.len() >= permanent, "no permanent or transient child lost");
        took.sort();
        println!(
            "  {ROUNDS} rounds: settled after a kill in {:?} (median), {:?} (max); {} temporary children went with their nodes; all rebuilt {:?} after the store was wiped",
            took[took.len() / 2],
            took[took.len() - 1],
            kinds.len() - expected.len(),
            rebuilt.expect("the wipe round ran")
        );
    });
}

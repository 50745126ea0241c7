//! The cluster supervisor on one machine: placement, one copy per child, local restarts within
//! the node's intensity, the end of temporary and transient children, `terminate_child`, a
//! failed `init`, a node that leaves, and a node fenced off (its children adopted once).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use beamish::Restart;
use beamish::cluster::{ClusterSupervisor, ClusterSupervisorError, Node, NodeOptions, Placement};
use beamish::prelude::*;
use support::{Counter, CounterHandle, Proxy, node, server, wait_for, wait_for_within};

/// Refuses to start when told to.
pub(crate) struct Picky;

#[actor(remote)]
impl Picky {
    #[init]
    async fn init(ok: bool) -> Result<Self, String> {
        if ok {
            Ok(Picky)
        } else {
            Err("not today".into())
        }
    }
}

/// Nodes `names` of `cluster`, each hosting `Counter` under supervisor "jobs".
async fn hosts(
    server: &beamish::cluster::NatsServer,
    cluster: &str,
    names: &[&str],
) -> Vec<(Node, ClusterSupervisor)> {
    let mut all = Vec::new();
    for name in names {
        let n = node(server, cluster, name).await;
        let jobs = n.supervisor("jobs").await.unwrap();
        jobs.host::<Counter>().await.unwrap();
        all.push((n, jobs));
    }
    // Every node sees every host before children are placed.
    for (_, jobs) in &all {
        let probe = jobs.clone();
        wait_for(|| (probe_hosts(&probe) == names.len()).then_some(())).await;
    }
    all
}

fn probe_hosts(jobs: &ClusterSupervisor) -> usize {
    jobs.hosts::<Counter>().len()
}

/// Which node runs each child, by every node's own account; panics on a child run twice.
fn running(all: &[(Node, ClusterSupervisor)]) -> BTreeMap<String, String> {
    let mut at = BTreeMap::new();
    for (n, jobs) in all {
        for id in jobs.running_here() {
            if let Some(other) = at.insert(id.clone(), n.name().to_owned()) {
                panic!("child {id} runs on {other} and on {}", n.name());
            }
        }
    }
    at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_are_placed_across_hosts_and_each_runs_once() {
    let server = server();
    let all = hosts(&server, "s1", &["a", "b", "c"]).await;
    let jobs = &all[0].1;
    let mut ids = BTreeSet::new();
    for i in 0..30 {
        let child = jobs.start_child::<Counter>(i).await.unwrap();
        let h: CounterHandle = child.handle().expect("a counter");
        assert_eq!(h.get().await, Ok(i));
        ids.insert(child.id().to_owned());
    }
    let at = running(&all);
    assert_eq!(at.keys().cloned().collect::<BTreeSet<_>>(), ids);
    let used: BTreeSet<&String> = at.values().collect();
    assert_eq!(
        used.len(),
        3,
        "rendezvous spreads 30 children over 3 hosts: {at:?}"
    );
    // Every node's view agrees with where they run, and reaches them.
    for (_, view) in &all {
        wait_for(|| (view.count_children().active == 30).then_some(())).await;
        for child in view.which_children() {
            assert_eq!(child.node(), at.get(child.id()).map(String::as_str));
            let h: CounterHandle = child.handle().unwrap();
            assert!(h.get().await.is_ok());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_child_restarts_on_its_node_until_the_node_gives_it_up() {
    let server = server();
    let all = hosts(&server, "s2", &["a", "b"]).await;
    let (_, jobs) = &all[1];
    let child = jobs.start_child::<Counter>(5).await.unwrap();
    let home = child.node().unwrap().to_owned();
    let mut h: CounterHandle = child.handle().unwrap();
    let mut token = child.revision().unwrap();
    for round in 0..3 {
        assert!(h.crash().await.is_err());
        assert!(h.wait().await.is_crash());
        // Restarted on the same node, with its start arguments, under the same id, with a
        // higher fencing token.
        let (now, rev) = wait_for(|| {
            let c = jobs
                .which_children()
                .into_iter()
                .find(|c| c.id() == child.id())?;
            let now: CounterHandle = c.handle()?;
            (now.id() != h.id() && c.node() == Some(home.as_str())).then(|| (now, c.revision()))
        })
        .await;
        h = now;
        let rev = rev.unwrap();
        assert!(rev > token, "round {round}: token {rev} after {token}");
        token = rev;
        assert_eq!(h.get().await, Ok(5), "round {round}");
    }
    // The fourth crash in 5 s: the node gives the child up, cluster-wide.
    assert!(h.crash().await.is_err());
    wait_for(|| jobs.which_children().is_empty().then_some(())).await;
    assert!(running(&all).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_temporary_and_terminated_children_end_for_good() {
    let server = server();
    let all = hosts(&server, "s3", &["a", "b"]).await;
    let jobs = &all[0].1;
    let transient = jobs
        .start_child_with::<Counter>(1, Restart::Transient)
        .await
        .unwrap();
    let temporary = jobs
        .start_child_with::<Counter>(2, Restart::Temporary)
        .await
        .unwrap();
    let permanent = jobs.start_child::<Counter>(3).await.unwrap();
    assert_eq!(jobs.count_children().specs, 3);

    // A transient child that stops cleanly and a temporary one that crashes are gone.
    let t: CounterHandle = transient.handle().unwrap();
    t.stop(ExitReason::Normal).await.unwrap();
    let tmp: CounterHandle = temporary.handle().unwrap();
    assert!(tmp.crash().await.is_err());
    wait_for(|| (jobs.count_children().specs == 1).then_some(())).await;
    // terminate_child stops a permanent one wherever it runs.
    let p: CounterHandle = permanent.handle().unwrap();
    jobs.terminate_child(permanent.id()).await.unwrap();
    assert_eq!(p.wait().await, ExitReason::Shutdown);
    assert!(jobs.which_children().is_empty());
    assert_eq!(
        jobs.terminate_child(permanent.id()).await,
        Err(ClusterSupervisorError::NotFound(permanent.id().to_owned()))
    );
    assert!(running(&all).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_init_and_a_type_nobody_hosts_are_reported() {
    let server = server();
    let all = hosts(&server, "s4", &["a"]).await;
    let jobs = &all[0].1;
    let none = jobs.start_child::<Picky>(true).await;
    assert!(
        matches!(&none, Err(ClusterSupervisorError::NoHost(tag)) if tag.ends_with("::Picky")),
        "{none:?}"
    );
    jobs.host::<Picky>().await.unwrap();
    assert!(jobs.start_child::<Picky>(true).await.is_ok());
    let failed = jobs.start_child::<Picky>(false).await;
    assert!(
        matches!(&failed, Err(ClusterSupervisorError::Init(why)) if why.contains("not today")),
        "{failed:?}"
    );
    wait_for(|| (jobs.count_children().specs == 1).then_some(())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaving_node_hands_its_children_to_the_others() {
    let server = server();
    let mut all = hosts(&server, "s5", &["a", "b", "c"]).await;
    let jobs = all[0].1.clone();
    for i in 0..12 {
        jobs.start_child::<Counter>(i).await.unwrap();
    }
    let before = running(&all);
    let (leaving, _) = all.pop().unwrap();
    let moved = before.values().filter(|n| *n == "c").count();
    leaving.leave().await.unwrap();
    let after = wait_for(|| {
        let at = running(&all);
        (at.len() == 12).then_some(at)
    })
    .await;
    assert!(after.values().all(|n| n != "c"));
    // Only c's children moved (rendezvous): the others stayed where they were.
    let stayed = before
        .iter()
        .filter(|(id, n)| after.get(*id) == Some(n))
        .count();
    assert_eq!(stayed, 12 - moved);
}

/// A node black-holed away from the server fences: it kills its children before the others
/// adopt them, so no child ever runs twice (sampled every 10 ms through the cut and the heal),
/// and each is adopted once; healed, the node takes new children and none of its old ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_nodes_children_are_adopted_once_and_never_run_twice() {
    let server = server();
    let all = hosts(&server, "s6", &["a", "b"]).await;
    let proxy = Proxy::start(server.port());
    let c = Node::connect(
        &proxy.url(),
        NodeOptions::new("s6", "c").ttl(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    let jobs_c = c.supervisor("jobs").await.unwrap();
    jobs_c.host::<Counter>().await.unwrap();
    let jobs = all[0].1.clone();
    wait_for(|| (probe_hosts(&jobs) == 3).then_some(())).await;
    for i in 0..24 {
        jobs.start_child::<Counter>(i).await.unwrap();
    }
    let on_c = jobs_c.running_here();
    assert!(!on_c.is_empty(), "some children run on c");

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sampled = {
        let (all_jobs, jobs_c) = (
            all.iter().map(|(_, j)| j.clone()).collect::<Vec<_>>(),
            jobs_c.clone(),
        );
        tokio::spawn(async move {
            let (mut samples, mut twice) = (0, Vec::new());
            let mut every = tokio::time::interval(Duration::from_millis(10));
            while !*stopped.borrow() {
                every.tick().await;
                samples += 1;
                let mut seen = BTreeSet::new();
                for jobs in all_jobs.iter().chain([&jobs_c]) {
                    for id in jobs.running_here() {
                        if !seen.insert(id.clone()) {
                            twice.push(id);
                        }
                    }
                }
            }
            (samples, twice)
        })
    };
    proxy.blackhole();
    let after = wait_for_within(Duration::from_secs(15), || {
        let at = running(&all);
        (at.len() == 24).then_some(at)
    })
    .await;
    assert!(c.is_fenced());
    assert!(jobs_c.running_here().is_empty());
    for id in &on_c {
        assert!(after.contains_key(id), "{id} adopted");
    }
    // Healed, c rejoins as a new incarnation, claims nothing it lost, and hosts new children.
    // Its view is replayed then, and never shows half of it: it keeps its 24 children
    // throughout (sampled as fast as the sampler runs).
    let (healed, healing) = tokio::sync::watch::channel(false);
    let view_of_c = {
        let jobs_c = jobs_c.clone();
        tokio::spawn(async move {
            let mut fewest = usize::MAX;
            while !*healing.borrow() {
                fewest = fewest.min(jobs_c.which_children().len());
                tokio::task::yield_now().await;
            }
            fewest
        })
    };
    proxy.restore();
    wait_for_within(Duration::from_secs(15), || (!c.is_fenced()).then_some(())).await;
    wait_for_within(Duration::from_secs(10), || {
        (probe_hosts(&jobs) == 3 && probe_hosts(&jobs_c) == 3).then_some(())
    })
    .await;
    healed.send(true).unwrap();
    assert_eq!(
        view_of_c.await.unwrap(),
        24,
        "c's view showed part of a replay"
    );
    assert_eq!(running(&all), after, "nobody's children moved to c");
    assert!(jobs_c.running_here().is_empty());
    for i in 0..24 {
        jobs.start_child::<Counter>(100 + i).await.unwrap();
    }
    assert!(!jobs_c.running_here().is_empty(), "c hosts new children");
    stop.send(true).unwrap();
    let (samples, twice) = sampled.await.unwrap();
    assert!(twice.is_empty(), "run twice: {twice:?}");
    assert!(samples > 50);
}

/// Puts every child on one named node, and wants two hosts before it starts any.
struct Pinned(&'static str);

impl Placement for Pinned {
    fn choose(&self, _child: &str, hosts: &[String]) -> Option<String> {
        hosts.iter().find(|h| *h == self.0).cloned()
    }

    fn has_quorum(&self, hosts: &[String]) -> bool {
        hosts.len() >= 2
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_placement_chooses_the_node_and_the_quorum() {
    let server = server();
    let a = node(&server, "s7", "a").await;
    let b = node(&server, "s7", "b").await;
    let on_a = a.supervisor_with("pinned", Pinned("b")).await.unwrap();
    let on_b = b.supervisor_with("pinned", Pinned("b")).await.unwrap();
    on_a.host::<Counter>().await.unwrap();
    wait_for(|| (on_a.hosts::<Counter>().len() == 1).then_some(())).await;
    assert_eq!(
        on_a.start_child::<Counter>(0).await.err(),
        Some(ClusterSupervisorError::NoQuorum(vec!["a".into()]))
    );
    on_b.host::<Counter>().await.unwrap();
    wait_for(|| (on_a.hosts::<Counter>().len() == 2).then_some(())).await;
    for i in 0..8 {
        let child = on_a.start_child::<Counter>(i).await.unwrap();
        assert_eq!(child.node(), Some("b"));
    }
    assert_eq!(on_b.running_here().len(), 8);
    assert!(on_a.running_here().is_empty());
}

/// A named child registers under its name wherever it runs: after a crash and after its node
/// leaves, the name resolves to its new incarnation, on every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_childs_name_follows_it_across_restarts_and_nodes() {
    let server = server();
    let mut all = hosts(&server, "s8", &["a", "b", "c"]).await;
    let mut names = Vec::new();
    for (n, _) in &all {
        names.push(n.registry::<()>("names", Keys::Unique).await.unwrap());
    }
    let jobs = all[0].1.clone();
    for i in 0..6 {
        let key = format!("job-{i}");
        let child = jobs
            .start_child_via::<Counter, ()>(&names[0], &key, i, Restart::Permanent)
            .await
            .unwrap();
        // The same actor, seen from the node that started it; and reached from another.
        let h: CounterHandle = wait_for(|| names[0].whereis(&key)).await;
        assert_eq!(
            Some(h.id()),
            child.handle::<CounterHandle>().map(|c| c.id())
        );
        let far: CounterHandle = wait_for(|| names[1].whereis(&key)).await;
        assert_eq!(far.get().await, Ok(i));
    }
    // A crash: the restarted child takes its name back from its dead self.
    let old: CounterHandle = names[0].whereis("job-0").unwrap();
    assert!(old.crash().await.is_err());
    let new: CounterHandle = wait_for(|| {
        names[0]
            .whereis("job-0")
            .filter(|h: &CounterHandle| h.id() != old.id())
    })
    .await;
    assert_eq!(new.get().await, Ok(0));
    // (Ids are per node: compare on one node; from another, the name soon answers too, once
    // that node's cache has the new entry.)
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let far: Option<CounterHandle> = names[2].whereis("job-0");
        if let Some(far) = far
            && far.get().await == Ok(0)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job-0 not reached from c"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A node leaves: its named children run elsewhere, under their names.
    let (leaving, _) = all.pop().unwrap();
    names.pop();
    leaving.leave().await.unwrap();
    for i in 0..6 {
        let key = format!("job-{i}");
        let h: CounterHandle = wait_for_within(Duration::from_secs(10), || {
            let h: CounterHandle = names[0].whereis(&key)?;
            let c = jobs.which_children().into_iter().find(|c| {
                c.node().is_some() && c.handle::<CounterHandle>().map(|x| x.id()) == Some(h.id())
            })?;
            (c.node() != Some("c")).then_some(h)
        })
        .await;
        assert_eq!(h.get().await, Ok(i), "{key}");
    }
    // A duplicate-key registry cannot name a child.
    let groups = all[0]
        .0
        .registry::<()>("groups", Keys::Duplicate)
        .await
        .unwrap();
    assert_eq!(
        jobs.start_child_via::<Counter, ()>(&groups, "g", 0, Restart::Permanent)
            .await
            .err(),
        Some(ClusterSupervisorError::NotUnique)
    );
}

/// Places every child on its own node: nodes using it disagree about every child.
struct Greedy(&'static str);

impl Placement for Greedy {
    fn choose(&self, _child: &str, hosts: &[String]) -> Option<String> {
        hosts.iter().find(|h| *h == self.0).cloned()
    }
}

/// The claim is a compare-and-set in the store, so a child runs once even when every node
/// claims it at the same moment: three nodes whose placements each choose themselves, 1,000
/// children started 100 at a time from all three, a sampler looking for a child run twice every
/// millisecond throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_every_node_claims_at_once_runs_once() {
    const CHILDREN: i64 = 1_000;
    const BATCH: i64 = 100;
    let server = server();
    let mut all = Vec::new();
    for name in ["a", "b", "c"] {
        let n = node(&server, "s9", name).await;
        let jobs = n.supervisor_with("greedy", Greedy(name)).await.unwrap();
        jobs.host::<Counter>().await.unwrap();
        all.push((n, jobs));
    }
    for (_, jobs) in &all {
        wait_for(|| (probe_hosts(jobs) == 3).then_some(())).await;
    }

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sampled = {
        let all_jobs: Vec<_> = all.iter().map(|(_, j)| j.clone()).collect();
        tokio::spawn(async move {
            let (mut samples, mut twice) = (0_u64, BTreeSet::new());
            while !*stopped.borrow() {
                samples += 1;
                let mut seen = BTreeSet::new();
                for jobs in &all_jobs {
                    for id in jobs.running_here() {
                        if !seen.insert(id.clone()) {
                            twice.insert(id);
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            (samples, twice)
        })
    };

    let mut started = Vec::new();
    for batch in 0..CHILDREN / BATCH {
        let mut starts = tokio::task::JoinSet::new();
        for i in 0..BATCH {
            let from = usize::try_from(i % 3).unwrap();
            let jobs = all[from].1.clone();
            let arg = batch * BATCH + i;
            starts.spawn(async move { (arg, jobs.start_child::<Counter>(arg).await) });
        }
        while let Some(done) = starts.join_next().await {
            started.push(done.unwrap());
        }
    }
    stop.send(true).unwrap();
    let (samples, twice) = sampled.await.unwrap();
    let some: Vec<_> = twice.iter().take(5).collect();
    assert!(twice.is_empty(), "{} run twice, e.g. {some:?}", twice.len());
    assert!(
        samples > 10,
        "the sampler ran throughout ({samples} samples)"
    );
    let started: Vec<_> = started
        .into_iter()
        .map(|(arg, child)| (arg, child.expect("started")))
        .collect();

    // Each runs on the node its owner entry names, and answers there with its own argument.
    let at = running(&all);
    assert_eq!(at.len(), started.len());
    let mut per_node = BTreeMap::<String, usize>::new();
    for (arg, child) in &started {
        let node = child.node().expect("placed");
        assert_eq!(at.get(child.id()).map(String::as_str), Some(node));
        *per_node.entry(node.to_owned()).or_default() += 1;
        let h: CounterHandle = child.handle().expect("a counter");
        assert_eq!(h.get().await, Ok(*arg));
    }
    // Every node won some of the races.
    assert_eq!(per_node.len(), 3, "{per_node:?}");
}

/// A registry entry as the store holds it (the layout of CLUSTER.md §5).
#[derive(serde::Serialize)]
struct StoredName {
    node: String,
    epoch: u64,
    local: u64,
    tag: String,
    value: Vec<u8>,
}

/// `key` as the registry stores a unique key: `u.` and base64url (unpadded) behind a `k`.
fn unique_key(key: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::from("u.k");
    for chunk in key.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Names whose actors are dead but whose live node has not deleted their entries yet (the
/// delete after an exit is a KV round trip; a node back from a fence deletes its entries only
/// then) are taken over by named children: the holder's node says the actor is gone, and the
/// entry goes at its revision. 100 such names, taken over by 100 children started at once. A
/// name held by a live actor of another node still fails the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_held_by_a_dead_actor_of_a_live_node_is_taken_over() {
    const HELD: i64 = 100;
    let server = server();
    let all = hosts(&server, "s10", &["a"]).await;
    let (a, jobs) = &all[0];
    let b = node(&server, "s10", "b").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();
    // Node b's entries for "held-<i>", naming actors b does not have (b numbers its actors
    // from 1).
    assert_eq!(unique_key("held"), "u.kaGVsZA");
    let raw = async_nats::connect(server.url()).await.unwrap();
    let bucket = async_nats::jetstream::new(raw)
        .get_key_value("bm_reg_s10_names")
        .await
        .unwrap();
    for i in 0..HELD {
        let stale = StoredName {
            node: "b".into(),
            epoch: b.epoch(),
            local: 987_654 + i as u64,
            tag: "Counter".into(),
            value: beamish::cluster::wire::encode(&()).unwrap(),
        };
        bucket
            .create(
                unique_key(&format!("held-{i}")),
                beamish::cluster::wire::encode(&stale).unwrap().into(),
            )
            .await
            .unwrap();
    }

    let starts: Vec<_> = (0..HELD)
        .map(|i| {
            let (jobs, names_a) = (jobs.clone(), names_a.clone());
            tokio::spawn(async move {
                jobs.start_child_via::<Counter, ()>(
                    &names_a,
                    &format!("held-{i}"),
                    i,
                    Restart::Permanent,
                )
                .await
            })
        })
        .collect();
    for (i, start) in starts.into_iter().enumerate() {
        let child = start
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("held-{i} not taken over: {e:?}"));
        let running: CounterHandle = child.handle().expect("a counter");
        let seen: CounterHandle = wait_for(|| {
            names_b
                .whereis::<CounterHandle>(&format!("held-{i}"))
                .filter(|h| h.id().local_id() < 987_654)
        })
        .await;
        assert_eq!(seen.get().await, Ok(i as i64));
        assert_eq!(seen.id().local_id(), running.id().local_id());
    }

    let live: CounterHandle = Counter::start_via(&names_b, "taken", 1).await.unwrap();
    wait_for(|| names_a.whereis::<CounterHandle>("taken")).await;
    let refused = jobs
        .start_child_via::<Counter, ()>(&names_a, "taken", 2, Restart::Permanent)
        .await;
    assert!(
        matches!(refused, Err(ClusterSupervisorError::Init(ref why)) if why.contains("held by a live actor")),
        "{refused:?}"
    );
    assert_eq!(live.get().await, Ok(1), "the live holder keeps its name");
    let holder: CounterHandle = names_a.whereis("taken").unwrap();
    assert_eq!(holder.get().await, Ok(1));
}

/// Places every child on one node while it has room, else on the first host with room.
struct Prefer(&'static str);

impl Placement for Prefer {
    fn choose(&self, _child: &str, hosts: &[String]) -> Option<String> {
        hosts
            .iter()
            .find(|h| *h == self.0)
            .or_else(|| hosts.first())
            .cloned()
    }
}

/// Nodes `a` and `b` of `cluster`, each hosting `Counter` under supervisor "jobs" placed by
/// `Prefer("a")`, each seeing both hosts.
async fn preferring_a(
    server: &beamish::cluster::NatsServer,
    cluster: &str,
) -> Vec<(Node, ClusterSupervisor)> {
    let mut all = Vec::new();
    for name in ["a", "b"] {
        let n = node(server, cluster, name).await;
        let jobs = n.supervisor_with("jobs", Prefer("a")).await.unwrap();
        jobs.host::<Counter>().await.unwrap();
        all.push((n, jobs));
    }
    for (_, jobs) in &all {
        wait_for(|| (probe_hosts(jobs) == 2).then_some(())).await;
    }
    all
}

/// A node runs at most `max_children_here` children of a supervisor: at the bound it claims no
/// more and the other hosts take the rest; with every host full a new child waits (its
/// `start_child` times out), and it starts once a host has room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_runs_at_most_its_bound_and_the_rest_wait_for_room() {
    let server = server();
    let all = preferring_a(&server, "s11").await;
    let (jobs_a, jobs_b) = (&all[0].1, &all[1].1);
    // Every child goes to a while it has room; 12 started at once, a sampled as fast as a task
    // can, never past its bound.
    jobs_a.max_children_here(3).await;
    let (done, until) = tokio::sync::watch::channel(false);
    let most_on_a = {
        let jobs_a = jobs_a.clone();
        tokio::spawn(async move {
            let mut most = 0;
            while !*until.borrow() {
                most = most.max(jobs_a.running_here().len());
                tokio::task::yield_now().await;
            }
            // And once after: a sampler starved until the starts ended still sees the end.
            most.max(jobs_a.running_here().len())
        })
    };
    let starts: Vec<_> = (0..12)
        .map(|i| {
            let jobs_b = jobs_b.clone();
            tokio::spawn(async move { jobs_b.start_child::<Counter>(i).await })
        })
        .collect();
    for start in starts {
        start.await.unwrap().unwrap();
    }
    done.send(true).unwrap();
    assert_eq!(most_on_a.await.unwrap(), 3, "a ran more than its bound");
    assert_eq!(running(&all).len(), 12);
    assert_eq!(jobs_a.running_here().len(), 3, "a took as many as it may");
    assert_eq!(jobs_b.running_here().len(), 9);

    jobs_b.max_children_here(9).await;
    let waiting = jobs_a.start_child::<Counter>(100).await;
    assert!(
        matches!(waiting, Err(ClusterSupervisorError::Timeout(_))),
        "{waiting:?}"
    );
    assert_eq!(running(&all).len(), 12, "no host had room");
    assert_eq!(
        jobs_a.which_children().len(),
        13,
        "the child is still wished for"
    );

    jobs_a.max_children_here(4).await;
    wait_for(|| (jobs_a.running_here().len() == 4).then_some(())).await;
    assert_eq!(running(&all).len(), 13);
}

/// A child that ends for good is never started again on its way out, even by a node whose
/// reconcile pass is busy claiming others: 200 temporary children on b, whose wishes node a
/// (preferred by the placement) still has in the pass it is running, are stopped while a claims
/// 200 new children; a sampler looks for any of the ended ones running on a.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_that_end_are_not_claimed_again_by_a_busy_pass() {
    let server = server();
    let all = preferring_a(&server, "s14").await;
    let (jobs_a, jobs_b) = (all[0].1.clone(), all[1].1.clone());
    // a full: the first 200 go to b.
    jobs_a.max_children_here(1).await;
    jobs_b.start_child::<Counter>(-1).await.unwrap();
    let mut ended = Vec::new();
    for i in 0..200 {
        let child = jobs_b
            .start_child_with::<Counter>(i, Restart::Temporary)
            .await
            .unwrap();
        assert_eq!(child.node(), Some("b"));
        ended.push((
            child.id().to_owned(),
            child.handle::<CounterHandle>().unwrap(),
        ));
    }
    let ids: BTreeSet<String> = ended.iter().map(|(id, _)| id.clone()).collect();
    // Room on a again: every new child goes there; b's stay where they run.
    jobs_a.max_children_here(10_000).await;
    let (done, until) = tokio::sync::watch::channel(false);
    let sampler = {
        let jobs_a = jobs_a.clone();
        tokio::spawn(async move {
            let mut ghosts = BTreeSet::new();
            while !*until.borrow() {
                ghosts.extend(
                    jobs_a
                        .running_here()
                        .into_iter()
                        .filter(|id| ids.contains(id)),
                );
                tokio::task::yield_now().await;
            }
            ghosts
        })
    };
    let starts: Vec<_> = (0..200)
        .map(|i| {
            let jobs_b = jobs_b.clone();
            tokio::spawn(async move { jobs_b.start_child::<Counter>(1_000 + i).await })
        })
        .collect();
    let stops: Vec<_> = ended
        .into_iter()
        .map(|(_, h)| tokio::spawn(async move { h.stop(ExitReason::Normal).await }))
        .collect();
    for stop in stops {
        assert_eq!(stop.await.unwrap(), Ok(()));
    }
    for start in starts {
        start.await.unwrap().unwrap();
    }
    // Every node's view has the 201 that run and none of the ended.
    for (_, jobs) in &all {
        wait_for(|| (jobs.which_children().len() == 201).then_some(())).await;
    }
    done.send(true).unwrap();
    let ghosts = sampler.await.unwrap();
    assert!(
        ghosts.is_empty(),
        "{} ended children started again on a",
        ghosts.len()
    );
    assert_eq!(running(&all).len(), 201);
}

/// Fencing tokens stay ordered across a store that was lost and rebuilt: the new store numbers
/// its entries from 1 again, but tokens lead with its generation. 30 children and 30 names come
/// and go first, so the rebuilt store's revisions are lower than the old ones. Node b, which
/// owns neither, reads both tokens as fast as a task can throughout: they never go back (a
/// reader never pairs one store's revision with another's generation).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fencing_tokens_stay_ordered_across_a_wiped_store() {
    let mut server = server();
    let all = hosts(&server, "s15", &["a"]).await;
    let (a, jobs) = &all[0];
    let names = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let b = node(&server, "s15", "b").await;
    let (jobs_b, names_b) = (
        b.supervisor("jobs").await.unwrap(),
        b.registry::<()>("names", Keys::Unique).await.unwrap(),
    );
    for i in 0..30 {
        let child = jobs
            .start_child_with::<Counter>(i, Restart::Temporary)
            .await
            .unwrap();
        let h: CounterHandle = child.handle().unwrap();
        h.stop(ExitReason::Normal).await.unwrap();
        let named: CounterHandle = Counter::start_via(&names, format!("t{i}").as_str(), i)
            .await
            .unwrap();
        named.stop(ExitReason::Normal).await.unwrap();
    }
    let child = jobs
        .start_child_via::<Counter, ()>(&names, "x", 7, Restart::Permanent)
        .await
        .unwrap();
    let child_before = child.token().unwrap();
    let name_before = wait_for(|| names.token("x")).await;
    let token_on_b = {
        let id = child.id().to_owned();
        move || {
            let child = jobs_b.which_children().into_iter().find(|c| c.id() == id);
            (child.and_then(|c| c.token()), names_b.token("x"))
        }
    };
    wait_for(|| (token_on_b() == (Some(child_before), Some(name_before))).then_some(())).await;
    let (done, until) = tokio::sync::watch::channel(false);
    let sampled = token_on_b.clone();
    let seen_on_b = tokio::spawn(async move {
        let token_on_b = sampled;
        // b was seen holding the tokens before the wipe (above), whenever this task first runs.
        let (mut children, mut names) = (vec![child_before], vec![name_before]);
        loop {
            // Sampled once more after the end: a sampler starved until then still sees it.
            let end = *until.borrow();
            let (child, name) = token_on_b();
            children.extend(child.filter(|t| children.last() != Some(t)));
            names.extend(name.filter(|t| names.last() != Some(t)));
            if end {
                break;
            }
            tokio::task::yield_now().await;
        }
        (children, names)
    });

    server.restart_wiped().unwrap();
    let child_after = wait_for_within(Duration::from_secs(10), || {
        jobs.which_children()
            .into_iter()
            .find(|c| c.id() == child.id())?
            .token()
            .filter(|t| t.generation != child_before.generation)
    })
    .await;
    let name_after = wait_for_within(Duration::from_secs(10), || {
        names
            .token("x")
            .filter(|t| t.generation != name_before.generation)
    })
    .await;
    assert!(
        child_after.revision < child_before.revision,
        "{child_after:?} {child_before:?}"
    );
    assert!(
        name_after.revision < name_before.revision,
        "{name_after:?} {name_before:?}"
    );
    assert!(child_after > child_before, "the child's token went back");
    assert!(name_after > name_before, "the name's token went back");
    // b sees the rebuilt store too, and never saw a token go back on the way.
    let rebuilt = (Some(child_after), Some(name_after));
    wait_for(|| (token_on_b() == rebuilt).then_some(())).await;
    done.send(true).unwrap();
    let seen_on_b = seen_on_b.await.unwrap();
    for tokens in [&seen_on_b.0, &seen_on_b.1] {
        assert!(tokens.len() >= 2, "b saw one store only: {tokens:?}");
        assert!(
            tokens.windows(2).all(|w| w[0] < w[1]),
            "a token went back on b: {tokens:?}"
        );
    }
}

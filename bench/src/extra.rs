//! Workloads no peer measures: beamish's names, registry and supervisors, each timed back to back
//! with a baseline that does the same work the plainest way (a direct handle, plain starts, a
//! hand-written tokio actor, a `RwLock<HashMap>`).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use beamish::{
    Actor, ActorHandle, ActorRef, ChildSpec, Context, DynamicSupervisor, DynamicSupervisorOptions,
    ExitReason, InitError, Keys, Named, Registry, ReplyTo, Strategy, Supervisor, SupervisorOptions,
    Whereis, live_actors,
};

use crate::fw::{beamish as bm, raw};
use crate::restart;
use crate::{check, names, on_runtime, take_parks};

/// The beamish-only workloads, in the second table's row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extra {
    /// Calls through a via name (`Named`, resolved at every call) vs through the handle.
    ViaCall,
    /// `start_via` + `whereis` of every actor vs raw starts kept in a `RwLock<HashMap>`.
    StartVia,
    /// `DynamicSupervisor::start_child` vs `ActorRef::start`.
    StartChild,
    /// `Registry::dispatch` of a cast to 1,000 subscribers vs a `RwLock<HashMap<_, Vec<_>>>` of
    /// raw handles.
    Dispatch,
    /// `register` + `unregister` from inside an actor vs `RwLock<HashMap>` insert + remove.
    RegisterUnregister,
    /// Building a supervision tree (`a` supervisors × `b` workers) vs starting as many raw
    /// actors.
    TreeBuild(usize, usize),
    /// Stopping that tree from the top (cascading) vs stopping as many raw actors.
    TreeShutdown(usize, usize),
    /// A `#[cast]` panics in a `DynamicSupervisor` child (permanent, from `child_spec`); the new
    /// incarnation's `init` sends its handle to the driver, which calls it. Against a tokio task
    /// that catches its own panic and whose supervising task respawns it on the same mailbox.
    RestartAnnounced,
    /// The same through one handle from `start_child_followed`, same floor.
    RestartFollowed,
    /// Calls through an `#[actor]` handle from a spawned task, default 5 s timeout, against the
    /// floor's calls from the same place.
    AskSpawned,
}

impl Extra {
    /// All rows.
    pub const ALL: [Extra; 14] = [
        Extra::ViaCall,
        Extra::StartVia,
        Extra::StartChild,
        Extra::Dispatch,
        Extra::RegisterUnregister,
        Extra::TreeBuild(3, 10),
        Extra::TreeShutdown(3, 10),
        Extra::TreeBuild(5, 5),
        Extra::TreeShutdown(5, 5),
        Extra::TreeBuild(10, 2),
        Extra::TreeShutdown(10, 2),
        Extra::RestartAnnounced,
        Extra::RestartFollowed,
        Extra::AskSpawned,
    ];

    /// A short name for `--only`: the variant's name in kebab case, sizes dropped
    /// (`restart-announced`; `tree-build` selects the three tree sizes).
    pub fn key(self) -> String {
        let name = format!("{self:?}");
        let name = name.split('(').next().unwrap_or_default();
        let mut key = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                key.push('-');
            }
            key.push(c.to_ascii_lowercase());
        }
        key
    }

    /// The row title and what the baseline is.
    pub fn describe(self, n: usize) -> (String, &'static str) {
        match self {
            Extra::ViaCall => (
                format!("via-name call (`Named`), {n} calls"),
                "direct handle",
            ),
            Extra::StartVia => (
                format!("`start_via` + `whereis`, {n} actors"),
                "raw start + `RwLock<HashMap>`",
            ),
            Extra::StartChild => (
                format!("DynamicSupervisor `start_child`, {n} children"),
                "`ActorRef::start`",
            ),
            Extra::Dispatch => (
                format!("registry `dispatch` to 1,000 subscribers, {n} messages"),
                "`RwLock<HashMap<K, Vec<tx>>>`",
            ),
            Extra::RegisterUnregister => (
                format!("`register` + `unregister`, {n} pairs"),
                "`RwLock<HashMap>` insert + remove",
            ),
            Extra::TreeBuild(a, b) => (
                format!("supervision tree {a}×{b}: build (per actor)"),
                "as many raw starts",
            ),
            Extra::TreeShutdown(a, b) => (
                format!("supervision tree {a}×{b}: cascading shutdown (per actor)"),
                "as many raw stops",
            ),
            Extra::RestartAnnounced => (
                format!(
                    "restart, handle sent by `init`: panic → new incarnation answering, {n} restarts"
                ),
                "tokio task catching its panic, respawned on its mailbox",
            ),
            Extra::RestartFollowed => (
                format!("restart through a `start_child_followed` handle, {n} restarts"),
                "tokio task catching its panic, respawned on its mailbox",
            ),
            Extra::AskSpawned => (
                format!("ask from a spawned task, `#[actor]` handle, 5 s timeout, {n} calls"),
                "raw tokio actor, same caller",
            ),
        }
    }

    /// The operation count `n` of this row for a base size.
    pub fn count(self, base: usize) -> usize {
        match self {
            Extra::ViaCall | Extra::RegisterUnregister | Extra::AskSpawned => base,
            Extra::RestartAnnounced | Extra::RestartFollowed => (base / 50).max(1),
            Extra::StartVia | Extra::StartChild => base / 10,
            Extra::Dispatch => base.max(1000),
            Extra::TreeBuild(a, b) | Extra::TreeShutdown(a, b) => {
                (a * b + a + 1) * tree_count(base)
            }
        }
    }
}

/// Runs one row with base size `base`: `(beamish, baseline)` wall times.
///
/// The drivers (`restart-announced`, `restart-followed`, `ask-spawned`) time each side
/// on a fresh runtime of its own, as the main table does, the baseline first if `baseline_first`
/// (the runner alternates). The other rows are timed back to back on one runtime, beamish first.
pub fn run(extra: Extra, base: usize, baseline_first: bool) -> (Duration, Duration) {
    // The parks of the runtime just used (each side of a driver row runs on its own).
    let parks = || take_parks().map(|p| p.to_string()).unwrap_or_default();
    let n = extra.count(base);
    if let Some((ours, floor)) = driver(extra, n) {
        let (ours, floor) = if baseline_first {
            let floor = (on_runtime(floor), parks());
            ((on_runtime(ours), parks()), floor)
        } else {
            let ours = (on_runtime(ours), parks());
            (ours, (on_runtime(floor), parks()))
        };
        eprintln!("{extra:?} parks: beamish {}, baseline {}", ours.1, floor.1);
        return (ours.0, floor.0);
    }
    on_runtime(async move {
        match extra {
            Extra::ViaCall => via_call(n).await,
            Extra::StartVia => start_via(n).await,
            Extra::StartChild => start_child(n).await,
            Extra::Dispatch => dispatch(n).await,
            Extra::RegisterUnregister => register_unregister(n).await,
            Extra::TreeBuild(a, b) => trees(a, b, base).await.0,
            Extra::TreeShutdown(a, b) => trees(a, b, base).await.1,
            // The drivers were timed apart above.
            Extra::RestartAnnounced | Extra::RestartFollowed | Extra::AskSpawned => {
                (Duration::ZERO, Duration::ZERO)
            }
        }
    })
}

/// Runs one side only of one of the drivers, on a fresh runtime (`None` for the other
/// rows): beamish's if `ours`, else the baseline's. For instruction counts per operation under
/// callgrind, and context switches under `perf stat`, without the other side's.
pub fn run_side(extra: Extra, base: usize, ours: bool) -> Option<Duration> {
    let (beamish, floor) = driver(extra, extra.count(base))?;
    Some(if ours {
        on_runtime(beamish)
    } else {
        on_runtime(floor)
    })
}

/// A side of a driver row: a workload timed on a runtime of its own.
type Side = Pin<Box<dyn Future<Output = Duration> + Send>>;

/// The two sides (beamish, baseline) of one of the drivers with `n` operations; `None`
/// for the other rows.
fn driver(extra: Extra, n: usize) -> Option<(Side, Side)> {
    let sides: (Side, Side) = match extra {
        Extra::RestartAnnounced => (Box::pin(restart::announced(n)), Box::pin(restart::floor(n))),
        Extra::RestartFollowed => (Box::pin(restart::followed(n)), Box::pin(restart::floor(n))),
        Extra::AskSpawned => (
            Box::pin(restart::ask_spawned(n)),
            Box::pin(restart::ask_spawned_floor(n)),
        ),
        _ => return None,
    };
    Some(sides)
}

async fn via_call(n: usize) -> (Duration, Duration) {
    let registry: Registry<&'static str> = Registry::new(Keys::Unique);
    let direct = ActorRef::<bm::Counter>::start_via(&registry, "counter", 0)
        .await
        .expect("start_via");
    let named = Named::<bm::Counter>::new(&registry, "counter");
    let t = Instant::now();
    for i in 1..=n as u64 {
        check(
            named.call(|r| bm::Msg::Call(1, r)).await,
            Ok(i),
            "via reply",
        );
    }
    let via = t.elapsed();
    let t = Instant::now();
    for i in 1..=n as u64 {
        let reply = direct.call(|r| bm::Msg::Call(1, r)).await;
        check(reply, Ok(n as u64 + i), "direct reply");
    }
    (via, t.elapsed())
}

async fn start_via(n: usize) -> (Duration, Duration) {
    let names = names(n);
    let registry: Registry<String> = Registry::new(Keys::Unique);
    let t = Instant::now();
    let mut actors = Vec::with_capacity(n);
    for name in &names {
        let h = ActorRef::<bm::Counter>::start_via(&registry, name.clone(), 0).await;
        actors.push(h.expect("start_via"));
    }
    for (name, h) in names.iter().zip(&actors) {
        let found = ActorRef::<bm::Counter>::whereis(&registry, name).expect("found");
        check(found.id(), h.id(), "whereis");
    }
    let ours = t.elapsed();
    for h in actors {
        h.stop(ExitReason::Normal).await.expect("stop");
    }
    let map = RwLock::new(HashMap::new());
    let t = Instant::now();
    let mut joins = Vec::with_capacity(n);
    for name in &names {
        let (h, join) = raw::start(0).await;
        map.write().unwrap().insert(name.clone(), h);
        joins.push(join);
    }
    for name in &names {
        let found = map.read().unwrap().get(name).cloned();
        assert!(found.is_some(), "found");
    }
    let base = t.elapsed();
    for h in map.into_inner().unwrap().into_values() {
        h.cast(raw::Msg::Stop);
    }
    (ours, base)
}

async fn start_child(n: usize) -> (Duration, Duration) {
    let options = DynamicSupervisorOptions::new();
    let sup = DynamicSupervisor::start(options).await.expect("supervisor");
    let t = Instant::now();
    for _ in 0..n {
        let child: ActorRef<bm::Counter> = sup
            .start_child(ChildSpec::of(0))
            .await
            .expect("start_child");
        assert!(child.is_alive(), "child runs");
    }
    let ours = t.elapsed();
    check(
        sup.count_children().await.expect("count").active,
        n,
        "children",
    );
    sup.stop(ExitReason::Shutdown).await.expect("stop");
    let t = Instant::now();
    let mut plain = Vec::with_capacity(n);
    for _ in 0..n {
        plain.push(bm::start(0).await);
    }
    let base = t.elapsed();
    for h in plain {
        h.stop(ExitReason::Normal).await.expect("stop");
    }
    (ours, base)
}

/// A subscriber: registers itself under `"topic"` in `init`, counts what it is sent.
struct Sub(u64);

enum SubMsg {
    Add(u64),
    Get(ReplyTo<u64>),
}

impl Actor for Sub {
    type Args = Registry<&'static str>;
    type Message = SubMsg;

    async fn init(registry: Self::Args, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        registry.register("topic", ()).expect("register");
        Ok(Sub(0))
    }

    async fn handle(&mut self, msg: SubMsg, _ctx: &mut Context<Self>) {
        match msg {
            SubMsg::Add(n) => self.0 += n,
            SubMsg::Get(reply) => {
                reply.send(self.0);
            }
        }
    }
}

const SUBSCRIBERS: usize = 1000;

async fn dispatch(messages: usize) -> (Duration, Duration) {
    let rounds = (messages / SUBSCRIBERS).max(1) as u64;
    let registry: Registry<&'static str> = Registry::new(Keys::Duplicate);
    let mut subs = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        subs.push(ActorRef::<Sub>::start(registry.clone()).await.expect("sub"));
    }
    let t = Instant::now();
    for _ in 0..rounds {
        let sent = registry.dispatch(&"topic", |entries| {
            for (actor, ()) in entries {
                let sub = actor.downcast::<Sub>().expect("a Sub");
                sub.cast(SubMsg::Add(1)).expect("cast");
            }
            entries.len()
        });
        check(sent, Some(SUBSCRIBERS), "subscribers reached");
    }
    for sub in &subs {
        check(
            sub.call(SubMsg::Get).await,
            Ok(rounds),
            "every message handled",
        );
    }
    let ours = t.elapsed();
    for sub in subs {
        sub.stop(ExitReason::Normal).await.expect("stop");
    }
    let mut handles = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        handles.push(raw::start(0).await.0);
    }
    let map = RwLock::new(HashMap::from([("topic", handles)]));
    let t = Instant::now();
    for _ in 0..rounds {
        let map = map.read().unwrap();
        let subs = map.get("topic").expect("topic");
        for h in subs {
            h.cast(raw::Msg::Add(1));
        }
    }
    let subs = map.read().unwrap()["topic"].clone();
    for h in &subs {
        check(h.call(raw::Msg::Get).await, rounds, "every message handled");
    }
    let base = t.elapsed();
    for h in &map.read().unwrap()["topic"] {
        h.cast(raw::Msg::Stop);
    }
    (ours, base)
}

/// Registers and unregisters keys on request, from inside itself (registration is by the calling
/// actor).
struct Churner(Registry<String>);

enum ChurnMsg {
    Churn(Arc<Vec<String>>, ReplyTo<usize>),
}

impl Actor for Churner {
    type Args = Registry<String>;
    type Message = ChurnMsg;

    async fn init(registry: Self::Args, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Churner(registry))
    }

    async fn handle(&mut self, msg: ChurnMsg, _ctx: &mut Context<Self>) {
        let ChurnMsg::Churn(keys, reply) = msg;
        let mut done = 0;
        for key in keys.iter() {
            self.0.register(key.clone(), ()).expect("register");
            done += self.0.unregister(key).expect("unregister");
        }
        reply.send(done);
    }
}

async fn register_unregister(n: usize) -> (Duration, Duration) {
    let keys = Arc::new(names(n));
    let registry: Registry<String> = Registry::new(Keys::Unique);
    let churner = ActorRef::<Churner>::start(registry.clone())
        .await
        .expect("churner");
    let t = Instant::now();
    let done = churner
        .call(|r| ChurnMsg::Churn(keys.clone(), r))
        .await
        .expect("churn");
    let ours = t.elapsed();
    check(done, n, "pairs");
    check(registry.count(), 0, "left registered");
    let (h, _join) = raw::start(0).await;
    let map = RwLock::new(HashMap::new());
    let t = Instant::now();
    let mut done = 0;
    for key in keys.iter() {
        map.write().unwrap().insert(key.clone(), h.clone());
        done += usize::from(map.write().unwrap().remove(key).is_some());
    }
    let base = t.elapsed();
    check(done, n, "pairs");
    h.cast(raw::Msg::Stop);
    (ours, base)
}

/// How many trees a tree row builds and stops, one after another.
fn tree_count(base: usize) -> usize {
    (base / 1000).max(1)
}

/// Sums of (build, shutdown) over `trees(base)` trees, each against as many raw actors.
async fn trees(a: usize, b: usize, base: usize) -> ((Duration, Duration), (Duration, Duration)) {
    let mut sum = (
        (Duration::ZERO, Duration::ZERO),
        (Duration::ZERO, Duration::ZERO),
    );
    for _ in 0..tree_count(base) {
        let ((build, raw_build), (stop, raw_stop)) = tree(a, b).await;
        sum.0.0 += build;
        sum.0.1 += raw_build;
        sum.1.0 += stop;
        sum.1.1 += raw_stop;
    }
    sum
}

/// (build, shutdown) of a tree of `a` supervisors × `b` workers, each against as many raw actors.
async fn tree(a: usize, b: usize) -> ((Duration, Duration), (Duration, Duration)) {
    let before = live_actors();
    let options = SupervisorOptions::new(Strategy::OneForOne);
    let children: Vec<ChildSpec> = (0..a)
        .map(|i| {
            let workers: Vec<ChildSpec> = (0..b)
                .map(|j| {
                    ChildSpec::<ActorRef<bm::Counter>>::of(0)
                        .with_id(format!("w{j}"))
                        .untyped()
                })
                .collect();
            Supervisor::child_spec(workers, options.clone())
                .with_id(format!("s{i}"))
                .untyped()
        })
        .collect();
    let t = Instant::now();
    let top = Supervisor::start(children, options).await.expect("tree");
    let build = t.elapsed();
    check(live_actors() - before, a * b + a + 1, "actors in the tree");
    let t = Instant::now();
    top.stop(ExitReason::Shutdown).await.expect("stop");
    let shutdown = t.elapsed();
    check(live_actors(), before, "actors left");
    let total = a * b + a + 1;
    let t = Instant::now();
    let mut actors = Vec::with_capacity(total);
    for _ in 0..total {
        actors.push(raw::start(0).await);
    }
    let raw_build = t.elapsed();
    let t = Instant::now();
    for (h, join) in actors {
        h.cast(raw::Msg::Stop);
        join.await.expect("stopped");
    }
    let raw_stop = t.elapsed();
    ((build, raw_build), (shutdown, raw_stop))
}

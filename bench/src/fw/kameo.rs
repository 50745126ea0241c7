//! kameo 0.22: `Actor` + `Message<M>` impls, `tell(..).try_send()`, `ask(..)`, unbounded
//! mailboxes (as every other column), its local registry, and its own supervision
//! (`supervise(..)`: a restarted child keeps its `ActorRef` and mailbox).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kameo::actor::{ActorRef, Spawn};
use kameo::mailbox;
use kameo::message::{Context, Message};
use kameo::supervision::RestartPolicy;
use kameo::{Actor, Reply};

use crate::{Measure, Sizes, Workload, check, names, on_runtime, rss};

struct Counter(u64);

/// Where a supervised child takes its generation from (restarts reuse the args).
#[derive(Clone)]
enum Start {
    At(u64),
    Generations(Arc<AtomicU64>),
}

impl Actor for Counter {
    type Args = Start;
    type Error = Infallible;

    async fn on_start(start: Start, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Counter(match start {
            Start::At(n) => n,
            Start::Generations(g) => g.fetch_add(1, Ordering::Relaxed),
        }))
    }
}

struct Add(u64);
struct Call(u64);
struct Get;
struct Panic;

impl Message<Add> for Counter {
    type Reply = ();
    async fn handle(&mut self, Add(n): Add, _: &mut Context<Self, ()>) {
        self.0 += n;
    }
}

impl Message<Call> for Counter {
    type Reply = u64;
    async fn handle(&mut self, Call(n): Call, _: &mut Context<Self, u64>) -> u64 {
        self.0 += n;
        self.0
    }
}

impl Message<Get> for Counter {
    type Reply = u64;
    async fn handle(&mut self, _: Get, _: &mut Context<Self, u64>) -> u64 {
        self.0
    }
}

impl Message<Panic> for Counter {
    type Reply = ();
    async fn handle(&mut self, _: Panic, _: &mut Context<Self, ()>) {
        panic!("boom")
    }
}

async fn start(n: u64) -> ActorRef<Counter> {
    let h = Counter::spawn_with_mailbox(Start::At(n), mailbox::unbounded());
    h.wait_for_startup().await;
    h
}

async fn stop(h: &ActorRef<Counter>) {
    h.stop_gracefully().await.expect("stop");
    h.wait_for_shutdown().await;
}

/// Runs one workload.
pub fn run(workload: Workload, sizes: &Sizes) -> Measure {
    let sizes = *sizes;
    on_runtime(async move {
        match workload {
            Workload::Tell => Measure::Time(tell(sizes.tell).await),
            Workload::Ask => Measure::Time(ask(sizes.ask).await),
            Workload::AskP99 => Measure::Time(ask_p99(sizes.ask).await),
            Workload::SpawnStop => Measure::Time(spawn_stop(sizes.spawn, false).await.0),
            Workload::Rss => Measure::Bytes(spawn_stop(sizes.spawn, true).await.1),
            Workload::FanIn => Measure::Time(fan_in(sizes.fan_in_tasks, sizes.fan_in_calls).await),
            Workload::Lookup => Measure::Time(lookup(sizes.names, sizes.lookups).await),
            Workload::Restart => Measure::Time(restart(sizes.restarts).await),
        }
    })
}

async fn tell(n: u64) -> Duration {
    let h = start(0).await;
    let t = Instant::now();
    for _ in 0..n {
        h.tell(Add(1)).try_send().expect("tell");
    }
    check(h.ask(Get).await.expect("ask"), n, "tell count");
    let elapsed = t.elapsed();
    stop(&h).await;
    elapsed
}

async fn ask(n: u64) -> Duration {
    let h = start(0).await;
    let t = Instant::now();
    for i in 1..=n {
        check(h.ask(Call(1)).await.expect("ask"), i, "ask reply");
    }
    let elapsed = t.elapsed();
    stop(&h).await;
    elapsed
}

async fn ask_p99(n: u64) -> Duration {
    let h = start(0).await;
    let mut latencies = crate::Latencies::with_capacity(n);
    for i in 1..=n {
        let t = Instant::now();
        check(h.ask(Call(1)).await.expect("ask"), i, "ask reply");
        latencies.record(t);
    }
    let p99 = latencies.p99();
    stop(&h).await;
    p99
}

async fn spawn_stop(n: usize, measure_rss: bool) -> (Duration, u64) {
    let before = rss::start();
    let t = Instant::now();
    let mut actors = Vec::with_capacity(n);
    for _ in 0..n {
        actors.push(start(0).await);
    }
    let peak = if measure_rss {
        rss::peak_since(before)
    } else {
        0
    };
    let mut stopped = 0;
    for h in actors {
        stop(&h).await;
        stopped += 1;
    }
    check(stopped, n, "stopped");
    (t.elapsed(), peak)
}

async fn fan_in(tasks: usize, calls: u64) -> Duration {
    let h = start(0).await;
    let t = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move {
                let mut last = 0;
                for _ in 0..calls {
                    let now = h.ask(Call(1)).await.expect("ask");
                    assert!(now > last, "replies grow");
                    last = now;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("caller");
    }
    check(
        h.ask(Get).await.expect("ask"),
        tasks as u64 * calls,
        "fan-in count",
    );
    let elapsed = t.elapsed();
    stop(&h).await;
    elapsed
}

async fn lookup(n_names: usize, lookups: usize) -> Duration {
    let names = Arc::new(names(n_names));
    let mut actors = Vec::new();
    for name in names.iter() {
        let h = start(0).await;
        h.register(name.clone()).expect("register");
        actors.push(h);
    }
    let t = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|k| {
            let names = names.clone();
            tokio::spawn(async move {
                let mut found = 0;
                for i in 0..lookups {
                    let name = &names[(i * 7 + k) % names.len()];
                    let h = ActorRef::<Counter>::lookup(name.as_str()).expect("lookup");
                    found += usize::from(h.is_some());
                }
                found
            })
        })
        .collect();
    for task in tasks {
        check(task.await.expect("lookups"), lookups, "found");
    }
    let elapsed = t.elapsed();
    for h in &actors {
        stop(h).await;
    }
    elapsed
}

/// A supervisor with one child, restarted on panic by kameo's own supervision.
struct Sup(ActorRef<Counter>);

impl Actor for Sup {
    type Args = Arc<AtomicU64>;
    type Error = Infallible;

    async fn on_start(generations: Self::Args, me: ActorRef<Self>) -> Result<Self, Infallible> {
        let child = Counter::supervise(&me, Start::Generations(generations))
            .restart_policy(RestartPolicy::Permanent)
            .restart_limit(u32::MAX, Duration::from_secs(1))
            .spawn_with_mailbox(mailbox::unbounded())
            .await;
        child.wait_for_startup().await;
        Ok(Sup(child))
    }
}

#[derive(Reply)]
struct ChildRef(ActorRef<Counter>);

struct GetChild;

impl Message<GetChild> for Sup {
    type Reply = ChildRef;
    async fn handle(&mut self, _: GetChild, _: &mut Context<Self, ChildRef>) -> ChildRef {
        ChildRef(self.0.clone())
    }
}

async fn restart(n: u64) -> Duration {
    let sup = Sup::spawn(Arc::new(AtomicU64::new(0)));
    let ChildRef(child) = sup.ask(GetChild).await.expect("child");
    let t = Instant::now();
    for g in 1..=n {
        child.tell(Panic).try_send().expect("tell");
        // The restarted child keeps the mailbox: this ask is answered by the new instance.
        check(
            child.ask(Get).await.expect("ask"),
            g,
            "restarted child answers",
        );
    }
    let elapsed = t.elapsed();
    sup.stop_gracefully().await.expect("stop");
    sup.wait_for_shutdown().await;
    elapsed
}

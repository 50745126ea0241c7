//! beamish, through `ActorRef` and hand-written `impl Actor`s — the runtime path `#[actor]`
//! generates code for.

use std::sync::Arc;
use std::time::{Duration, Instant};

use beamish::{
    Actor, ActorHandle, ActorRef, ChildSpec, Context, DynamicSupervisor, DynamicSupervisorOptions,
    ExitReason, Info, InitError, Keys, Registry, RegistryEvent, ReplyTo, Whereis,
};

use crate::{Measure, Sizes, Workload, check, names, on_runtime, rss};

pub(crate) struct Counter(u64);

pub(crate) enum Msg {
    Add(u64),
    Call(u64, ReplyTo<u64>),
    Get(ReplyTo<u64>),
    Panic,
}

impl Actor for Counter {
    type Args = u64;
    type Message = Msg;

    async fn init(start: u64, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Counter(start))
    }

    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) {
        match msg {
            Msg::Add(n) => self.0 += n,
            Msg::Call(n, reply) => {
                self.0 += n;
                reply.send(self.0);
            }
            Msg::Get(reply) => {
                reply.send(self.0);
            }
            Msg::Panic => panic!("boom"),
        }
    }

    // What `#[actor]` generates for `#[call]`s that cannot wait: answered inline when the actor
    // is idle.
    fn is_inline(msg: &Msg) -> bool {
        matches!(msg, Msg::Call(..) | Msg::Get(_))
    }

    fn handle_inline(&mut self, msg: Msg) -> Result<(), Msg> {
        match msg {
            Msg::Call(n, reply) => {
                self.0 += n;
                reply.send(self.0);
            }
            Msg::Get(reply) => {
                reply.send(self.0);
            }
            other => return Err(other),
        }
        Ok(())
    }
}

pub(crate) async fn start(generation: u64) -> ActorRef<Counter> {
    ActorRef::<Counter>::start(generation).await.expect("start")
}

async fn get(h: &ActorRef<Counter>) -> u64 {
    h.call(Msg::Get).await.expect("reply")
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
        h.cast(Msg::Add(1)).expect("cast");
    }
    check(get(&h).await, n, "tell count");
    t.elapsed()
}

async fn ask(n: u64) -> Duration {
    let h = start(0).await;
    let t = Instant::now();
    for i in 1..=n {
        check(h.call(|r| Msg::Call(1, r)).await, Ok(i), "ask reply");
    }
    t.elapsed()
}

async fn ask_p99(n: u64) -> Duration {
    let h = start(0).await;
    let mut latencies = crate::Latencies::with_capacity(n);
    for i in 1..=n {
        let t = Instant::now();
        check(h.call(|r| Msg::Call(1, r)).await, Ok(i), "ask reply");
        latencies.record(t);
    }
    latencies.p99()
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
        h.stop(ExitReason::Normal).await.expect("stopped");
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
                    let now = h.call(|r| Msg::Call(1, r)).await.expect("reply");
                    assert!(now > last, "replies grow");
                    last = now;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("caller");
    }
    check(get(&h).await, tasks as u64 * calls, "fan-in count");
    t.elapsed()
}

/// A one-child supervisor written on monitors, as the runtime offers them.
struct Sup {
    child: ActorRef<Counter>,
    generation: u64,
    waiting: Vec<(u64, Child)>,
}

type Child = ReplyTo<(u64, ActorRef<Counter>)>;

enum SupMsg {
    /// The child once its generation is at least the first field.
    Child(u64, Child),
}

impl Actor for Sup {
    type Args = ();
    type Message = SupMsg;

    async fn init((): (), ctx: &mut Context<Self>) -> Result<Self, InitError> {
        let child = start(0).await;
        ctx.monitor(&child);
        Ok(Sup {
            child,
            generation: 0,
            waiting: Vec::new(),
        })
    }

    async fn handle(&mut self, msg: SupMsg, _ctx: &mut Context<Self>) {
        let SupMsg::Child(want, reply) = msg;
        if self.generation >= want {
            reply.send((self.generation, self.child.clone()));
        } else {
            self.waiting.push((want, reply));
        }
    }

    async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        if let Info::Down { .. } = info {
            self.generation += 1;
            self.child = start(self.generation).await;
            ctx.monitor(&self.child);
            let (ready, later) = std::mem::take(&mut self.waiting)
                .into_iter()
                .partition(|(want, _)| *want <= self.generation);
            self.waiting = later;
            for (_, reply) in ready {
                reply.send((self.generation, self.child.clone()));
            }
        }
    }
}

async fn lookup(n_names: usize, lookups: usize) -> Duration {
    let names = Arc::new(names(n_names));
    // The registry's defaults, as users get them.
    let registry: Registry<String> = Registry::new(Keys::Unique);
    let mut actors = Vec::new();
    for name in names.iter() {
        let h = ActorRef::<Counter>::start_via(&registry, name.clone(), 0)
            .await
            .expect("start_via");
        actors.push(h);
    }
    let t = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|k| {
            let (registry, names) = (registry.clone(), names.clone());
            tokio::spawn(async move {
                let mut found = 0;
                for i in 0..lookups {
                    let name = &names[(i * 7 + k) % names.len()];
                    let h = ActorRef::<Counter>::whereis(&registry, name);
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
    for h in actors {
        h.stop(ExitReason::Normal).await.expect("stop");
    }
    elapsed
}

/// Elixir's way: a DynamicSupervisor restarts the child, which re-registers its via name; the
/// client hears of the new registration from a registry listener (as the raw floor hears of the
/// new child from a `watch`) and calls it.
async fn restart(n: u64) -> Duration {
    let (tx, mut registered) = tokio::sync::mpsc::unbounded_channel();
    let registry: Registry<&'static str> = Registry::builder(Keys::Unique)
        .listener(move |event| {
            if let RegistryEvent::Registered { actor, .. } = event {
                let _ = tx.send(actor.clone());
            }
        })
        .build()
        .expect("registry");
    let options = DynamicSupervisorOptions::new().max_restarts(u32::MAX);
    let sup = DynamicSupervisor::start(options).await.expect("supervisor");
    let mut child: ActorRef<Counter> = sup
        .start_child(ChildSpec::of_via(&registry, "child", 0))
        .await
        .expect("child");
    check(
        registered.recv().await.map(|a| a.id()),
        Some(child.id()),
        "first registration",
    );
    let t = Instant::now();
    for _ in 0..n {
        child.cast(Msg::Add(1)).expect("cast");
        child.cast(Msg::Panic).expect("cast");
        let new = registered.recv().await.expect("registration");
        let new = new.downcast::<Counter>().expect("a Counter");
        assert!(new.id() != child.id(), "a new child");
        check(
            new.call(Msg::Get).await,
            Ok(0),
            "restarted child starts afresh",
        );
        check(
            child.exit_reason(),
            Some(ExitReason::Panic("boom".into())),
            "old child's exit",
        );
        child = new;
    }
    let elapsed = t.elapsed();
    sup.stop(ExitReason::Shutdown).await.expect("stop");
    elapsed
}

/// The same with a hand-written one-child supervisor on monitors (kept to compare the
/// supervisor's own cost with the runtime's).
#[allow(dead_code)]
async fn restart_by_monitor(n: u64) -> Duration {
    let sup = ActorRef::<Sup>::start(()).await.expect("supervisor");
    let (_, mut child) = sup.call(|r| SupMsg::Child(0, r)).await.expect("child");
    let t = Instant::now();
    for g in 1..=n {
        child.cast(Msg::Panic).expect("cast");
        let (generation, new) = sup.call(|r| SupMsg::Child(g, r)).await.expect("restarted");
        check(generation, g, "generation");
        check(get(&new).await, g, "restarted child answers");
        child = new;
    }
    let elapsed = t.elapsed();
    sup.stop(ExitReason::Shutdown).await.expect("stop");
    elapsed
}

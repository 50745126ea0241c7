//! The floor: a hand-written tokio actor — a task owning its state, an unbounded mpsc mailbox,
//! oneshot replies, a oneshot to say it is running. Restarts: a supervisor task that awaits the
//! child's `JoinHandle` (tokio catches the panic) and spawns a new one.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::{Measure, Sizes, Workload, check, names, on_runtime, rss};

pub(crate) enum Msg {
    Add(u64),
    Call(u64, oneshot::Sender<u64>),
    Get(oneshot::Sender<u64>),
    Panic,
    Stop,
}

#[derive(Clone)]
pub(crate) struct Handle {
    pub(crate) tx: mpsc::UnboundedSender<Msg>,
}

impl Handle {
    pub(crate) fn cast(&self, msg: Msg) {
        assert!(self.tx.send(msg).is_ok(), "actor gone");
    }

    pub(crate) async fn call(&self, make: impl FnOnce(oneshot::Sender<u64>) -> Msg) -> u64 {
        let (tx, rx) = oneshot::channel();
        self.cast(make(tx));
        rx.await.expect("reply")
    }
}

pub(crate) async fn start(generation: u64) -> (Handle, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    let join = tokio::spawn(async move {
        let mut count = generation;
        let _ = ready_tx.send(());
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Add(n) => count += n,
                Msg::Call(n, reply) => {
                    count += n;
                    let _ = reply.send(count);
                }
                Msg::Get(reply) => {
                    let _ = reply.send(count);
                }
                Msg::Panic => panic!("boom"),
                Msg::Stop => break,
            }
        }
    });
    ready_rx.await.expect("started");
    (Handle { tx }, join)
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
    let (h, _join) = start(0).await;
    let t = Instant::now();
    for _ in 0..n {
        h.cast(Msg::Add(1));
    }
    check(h.call(Msg::Get).await, n, "tell count");
    t.elapsed()
}

async fn ask(n: u64) -> Duration {
    let (h, _join) = start(0).await;
    let t = Instant::now();
    for i in 1..=n {
        check(h.call(|r| Msg::Call(1, r)).await, i, "ask reply");
    }
    t.elapsed()
}

async fn ask_p99(n: u64) -> Duration {
    let (h, _join) = start(0).await;
    let mut latencies = crate::Latencies::with_capacity(n);
    for i in 1..=n {
        let t = Instant::now();
        check(h.call(|r| Msg::Call(1, r)).await, i, "ask reply");
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
    for (h, join) in actors {
        h.cast(Msg::Stop);
        join.await.expect("clean exit");
        stopped += 1;
    }
    check(stopped, n, "stopped");
    (t.elapsed(), peak)
}

async fn fan_in(tasks: usize, calls: u64) -> Duration {
    let (h, _join) = start(0).await;
    let t = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move {
                let mut last = 0;
                for _ in 0..calls {
                    let now = h.call(|r| Msg::Call(1, r)).await;
                    assert!(now > last, "replies grow");
                    last = now;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("caller");
    }
    check(h.call(Msg::Get).await, tasks as u64 * calls, "fan-in count");
    t.elapsed()
}

async fn lookup(n_names: usize, lookups: usize) -> Duration {
    let names = Arc::new(names(n_names));
    let mut map = HashMap::new();
    let mut joins = Vec::new();
    for name in names.iter() {
        let (h, join) = start(0).await;
        map.insert(name.clone(), h);
        joins.push(join);
    }
    let map = Arc::new(RwLock::new(map));
    let t = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|k| {
            let (map, names) = (map.clone(), names.clone());
            tokio::spawn(async move {
                let mut found = 0;
                for i in 0..lookups {
                    let name = &names[(i * 7 + k) % names.len()];
                    let h: Option<Handle> = map.read().unwrap().get(name).cloned();
                    found += usize::from(h.is_some());
                }
                found
            })
        })
        .collect();
    for task in tasks {
        check(task.await.expect("lookups"), lookups, "found");
    }
    t.elapsed()
}

async fn restart(n: u64) -> Duration {
    // The supervisor publishes the live child's handle and generation.
    let (first, join) = start(0).await;
    let (tx, mut rx) = watch::channel((0u64, first));
    tokio::spawn(async move {
        let mut join = join;
        let mut generation = 0;
        while join.await.is_err() {
            generation += 1;
            let (h, j) = start(generation).await;
            join = j;
            if tx.send((generation, h)).is_err() {
                break;
            }
        }
    });
    let t = Instant::now();
    for g in 1..=n {
        rx.borrow_and_update().1.cast(Msg::Panic);
        rx.changed().await.expect("supervisor");
        let child = rx.borrow_and_update().clone();
        check(child.0, g, "generation");
        check(child.1.call(Msg::Get).await, g, "restarted child answers");
    }
    let elapsed = t.elapsed();
    rx.borrow().1.cast(Msg::Stop);
    elapsed
}

//! actix 0.13: `Actor` + `Handler<M>`, `do_send` and `send`, on its own single-threaded `System`
//! (actix's model: one arbiter thread). It has no registry of names and no panic capture (a
//! panicking handler unwinds through its arbiter), so `lookup` and `restart` are not applicable.

use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;

use crate::{Measure, Sizes, Workload, check, rss};

struct Counter {
    count: u64,
    ready: Option<oneshot::Sender<()>>,
    stopped: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Context<Self>) {
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(());
        }
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.send(());
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Add(u64);

#[derive(Message)]
#[rtype(result = "u64")]
struct Call(u64);

#[derive(Message)]
#[rtype(result = "u64")]
struct Get;

#[derive(Message)]
#[rtype(result = "()")]
struct Stop;

impl Handler<Add> for Counter {
    type Result = ();
    fn handle(&mut self, Add(n): Add, _: &mut Context<Self>) {
        self.count += n;
    }
}

impl Handler<Call> for Counter {
    type Result = u64;
    fn handle(&mut self, Call(n): Call, _: &mut Context<Self>) -> u64 {
        self.count += n;
        self.count
    }
}

impl Handler<Get> for Counter {
    type Result = u64;
    fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.count
    }
}

impl Handler<Stop> for Counter {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Starts a counter and waits until it runs; the receiver fires when it has stopped.
async fn start() -> (Addr<Counter>, oneshot::Receiver<()>) {
    let (ready_tx, ready_rx) = oneshot::channel();
    let (stopped_tx, stopped_rx) = oneshot::channel();
    let addr = Counter {
        count: 0,
        ready: Some(ready_tx),
        stopped: Some(stopped_tx),
    }
    .start();
    ready_rx.await.expect("started");
    (addr, stopped_rx)
}

/// Runs one workload.
pub fn run(workload: Workload, sizes: &Sizes) -> Measure {
    if matches!(workload, Workload::Lookup | Workload::Restart) {
        return Measure::NotApplicable;
    }
    let sizes = *sizes;
    System::new().block_on(async move {
        match workload {
            Workload::Tell => Measure::Time(tell(sizes.tell).await),
            Workload::Ask => Measure::Time(ask(sizes.ask).await),
            Workload::AskP99 => Measure::Time(ask_p99(sizes.ask).await),
            Workload::SpawnStop => Measure::Time(spawn_stop(sizes.spawn, false).await.0),
            Workload::Rss => Measure::Bytes(spawn_stop(sizes.spawn, true).await.1),
            Workload::FanIn => Measure::Time(fan_in(sizes.fan_in_tasks, sizes.fan_in_calls).await),
            Workload::Lookup | Workload::Restart => Measure::NotApplicable,
        }
    })
}

async fn tell(n: u64) -> Duration {
    let (h, _) = start().await;
    let t = Instant::now();
    for _ in 0..n {
        h.do_send(Add(1));
    }
    check(h.send(Get).await.expect("send"), n, "tell count");
    t.elapsed()
}

async fn ask(n: u64) -> Duration {
    let (h, _) = start().await;
    let t = Instant::now();
    for i in 1..=n {
        check(h.send(Call(1)).await.expect("send"), i, "ask reply");
    }
    t.elapsed()
}

async fn ask_p99(n: u64) -> Duration {
    let (h, _) = start().await;
    let mut latencies = crate::Latencies::with_capacity(n);
    for i in 1..=n {
        let t = Instant::now();
        check(h.send(Call(1)).await.expect("send"), i, "ask reply");
        latencies.record(t);
    }
    latencies.p99()
}

async fn spawn_stop(n: usize, measure_rss: bool) -> (Duration, u64) {
    let before = rss::start();
    let t = Instant::now();
    let mut actors = Vec::with_capacity(n);
    for _ in 0..n {
        actors.push(start().await);
    }
    let peak = if measure_rss {
        rss::peak_since(before)
    } else {
        0
    };
    let mut stopped = 0;
    for (h, done) in actors {
        h.do_send(Stop);
        done.await.expect("stopped");
        stopped += 1;
    }
    check(stopped, n, "stopped");
    (t.elapsed(), peak)
}

async fn fan_in(tasks: usize, calls: u64) -> Duration {
    let (h, _) = start().await;
    let t = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let h = h.clone();
            actix::spawn(async move {
                let mut last = 0;
                for _ in 0..calls {
                    let now = h.send(Call(1)).await.expect("send");
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
        h.send(Get).await.expect("send"),
        tasks as u64 * calls,
        "fan-in count",
    );
    t.elapsed()
}

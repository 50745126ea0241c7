//! ractor 0.16: `Actor` with `pre_start`/`handle`, `cast`, `call`, `stop_and_wait`, its global
//! registry (`where_is`), and a supervisor that respawns a linked child on `ActorFailed`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use crate::{Measure, Sizes, Workload, check, names, on_runtime, rss};

struct Counter;

enum Msg {
    Add(u64),
    Call(u64, RpcReplyPort<u64>),
    Get(RpcReplyPort<u64>),
    Panic,
}

impl Actor for Counter {
    type Msg = Msg;
    type State = u64;
    type Arguments = u64;

    async fn pre_start(
        &self,
        _myself: ActorRef<Msg>,
        start: u64,
    ) -> Result<u64, ActorProcessingErr> {
        Ok(start)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Msg>,
        msg: Msg,
        count: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            Msg::Add(n) => *count += n,
            Msg::Call(n, reply) => {
                *count += n;
                let _ = reply.send(*count);
            }
            Msg::Get(reply) => {
                let _ = reply.send(*count);
            }
            Msg::Panic => panic!("boom"),
        }
        Ok(())
    }
}

async fn start(name: Option<String>, generation: u64) -> ActorRef<Msg> {
    Actor::spawn(name, Counter, generation)
        .await
        .expect("spawn")
        .0
}

async fn call(h: &ActorRef<Msg>, make: impl FnOnce(RpcReplyPort<u64>) -> Msg) -> u64 {
    match h.call(make, None).await.expect("call") {
        ractor::rpc::CallResult::Success(v) => v,
        _ => panic!("call failed"),
    }
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
    let h = start(None, 0).await;
    let t = Instant::now();
    for _ in 0..n {
        h.cast(Msg::Add(1)).expect("cast");
    }
    check(call(&h, Msg::Get).await, n, "tell count");
    let elapsed = t.elapsed();
    h.stop_and_wait(None, None).await.expect("stop");
    elapsed
}

async fn ask(n: u64) -> Duration {
    let h = start(None, 0).await;
    let t = Instant::now();
    for i in 1..=n {
        check(call(&h, |r| Msg::Call(1, r)).await, i, "ask reply");
    }
    let elapsed = t.elapsed();
    h.stop_and_wait(None, None).await.expect("stop");
    elapsed
}

async fn ask_p99(n: u64) -> Duration {
    let h = start(None, 0).await;
    let mut latencies = crate::Latencies::with_capacity(n);
    for i in 1..=n {
        let t = Instant::now();
        check(call(&h, |r| Msg::Call(1, r)).await, i, "ask reply");
        latencies.record(t);
    }
    let p99 = latencies.p99();
    h.stop_and_wait(None, None).await.expect("stop");
    p99
}

async fn spawn_stop(n: usize, measure_rss: bool) -> (Duration, u64) {
    let before = rss::start();
    let t = Instant::now();
    let mut actors = Vec::with_capacity(n);
    for _ in 0..n {
        actors.push(start(None, 0).await);
    }
    let peak = if measure_rss {
        rss::peak_since(before)
    } else {
        0
    };
    let mut stopped = 0;
    for h in actors {
        h.stop_and_wait(None, None).await.expect("stopped");
        stopped += 1;
    }
    check(stopped, n, "stopped");
    (t.elapsed(), peak)
}

async fn fan_in(tasks: usize, calls: u64) -> Duration {
    let h = start(None, 0).await;
    let t = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move {
                let mut last = 0;
                for _ in 0..calls {
                    let now = call(&h, |r| Msg::Call(1, r)).await;
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
        call(&h, Msg::Get).await,
        tasks as u64 * calls,
        "fan-in count",
    );
    let elapsed = t.elapsed();
    h.stop_and_wait(None, None).await.expect("stop");
    elapsed
}

async fn lookup(n_names: usize, lookups: usize) -> Duration {
    let names = Arc::new(names(n_names));
    let mut actors = Vec::new();
    for name in names.iter() {
        actors.push(start(Some(name.clone()), 0).await);
    }
    let t = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|k| {
            let names = names.clone();
            tokio::spawn(async move {
                let mut found = 0;
                for i in 0..lookups {
                    let name = &names[(i * 7 + k) % names.len()];
                    let h: Option<ActorRef<Msg>> = ActorRef::where_is(name.clone());
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
        h.stop_and_wait(None, None).await.expect("stop");
    }
    elapsed
}

/// A one-child supervisor: respawns the linked child when it fails.
struct Sup;

struct SupState {
    child: ActorRef<Msg>,
    generation: u64,
    waiting: Vec<(u64, Child)>,
}

type Child = RpcReplyPort<(u64, ActorRef<Msg>)>;

enum SupMsg {
    /// The child once its generation is at least the first field.
    Child(u64, Child),
}

impl Actor for Sup {
    type Msg = SupMsg;
    type State = SupState;
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<SupMsg>,
        (): (),
    ) -> Result<SupState, ActorProcessingErr> {
        let (child, _) = Actor::spawn_linked(None, Counter, 0, myself.get_cell()).await?;
        Ok(SupState {
            child,
            generation: 0,
            waiting: Vec::new(),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<SupMsg>,
        msg: SupMsg,
        st: &mut SupState,
    ) -> Result<(), ActorProcessingErr> {
        let SupMsg::Child(want, reply) = msg;
        if st.generation >= want {
            let _ = reply.send((st.generation, st.child.clone()));
        } else {
            st.waiting.push((want, reply));
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupMsg>,
        event: SupervisionEvent,
        st: &mut SupState,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(..) = event {
            st.generation += 1;
            let (child, _) =
                Actor::spawn_linked(None, Counter, st.generation, myself.get_cell()).await?;
            st.child = child;
            let generation = st.generation;
            let (ready, later) = std::mem::take(&mut st.waiting)
                .into_iter()
                .partition(|(want, _)| *want <= generation);
            st.waiting = later;
            for (_, reply) in ready {
                let _ = reply.send((generation, st.child.clone()));
            }
        }
        Ok(())
    }
}

async fn sup_child(sup: &ActorRef<SupMsg>, want: u64) -> (u64, ActorRef<Msg>) {
    match sup
        .call(|r| SupMsg::Child(want, r), None)
        .await
        .expect("call")
    {
        ractor::rpc::CallResult::Success(v) => v,
        _ => panic!("supervisor call failed"),
    }
}

async fn restart(n: u64) -> Duration {
    let (sup, _) = Actor::spawn(None, Sup, ()).await.expect("supervisor");
    let (_, mut child) = sup_child(&sup, 0).await;
    let t = Instant::now();
    for g in 1..=n {
        child.cast(Msg::Panic).expect("cast");
        let (generation, new) = sup_child(&sup, g).await;
        check(generation, g, "generation");
        check(call(&new, Msg::Get).await, g, "restarted child answers");
        child = new;
    }
    let elapsed = t.elapsed();
    sup.stop_and_wait(None, None).await.expect("stop");
    elapsed
}

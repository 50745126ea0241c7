//! A small live system under the observer: a supervision tree with a pool of workers that keep
//! working, one that crashes now and then (and is restarted), and a slow consumer behind a
//! bounded mailbox that drops its oldest messages. Open the printed URL to watch it.
//!
//! ```sh
//! cargo run --release --features observer --example observe            # until Ctrl-C
//! cargo run --release --features observer --example observe -- --for 5 # five seconds
//! cargo run --release --features observer --example observe -- --idle 100000 # at scale
//! ```

use std::time::Duration;

use beamish::observer::Observer;
use beamish::prelude::*;

struct Worker {
    done: u64,
}

#[actor]
impl Worker {
    #[init]
    async fn init(_: ()) -> Self {
        Worker { done: 0 }
    }

    #[cast]
    async fn work(&mut self) {
        self.done += 1;
    }

    #[cast]
    async fn crash(&mut self) {
        panic!("asked to crash after {} jobs", self.done);
    }
}

/// A consumer slower than its producer: its mailbox of 64 keeps the latest messages.
struct Slow;

#[actor(mailbox = 64, overflow = drop_oldest)]
impl Slow {
    #[init]
    async fn init(_: ()) -> Self {
        Slow
    }

    #[cast]
    async fn feed(&mut self, _n: u64) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let run_for = match args.iter().position(|a| a == "--for") {
        Some(i) => Some(Duration::from_secs(
            args.get(i + 1)
                .ok_or("--for needs a number of seconds")?
                .parse()?,
        )),
        None => None,
    };
    let addr = match args.iter().position(|a| a == "--addr") {
        Some(i) => args.get(i + 1).ok_or("--addr needs an address")?.parse()?,
        None => "127.0.0.1:9000".parse()?,
    };

    let app = Supervisor::start(
        [
            DynamicSupervisor::child_spec(DynamicSupervisorOptions::default().max_restarts(1000))
                .with_id("pool")
                .untyped(),
            Slow::child_spec(()).with_id("slow").untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await?;
    let children = app.which_children().await?;
    let pool = children[0]
        .actor()
        .cloned()
        .and_then(DynamicSupervisor::from_any)
        .ok_or("no pool")?;
    let slow: SlowHandle = app.follow_child("slow").await?;
    let mut workers = Vec::new();
    for _ in 0..8 {
        let worker: WorkerHandle = pool.start_child_followed(Worker::child_spec(())).await?;
        workers.push(worker);
    }

    // `--idle N`: N more idle workers, to see the observer at scale.
    if let Some(i) = args.iter().position(|a| a == "--idle") {
        let idle: usize = args.get(i + 1).ok_or("--idle needs a number")?.parse()?;
        for _ in 0..idle {
            pool.start_child(Worker::child_spec(())).await?;
        }
    }

    let observer = Observer::start(addr).await?;
    println!("observer: {}", observer.url());

    let started = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut n = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        if run_for.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        n += 1;
        for (i, w) in workers.iter().enumerate() {
            for _ in 0..i {
                let _ = w.work();
            }
        }
        let _ = slow.feed(n);
        if n.is_multiple_of(300) {
            let _ = workers[3].crash();
        }
    }
    let stats = slow.mailbox_stats();
    println!(
        "ran {:.1?}: slow consumer dropped {} of {} fed",
        started.elapsed(),
        stats.dropped,
        n
    );
    observer.stop().await;
    app.stop(ExitReason::Shutdown).await?;
    Ok(())
}

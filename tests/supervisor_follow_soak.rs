//! Soak of handles that follow supervised children across restarts: 100,000 calls from 4 tasks
//! to 100 children under one DynamicSupervisor, 20 of which panic on some messages.
//!
//! Checked for every call: it returns within its timeout (a guard twice as long catches a hang),
//! a value always comes from the child it was sent to, a message that makes its child panic
//! fails with that panic (exactly once: the panics the children count are the calls that failed
//! with one), and every other call succeeds, even one queued in an incarnation that died before
//! starting it: it is carried over to the next incarnation (never `Timeout`, `NoProc` or another
//! message's panic). Afterwards, calls to every child succeed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{DynamicSupervisor, DynamicSupervisorOptions};

const CHILDREN: u64 = 100;
const FRAGILE: u64 = 20;
const TASKS: u64 = 4;
const CALLS_PER_TASK: u64 = 25_000;
const TIMEOUT: Duration = Duration::from_secs(5);

/// Panics so far, counted by the children themselves.
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Child `index`: answers `(index, n)`; a fragile one panics when `n` is a multiple of 10.
struct Worker {
    index: u64,
    fragile: bool,
}

#[actor]
impl Worker {
    #[init]
    async fn init(index: u64) -> Self {
        Worker {
            index,
            fragile: index < FRAGILE,
        }
    }

    #[call]
    async fn work(&mut self, n: u64) -> (u64, u64) {
        if self.fragile && panics(n) {
            PANICS.fetch_add(1, Ordering::SeqCst);
            panic!("fragile child hit a bad message");
        }
        (self.index, n)
    }
}

fn panics(n: u64) -> bool {
    n.is_multiple_of(10)
}

/// What one task saw.
#[derive(Default)]
struct Tally {
    ok: u64,
    panicked: u64,
}

/// A small xorshift generator: reproducible per task, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn followed_handles_survive_100k_calls_with_crashing_children() {
    // Thousands of expected panics: keep their messages out of the test output.
    std::panic::set_hook(Box::new(|_| {}));
    let sup = DynamicSupervisor::start(
        DynamicSupervisorOptions::new()
            .max_restarts(1_000_000)
            .max_seconds(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    let mut children = Vec::new();
    for index in 0..CHILDREN {
        let child: WorkerHandle = sup
            .start_child_followed(Worker::child_spec(index))
            .await
            .unwrap();
        children.push(child.with_timeout(TIMEOUT));
    }
    let children = Arc::new(children);
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let calls = Arc::new(AtomicU64::new(0));

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (children, failures, calls) = (children.clone(), failures.clone(), calls.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (task + 1));
            let mut tally = Tally::default();
            for _ in 0..CALLS_PER_TASK {
                let index = rng.next() % CHILDREN;
                let n = rng.next() % 1_000;
                let fragile = index < FRAGILE;
                let outcome =
                    tokio::time::timeout(TIMEOUT * 2, children[index as usize].work(n)).await;
                calls.fetch_add(1, Ordering::Relaxed);
                let verdict = match outcome {
                    Err(_) => Err(format!("call to {index} hung past its timeout")),
                    Ok(Ok(answer)) if answer == (index, n) && !(fragile && panics(n)) => {
                        tally.ok += 1;
                        Ok(())
                    }
                    Ok(Ok(answer)) => Err(format!("call ({index}, {n}) answered {answer:?}")),
                    Ok(Err(CallError::Exited(ExitReason::Panic(_)))) if fragile && panics(n) => {
                        tally.panicked += 1;
                        Ok(())
                    }
                    Ok(Err(error)) => Err(format!("call ({index}, {n}) failed: {error:?}")),
                };
                if let Err(failure) = verdict {
                    failures.lock().unwrap().push(failure);
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        let tally = task.await.unwrap();
        total.ok += tally.ok;
        total.panicked += tally.panicked;
    }
    // From here on, a panic is the test failing: let its message through.
    let _ = std::panic::take_hook();
    let failures = std::mem::take(&mut *failures.lock().unwrap());
    assert!(
        failures.is_empty(),
        "{} bad calls, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(calls.load(Ordering::Relaxed), TASKS * CALLS_PER_TASK);
    assert_eq!(total.ok + total.panicked, TASKS * CALLS_PER_TASK);
    let panics = PANICS.load(Ordering::SeqCst);
    assert!(panics > 0);
    assert_eq!(
        panics, total.panicked,
        "each bad message reached its child once"
    );
    let counts = sup.count_children().await.unwrap();
    assert_eq!(counts.restarts, panics, "one restart per panic");

    // Every restart has completed (the supervisor answered after handling every exit): calls
    // issued now succeed, on every child.
    assert_eq!(counts.active, CHILDREN as usize);
    for (index, child) in children.iter().enumerate() {
        assert_eq!(child.work(1).await, Ok((index as u64, 1)));
    }
    eprintln!(
        "{} calls: {} answered, {} panicked; {} restarts",
        TASKS * CALLS_PER_TASK,
        total.ok,
        total.panicked,
        counts.restarts
    );
}

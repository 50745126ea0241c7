//! Soak: 1,000 via-named children under one DynamicSupervisor, a fifth of which panic on some
//! inputs, under 100,000 calls from 4 tasks. Every call returns (a value or a `CallError`), every
//! crash is restarted exactly once (DS-3), and at the end the supervisor holds 1,000 live children
//! and the registry exactly 1,000 live entries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{DynamicSupervisor, DynamicSupervisorOptions};

const CHILDREN: u64 = 1_000;
const TASKS: u64 = 4;
const CALLS_PER_TASK: u64 = 25_000;

/// Panics counted just before they happen.
static CRASHES: AtomicU64 = AtomicU64::new(0);

/// A worker; `fragile` ones panic on inputs divisible by 7.
#[derive(Debug)]
pub(crate) struct Cell {
    key: u64,
    fragile: bool,
}

#[actor]
impl Cell {
    #[init]
    async fn init(args: (u64, bool)) -> Self {
        Cell {
            key: args.0,
            fragile: args.1,
        }
    }

    /// `x + key`, or a panic for a fragile cell and `x % 7 == 0`.
    #[call]
    async fn work(&mut self, x: u64) -> u64 {
        if self.fragile && x.is_multiple_of(7) {
            CRASHES.fetch_add(1, Ordering::AcqRel);
            panic!("cell {} cannot take {x}", self.key);
        }
        x + self.key
    }
}

/// xorshift64*: a seeded, dependency-free random sequence.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    exited: u64,
    noproc: u64,
    timeout: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_children_under_load_with_crashes() {
    // Panics are expected by the thousand: keep the output readable.
    std::panic::set_hook(Box::new(|_| {}));

    let registry = Registry::<u64>::new(Keys::Unique);
    let sup = DynamicSupervisor::start(
        DynamicSupervisorOptions::new()
            .max_restarts(u32::MAX)
            .max_seconds(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    for key in 0..CHILDREN {
        let fragile = key % 5 == 0;
        sup.start_child(Cell::child_spec_via(&registry, key, (key, fragile)))
            .await
            .unwrap();
    }
    assert_eq!(registry.count(), CHILDREN as usize);

    let call_timeout = Duration::from_secs(5);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let registry = registry.clone();
            tokio::spawn(async move {
                let mut rng = 0x9E37_79B9_7F4A_7C15 ^ (t + 1);
                let mut tally = Tally::default();
                for _ in 0..CALLS_PER_TASK {
                    let key = next(&mut rng) % CHILDREN;
                    let x = next(&mut rng) % 1_000;
                    let named = Cell::via(&registry, key).with_timeout(call_timeout);
                    // A call never outlives its own timeout (plus scheduling slack).
                    let result = tokio::time::timeout(call_timeout * 3, named.work(x))
                        .await
                        .expect("a call hung past its timeout");
                    match result {
                        Ok(v) => {
                            assert_eq!(v, x + key);
                            tally.ok += 1;
                        }
                        Err(CallError::Exited(ExitReason::Panic(_))) => tally.exited += 1,
                        Err(CallError::NoProc) => tally.noproc += 1,
                        Err(CallError::Timeout) => tally.timeout += 1,
                        Err(other) => panic!("unexpected call error {other:?}"),
                    }
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await.expect("load task");
        total.ok += t.ok;
        total.exited += t.exited;
        total.noproc += t.noproc;
        total.timeout += t.timeout;
    }
    assert_eq!(
        total.ok + total.exited + total.noproc + total.timeout,
        TASKS * CALLS_PER_TASK
    );
    let crashes = CRASHES.load(Ordering::Acquire);
    assert!(crashes > 100, "the load must crash cells: {crashes}");
    assert!(
        total.exited >= crashes,
        "each crash fails at least its own call: {total:?}"
    );

    // Every call has returned, so every crashed cell has published its exit; the supervisor may
    // still be working through the last exits. Wait (by condition, not by time) until every child
    // it lists is a live incarnation.
    let settled = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let children = sup.which_children().await.unwrap();
            if children
                .iter()
                .all(|c| c.actor().is_some_and(|a| a.is_alive()))
            {
                return children;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the supervisor settles");

    let counts = sup.count_children().await.unwrap();
    assert_eq!(counts.specs, CHILDREN as usize);
    assert_eq!(counts.active, CHILDREN as usize);
    assert_eq!(counts.restarts, crashes, "one restart per crash: {total:?}");
    assert_eq!(registry.count(), CHILDREN as usize);
    for (key, child) in (0..CHILDREN).zip(&settled) {
        let holder = registry.whereis(&key).expect("every key has a live holder");
        assert_eq!(Some(holder.id()), child.actor().map(|a| a.id()));
    }
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(registry.count(), 0);
}

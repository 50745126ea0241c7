//! A guard (the cluster layer's fence check) is asked before each message: once it gives a
//! reason, the actor handles nothing more and exits with that reason, without `terminate`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use beamish::__private::remote::{Guard, guard};
use beamish::prelude::*;

/// Counts the messages it handles; `terminate` would count as a thousand.
struct Tally(Arc<AtomicUsize>);

#[actor]
impl Tally {
    #[init]
    async fn init(seen: Arc<AtomicUsize>) -> Self {
        Tally(seen)
    }

    #[cast]
    async fn tick(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    #[call]
    async fn seen(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.0.fetch_add(1000, Ordering::SeqCst);
    }
}

/// Trips once `limit` messages were handled.
struct After {
    seen: Arc<AtomicUsize>,
    limit: usize,
}

impl Guard for After {
    fn check(&self) -> Option<ExitReason> {
        (self.seen.load(Ordering::SeqCst) >= self.limit).then_some(ExitReason::Fenced)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guarded_actor_handles_nothing_past_its_guard() {
    for round in 0..1000 {
        let limit = round % 7;
        let seen = Arc::new(AtomicUsize::new(0));
        let tally = Tally::start(seen.clone()).await.unwrap();
        guard(
            &tally.to_any(),
            Arc::new(After {
                seen: seen.clone(),
                limit,
            }),
        );
        for _ in 0..10 {
            let _ = tally.tick();
        }
        assert_eq!(tally.wait().await, ExitReason::Fenced, "round {round}");
        assert_eq!(
            seen.load(Ordering::SeqCst),
            limit,
            "round {round}: handled past the guard"
        );
    }
    // An actor without a guard is not affected.
    let seen = Arc::new(AtomicUsize::new(0));
    let free = Tally::start(seen.clone()).await.unwrap();
    for _ in 0..10 {
        free.tick().unwrap();
    }
    assert_eq!(free.seen().await, Ok(10));
}

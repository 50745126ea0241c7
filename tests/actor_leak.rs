//! Point 10: 100,000 actors started and stopped leave nothing behind — no live actor, no task, no
//! state. Alone in this file because `live_actors()` counts every actor of the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use beamish::live_actors;
use beamish::prelude::*;

const ACTORS: usize = 100_000;

#[derive(Debug)]
pub(crate) struct Cell {
    dropped: Arc<AtomicUsize>,
    peer: Option<CellHandle>,
}

impl Drop for Cell {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

#[actor(vis = pub(crate))]
impl Cell {
    #[init]
    async fn init(dropped: Arc<AtomicUsize>) -> Self {
        Cell {
            dropped,
            peer: None,
        }
    }

    /// Links to and monitors `peer`, and keeps its handle: cross references that must not keep
    /// either actor alive once both stopped.
    #[call]
    async fn watch(&mut self, peer: CellHandle, ctx: &mut Context<Self>) {
        ctx.link(&peer);
        ctx.monitor(&peer);
        self.peer = Some(peer);
    }

    #[call]
    async fn ping(&self) -> u8 {
        1
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_actors_start_and_stop_without_leaks() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let actors_before = live_actors();
    let tasks_before = metrics.num_alive_tasks();
    let dropped = Arc::new(AtomicUsize::new(0));

    let mut cells = Vec::with_capacity(ACTORS);
    for _ in 0..ACTORS {
        cells.push(Cell::start(dropped.clone()).await.expect("starts"));
    }
    assert_eq!(live_actors(), actors_before + ACTORS);
    assert!(metrics.num_alive_tasks() >= tasks_before + ACTORS);

    // Pairs watch each other (links and monitors both ways), then everyone answers a call.
    for pair in cells.chunks(2) {
        pair[0].watch(pair[1].clone()).await.unwrap();
        pair[1].watch(pair[0].clone()).await.unwrap();
    }
    for cell in &cells {
        assert_eq!(cell.ping().await, Ok(1));
    }

    // Stop them all concurrently, with a clean reason so links do not cascade, and wait for each.
    let stops: Vec<_> = cells
        .iter()
        .map(|cell| {
            let cell = cell.clone();
            tokio::spawn(async move { cell.stop(ExitReason::Normal).await })
        })
        .collect();
    for stop in stops {
        stop.await.unwrap().expect("stopped with its reason");
    }
    for cell in &cells {
        assert_eq!(cell.wait().await, ExitReason::Normal);
    }

    assert_eq!(live_actors(), actors_before, "actors still counted as live");
    assert_eq!(
        dropped.load(Ordering::Relaxed),
        ACTORS,
        "not every actor's state was dropped"
    );
    // A task finishes just after its exit path; give the stragglers a bounded number of turns.
    for _ in 0..10_000 {
        if metrics.num_alive_tasks() <= tasks_before {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        metrics.num_alive_tasks(),
        tasks_before,
        "actor tasks still alive"
    );
}

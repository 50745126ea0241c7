//! A start polls the new actor's task once in the starter's task before spawning it: an `init`
//! that never waits completes the start without a task hand-off, one that waits carries on in the
//! actor's own task (woken by what it waits on), and `init`s that start actors nest.

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use beamish::current_id;
use beamish::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// Counts; `init` waits for `gate` if given one, after telling `waiting`.
struct Gated {
    n: u64,
}

type Gate = Option<(mpsc::UnboundedSender<ActorId>, oneshot::Receiver<u64>)>;

#[actor]
impl Gated {
    #[init]
    async fn init(gate: Gate, ctx: &mut Context<Self>) -> Self {
        let n = match gate {
            Some((waiting, gate)) => {
                let _ = waiting.send(ctx.id());
                gate.await.unwrap_or(0)
            }
            None => 0,
        };
        Gated { n }
    }

    #[call]
    async fn get(&mut self) -> (u64, Option<ActorId>) {
        (self.n, current_id())
    }
}

/// Polls `fut` once, with a waker that wakes nothing.
fn poll_once<F: Future>(fut: F) -> Poll<F::Output> {
    let mut fut = pin!(fut);
    fut.as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
}

#[tokio::test]
async fn a_start_whose_init_never_waits_completes_in_one_poll_of_the_starter() {
    let Poll::Ready(started) = poll_once(Gated::start(None)) else {
        panic!("the start waited for the actor's task")
    };
    let gated = started.expect("start");
    // The actor's own task runs from then on.
    assert_eq!(gated.get().await, Ok((0, Some(gated.id()))));
    gated.stop(ExitReason::Normal).await.expect("stop");
}

/// `init` registers its wait during the first poll, under a waker that wakes nothing, and the
/// value it waits for comes from another worker thread: the actor's own task must be the one
/// woken (a start that hung here would fail the bounded wait).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_init_that_waits_is_woken_in_the_actors_own_task() {
    for round in 0..2_000u64 {
        let (waiting_tx, mut waiting) = mpsc::unbounded_channel();
        let (release, gate) = oneshot::channel();
        let start = tokio::spawn(Gated::start(Some((waiting_tx, gate))));
        let id = waiting.recv().await.expect("init ran");
        std::thread::spawn(move || release.send(round))
            .join()
            .expect("sender")
            .ok();
        let gated = tokio::time::timeout(std::time::Duration::from_secs(10), start)
            .await
            .expect("the start was never woken")
            .expect("starter")
            .expect("start");
        assert_eq!(gated.id(), id, "init ran as the new actor");
        assert_eq!(gated.get().await, Ok((round, Some(id))));
        gated.stop(ExitReason::Normal).await.expect("stop");
    }
}

/// Each link of a chain starts the next in its `init`; the last one says so.
struct Link {
    _next: Option<LinkHandle>,
}

#[actor]
impl Link {
    #[init]
    async fn init(args: (u32, mpsc::UnboundedSender<u32>)) -> Self {
        let (left, done) = args;
        let next = if left == 0 {
            let _ = done.send(left);
            None
        } else {
            Some(Link::start((left - 1, done)).await.expect("next link"))
        };
        Link { _next: next }
    }
}

/// Nested first polls stop deepening the stack past a bound: a chain of 3,000 `init`s, each
/// starting the next, would overflow a worker's stack if every start polled inline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_chain_of_inits_starting_actors_stays_within_the_stack() {
    let (done, mut last) = mpsc::unbounded_channel();
    let head = tokio::spawn(Link::start((2_999, done)))
        .await
        .expect("starter")
        .expect("start");
    assert_eq!(last.recv().await, Some(0), "the last link started");
    head.stop(ExitReason::Normal).await.expect("stop");
}

//! The restart and ask drivers, written the way a user writes them with `#[actor]`: a
//! child under a `DynamicSupervisor` (permanent, from `child_spec`) that panics inside a
//! `#[cast]`, reached again either through the handle its new `init` sends to the driver or
//! through a handle that follows it across restarts; and calls from a spawned task with the
//! default 5 s timeout. Each is timed against the floor the issue describes.
//!
//! Each side is a workload of its own, so that the runner can time it on a fresh runtime of its
//! own, like every measurement of the main table: timed back to back on one runtime, the side
//! measured second ran on warmed-up worker threads and looked up to twice as fast.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use beamish::prelude::*;
use beamish::{DynamicSupervisor, DynamicSupervisorOptions, ExitReason};
use tokio::sync::{mpsc, oneshot};

use crate::check;

/// A supervised child: counts, panics on request, and tells the driver its handle from `init`.
pub(crate) struct Crasher {
    count: u64,
}

/// Where each incarnation sends its handle (`None`: nobody is listening).
#[derive(Clone)]
pub(crate) struct Announce(Option<mpsc::UnboundedSender<CrasherHandle>>);

#[actor]
impl Crasher {
    #[init]
    async fn init(announce: Announce, ctx: &mut Context<Self>) -> Self {
        if let Some(to) = announce.0 {
            let _ = to.send(ctx.actor_ref().clone().into());
        }
        Crasher { count: 0 }
    }

    #[cast]
    async fn add(&mut self, n: u64) {
        self.count += n;
    }

    #[cast]
    async fn boom(&mut self) {
        panic!("boom")
    }

    #[call]
    async fn get(&mut self) -> u64 {
        self.count
    }

    #[call]
    async fn bump(&mut self) -> u64 {
        self.count += 1;
        self.count
    }
}

async fn supervisor() -> DynamicSupervisor {
    let options = DynamicSupervisorOptions::new().max_restarts(u32::MAX);
    DynamicSupervisor::start(options).await.expect("supervisor")
}

/// `n` restarts, each new handle sent by the new incarnation's `init`: the sum of the times from
/// just before the panic to the driver holding the new incarnation's answer.
pub(crate) async fn announced(n: usize) -> Duration {
    let (tx, mut handles) = mpsc::unbounded_channel();
    let sup = supervisor().await;
    let mut child: CrasherHandle = sup
        .start_child(Crasher::child_spec(Announce(Some(tx))))
        .await
        .expect("child");
    check(
        handles.recv().await.map(|h| h.id()),
        Some(child.id()),
        "first handle",
    );
    let mut ours = Duration::ZERO;
    for _ in 0..n {
        child.add(1).expect("cast");
        let t = Instant::now();
        child.boom().expect("cast");
        let new = handles.recv().await.expect("a new incarnation");
        let answer = new.get().await;
        ours += t.elapsed();
        check(answer, Ok(0), "the new incarnation starts afresh");
        assert!(new.id() != child.id(), "a new incarnation");
        child = new;
    }
    sup.stop(ExitReason::Shutdown).await.expect("stop");
    ours
}

/// `n` restarts through one handle from `start_child_followed`: the driver casts the panic and
/// calls on the same handle, which reaches the new incarnation: a call queued behind the panic is
/// carried over to it with the child's mailbox.
pub(crate) async fn followed(n: usize) -> Duration {
    let sup = supervisor().await;
    let child: CrasherHandle = sup
        .start_child_followed(Crasher::child_spec(Announce(None)))
        .await
        .expect("child");
    let mut ours = Duration::ZERO;
    for _ in 0..n {
        let before = child.id();
        child.add(1).expect("cast");
        let t = Instant::now();
        child.boom().expect("cast");
        let answer = child.get().await;
        ours += t.elapsed();
        check(answer, Ok(0), "the new incarnation starts afresh");
        assert!(child.id() != before, "a new incarnation");
    }
    sup.stop(ExitReason::Shutdown).await.expect("stop");
    ours
}

/// The floor's messages.
enum Msg {
    Add(u64),
    Boom,
    Get(oneshot::Sender<u64>),
}

/// The floor of both restart rows: a tokio task that catches its own panic around each message
/// and hands its mailbox back; a supervising task spawns a fresh task (new state) on the same
/// mailbox. The driver's call, queued right behind the crashing message, is answered by the new
/// task.
pub(crate) async fn floor(n: usize) -> Duration {
    fn child(mut rx: mpsc::UnboundedReceiver<Msg>) -> tokio::task::JoinHandle<Option<Mailbox>> {
        tokio::spawn(async move {
            let mut count = 0;
            while let Some(msg) = rx.recv().await {
                let handled = catch_unwind(AssertUnwindSafe(|| match msg {
                    Msg::Add(n) => count += n,
                    Msg::Boom => panic!("boom"),
                    Msg::Get(reply) => {
                        let _ = reply.send(count);
                    }
                }));
                if handled.is_err() {
                    return Some(rx);
                }
            }
            None
        })
    }
    type Mailbox = mpsc::UnboundedReceiver<Msg>;
    let (tx, rx) = mpsc::unbounded_channel();
    let supervisor = tokio::spawn(async move {
        let mut running = child(rx);
        while let Ok(Some(mailbox)) = running.await {
            running = child(mailbox);
        }
    });
    let mut total = Duration::ZERO;
    for _ in 0..n {
        assert!(tx.send(Msg::Add(1)).is_ok(), "child gone");
        let t = Instant::now();
        assert!(tx.send(Msg::Boom).is_ok(), "child gone");
        let (reply, answer) = oneshot::channel();
        assert!(tx.send(Msg::Get(reply)).is_ok(), "child gone");
        let answer = answer.await.expect("answer");
        total += t.elapsed();
        check(answer, 0, "the new task starts afresh");
    }
    drop(tx);
    supervisor.await.expect("supervisor");
    total
}

/// `n` calls through the generated handle from a task spawned for it on the 2-worker runtime,
/// with the default 5 s timeout.
pub(crate) async fn ask_spawned(n: usize) -> Duration {
    let child = Crasher::start(Announce(None)).await.expect("start");
    let ours = tokio::spawn(async move {
        let t = Instant::now();
        for i in 1..=n as u64 {
            check(child.bump().await, Ok(i), "ask reply");
        }
        let elapsed = t.elapsed();
        child.stop(ExitReason::Normal).await.expect("stop");
        elapsed
    });
    ours.await.expect("caller")
}

/// The floor of [`ask_spawned`]: the same calls to a raw tokio actor, from the same place.
pub(crate) async fn ask_spawned_floor(n: usize) -> Duration {
    let (h, join) = crate::fw::raw::start(0).await;
    let base = tokio::spawn(async move {
        let t = Instant::now();
        for i in 1..=n as u64 {
            check(
                h.call(|r| crate::fw::raw::Msg::Call(1, r)).await,
                i,
                "ask reply",
            );
        }
        let elapsed = t.elapsed();
        h.cast(crate::fw::raw::Msg::Stop);
        elapsed
    });
    let base = base.await.expect("caller");
    join.await.expect("stopped");
    base
}

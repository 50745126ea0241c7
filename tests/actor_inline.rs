//! Inline calls (`Actor::handle_inline`): a `#[call]` that cannot wait, made to an idle actor, is
//! handled in the caller's task — with the order, identity, crash and kill semantics of a call the
//! actor's own task handles.
//!
//! Where the path taken must be known, the test runs on a current-thread runtime: there, once a
//! call has been answered, the actor has gone back to wait on its empty mailbox before the caller
//! runs again, so the next call finds it idle. The first inline-able call to an actor is queued
//! (it finds the state not parked yet, and has the actor park it from then on): each test makes
//! one first. The ordering hammers run on a multi-thread runtime,
//! where both paths race.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use beamish::current_id;
use beamish::prelude::*;

/// Where a handler ran: its task and the actor it ran as.
type Place = (Option<tokio::task::Id>, Option<ActorId>);

fn here() -> Place {
    (tokio::task::try_id(), current_id())
}

struct Probe {
    values: HashMap<u64, u64>,
    me: Option<ProbeHandle>,
    terminated: Arc<AtomicBool>,
    dropped: Arc<AtomicBool>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// What a test watches from outside: whether `terminate` ran, and whether the state was dropped.
#[derive(Clone, Default)]
struct Flags {
    terminated: Arc<AtomicBool>,
    dropped: Arc<AtomicBool>,
}

#[actor]
impl Probe {
    #[init]
    async fn init(flags: Flags, ctx: &mut Context<Self>) -> Self {
        Probe {
            values: HashMap::new(),
            me: Some(ProbeHandle::from(ctx.actor_ref().clone())),
            terminated: flags.terminated,
            dropped: flags.dropped,
        }
    }

    /// Cannot wait: runs inline when the actor is idle.
    #[call]
    async fn place(&mut self) -> Place {
        here()
    }

    /// Awaits: always on the actor's task.
    #[call]
    async fn place_after_yield(&mut self) -> Place {
        tokio::task::yield_now().await;
        here()
    }

    /// Takes `ctx`: always on the actor's task.
    #[call]
    async fn place_with_ctx(&mut self, ctx: &mut Context<Self>) -> Place {
        let _ = ctx.id();
        here()
    }

    #[cast]
    async fn set(&mut self, key: u64, value: u64) {
        self.values.insert(key, value);
    }

    #[call]
    async fn get(&mut self, key: u64) -> Option<u64> {
        self.values.get(&key).copied()
    }

    #[call]
    async fn add(&mut self, key: u64, n: u64) -> u64 {
        let value = self.values.entry(key).or_default();
        *value += n;
        *value
    }

    /// Cannot wait, but takes a while: an inline run long enough for a kill to land during it.
    #[call]
    async fn busy_add(&mut self, n: u64) -> u64 {
        let mut sum = 0_u64;
        for i in 0..20_000_u64 {
            sum = std::hint::black_box(sum.wrapping_add(i));
        }
        std::hint::black_box(sum);
        let value = self.values.entry(0).or_default();
        *value += n;
        *value
    }

    #[call]
    async fn crash(&mut self) -> u64 {
        panic!("crashed inline")
    }

    /// Kills its own actor, then answers: the kill takes effect once the handler returned.
    #[call]
    async fn kill_self(&mut self) -> bool {
        if let Some(me) = self.me.take() {
            me.kill();
        }
        self.dropped.load(Ordering::SeqCst)
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        self.terminated.store(true, Ordering::SeqCst);
        self.me = None;
    }
}

async fn probe() -> (ProbeHandle, Flags) {
    let flags = Flags::default();
    let probe = Probe::start(flags.clone()).await.expect("start");
    (probe, flags)
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_to_an_idle_actor_runs_in_the_callers_task_as_the_actor() {
    let (probe, _flags) = probe().await;
    // The first one is queued: the actor parks its state only once a call asked for it.
    let (task, _) = probe.place().await.expect("first call");
    assert_ne!(
        task,
        tokio::task::try_id(),
        "the first call ran on the actor's task"
    );
    for _ in 0..100 {
        let (task, actor) = probe.place().await.expect("place");
        assert_eq!(task, tokio::task::try_id(), "ran in the caller's task");
        assert_eq!(actor, Some(probe.id()), "current_id() is the actor's");
    }
    assert_eq!(current_id(), None, "the caller is itself again");
    assert_eq!(
        probe.mailbox_stats().received,
        101,
        "inline calls count as received"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_handler_that_can_wait_or_takes_ctx_runs_on_the_actors_task() {
    let (probe, _flags) = probe().await;
    probe.place().await.expect("warm-up");
    let me = tokio::task::try_id();
    for _ in 0..10 {
        let (task, actor) = probe.place_after_yield().await.expect("place");
        assert_ne!(task, me);
        assert_eq!(actor, Some(probe.id()));
        let (task, actor) = probe.place_with_ctx().await.expect("place");
        assert_ne!(task, me);
        assert_eq!(actor, Some(probe.id()));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_panic_in_an_inline_call_ends_the_actor_as_on_its_own_task() {
    let (probe, flags) = probe().await;
    probe.place().await.expect("warm-up");
    let watcher = probe.clone();
    let reason = ExitReason::Panic("crashed inline".into());
    assert_eq!(probe.crash().await, Err(CallError::Exited(reason.clone())));
    assert_eq!(watcher.wait().await, reason);
    assert!(flags.terminated.load(Ordering::SeqCst), "terminate ran");
    assert!(
        flags.dropped.load(Ordering::SeqCst),
        "the state was dropped"
    );
    assert_eq!(probe.place().await, Err(CallError::NoProc));
}

#[tokio::test(flavor = "current_thread")]
async fn a_kill_during_an_inline_call_takes_effect_after_it_and_drops_the_state_first() {
    let (probe, flags) = probe().await;
    probe.place().await.expect("warm-up");
    // The handler kills its own actor and answers whether the state was dropped by then: the
    // kill waits for the handler, so it was not.
    assert_eq!(probe.kill_self().await, Ok(false));
    assert_eq!(probe.wait().await, ExitReason::Killed);
    assert!(
        flags.dropped.load(Ordering::SeqCst),
        "the state is dropped before the exit is told"
    );
    assert!(
        !flags.terminated.load(Ordering::SeqCst),
        "a kill skips terminate"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_shutdown_of_an_idle_actor_runs_terminate_with_its_parked_state() {
    let (probe, flags) = probe().await;
    probe.add(1, 5).await.expect("add");
    probe.stop(ExitReason::Normal).await.expect("stop");
    assert!(flags.terminated.load(Ordering::SeqCst));
    assert!(flags.dropped.load(Ordering::SeqCst));
}

#[test]
fn a_runtime_shutdown_drops_a_parked_state() {
    let flags = Flags::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let probe = Probe::start(flags.clone()).await.expect("start");
        probe.place().await.expect("warm-up");
        probe.place().await.expect("inline");
    });
    assert!(!flags.dropped.load(Ordering::SeqCst));
    drop(runtime);
    assert!(flags.dropped.load(Ordering::SeqCst));
}

/// Per sender, a cast and then a call are handled in that order whichever path the call takes,
/// with other senders racing on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cast_then_a_call_from_one_sender_keep_their_order_under_races() {
    const ROUNDS: u64 = 5_000;
    const SENDERS: u64 = 4;
    let (probe, _flags) = probe().await;
    let inline = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for key in 0..SENDERS {
        let (probe, inline) = (probe.clone(), inline.clone());
        senders.push(tokio::spawn(async move {
            for i in 1..=ROUNDS {
                probe.set(key, i).expect("cast");
                assert_eq!(probe.get(key).await, Ok(Some(i)), "sender {key}, round {i}");
                let (task, _) = probe.place().await.expect("place");
                if task == tokio::task::try_id() {
                    inline.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for sender in senders {
        sender.await.expect("sender");
    }
    // Both paths were taken (a run where every call found the actor busy proves nothing).
    let inline = inline.load(Ordering::Relaxed);
    assert!(inline > 0, "no call ran inline");
    assert!(
        probe.mailbox_stats().received >= SENDERS * ROUNDS * 3,
        "every message counted"
    );
}

/// Many callers at once: every call answered exactly once, nothing lost, the sum exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_each_get_their_answer_and_lose_no_update() {
    const CALLS: u64 = 5_000;
    const CALLERS: u64 = 8;
    let (probe, _flags) = probe().await;
    let mut callers = Vec::new();
    for _ in 0..CALLERS {
        let probe = probe.clone();
        callers.push(tokio::spawn(async move {
            let mut last = 0;
            for _ in 0..CALLS {
                let now = probe.add(0, 1).await.expect("add");
                assert!(now > last, "answers grow for one caller");
                last = now;
            }
        }));
    }
    for caller in callers {
        caller.await.expect("caller");
    }
    assert_eq!(probe.get(0).await, Ok(Some(CALLERS * CALLS)));
}

/// A kill racing inline calls from another thread, 2,000 times: each call is answered or fails
/// with the kill (never hangs, never answers after the exit was told), and by the time `wait()`
/// returns the state has been dropped — also when the kill came while it was lent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_racing_inline_calls_drops_the_state_before_the_exit_is_told() {
    for round in 0..2_000 {
        let (probe, flags) = probe().await;
        probe.place().await.expect("first call");
        let caller = {
            let probe = probe.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    match probe.busy_add(1).await {
                        Ok(_) => {}
                        Err(CallError::Exited(ExitReason::Killed) | CallError::NoProc) => break,
                        Err(other) => panic!("round {round}: {other:?}"),
                    }
                }
            })
        };
        tokio::task::yield_now().await;
        probe.kill();
        assert_eq!(probe.wait().await, ExitReason::Killed);
        assert!(
            flags.dropped.load(Ordering::SeqCst),
            "round {round}: the state was dropped before the exit was told"
        );
        caller.await.expect("caller");
    }
}

/// A stop and then a call from one task, 2,000 times, against an idle actor whose state is
/// parked for inline calls, with a second caller racing both: the call sent after the stop is
/// never handled, not even inline (it fails with the stop's reason, or `NoProc`), the stop
/// returns `Ok`, and the racing caller gets no answer after its first failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_sent_after_a_stop_is_never_handled_even_inline() {
    use std::future::Future;
    use std::task::Poll;

    for round in 0..2_000 {
        let (probe, _flags) = probe().await;
        probe
            .place()
            .await
            .expect("first call: the state parks from now on");
        probe.place().await.expect("a call to the idle actor");
        let racer = {
            let probe = probe.clone();
            tokio::spawn(async move {
                let mut failed = false;
                for _ in 0..20 {
                    match probe.add(1, 1).await {
                        Ok(_) => assert!(!failed, "round {round}: an answer after a failure"),
                        Err(CallError::Exited(ExitReason::Normal) | CallError::NoProc) => {
                            failed = true;
                        }
                        Err(other) => panic!("round {round}: {other:?}"),
                    }
                }
            })
        };
        let mut stopping = Box::pin(probe.stop(ExitReason::Normal));
        // Its first poll queues the stop, then waits for the exit.
        let first = std::future::poll_fn(|cx| Poll::Ready(stopping.as_mut().poll(cx))).await;
        match probe.place().await {
            Err(CallError::Exited(ExitReason::Normal) | CallError::NoProc) => {}
            other => panic!("round {round}: a call sent after the stop got {other:?}"),
        }
        let stopped = match first {
            Poll::Ready(stopped) => stopped,
            Poll::Pending => stopping.await,
        };
        assert_eq!(stopped, Ok(()), "round {round}");
        racer.await.expect("racer");
    }
}

//! Mailbox overflow policies (`Overflow`: `Wait`, `Reject`, `DropNewest`, `DropOldest`, `Stop`),
//! declared by `#[actor(mailbox = N, overflow = …)]` or `StartOptions::overflow`, for casts,
//! sends and calls; and `mailbox_stats` (`len`, `capacity`, `dropped`, `received`) on every
//! handle. Races between senders and the consumer are hammered on a multi-thread runtime.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use beamish::prelude::*;
use beamish::{MailboxStats, Overflow, StartOptions};
use support::{settle, within};
use tokio::sync::{mpsc, oneshot};

/// An actor whose handler can be held, recording the items it handles and its `terminate`.
struct Sink {
    log: Vec<u64>,
    terminated: mpsc::UnboundedSender<ExitReason>,
}

enum SinkMsg {
    /// Says so on the first channel, then waits until the second is released (or dropped).
    Hold(oneshot::Sender<()>, oneshot::Receiver<()>),
    Item(u64),
    /// Answers with every item handled so far.
    Items(ReplyTo<Vec<u64>>),
    /// Answers with its argument.
    Echo(u64, ReplyTo<u64>),
}

impl Actor for Sink {
    type Args = mpsc::UnboundedSender<ExitReason>;
    type Message = SinkMsg;

    async fn init(
        terminated: mpsc::UnboundedSender<ExitReason>,
        _ctx: &mut Context<Self>,
    ) -> Result<Self, InitError> {
        Ok(Sink {
            log: Vec::new(),
            terminated,
        })
    }

    async fn handle(&mut self, msg: SinkMsg, _ctx: &mut Context<Self>) {
        match msg {
            SinkMsg::Hold(held, gate) => {
                let _ = held.send(());
                let _ = gate.await;
            }
            SinkMsg::Item(n) => self.log.push(n),
            SinkMsg::Items(reply) => {
                reply.send(self.log.clone());
            }
            SinkMsg::Echo(n, reply) => {
                reply.send(n);
            }
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        let _ = self.terminated.send(reason.clone());
    }
}

type SinkRef = ActorRef<Sink>;

const HOUR: Duration = Duration::from_secs(3600);

/// A sink with a mailbox of `capacity` under `policy`, and the channel its `terminate` reports on.
async fn sink(capacity: usize, policy: Overflow) -> (SinkRef, mpsc::UnboundedReceiver<ExitReason>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let options = StartOptions::new().mailbox(capacity).overflow(policy);
    let sink = ActorRef::<Sink>::start_with(tx, options).await.unwrap();
    (sink.with_timeout(HOUR), rx)
}

/// Makes `sink` busy in a handler with its mailbox empty; the returned sender frees it.
async fn hold(sink: &SinkRef) -> oneshot::Sender<()> {
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    sink.cast(SinkMsg::Hold(held_tx, gate)).unwrap();
    within(held).await.unwrap();
    release
}

/// Fills `sink`'s mailbox of two with items 1 and 2 while it is held.
fn fill(sink: &SinkRef) {
    sink.cast(SinkMsg::Item(1)).unwrap();
    sink.cast(SinkMsg::Item(2)).unwrap();
}

fn stats(sink: &SinkRef) -> (usize, Option<usize>, u64) {
    let MailboxStats {
        len,
        capacity,
        dropped,
        ..
    } = sink.mailbox_stats();
    (len, capacity, dropped)
}

// `Wait`, the default: a cast to a full mailbox fails with `Full`, `send` and calls wait for room
// (a call within its timeout), and nothing is counted as dropped.
#[tokio::test(start_paused = true)]
async fn wait_makes_senders_wait_and_drops_nothing() {
    let (sink, _terminated) = sink(2, Overflow::Wait).await;
    let release = hold(&sink).await;
    fill(&sink);
    assert_eq!(sink.cast(SinkMsg::Item(3)), Err(SendError::Full));
    // A call that never finds room times out, within its own timeout.
    let quick = sink.with_timeout(Duration::from_millis(50));
    assert_eq!(
        quick.call(|r| SinkMsg::Echo(7, r)).await,
        Err(CallError::Timeout)
    );
    let send = tokio::spawn({
        let sink = sink.clone();
        async move { sink.send(SinkMsg::Item(3)).await }
    });
    let call = tokio::spawn({
        let sink = sink.clone();
        async move { sink.call(|r| SinkMsg::Echo(4, r)).await }
    });
    settle().await;
    assert!(!send.is_finished() && !call.is_finished());
    assert_eq!(stats(&sink), (2, Some(2), 0));
    drop(release);
    assert_eq!(within(send).await.unwrap(), Ok(()));
    assert_eq!(within(call).await.unwrap(), Ok(4));
    assert_eq!(sink.call(SinkMsg::Items).await, Ok(vec![1, 2, 3]));
    let stats = sink.mailbox_stats();
    assert_eq!((stats.dropped, stats.overflow), (0, Overflow::Wait));
}

// `Reject`: casts, sends and `try_send` are refused at once with `Full` (the last with the
// message back), calls at once with `CallError::Full`; each refusal is counted.
#[tokio::test(start_paused = true)]
async fn reject_refuses_at_once_and_counts() {
    let (sink, _terminated) = sink(2, Overflow::Reject).await;
    let release = hold(&sink).await;
    fill(&sink);
    assert_eq!(sink.cast(SinkMsg::Item(3)), Err(SendError::Full));
    assert_eq!(sink.send(SinkMsg::Item(4)).await, Err(SendError::Full));
    match sink.try_send(SinkMsg::Item(5)) {
        Err(TrySendError::Full(SinkMsg::Item(5))) => {}
        other => panic!("expected the message back, got {:?}", other.is_ok()),
    }
    assert_eq!(
        sink.call(|r| SinkMsg::Echo(6, r)).await,
        Err(CallError::Full)
    );
    assert_eq!(stats(&sink), (2, Some(2), 4));
    drop(release);
    settle().await;
    assert_eq!(sink.call(SinkMsg::Items).await, Ok(vec![1, 2]));
    assert!(sink.is_alive());
}

// `DropNewest`: the new message is dropped — a cast still returns `Ok`, a call fails at once with
// `CallError::Full` — and the queued ones are handled.
#[tokio::test(start_paused = true)]
async fn drop_newest_drops_the_new_message_and_fails_calls_at_once() {
    let (sink, _terminated) = sink(2, Overflow::DropNewest).await;
    let release = hold(&sink).await;
    fill(&sink);
    assert_eq!(sink.cast(SinkMsg::Item(3)), Ok(()));
    assert_eq!(sink.send(SinkMsg::Item(4)).await, Ok(()));
    assert_eq!(
        sink.call(|r| SinkMsg::Echo(5, r)).await,
        Err(CallError::Full)
    );
    assert_eq!(stats(&sink), (2, Some(2), 3));
    drop(release);
    settle().await;
    assert_eq!(sink.call(SinkMsg::Items).await, Ok(vec![1, 2]));
}

// `DropOldest`: each new message pushes out the oldest queued one; a queued call that is pushed
// out fails at once with `CallError::Dropped`, while the actor is still busy.
#[tokio::test(start_paused = true)]
async fn drop_oldest_keeps_the_newest_and_tells_a_dropped_caller_at_once() {
    let (sink, _terminated) = sink(2, Overflow::DropOldest).await;
    let release = hold(&sink).await;
    let call = tokio::spawn({
        let sink = sink.clone();
        async move { sink.call(|r| SinkMsg::Echo(1, r)).await }
    });
    settle().await;
    sink.cast(SinkMsg::Item(2)).unwrap();
    assert_eq!(stats(&sink), (2, Some(2), 0));
    // Pushes out the call.
    assert_eq!(sink.cast(SinkMsg::Item(3)), Ok(()));
    assert_eq!(within(call).await.unwrap(), Err(CallError::Dropped));
    // Pushes out 2, then 3.
    sink.cast(SinkMsg::Item(4)).unwrap();
    sink.cast(SinkMsg::Item(5)).unwrap();
    assert_eq!(stats(&sink), (2, Some(2), 3));
    drop(release);
    // The call takes a place too: it pushes out 4.
    assert_eq!(sink.call(SinkMsg::Items).await, Ok(vec![5]));
    let stats = sink.mailbox_stats();
    assert_eq!((stats.len, stats.dropped, stats.received), (0, 4, 3));
}

// `Stop`: the message that finds the mailbox full is refused and the actor stops with
// `MailboxOverflow` — `terminate` runs with it, queued callers get it, it is a crash — and its
// mailbox reads empty.
#[tokio::test(start_paused = true)]
async fn stop_disconnects_the_slow_consumer() {
    let (sink, mut terminated) = sink(2, Overflow::Stop).await;
    let release = hold(&sink).await;
    let call = tokio::spawn({
        let sink = sink.clone();
        async move { sink.call(|r| SinkMsg::Echo(1, r)).await }
    });
    settle().await;
    sink.cast(SinkMsg::Item(2)).unwrap();
    assert_eq!(sink.cast(SinkMsg::Item(3)), Err(SendError::Full));
    assert_eq!(within(sink.wait()).await, ExitReason::MailboxOverflow);
    assert!(ExitReason::MailboxOverflow.is_crash());
    assert_eq!(terminated.recv().await, Some(ExitReason::MailboxOverflow));
    assert_eq!(
        within(call).await.unwrap(),
        Err(CallError::Exited(ExitReason::MailboxOverflow))
    );
    drop(release);
    assert_eq!(sink.mailbox_stats().len, 0);
    assert_eq!(sink.mailbox_stats().dropped, 1);
    assert_eq!(sink.cast(SinkMsg::Item(4)), Err(SendError::NoProc));
}

// A call that finds a full `Stop` mailbox fails at once with `Full` and stops the actor.
#[tokio::test(start_paused = true)]
async fn stop_refuses_a_call_at_once() {
    let (sink, _terminated) = sink(1, Overflow::Stop).await;
    let _release = hold(&sink).await;
    sink.cast(SinkMsg::Item(1)).unwrap();
    assert_eq!(
        sink.call(|r| SinkMsg::Echo(2, r)).await,
        Err(CallError::Full)
    );
    assert_eq!(within(sink.wait()).await, ExitReason::MailboxOverflow);
}

// An unbounded mailbox reports its length and intake, no bound and no drops.
#[tokio::test(start_paused = true)]
async fn stats_of_an_unbounded_mailbox() {
    let (tx, _terminated) = mpsc::unbounded_channel();
    let sink = ActorRef::<Sink>::start(tx).await.unwrap();
    assert_eq!(sink.mailbox_stats(), MailboxStats::default());
    let release = hold(&sink).await;
    for n in 0..100 {
        sink.cast(SinkMsg::Item(n)).unwrap();
    }
    assert_eq!(stats(&sink), (100, None, 0));
    assert_eq!(sink.mailbox_stats().received, 1);
    drop(release);
    assert_eq!(sink.call(SinkMsg::Items).await.unwrap().len(), 100);
    let after = sink.mailbox_stats();
    assert_eq!((after.len, after.received), (0, 102));
    // Every kind of handle reads the same mailbox.
    assert_eq!(sink.to_any().mailbox_stats(), after);
}

/// A feed declared with the macro: casts are plain functions (they never wait), calls fail at
/// once when refused.
struct Feed {
    seen: Vec<u32>,
}

#[actor(mailbox = 2, overflow = drop_newest)]
impl Feed {
    #[init]
    async fn init(_: ()) -> Self {
        Feed { seen: Vec::new() }
    }

    #[cast]
    async fn push(&mut self, n: u32) {
        self.seen.push(n);
    }

    /// Holds the actor until `gate` is released.
    #[cast]
    async fn hold(&mut self, held: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = held.send(());
        let _ = gate.await;
    }

    #[call]
    async fn seen(&self) -> Vec<u32> {
        self.seen.clone()
    }
}

/// The same with `stop`, supervised: a slow consumer is stopped and its supervisor restarts it.
struct Consumer;

#[actor(mailbox = 1, overflow = stop)]
impl Consumer {
    #[init]
    async fn init(_: ()) -> Self {
        Consumer
    }

    #[cast]
    async fn hold(&mut self, held: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = held.send(());
        let _ = gate.await;
    }

    #[cast]
    async fn item(&mut self) {}

    #[call]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

#[tokio::test(start_paused = true)]
async fn the_macro_declares_the_policy() {
    let feed = Feed::start(()).await.unwrap();
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    feed.hold(held_tx, gate).unwrap();
    within(held).await.unwrap();
    // Not `async`: under a policy other than `wait` a cast never waits.
    let results: Vec<Result<(), SendError>> = (1..=4).map(|n| feed.push(n)).collect();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(feed.seen().await, Err(CallError::Full));
    let stats = feed.mailbox_stats();
    assert_eq!(
        (stats.len, stats.capacity, stats.dropped, stats.overflow),
        (2, Some(2), 3, Overflow::DropNewest)
    );
    drop(release);
    settle().await;
    assert_eq!(feed.seen().await, Ok(vec![1, 2]));
}

#[tokio::test(start_paused = true)]
async fn a_supervised_consumer_stopped_for_overflow_is_restarted() {
    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::default())
        .await
        .unwrap();
    let consumer: ConsumerHandle = sup
        .start_child_followed(Consumer::child_spec(()))
        .await
        .unwrap();
    let first = consumer.id();
    let (held_tx, held) = oneshot::channel();
    let (_release, gate) = oneshot::channel();
    consumer.hold(held_tx, gate).unwrap();
    within(held).await.unwrap();
    consumer.item().unwrap();
    assert_eq!(consumer.item(), Err(SendError::Full));
    // The first incarnation stops with the overflow …
    assert_eq!(within(consumer.wait()).await, ExitReason::MailboxOverflow);
    // … and the followed handle reaches the new incarnation, which answers.
    assert_eq!(within(consumer.ping()).await, Ok("pong"));
    assert_ne!(consumer.id(), first);
    assert_eq!(consumer.mailbox_stats().dropped, 0);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

/// What the senders of [`hammer`] saw.
#[derive(Default)]
struct Tally {
    /// Messages offered (casts and calls).
    sent: u64,
    /// Calls answered.
    answered: u64,
    /// Casts refused with `Full` under `Wait` (not counted as dropped: nothing was lost).
    waited_out: u64,
}

/// Senders racing the consumer on a multi-thread runtime: every message is either handled once
/// or counted as dropped, every call is answered or fails with the policy's error (never hangs),
/// the length never passes the bound, and nothing is handled twice.
async fn hammer(policy: Overflow) {
    const SENDERS: u64 = 4;
    const PER_SENDER: u64 = 2_000;
    let (sink, _terminated) = sink(4, policy).await;
    let tasks: Vec<_> = (0..SENDERS)
        .map(|s| {
            let sink = sink.clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                for i in 0..PER_SENDER {
                    let n = s * PER_SENDER + i;
                    tally.sent += 1;
                    if i % 8 == 0 {
                        match sink.call(|r| SinkMsg::Echo(n, r)).await {
                            Ok(m) => {
                                assert_eq!(m, n);
                                tally.answered += 1;
                            }
                            Err(CallError::Full | CallError::Dropped)
                                if policy != Overflow::Wait => {}
                            Err(e) => panic!("{policy:?}: call failed with {e}"),
                        }
                    } else {
                        match sink.cast(SinkMsg::Item(n)) {
                            Ok(()) => {}
                            Err(SendError::Full) if policy == Overflow::Wait => {
                                tally.waited_out += 1;
                            }
                            Err(SendError::Full) if policy == Overflow::Reject => {}
                            Err(e) => panic!("{policy:?}: cast failed with {e}"),
                        }
                    }
                    assert!(sink.mailbox_stats().len <= 4);
                    if i % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        let tally = within(task).await.unwrap();
        total.sent += tally.sent;
        total.answered += tally.answered;
        total.waited_out += tally.waited_out;
    }
    // A last call, which a policy may refuse while the mailbox drains: retried until answered.
    let items = loop {
        total.sent += 1;
        match within(sink.call(SinkMsg::Items)).await {
            Ok(items) => break items,
            Err(CallError::Full | CallError::Dropped) => tokio::task::yield_now().await,
            Err(e) => panic!("{policy:?}: {e}"),
        }
    };
    let unique: HashSet<_> = items.iter().collect();
    assert_eq!(
        unique.len(),
        items.len(),
        "{policy:?}: an item handled twice"
    );
    let stats = sink.mailbox_stats();
    // Everything received was handled: the items, the answered calls and the last call.
    assert_eq!(
        stats.received,
        items.len() as u64 + total.answered + 1,
        "{policy:?}"
    );
    // Every message offered was received, dropped, or (under `Wait`) handed back.
    assert_eq!(
        stats.received + stats.dropped + total.waited_out,
        total.sent,
        "{policy:?}"
    );
    if policy == Overflow::Wait {
        assert_eq!(stats.dropped, 0);
    }
    assert_eq!(stats.len, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hammer_every_policy() {
    for policy in [
        Overflow::Reject,
        Overflow::DropNewest,
        Overflow::DropOldest,
        Overflow::Wait,
    ] {
        hammer(policy).await;
    }
}

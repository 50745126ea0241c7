//! Bounded mailboxes (`Actor::MAILBOX_CAPACITY`, `StartOptions::mailbox`): casts to a full
//! mailbox fail with `Full` or wait for room, `try_send` hands the message back, waiting senders
//! learn of the actor's death, and system messages (stop) never wait for room.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{InitError, StartOptions, TrySendError};
use support::{settle, within};
use tokio::sync::oneshot;

type Log = Arc<Mutex<Vec<u32>>>;

/// A queue whose type declares a mailbox of `N` messages (`0`: unbounded).
#[derive(Debug)]
struct Queue<const N: usize> {
    log: Log,
}

#[derive(Debug)]
enum QueueMsg {
    /// Says so on the first channel, then waits until the second is released.
    Hold(oneshot::Sender<()>, oneshot::Receiver<()>),
    Item(u32),
    Items(ReplyTo<Vec<u32>>),
    /// Replies after this long.
    Slow(Duration, ReplyTo<()>),
}

impl<const N: usize> Actor for Queue<N> {
    type Args = Log;
    type Message = QueueMsg;
    const MAILBOX_CAPACITY: Option<usize> = if N == 0 { None } else { Some(N) };

    async fn init(log: Log, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Queue { log })
    }

    async fn handle(&mut self, msg: QueueMsg, _ctx: &mut Context<Self>) {
        match msg {
            QueueMsg::Hold(held, gate) => {
                let _ = held.send(());
                let _ = gate.await;
            }
            QueueMsg::Item(n) => self.log.lock().unwrap().push(n),
            QueueMsg::Items(reply) => {
                reply.send(self.log.lock().unwrap().clone());
            }
            QueueMsg::Slow(delay, reply) => {
                tokio::time::sleep(delay).await;
                reply.send(());
            }
        }
    }
}

/// Makes `q` busy in a handler, its mailbox empty; dropping the returned sender frees it.
async fn hold<const N: usize>(q: &ActorRef<Queue<N>>) -> oneshot::Sender<()> {
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    q.send(QueueMsg::Hold(held_tx, gate)).await.unwrap();
    within(held).await.unwrap();
    release
}

async fn start<const N: usize>() -> (ActorRef<Queue<N>>, Log) {
    let log = Log::default();
    (ActorRef::start(log.clone()).await.unwrap(), log)
}

const HOUR: Duration = Duration::from_secs(3600);

// A cast to a full mailbox fails with `Full`; `try_send` hands the message back in `Full`; the
// room comes back as the actor handles its messages.
#[tokio::test(start_paused = true)]
async fn full_mailbox_refuses_casts_and_hands_the_message_back() {
    let (q, _log) = start::<2>().await;
    for round in 0..3 {
        let release = hold(&q).await;
        let base = round * 10;
        q.cast(QueueMsg::Item(base + 1)).unwrap();
        q.try_send(QueueMsg::Item(base + 2)).unwrap();
        assert_eq!(q.cast(QueueMsg::Item(99)), Err(SendError::Full));
        match q.try_send(QueueMsg::Item(98)) {
            Err(TrySendError::Full(QueueMsg::Item(98))) => {}
            other => panic!("expected the message back in Full, got {other:?}"),
        }
        drop(release);
        let handled = q.call(QueueMsg::Items).await.unwrap();
        assert_eq!(&handled[handled.len() - 2..], [base + 1, base + 2]);
    }
    assert_eq!(
        q.call(QueueMsg::Items).await.unwrap(),
        [1, 2, 11, 12, 21, 22],
        "a refused message was delivered after all"
    );
}

// `send` waits for room instead of failing, and its message is handled in order once there is.
#[tokio::test(start_paused = true)]
async fn send_waits_for_room() {
    let (q, log) = start::<2>().await;
    let release = hold(&q).await;
    q.cast(QueueMsg::Item(1)).unwrap();
    q.cast(QueueMsg::Item(2)).unwrap();
    // Under paused time the clock jumps to the timeout only if `send` really is stuck waiting.
    assert!(
        tokio::time::timeout(HOUR, q.send(QueueMsg::Item(0)))
            .await
            .is_err(),
        "send to a full mailbox did not wait"
    );
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.send(QueueMsg::Item(3)).await }
    });
    settle().await;
    assert!(!waiting.is_finished());
    drop(release);
    assert_eq!(within(waiting).await.unwrap(), Ok(()));
    assert_eq!(q.call(QueueMsg::Items).await.unwrap(), [1, 2, 3]);
    assert_eq!(*log.lock().unwrap(), [1, 2, 3]);
}

// A sender waiting for room learns at once that the actor died; later sends say `NoProc`, and
// `try_send` hands the message back in `NoProc`.
#[tokio::test(start_paused = true)]
async fn waiting_sender_learns_of_the_death() {
    let (q, _log) = start::<1>().await;
    let _release = hold(&q).await;
    q.cast(QueueMsg::Item(1)).unwrap();
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.send(QueueMsg::Item(2)).await }
    });
    settle().await;
    assert!(!waiting.is_finished());
    q.kill();
    assert_eq!(within(waiting).await.unwrap(), Err(SendError::NoProc));
    assert_eq!(q.send(QueueMsg::Item(3)).await, Err(SendError::NoProc));
    assert_eq!(q.cast(QueueMsg::Item(3)), Err(SendError::NoProc));
    match q.try_send(QueueMsg::Item(4)) {
        Err(TrySendError::NoProc(QueueMsg::Item(4))) => {}
        other => panic!("expected the message back in NoProc, got {other:?}"),
    }
}

// A call to a full mailbox waits for room within its timeout, and its message never enters.
#[tokio::test(start_paused = true)]
async fn call_to_a_full_mailbox_times_out() {
    let (q, _log) = start::<1>().await;
    let release = hold(&q).await;
    q.cast(QueueMsg::Item(1)).unwrap();
    assert_eq!(
        q.with_timeout(Duration::from_secs(1))
            .call(QueueMsg::Items)
            .await,
        Err(CallError::Timeout)
    );
    drop(release);
    assert_eq!(q.call(QueueMsg::Items).await, Ok(vec![1]));
}

// The timeout covers the whole call: time spent waiting for room counts, so a call that waited
// for room and then for a slow handler still fails at its timeout, not later.
#[tokio::test(start_paused = true)]
async fn call_timeout_includes_waiting_for_room() {
    let (q, _log) = start::<1>().await;
    let release = hold(&q).await;
    q.cast(QueueMsg::Item(1)).unwrap();
    let timeout = Duration::from_secs(10);
    let t0 = tokio::time::Instant::now();
    let call = tokio::spawn({
        let q = q.with_timeout(timeout);
        async move { q.call(|r| QueueMsg::Slow(HOUR, r)).await }
    });
    // Room appears half-way through the timeout; the handler then takes an hour.
    tokio::time::sleep(timeout / 2).await;
    drop(release);
    assert_eq!(within(call).await.unwrap(), Err(CallError::Timeout));
    let elapsed = t0.elapsed();
    assert!(
        elapsed < timeout + timeout / 2,
        "the call timed out after {elapsed:?}, its timeout being {timeout:?}"
    );
}

// System messages do not wait for room: a stop reaches a full mailbox, after its messages.
#[tokio::test(start_paused = true)]
async fn stop_is_not_blocked_by_a_full_mailbox() {
    let (q, log) = start::<2>().await;
    let release = hold(&q).await;
    q.cast(QueueMsg::Item(1)).unwrap();
    q.cast(QueueMsg::Item(2)).unwrap();
    let stop = tokio::spawn({
        let q = q.clone();
        async move { q.stop(ExitReason::Shutdown).await }
    });
    settle().await;
    drop(release);
    assert_eq!(within(stop).await.unwrap(), Ok(()));
    assert_eq!(*log.lock().unwrap(), [1, 2]);
}

// `StartOptions::mailbox` bounds an actor whose type declares no bound; `0` means one message.
#[tokio::test(start_paused = true)]
async fn start_options_bound_the_mailbox() {
    for (capacity, room) in [(3, 3), (1, 1), (0, 1)] {
        let q =
            ActorRef::<Queue<0>>::start_with(Log::default(), StartOptions::new().mailbox(capacity))
                .await
                .unwrap();
        let _release = hold(&q).await;
        for i in 0..room {
            q.cast(QueueMsg::Item(i)).unwrap();
        }
        assert_eq!(
            q.cast(QueueMsg::Item(99)),
            Err(SendError::Full),
            "mailbox({capacity})"
        );
        q.kill();
    }
}

// The default mailbox is unbounded: casts never find it full.
#[tokio::test(start_paused = true)]
async fn default_mailbox_is_unbounded() {
    let (q, log) = start::<0>().await;
    let release = hold(&q).await;
    for i in 0..20_000 {
        q.cast(QueueMsg::Item(i)).unwrap();
    }
    drop(release);
    assert_eq!(q.call(QueueMsg::Items).await.unwrap().len(), 20_000);
    assert!(log.lock().unwrap().iter().copied().eq(0..20_000));
}

/// The same queue through `#[actor(mailbox = 2)]`.
#[derive(Debug)]
pub(crate) struct Inbox {
    log: Log,
}

#[actor(mailbox = 2)]
impl Inbox {
    #[init]
    async fn init(log: Log) -> Self {
        Inbox { log }
    }

    /// Says so on `held`, then waits until `gate` is released.
    #[cast]
    async fn hold(&mut self, held: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = held.send(());
        let _ = gate.await;
    }

    #[cast]
    async fn item(&mut self, n: u32) {
        self.log.lock().unwrap().push(n);
    }

    #[call]
    async fn items(&self) -> Vec<u32> {
        self.log.lock().unwrap().clone()
    }
}

// `#[actor(mailbox = N)]`: casts are `async` and wait for room; `try_` variants hand the message
// back in `Full` (and in `NoProc` once the actor is gone).
#[tokio::test(start_paused = true)]
async fn macro_bounded_mailbox() {
    let inbox = Inbox::start(Log::default()).await.unwrap();
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    inbox.hold(held_tx, gate).await.unwrap();
    within(held).await.unwrap();
    inbox.item(1).await.unwrap();
    inbox.try_item(2).unwrap();
    match inbox.try_item(3) {
        Err(TrySendError::Full(InboxMessage::Item(3))) => {}
        other => panic!("expected the message back in Full, got {other:?}"),
    }
    assert!(
        tokio::time::timeout(HOUR, inbox.item(4)).await.is_err(),
        "a cast to a full mailbox did not wait"
    );
    let waiting = tokio::spawn({
        let inbox = inbox.clone();
        async move { inbox.item(5).await }
    });
    settle().await;
    assert!(!waiting.is_finished());
    drop(release);
    assert_eq!(within(waiting).await.unwrap(), Ok(()));
    assert_eq!(inbox.items().await, Ok(vec![1, 2, 5]));

    inbox.kill();
    within(inbox.wait()).await;
    assert_eq!(inbox.item(6).await, Err(SendError::NoProc));
    match inbox.try_item(7) {
        Err(TrySendError::NoProc(InboxMessage::Item(7))) => {}
        other => panic!("expected the message back in NoProc, got {other:?}"),
    }
}

// A bound too large for the runtime's semaphore is no panic: the mailbox is as good as unbounded.
#[tokio::test(start_paused = true)]
async fn huge_bound_is_accepted() {
    let q =
        ActorRef::<Queue<0>>::start_with(Log::default(), StartOptions::new().mailbox(usize::MAX))
            .await
            .unwrap();
    let _release = hold(&q).await;
    for i in 0..1000 {
        q.cast(QueueMsg::Item(i)).unwrap();
    }
    q.kill();
}

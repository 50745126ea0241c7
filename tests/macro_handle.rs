//! The handle, messages and start functions `#[actor]` generates, end to end — under
//! `clippy::pedantic`, so CI's clippy run proves the generated code is pedantic-clean.
#![deny(clippy::pedantic)]

use std::time::Duration;

use beamish::prelude::*;

/// A counter.
#[derive(Debug)]
pub struct Counter {
    count: i64,
}

#[actor(restart = transient, shutdown = "5s", vis = pub)]
impl Counter {
    #[init]
    async fn init(start: i64) -> Self {
        Counter { count: start }
    }

    /// Adds `n` and returns the new count.
    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.count += n;
        self.count
    }

    #[call]
    async fn get(&self) -> i64 {
        self.count
    }

    #[cast]
    async fn reset(&mut self) {
        self.count = 0;
    }

    #[call]
    async fn fail(&mut self, why: String) -> Result<i64, String> {
        Err(why)
    }
}

#[tokio::test]
async fn calls_and_casts_through_the_handle() {
    let c = Counter::start(1).await.expect("started");
    assert_eq!(c.add(2).await, Ok(3));
    c.reset().expect("alive");
    assert_eq!(c.get().await, Ok(0));
    assert_eq!(c.fail("no".into()).await, Ok(Err("no".to_string())));
    let slow = c.with_timeout(Duration::from_secs(1));
    assert_eq!(slow.add(1).await, Ok(1));
    c.stop(ExitReason::Normal).await.expect("stopped");
    assert_eq!(c.add(1).await, Err(CallError::NoProc));
    assert_eq!(c.wait().await, ExitReason::Normal);
}

/// The defaults: permanent, 5 s, unbounded.
#[derive(Debug)]
pub(crate) struct Plain;

#[actor]
impl Plain {
    #[init]
    async fn init() -> Self {
        Plain
    }
}

/// Brutal.
#[derive(Debug)]
pub(crate) struct Brutal;

#[actor(restart = temporary, shutdown = brutal_kill)]
impl Brutal {
    #[init]
    async fn init() -> Self {
        Brutal
    }
}

/// Patient.
#[derive(Debug)]
pub(crate) struct Patient;

#[actor(shutdown = infinity, restart = permanent)]
impl Patient {
    #[init]
    async fn init() -> Self {
        Patient
    }
}

#[test]
fn child_specs_carry_the_declared_options() {
    let spec = Counter::child_spec(0);
    assert_eq!(spec.restart_policy(), Restart::Transient);
    assert_eq!(
        spec.shutdown_mode(),
        Shutdown::Timeout(Duration::from_secs(5))
    );
    assert_eq!(spec.kind(), ChildType::Worker);

    let spec = Plain::child_spec(());
    assert_eq!(spec.restart_policy(), Restart::Permanent);
    assert_eq!(
        spec.shutdown_mode(),
        Shutdown::Timeout(Duration::from_secs(5))
    );

    let spec = Brutal::child_spec(());
    assert_eq!(spec.restart_policy(), Restart::Temporary);
    assert_eq!(spec.shutdown_mode(), Shutdown::BrutalKill);

    let spec = Patient::child_spec(());
    assert_eq!(spec.restart_policy(), Restart::Permanent);
    assert_eq!(spec.shutdown_mode(), Shutdown::Infinity);
}

#[tokio::test]
async fn handles_convert_and_compare_by_id() {
    let a = Counter::start(0).await.expect("started");
    let b = Counter::start(0).await.expect("started");
    assert_ne!(a, b);
    assert_eq!(a, a.clone());

    let any = a.to_any();
    assert_eq!(any.id(), a.id());
    assert_eq!(CounterHandle::from_any(any.clone()), Some(a.clone()));
    assert_eq!(PlainHandle::from_any(any), None, "wrong type");

    let from_ref = CounterHandle::from(a.actor_ref().clone());
    assert_eq!(from_ref.add(1).await, Ok(1));
    assert!(format!("{a:?}").starts_with("CounterHandle("));
    assert_eq!(format!("{:?}", CounterMessage::Reset()), "Reset");

    for h in [a, b] {
        h.stop(ExitReason::Normal).await.expect("stopped");
    }
}

/// A bounded actor that can be held busy.
#[derive(Debug)]
pub(crate) struct Bounded {
    seen: u32,
}

#[actor(mailbox = 1)]
impl Bounded {
    #[init]
    async fn init() -> Self {
        Bounded { seen: 0 }
    }

    /// Reports that it runs, then waits for `release`.
    #[cast]
    async fn hold(
        &mut self,
        entered: tokio::sync::oneshot::Sender<()>,
        release: tokio::sync::oneshot::Receiver<()>,
    ) {
        let _ = entered.send(());
        let _ = release.await;
    }

    #[cast]
    async fn poke(&mut self) {
        self.seen += 1;
    }

    #[call]
    async fn seen(&self) -> u32 {
        self.seen
    }
}

#[tokio::test]
async fn a_bounded_mailbox_pushes_back() {
    let b = Bounded::start(()).await.expect("started");
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel();
    b.hold(entered_tx, release_rx).await.expect("sent");
    entered_rx.await.expect("the actor is busy in `hold`");

    b.try_poke().expect("one slot free");
    match b.try_poke() {
        Err(TrySendError::Full(msg)) => assert_eq!(format!("{msg:?}"), "Poke"),
        other => panic!("expected Full with the message back, got {other:?}"),
    }
    // `poke` waits for room: it cannot finish while the actor is held and the slot is taken.
    let waiting = b.poke();
    tokio::pin!(waiting);
    tokio::select! {
        biased;
        _ = &mut waiting => panic!("a full mailbox accepted a message"),
        () = tokio::task::yield_now() => {}
    }
    release_tx.send(()).expect("actor waits");
    waiting.await.expect("room after the release");
    assert_eq!(b.seen().await, Ok(2));
}

// GS-3.6: a call waiting for room in a full mailbox was made while the actor lived; if the actor
// dies meanwhile, the call fails with its exit reason (not `NoProc`, which means "dead before").
#[tokio::test]
async fn a_call_waiting_for_room_gets_the_exit_reason() {
    let b = Bounded::start(()).await.expect("started");
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel();
    let (_release_tx, release_rx) = tokio::sync::oneshot::channel();
    b.hold(entered_tx, release_rx).await.expect("sent");
    entered_rx.await.expect("the actor is busy in `hold`");
    b.try_poke().expect("one slot free");

    let call = b.seen();
    tokio::pin!(call);
    tokio::select! {
        biased;
        _ = &mut call => panic!("a full mailbox accepted the call"),
        () = tokio::task::yield_now() => {}
    }
    b.kill();
    assert_eq!(call.await, Err(CallError::Exited(ExitReason::Killed)));
    assert_eq!(
        b.seen().await,
        Err(CallError::NoProc),
        "dead before this one"
    );
}

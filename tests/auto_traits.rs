//! Compile-time checks: handles can be shared across tasks and stored anywhere, and every error type
//! is a well-behaved `std::error::Error`. A regression here is a compile error.

use std::fmt::Debug;
use std::hash::Hash;

use beamish::prelude::*;
use beamish::{InitError, NotInActor, TrySendError};

#[derive(Debug)]
pub(crate) struct Counter {
    count: i64,
}

#[actor]
impl Counter {
    #[init]
    async fn init(start: i64) -> Self {
        Counter { count: start }
    }

    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.count += n;
        self.count
    }
}

/// A bounded actor, whose handle has `async` casts and `try_` variants.
#[derive(Debug)]
pub(crate) struct Bounded;

#[actor(mailbox = 4, vis = pub(crate))]
impl Bounded {
    #[init]
    async fn init() -> Self {
        Bounded
    }

    #[cast]
    async fn poke(&mut self) {}
}

/// A hand-written actor whose state is `Send` but not `Sync`: its handle still is both.
pub(crate) struct NotSync(std::cell::Cell<u8>);

impl Actor for NotSync {
    type Args = ();
    type Message = ();

    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(NotSync(std::cell::Cell::new(0)))
    }

    async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {
        self.0.set(self.0.get().wrapping_add(1));
    }
}

fn handle<T: Clone + Send + Sync + Debug + Eq + Hash + Unpin + 'static>() {}
fn shareable<T: Send + Sync + 'static>() {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}
fn boxed_error<T: std::ops::Deref<Target = dyn std::error::Error + Send + Sync> + Clone>() {}

#[test]
fn handles_are_clone_send_sync_static() {
    handle::<CounterHandle>();
    handle::<BoundedHandle>();
    handle::<ActorRef<Counter>>();
    handle::<ActorRef<NotSync>>();
    handle::<AnyActor>();
    handle::<ActorId>();
    shareable::<CounterMessage>();
    shareable::<BoundedMessage>();
    shareable::<TaskSupervisor>();
    shareable::<OnceSpec<CounterHandle>>();
    // An output that is `Send` but not `Sync` still gives a `Sync` handle.
    shareable::<TaskHandle<std::cell::Cell<u8>>>();
}

#[test]
fn errors_are_std_errors() {
    error::<CallError>();
    error::<SendError>();
    error::<StartError>();
    // Not an `Error` itself (so that every error converts into it); it holds one.
    shareable::<InitError>();
    boxed_error::<InitError>();
    error::<NotInActor>();
    error::<TaskError>();
    error::<TrySendError<CounterMessage>>();
    // No `Debug` needed on the message for the error to be an error.
    struct Opaque;
    error::<TrySendError<Opaque>>();
    shareable::<ExitReason>();
}

/// The futures of handle methods are `Send`: they can be spawned.
#[tokio::test]
async fn handle_futures_are_send() {
    let counter = Counter::start(1).await.unwrap();
    let bounded = Bounded::start(()).await.unwrap();
    let not_sync = ActorRef::<NotSync>::start(()).await.unwrap();
    let c = counter.clone();
    let total = tokio::spawn(async move { c.add(2).await }).await.unwrap();
    assert_eq!(total, Ok(3));
    let b = bounded.clone();
    tokio::spawn(async move { b.poke().await })
        .await
        .unwrap()
        .unwrap();
    assert!(bounded.try_poke().is_ok());
    let n = not_sync.clone();
    tokio::spawn(async move { n.send(()).await })
        .await
        .unwrap()
        .unwrap();
    let c = counter.clone();
    assert_eq!(
        tokio::spawn(async move { c.stop(ExitReason::Normal).await })
            .await
            .unwrap(),
        Ok(())
    );
    bounded.kill();
    let b = bounded.clone();
    assert_eq!(
        tokio::spawn(async move { b.wait().await }).await.unwrap(),
        ExitReason::Killed
    );
}

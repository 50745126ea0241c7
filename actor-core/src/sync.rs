//! The locks and atomics the concurrent core is written against: std's, or loom's when built
//! with `--cfg beamish_loom`, so that the model checks in `actor/models.rs` explore the
//! interleavings of the very code that ships (as tokio does with its own `loom` facade).
//!
//! Only what the models exercise goes through here: the mailbox queue's lock, an actor core's
//! state lock, exit flags and exit notification, and a registry's table and owner locks. `Arc`s stay std's (loom's cannot hold a `dyn Proc`), and so do
//! tokio's primitives (tokio checks its own with loom).

#[cfg(not(beamish_loom))]
pub(crate) use std::sync::atomic::{AtomicU8, AtomicU32};
#[cfg(not(beamish_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(beamish_loom)]
pub(crate) use loom::sync::atomic::{AtomicU8, AtomicU32};
#[cfg(beamish_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(not(beamish_loom))]
pub(crate) use tokio::sync::Notify;

#[cfg(beamish_loom)]
pub(crate) use loom_notify::Notify;

/// tokio's `Notify`, as far as the exit path uses it (`notified` + `notify_waiters`), written
/// on loom's lock so that loom sees the wake-ups: a `Notified` future is woken by every
/// `notify_waiters` after its creation, polled or not, as tokio documents.
#[cfg(beamish_loom)]
mod loom_notify {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    use loom::sync::Mutex;

    #[derive(Default)]
    pub(crate) struct Notify {
        state: Mutex<(u64, Vec<Waker>)>,
    }

    impl Notify {
        pub(crate) fn new() -> Self {
            Notify::default()
        }

        pub(crate) fn notified(&self) -> Notified<'_> {
            let generation = self.state.lock().expect("not poisoned").0;
            Notified {
                notify: self,
                generation,
            }
        }

        pub(crate) fn notify_waiters(&self) {
            let wakers = {
                let mut state = self.state.lock().expect("not poisoned");
                state.0 += 1;
                std::mem::take(&mut state.1)
            };
            wakers.into_iter().for_each(Waker::wake);
        }
    }

    pub(crate) struct Notified<'a> {
        notify: &'a Notify,
        generation: u64,
    }

    impl Future for Notified<'_> {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let mut state = self.notify.state.lock().expect("not poisoned");
            if state.0 != self.generation {
                return Poll::Ready(());
            }
            state.1.push(cx.waker().clone());
            Poll::Pending
        }
    }
}

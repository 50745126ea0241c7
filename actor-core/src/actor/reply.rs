//! The reply half of a call, and the single-slot channel under it.
//!
//! A call's reply travels through one `Arc` holding a slot behind an uncontended mutex, not a
//! tokio oneshot: the caller's poll is a lock, a check and (the first time) a waker clone, without
//! the oneshot's atomic state machine and cooperative-budget bookkeeping on every poll. The
//! guarantees are the oneshot's: dropping the [`ReplyTo`] unanswered wakes the caller at once
//! (which then waits for the callee's exit reason), and a reply sent after the caller stopped
//! waiting is dropped.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

struct State<R> {
    value: Option<R>,
    /// The `ReplyTo` was dropped without answering.
    unanswered: bool,
    /// The caller stopped waiting (its receiver is gone).
    abandoned: bool,
    /// The caller's task, once it found the slot empty.
    waker: Option<Waker>,
}

struct Slot<R>(Mutex<State<R>>);

impl<R> Slot<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A reply channel: the answering half goes into the message, the caller keeps the other.
pub(crate) fn channel<R>() -> (ReplyTo<R>, Receiver<R>) {
    let slot = Arc::new(Slot(Mutex::new(State {
        value: None,
        unanswered: false,
        abandoned: false,
        waker: None,
    })));
    (ReplyTo(Some(slot.clone())), Receiver(slot))
}

/// The caller's half.
pub(crate) struct Receiver<R>(Arc<Slot<R>>);

impl<R> Receiver<R> {
    /// `Ready(Some(reply))`, `Ready(None)` once the `ReplyTo` is dropped unanswered, or `Pending`
    /// (this task is woken by the answer or the drop).
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<R>> {
        let mut st = self.0.lock();
        if let Some(value) = st.value.take() {
            return Poll::Ready(Some(value));
        }
        if st.unanswered {
            return Poll::Ready(None);
        }
        match &st.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<R> Drop for Receiver<R> {
    fn drop(&mut self) {
        if Arc::strong_count(&self.0) == 1 {
            // The `ReplyTo` is gone (answered or dropped), and it cannot be cloned: nobody is
            // left to tell.
            return;
        }
        // A late reply (or one never taken) is dropped here, outside the lock.
        let (late, waker) = {
            let mut st = self.0.lock();
            st.abandoned = true;
            (st.value.take(), st.waker.take())
        };
        drop(late);
        drop(waker);
    }
}

/// Where a call's answer goes. A `#[call]` handler that takes one defers its reply (GenServer's
/// `{:noreply, state}` + `reply/2`): keep it, and answer later from any task with [`send`](Self::send)
/// or [`Context::reply`](crate::Context::reply).
///
/// If it is dropped unanswered, the caller waits until its timeout — or, if the actor exits first,
/// gets `CallError::Exited` at once.
pub struct ReplyTo<R>(Option<Arc<Slot<R>>>);

impl<R> ReplyTo<R> {
    /// Answers the call. Returns `false` if the caller stopped waiting (its timeout passed); the
    /// value is then dropped, harmlessly.
    pub fn send(mut self, value: R) -> bool {
        let slot = self.0.take().expect("a ReplyTo answers once");
        let waker = {
            let mut st = slot.lock();
            if st.abandoned {
                drop(st);
                drop(value);
                return false;
            }
            st.value = Some(value);
            st.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }

    /// `true` once the caller no longer waits for this reply.
    pub fn is_closed(&self) -> bool {
        self.0.as_ref().is_none_or(|slot| slot.lock().abandoned)
    }
}

impl<R> Drop for ReplyTo<R> {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            let waker = {
                let mut st = slot.lock();
                st.unanswered = true;
                st.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<R> fmt::Debug for ReplyTo<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::channel;

    #[tokio::test]
    async fn a_reply_arrives() {
        let (tx, mut rx) = channel();
        let answer = tokio::spawn(async move {
            tokio::task::yield_now().await;
            tx.send(7)
        });
        assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(7));
        assert!(answer.await.unwrap());
    }

    #[tokio::test]
    async fn dropping_the_reply_to_wakes_the_caller() {
        let (tx, mut rx) = channel::<u32>();
        let dropped = tokio::spawn(async move {
            tokio::task::yield_now().await;
            drop(tx);
        });
        assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, None);
        dropped.await.unwrap();
    }

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_late_reply_is_refused_and_dropped() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        assert!(!tx.send(Counted(drops.clone())));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_untaken_reply_is_dropped_with_the_receiver() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        assert!(tx.send(Counted(drops.clone())));
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}

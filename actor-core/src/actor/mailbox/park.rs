//! Parking the state (inline calls).
//!
//! An actor waiting on an empty mailbox leaves its state here, *parked*, under the same lock
//! senders take ([`MailboxRx::recv_parking`]): a caller that finds the queue empty and the state
//! parked may borrow it ([`MailboxTx::lend`]) and run an inline call's handler in its own task,
//! then give it back ([`MailboxTx::give_back`]). Because the check (nothing queued, nothing taken,
//! state parked) and the loan are one lock, nothing the actor was sent before the call can be
//! handled after it, and the actor never runs a callback while its state is lent: it waits for it
//! to come back (the caller wakes it when it asked). A handler that panicked inline leaves a
//! [`Sys::Crashed`] at the front of the queue, so the actor exits with the panic before it
//! handles anything else.

use std::any::Any;
use std::future::poll_fn;
use std::task::Poll;

use super::{Envelope, MailboxRx, MailboxTx, Parked, Shared, Sys, register};

impl<M> MailboxTx<M> {
    /// [`MailboxRx::reclaim`], from the sending side: for the actor's task, whose receiving half
    /// is borrowed by its run loop when a kill comes.
    pub(crate) fn poll_reclaim(&self, cx: &std::task::Context<'_>) -> Poll<Option<Parked>> {
        self.shared.poll_reclaim(cx)
    }

    /// Borrows the actor's state for an inline call: only when the actor waits with nothing
    /// queued or taken (its state is parked), so that the call is the next thing it handles.
    /// Must be given back with [`give_back`](Self::give_back).
    #[inline]
    pub(crate) fn lend(&self) -> Option<Parked> {
        let mut q = self.shared.lock();
        if q.closed || q.lent || !q.items.is_empty() {
            return None;
        }
        let state = q.parked.take()?;
        q.lent = true;
        Some(state)
    }

    /// Gives back a state [`lend`](Self::lend) lent: `handled` counts the inline call as a
    /// message received, and `crashed` (the handler's panic) is queued first, for the actor to
    /// exit with. Wakes the actor if it waits for the state, or must see the crash.
    #[inline]
    pub(crate) fn give_back(&self, state: Parked, handled: bool, crashed: Option<String>) {
        let waiting = {
            let mut q = self.shared.lock();
            q.lent = false;
            if q.closed {
                // The actor's task was dropped meanwhile (its runtime shut down): the state goes
                // with it.
                drop(q);
                drop(state);
                return;
            }
            q.parked = Some(state);
            if handled {
                q.inline += 1;
            }
            let crashed = crashed.map(|panic| {
                q.items
                    .push_front(Envelope::Sys(Box::new(Sys::Crashed(panic))))
            });
            if std::mem::take(&mut q.wanted) || crashed.is_some() {
                q.waiting.take()
            } else {
                None
            }
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
    }
}

impl<M> MailboxRx<M> {
    /// [`recv`](Self::recv) for an actor whose calls may run inline: while nothing is queued its
    /// `state` waits in the mailbox, parked, where a caller may borrow it (see the module docs).
    /// `state` is home again when this returns; until then the actor runs nothing.
    pub(crate) async fn recv_parking<S: Any + Send>(
        &mut self,
        state: &mut Option<Box<S>>,
    ) -> Envelope<M> {
        let envelope = match self.taken.pop_front() {
            Some(envelope) => envelope,
            None => poll_fn(|cx| self.poll_take_parking(state, cx)).await,
        };
        self.count_taken(&envelope);
        envelope
    }

    /// [`poll_take`](Self::poll_take), parking `state` while the queue is empty and taking it
    /// back (once the caller it is lent to gave it back) before anything is handled.
    fn poll_take_parking<S: Any + Send>(
        &mut self,
        state: &mut Option<Box<S>>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Envelope<M>> {
        let mut q = self.shared.lock();
        if state.is_none() {
            if q.lent {
                q.wanted = true;
                register(&mut q.waiting, cx);
                return Poll::Pending;
            }
            *state = q
                .parked
                .take()
                .and_then(|parked| parked.downcast::<S>().ok());
            debug_assert!(
                state.is_some(),
                "an actor's state is parked or lent while it waits"
            );
        }
        if q.items.is_empty() {
            if let Some(home) = state.take() {
                q.parked = Some(home);
            }
            register(&mut q.waiting, cx);
            return Poll::Pending;
        }
        Self::take(q, &mut self.taken, self.room.as_deref(), self.one_at_a_time)
    }

    /// Takes the actor's state back for good, waiting for a caller it is lent to: what a
    /// stopping actor drops or hands to `terminate`. `None` if it was not parked.
    pub(crate) async fn reclaim(&mut self) -> Option<Parked> {
        poll_fn(|cx| self.shared.poll_reclaim(cx)).await
    }
}

impl<M> Shared<M> {
    fn poll_reclaim(&self, cx: &std::task::Context<'_>) -> Poll<Option<Parked>> {
        let mut q = self.lock();
        if q.lent {
            q.wanted = true;
            register(&mut q.waiting, cx);
            return Poll::Pending;
        }
        Poll::Ready(q.parked.take())
    }
}

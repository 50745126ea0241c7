//! Parking the state (inline calls).
//!
//! An actor waiting on an empty mailbox leaves its state here, *parked*, under the same lock
//! senders take ([`MailboxRx::recv_parking`]) — once a caller has asked for an inline call and
//! found it not parked (or from the start, for a supervisor's restart of a child whose last
//! incarnation parked), so that an actor nobody calls that way never boxes its state. A caller
//! that finds the queue empty and the state parked may borrow it ([`MailboxTx::lend_or_queue`])
//! and run an inline call's handler in its own task, then give it back
//! ([`MailboxTx::give_back`]). Because the check (nothing queued, nothing taken,
//! state parked) and the loan are one lock, nothing the actor was sent before the call can be
//! handled after it, and the actor never runs a callback while its state is lent: it waits for it
//! to come back (the caller wakes it when it asked). A handler that panicked inline leaves a
//! [`Sys::Crashed`] at the front of the queue, so the actor exits with the panic before it
//! handles anything else.

use std::any::Any;
use std::future::poll_fn;
use std::task::Poll;

use super::{Envelope, MailboxRx, MailboxTx, Owner, Parked, Shared, Sys, register};

/// What [`MailboxTx::lend_or_queue`] made of a call.
pub(crate) enum Lend<M> {
    /// The actor is idle: its state, lent, and the call, to run here.
    Lent(Parked, M),
    /// The actor is busy: the call is queued (an unbounded mailbox).
    Queued,
    /// Neither: the call goes the usual way (a bounded mailbox takes room for it first; a
    /// closed one refuses it).
    Back(M),
}

impl<M> MailboxTx<M> {
    /// [`MailboxRx::reclaim`], from the sending side: for the actor's task, whose receiving half
    /// is borrowed by its run loop when a kill comes.
    pub(crate) fn poll_reclaim(&self, cx: &std::task::Context<'_>) -> Poll<Option<Parked>> {
        self.shared.poll_reclaim(cx)
    }

    /// Borrows the actor's state for an inline call of `msg`: only when the actor waits with
    /// nothing queued or taken (its state is parked), so that the call is the next thing it
    /// handles; the state must be given back with [`give_back`](Self::give_back). Otherwise an
    /// unbounded mailbox queues the call in the same lock (one lock for a call to a busy actor,
    /// not one to find it busy and another to queue).
    #[inline]
    pub(crate) fn lend_or_queue(&self, msg: M) -> Lend<M> {
        let waiting = {
            let mut q = self.shared.lock();
            if q.closed {
                return Lend::Back(msg);
            }
            if !q.lent && q.is_empty() {
                if let Some(state) = q.parked.take() {
                    q.lent = true;
                    return Lend::Lent(state, msg);
                }
                // Not parked: the actor parks from now on (an actor nobody calls inline never
                // boxes its state).
                q.park = true;
            }
            if self.room.is_some() {
                return Lend::Back(msg);
            }
            q.enqueue(Envelope::Msg(msg))
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
        Lend::Queued
    }

    /// Whether the actor parks its state while it waits: a caller asked for an inline call (or
    /// it parked from the start). Its restart parks from the start too (see `launch`).
    pub(crate) fn parks(&self) -> bool {
        self.shared.lock().park
    }

    /// Has the actor park its state from now on: the model checks, and an actor that takes exit
    /// signals inline (see `inline::exit`).
    pub(crate) fn park_from_now(&self) {
        self.shared.lock().park = true;
    }

    /// Borrows the actor's state if it waits with nothing queued or taken (its state parked), for
    /// a handler run in the caller's task as the next thing the actor handles; `None` otherwise.
    /// The state must be given back with [`give_back`](Self::give_back) or
    /// [`give_back_before`](Self::give_back_before).
    pub(crate) fn lend(&self) -> Option<Parked> {
        let mut q = self.shared.lock();
        if q.closed || q.lent || !q.is_empty() {
            return None;
        }
        let state = q.parked.take()?;
        q.lent = true;
        Some(state)
    }

    /// Gives back a state [`lend_or_queue`](Self::lend_or_queue) lent: `handled` counts the inline call as a
    /// message received, and `crashed` (the handler's panic) is queued first, for the actor to
    /// exit with. Wakes the actor if it waits for the state, or must see the crash.
    #[inline]
    pub(crate) fn give_back(&self, state: Parked, handled: bool, crashed: Option<String>) {
        let crashed = crashed.map(|panic| Envelope::Sys(Box::new(Sys::Crashed(panic))));
        self.give_back_with(state, handled, crashed);
    }

    /// Gives back a lent state after a handler of a system message (not counted among the
    /// messages received) that left `next` for the actor to handle before anything else (queued
    /// first, the actor woken for it). Only for an unbounded mailbox: `next` takes no room.
    pub(crate) fn give_back_before(&self, state: Parked, next: M) {
        debug_assert!(
            self.room.is_none(),
            "a bounded mailbox's message takes room"
        );
        self.give_back_with(state, false, Some(Envelope::Msg(next)));
    }

    fn give_back_with(&self, state: Parked, handled: bool, first: Option<Envelope<M>>) {
        let waiting = {
            let mut q = self.shared.lock();
            q.lent = false;
            if q.closed {
                // The actor's task was dropped meanwhile (its runtime shut down): the state goes
                // with it.
                drop(q);
                drop(state);
                drop(first);
                return;
            }
            q.parked = Some(state);
            if handled {
                q.inline += 1;
            }
            let first = first.map(|envelope| {
                q.settle();
                if matches!(envelope, Envelope::Msg(_)) {
                    q.accepted += 1;
                }
                q.items.push_front(envelope);
            });
            if std::mem::take(&mut q.wanted) || first.is_some() {
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

impl<M, H: Owner<M>> MailboxRx<M, H> {
    /// The next envelope, in send order. For an actor whose calls may run inline, while nothing
    /// is queued its `state` waits in the mailbox, parked, where a caller may borrow it (see the
    /// module docs).
    /// `state` is home again when this returns; until then the actor runs nothing.
    pub(crate) async fn recv_parking<S: Any + Send>(&mut self, state: &mut Home<S>) -> Envelope<M> {
        let envelope = match self.taken.pop_front() {
            Some(envelope) => envelope,
            None => poll_fn(|cx| self.poll_take_parking(state, cx)).await,
        };
        self.count_taken(&envelope);
        envelope
    }

    /// One poll for the next envelope (everything queued is taken in one lock), parking `state`
    /// while the queue is empty and taking it back (once the caller it is lent to gave it back)
    /// before anything is handled.
    pub(super) fn poll_take_parking<S: Any + Send>(
        &mut self,
        state: &mut Home<S>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Envelope<M>> {
        let tx = self.owner.mailbox();
        let mut q = tx.shared.lock();
        if state.is_away() {
            if q.lent {
                q.wanted = true;
                register(&mut q.waiting, cx);
                return Poll::Pending;
            }
            if let Some(parked) = q.parked.take().and_then(|p| p.downcast::<S>().ok()) {
                *state = Home::Boxed(parked);
            }
            debug_assert!(
                !state.is_away(),
                "an actor's state is parked or lent while it waits"
            );
        }
        if q.is_empty() {
            if q.park
                && let Some(boxed) = state.take_boxed()
            {
                q.parked = Some(boxed);
            }
            register(&mut q.waiting, cx);
            return Poll::Pending;
        }
        Self::take(q, &mut self.taken, tx.room.as_deref(), self.one_at_a_time)
    }

    /// Whether the state parks from the start: then the first poll of a supervisor's start
    /// goes on to park it, so that the new actor's first caller may already borrow it.
    pub(crate) fn parks_from_start(&self) -> bool {
        self.owner.mailbox().shared.parks_from_start
    }

    /// Takes the actor's state back for good, waiting for a caller it is lent to: what a
    /// stopping actor drops or hands to `terminate`. `None` if it was not parked.
    pub(crate) async fn reclaim(&mut self) -> Option<Parked> {
        let tx = self.owner.mailbox();
        poll_fn(|cx| tx.shared.poll_reclaim(cx)).await
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

/// Where an actor's state is while the actor runs: in its task as built (no caller has asked
/// for an inline call yet), boxed in its task (it has been parked before), or away (parked in
/// the mailbox, or lent to a caller).
pub(crate) enum Home<S> {
    Here(S),
    Boxed(Box<S>),
    Away,
}

impl<S> Home<S> {
    /// The state, unless it is away.
    pub(crate) fn get(&mut self) -> Option<&mut S> {
        match self {
            Home::Here(state) => Some(state),
            Home::Boxed(state) => Some(state),
            Home::Away => None,
        }
    }

    pub(crate) fn is_away(&self) -> bool {
        matches!(self, Home::Away)
    }

    /// The state boxed, to park it (boxed the first time), leaving it away.
    fn take_boxed(&mut self) -> Option<Box<S>> {
        match std::mem::replace(self, Home::Away) {
            Home::Here(state) => Some(Box::new(state)),
            Home::Boxed(state) => Some(state),
            Home::Away => None,
        }
    }
}

//! The mailbox: one queue carrying user messages and system messages in send order, with an
//! optional bound on user messages enforced by a semaphore.
//!
//! The queue is a `VecDeque` behind a mutex, shared by the senders and the actor's task, not a
//! tokio mpsc channel: an idle actor's mailbox allocates nothing (an mpsc channel allocates a
//! block of 32 slots up front, about 2 KB per actor with our envelope), a send is one
//! uncontended lock plus a wake only when the actor waits, and the actor takes everything queued
//! in one lock and then handles it without touching the lock again. Senders never need counting:
//! the actor's own context holds a handle, so the queue only closes when the actor drops its
//! receiving half — and then every queued message is dropped at once (callers waiting on a reply
//! learn the actor is gone) and every later send fails.
//!
//! A bounded mailbox takes a permit per user message (released when the actor dequeues it);
//! system messages (`Info`, stop requests) never wait for room, so a full mailbox cannot block a
//! dying actor's `Down` or a supervisor's shutdown.
//!
//! An actor waiting on an empty mailbox parks its state here, for inline calls (see `park`).

mod carry;
mod evict;
mod park;
mod rx;

pub(crate) use evict::evicting;
pub(crate) use park::{Home, Lend};
pub(crate) use rx::MailboxRx;

use std::any::Any;
use std::collections::VecDeque;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use tokio::sync::{Semaphore, TryAcquireError};

use super::info::Info;
use super::overflow::{MailboxStats, Overflow};
use crate::sync::{Mutex, MutexGuard};
use crate::{ExitReason, SendError};

/// What travels in a mailbox. System messages are rare and boxed, so that an envelope is the
/// size of the user message plus a tag (16 bytes for a small cast instead of 56 with `Info`
/// inline): a long queue of small casts takes a third of the memory.
pub(crate) enum Envelope<M> {
    Msg(M),
    Sys(Box<Sys>),
    /// [`Sys::Stop`] with a reason that carries nothing (see [`PlainStop`]), without a box.
    Stop(PlainStop),
}

/// The reasons of a [`Sys::Stop`] queued without a box: the usual `stop`, and a supervisor's
/// shutdown of a trapping child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlainStop {
    Normal,
    Shutdown,
}

impl From<PlainStop> for ExitReason {
    fn from(stop: PlainStop) -> Self {
        match stop {
            PlainStop::Normal => ExitReason::Normal,
            PlainStop::Shutdown => ExitReason::Shutdown,
        }
    }
}

/// System messages, handled in mailbox order.
pub(crate) enum Sys {
    Info(Info),
    /// An orderly stop (`stop(reason)`, or an exit signal from the parent of a trapping actor):
    /// `terminate` runs with the reason. (`Normal` and `Shutdown` go as [`Envelope::Stop`].)
    Stop(ExitReason),
    /// `sys::get_state`: the state's `debug_state`, taken between two messages.
    Inspect(tokio::sync::oneshot::Sender<Option<String>>),
    /// A handler run inline by a caller panicked with this message: the actor exits with it,
    /// as if its own task had run the handler (queued first, by [`MailboxTx::give_back`]).
    Crashed(String),
}

/// An actor's state while it is parked or lent (typed by the actor, which the mailbox is not).
pub(crate) type Parked = Box<dyn Any + Send>;

struct Queue<M> {
    items: VecDeque<Envelope<M>>,
    /// A plain stop sent while nothing was queued (the usual stop of an idle actor), held here so
    /// that the queue allocates no buffer for it: then it is the queue's one envelope (`items` is
    /// empty while this is set; anything queued after it goes behind it, see [`settle`]).
    ///
    /// [`settle`]: Queue::settle
    stop: Option<PlainStop>,
    /// Set when the receiving half is dropped: sends fail from then on.
    closed: bool,
    /// The actor's task, when it found the queue empty and waits.
    waiting: Option<Waker>,
    /// User messages ever queued and not pushed out by [`Overflow::DropOldest`]: with
    /// `Shared::received`, the mailbox's length, counted under the lock senders take anyway.
    accepted: u64,
    /// The actor's state while the actor waits with nothing to handle (see the module docs).
    parked: Option<Parked>,
    /// The state is lent to a caller running an inline call.
    lent: bool,
    /// The actor waits for its lent state to come back: the caller wakes it.
    wanted: bool,
    /// A caller found the actor idle but its state not parked: it parks from now on.
    park: bool,
    /// Calls handled inline: counted with the messages the actor took.
    inline: u64,
    /// A supervisor carries this incarnation's unstarted user messages over to the next one (the
    /// child is followed, see `carry`): on close they stay in `items` for it.
    follow: bool,
}

impl<M> Queue<M> {
    /// Queues `envelope` (a user message counts as accepted); the waiting actor's waker, to wake.
    fn enqueue(&mut self, envelope: Envelope<M>) -> Option<Waker> {
        match envelope {
            Envelope::Msg(_) => self.accepted += 1,
            Envelope::Stop(stop) if self.is_empty() => {
                self.stop = Some(stop);
                return self.waiting.take();
            }
            Envelope::Sys(_) | Envelope::Stop(_) => {}
        }
        self.settle();
        self.items.push_back(envelope);
        self.waiting.take()
    }

    /// Nothing is queued (not even a held stop).
    fn is_empty(&self) -> bool {
        self.items.is_empty() && self.stop.is_none()
    }

    /// Moves a held stop into `items`, where it is the first envelope: before anything is
    /// queued behind it, or put in front of it.
    fn settle(&mut self) {
        if let Some(stop) = self.stop.take() {
            self.items.push_back(Envelope::Stop(stop));
        }
    }
}

struct Shared<M> {
    queue: Mutex<Queue<M>>,
    /// User messages the actor has taken; written by the receiving half only.
    received: AtomicU64,
    /// User messages the overflow policy refused or dropped.
    dropped: AtomicU64,
    capacity: Option<usize>,
    overflow: Overflow,
    /// The state parks from the start (see [`MailboxTx::new`]).
    parks_from_start: bool,
}

impl<M> Shared<M> {
    fn lock(&self) -> MutexGuard<'_, Queue<M>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Enqueues `envelope`, waking the actor if it waits; hands it back if the actor is gone.
    fn push(&self, envelope: Envelope<M>) -> Result<(), Envelope<M>> {
        let waiting = {
            let mut q = self.lock();
            if q.closed {
                return Err(envelope);
            }
            q.enqueue(envelope)
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
        Ok(())
    }

    fn count_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// What became of a user message offered to the mailbox without waiting.
pub(crate) enum Offer<M> {
    /// Queued (under [`Overflow::DropOldest`], possibly after pushing out the oldest message).
    Queued,
    /// The mailbox is full and its policy is [`Overflow::Wait`]: the sender may wait for room.
    Full(M),
    /// The mailbox is full and its policy refused the message ([`Overflow::Reject`],
    /// [`Overflow::DropNewest`], [`Overflow::Stop`]); counted as dropped.
    Refused(M, Overflow),
    /// The actor is gone.
    Closed(M),
}

/// The sending half, kept in the actor's cell (the queue lives there: no allocation of its own).
pub(crate) struct MailboxTx<M> {
    shared: Shared<M>,
    room: Option<Box<Semaphore>>,
}

/// What holds an actor's [`MailboxTx`]: its cell (or, in the tests, the sending half alone). The
/// receiving half keeps it alive, and reaches the queue through it.
pub(crate) trait Owner<M> {
    fn mailbox(&self) -> &MailboxTx<M>;
}

impl<M> Owner<M> for MailboxTx<M> {
    fn mailbox(&self) -> &MailboxTx<M> {
        self
    }
}

impl<M> MailboxTx<M> {
    /// A mailbox: unbounded when `capacity` is `None`, else bounded with `overflow` as its
    /// policy. With `park`, the actor parks its state for inline calls from the start (see
    /// `park`). Its receiving half is [`MailboxRx::new`], on whatever holds this.
    pub(crate) fn new(capacity: Option<usize>, overflow: Overflow, park: bool) -> Self {
        // At least one message; at most what a semaphore can count (far beyond any memory).
        let capacity = capacity.map(|n| n.clamp(1, Semaphore::MAX_PERMITS));
        MailboxTx {
            shared: Shared {
                queue: Mutex::new(Queue {
                    items: VecDeque::new(),
                    stop: None,
                    closed: false,
                    waiting: None,
                    accepted: 0,
                    parked: None,
                    lent: false,
                    wanted: false,
                    park,
                    inline: 0,
                    follow: false,
                }),
                received: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                capacity,
                overflow,
                parks_from_start: park,
            },
            room: capacity.map(|n| Box::new(Semaphore::new(n))),
        }
    }
}

/// A mailbox on its own, its sending half shared (the tests').
#[cfg(test)]
pub(crate) fn channel<M>(
    capacity: Option<usize>,
    overflow: Overflow,
    park: bool,
) -> (std::sync::Arc<MailboxTx<M>>, MailboxRx<M>) {
    let tx = std::sync::Arc::new(MailboxTx::new(capacity, overflow, park));
    (tx.clone(), MailboxRx::new(tx))
}

impl<M> MailboxTx<M> {
    /// Offers a user message without waiting, applying the overflow policy if the mailbox is full.
    #[inline]
    pub(crate) fn offer(&self, msg: M) -> Offer<M> {
        if let Some(room) = &self.room {
            match room.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(TryAcquireError::NoPermits) => return self.overflow(msg),
                Err(TryAcquireError::Closed) => return Offer::Closed(msg),
            }
        }
        self.push_msg(msg)
    }

    /// Queues a user message, room for it taken: `Closed` with the message if the actor is gone.
    #[inline]
    fn push_msg(&self, msg: M) -> Offer<M> {
        match self.shared.push(Envelope::Msg(msg)) {
            Ok(()) => Offer::Queued,
            Err(Envelope::Msg(msg)) => Offer::Closed(msg),
            Err(Envelope::Sys(_) | Envelope::Stop(_)) => unreachable!("a user message was sent"),
        }
    }

    /// Offers a user message to an unbounded mailbox, which drops nothing: a message it does not
    /// queue comes back in `Closed`. A bounded mailbox gives it back untouched (`Err`), for
    /// [`offer`](Self::offer).
    #[inline]
    pub(crate) fn offer_unbounded(&self, msg: M) -> Result<Offer<M>, M> {
        if self.room.is_some() {
            return Err(msg);
        }
        Ok(self.push_msg(msg))
    }

    /// Enqueues a user message in an unbounded mailbox (the caller checked it is one).
    #[inline]
    pub(crate) fn push_unbounded(&self, msg: M) -> Result<(), SendError> {
        debug_assert!(self.room.is_none());
        self.shared
            .push(Envelope::Msg(msg))
            .map_err(|_| SendError::NoProc)
    }

    /// Enqueues a user message, waiting for room in a bounded mailbox whose policy is
    /// [`Overflow::Wait`]; under any other policy this is [`offer`](Self::offer).
    pub(crate) async fn send(&self, msg: M) -> Offer<M> {
        match &self.room {
            Some(room) if self.shared.overflow == Overflow::Wait => match room.acquire().await {
                Ok(permit) => permit.forget(),
                Err(_) => return Offer::Closed(msg),
            },
            _ => return self.offer(msg),
        }
        self.push_msg(msg)
    }

    /// Enqueues a system message; `false` if the actor is gone.
    pub(crate) fn send_sys(&self, sys: Sys) -> bool {
        let envelope = match sys {
            Sys::Stop(ExitReason::Normal) => Envelope::Stop(PlainStop::Normal),
            Sys::Stop(ExitReason::Shutdown) => Envelope::Stop(PlainStop::Shutdown),
            sys => Envelope::Sys(Box::new(sys)),
        };
        self.shared.push(envelope).is_ok()
    }

    pub(crate) fn is_bounded(&self) -> bool {
        self.room.is_some()
    }

    /// The mailbox's depth, bound, drops and intake.
    pub(crate) fn stats(&self) -> MailboxStats {
        let shared = &self.shared;
        // `received` first: it never passes `accepted` read after it.
        let received = shared.received.load(Ordering::Relaxed);
        let (accepted, inline) = {
            let q = shared.lock();
            (q.accepted, q.inline)
        };
        // The two counts are read at slightly different moments: never report more than fits.
        let len = usize::try_from(accepted.saturating_sub(received)).unwrap_or(usize::MAX);
        MailboxStats {
            len: shared.capacity.map_or(len, |capacity| len.min(capacity)),
            capacity: shared.capacity,
            dropped: shared.dropped.load(Ordering::Relaxed),
            received: received + inline,
            overflow: shared.overflow,
        }
    }
}

/// Registers the actor's task to be woken by the next send (or the return of its state).
fn register(waiting: &mut Option<Waker>, cx: &std::task::Context<'_>) {
    match waiting {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *waiting = Some(cx.waker().clone()),
    }
}

/// Messages a closed mailbox still held (and the reply channels inside them): dropping them
/// tells their callers the actor is gone.
pub(crate) type Unhandled<M> = VecDeque<Envelope<M>>;

#[cfg(all(test, beamish_loom))]
mod models;
#[cfg(test)]
mod tests;

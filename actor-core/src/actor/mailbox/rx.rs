//! The receiving half: the actor's task's, taking everything queued in one lock.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;

use tokio::sync::Semaphore;

#[cfg(test)]
use super::Home;
use super::{Envelope, MailboxTx, Overflow, Owner, Queue, Unhandled, carry};
use crate::sync::MutexGuard;

/// The receiving half of an actor's mailbox, reaching the queue through what holds the sending
/// half (`H`: the actor's cell).
pub(crate) struct MailboxRx<M, H: Owner<M> = MailboxTx<M>> {
    pub(super) owner: Arc<H>,
    /// Messages taken from the shared queue in one lock, handled from here.
    pub(super) taken: VecDeque<Envelope<M>>,
    /// User messages taken so far (published in `Shared::received`).
    received: u64,
    /// [`Overflow::DropOldest`]: one message per lock, its room given back under the lock.
    pub(super) one_at_a_time: bool,
    /// [`close`](Self::close) ran: dropping has nothing left to do.
    closed: bool,
}

impl<M, H: Owner<M>> MailboxRx<M, H> {
    /// The receiving half of the mailbox `owner` holds (one per mailbox: the actor's task's).
    pub(crate) fn new(owner: Arc<H>) -> Self {
        let one_at_a_time = owner.mailbox().shared.overflow == Overflow::DropOldest;
        MailboxRx {
            owner,
            taken: VecDeque::new(),
            received: 0,
            one_at_a_time,
            closed: false,
        }
    }

    /// What holds the sending half (the actor's cell).
    pub(crate) fn owner(&self) -> &Arc<H> {
        &self.owner
    }

    /// The next envelope, in send order, for the model checks of the mailbox alone: the actor's
    /// loop ([`recv_parking`](Self::recv_parking)) with a stateless actor that never parks.
    #[cfg(all(test, beamish_loom))]
    pub(crate) async fn recv(&mut self) -> Envelope<M> {
        self.recv_parking(&mut Home::Here(())).await
    }

    /// Counts a taken user message, and gives its room back.
    pub(super) fn count_taken(&mut self, envelope: &Envelope<M>) {
        if let Envelope::Msg(_) = envelope {
            self.received += 1;
            let tx = self.owner.mailbox();
            tx.shared.received.store(self.received, Ordering::Relaxed);
            // Under `DropOldest` the room was given back under the lock (`take`).
            if let Some(room) = &tx.room
                && !self.one_at_a_time
            {
                room.add_permits(1);
            }
        }
    }

    /// The next envelope if one is queued, without waiting (the tests' probe).
    #[cfg(test)]
    pub(crate) fn try_recv(&mut self) -> Option<Envelope<M>> {
        self.try_recv_parking(&mut Home::Here(()))
    }

    /// [`try_recv`](Self::try_recv) for an actor with a state, which parks while nothing is
    /// queued (the tests' probe of inline calls).
    #[cfg(test)]
    pub(crate) fn try_recv_parking<S: std::any::Any + Send>(
        &mut self,
        state: &mut Home<S>,
    ) -> Option<Envelope<M>> {
        if let Some(envelope) = self.taken.pop_front() {
            return Some(envelope);
        }
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match self.poll_take_parking(state, &mut cx) {
            Poll::Ready(envelope) => Some(envelope),
            Poll::Pending => None,
        }
    }

    /// Takes the first envelope of a non-empty queue (everything queued, but one at a time
    /// under [`Overflow::DropOldest`]).
    pub(super) fn take(
        mut q: MutexGuard<'_, Queue<M>>,
        taken: &mut VecDeque<Envelope<M>>,
        room: Option<&Semaphore>,
        one_at_a_time: bool,
    ) -> Poll<Envelope<M>> {
        if let Some(stop) = q.stop.take() {
            // Held without a buffer: the queue's one envelope.
            return Poll::Ready(Envelope::Stop(stop));
        }
        if one_at_a_time {
            let envelope = q.items.pop_front().expect("non-empty");
            if let (Envelope::Msg(_), Some(room)) = (&envelope, room) {
                room.add_permits(1);
            }
            return Poll::Ready(envelope);
        }
        if q.items.len() == 1 {
            // A lone envelope (a call, a restarted child's first message) is popped: the queue
            // keeps its buffer. Swapped, it would get `taken`'s, which a new incarnation has
            // not allocated yet, and the next send would allocate one.
            return Poll::Ready(q.items.pop_front().expect("non-empty"));
        }
        // Swap buffers: `taken` is empty, and keeps its capacity for the next burst.
        std::mem::swap(&mut q.items, taken);
        drop(q);
        Poll::Ready(taken.pop_front().expect("non-empty"))
    }
}

impl<M, H: Owner<M>> MailboxRx<M, H> {
    /// Closes the mailbox: every later send fails, and senders waiting for room learn at once
    /// that the actor is gone. Returns the messages still queued, for the caller to drop when it
    /// chooses: the actor task drops them once its exit is told, so that a caller whose call was
    /// queued wakes once, to an exit reason already there. If a supervisor carries this child's
    /// messages over to its next incarnation, the user messages stay in the closed queue for it
    /// (see `carry`), in the same lock that closes it.
    pub(crate) fn close(&mut self) -> Unhandled<M> {
        self.closed = true;
        // In arrival order: those taken from the queue came first.
        let mut unhandled = std::mem::take(&mut self.taken);
        let (mut queued, parked) = {
            let mut q = self.owner.mailbox().shared.lock();
            q.closed = true;
            q.waiting = None;
            // A held stop carries nothing: it goes with the exit.
            q.stop = None;
            // Nothing waits any more: the length reads 0.
            q.accepted = self.received;
            let queued = if q.follow {
                if unhandled.is_empty() {
                    // Nothing taken ahead of the queue: it moves whole, and back (below).
                    std::mem::swap(&mut unhandled, &mut q.items);
                } else {
                    unhandled.append(&mut q.items);
                }
                carry::keep(&mut unhandled, &mut q.items);
                VecDeque::new()
            } else {
                std::mem::take(&mut q.items)
            };
            (queued, q.parked.take())
        };
        // Still parked only if the actor's task was dropped where it waited (its runtime shut
        // down): the state is dropped with the task, as it would be were it in the task.
        drop(parked);
        if let Some(room) = &self.owner.mailbox().room {
            room.close();
        }
        // Most actors exit with nothing queued: no move of the (empty) buffers then.
        if unhandled.is_empty() {
            queued
        } else {
            unhandled.append(&mut queued);
            unhandled
        }
    }
}

impl<M, H: Owner<M>> Drop for MailboxRx<M, H> {
    fn drop(&mut self) {
        // Queued messages (and the reply channels inside them) are dropped now, outside the lock,
        // so their callers learn at once that the actor is gone.
        if !self.closed {
            drop(self.close());
        }
    }
}

//! Carrying a followed child's unstarted messages over to its next incarnation.
//!
//! Once a handle follows a supervised child, the child's mailbox outlives its incarnations, as a
//! restarted actor's mailbox does in Akka: the user messages an incarnation had not started when
//! it exited go to the next incarnation the supervisor starts, ahead of what that one was sent
//! since. The message being handled when it died is not among them (nothing is handled twice);
//! system messages (monitors' `Down`s, exit signals, stop requests) named that incarnation and
//! die with it. The dying incarnation keeps the user messages in its closed queue, in the lock
//! that closes it, only while a supervisor's publisher follows it; the publisher then either
//! hands them to the new incarnation ([`MailboxTx::adopt`]) or drops them
//! ([`MailboxTx::hand_over`] alone), which tells their callers the exit reason as any dropped
//! message does. Each side sets or clears `follow` and moves the messages under the queue's lock,
//! so whichever comes second sees what the first did: no message is both kept and dropped, or
//! kept with nobody left to take it.

use std::collections::VecDeque;

use super::{Envelope, MailboxTx, Unhandled};

/// Moves the user messages of `unhandled` to `kept`, in order (in the lock that closes the
/// mailbox); system messages stay, to be dropped with the exit.
pub(super) fn keep<M>(unhandled: &mut Unhandled<M>, kept: &mut VecDeque<Envelope<M>>) {
    let user = unhandled
        .iter()
        .filter(|e| matches!(e, Envelope::Msg(_)))
        .count();
    if user == 0 {
        return;
    }
    if user == unhandled.len() && kept.is_empty() {
        // Only user messages (the usual case): kept as they are, buffer and all.
        std::mem::swap(unhandled, kept);
        return;
    }
    for envelope in std::mem::take(unhandled) {
        match envelope {
            Envelope::Msg(_) => kept.push_back(envelope),
            Envelope::Sys(_) | Envelope::Stop(_) => unhandled.push_back(envelope),
        }
    }
}

impl<M> MailboxTx<M> {
    /// From now on this incarnation keeps its unstarted user messages when it exits, for
    /// [`hand_over`](Self::hand_over).
    pub(crate) fn follow(&self) {
        self.shared.lock().follow = true;
    }

    /// Stops keeping messages, and takes those the closed mailbox kept: for the next
    /// incarnation's [`adopt`](Self::adopt), or to drop (outside any lock: each drop tells a
    /// caller).
    pub(crate) fn hand_over(&self) -> Unhandled<M> {
        let mut q = self.shared.lock();
        q.follow = false;
        if q.closed {
            std::mem::take(&mut q.items)
        } else {
            VecDeque::new()
        }
    }

    /// Takes `carried` (the last incarnation's unstarted user messages) ahead of everything
    /// queued, and keeps its own from now on. A bounded mailbox takes as many as it has
    /// room for: the rest are returned, counted as dropped, for the caller to drop.
    pub(crate) fn adopt(&self, mut carried: Unhandled<M>) -> Unhandled<M> {
        let fits = match &self.room {
            None => carried.len(),
            Some(room) => (0..carried.len())
                .take_while(|_| room.try_acquire().map(|permit| permit.forget()).is_ok())
                .count(),
        };
        let mut left = carried.split_off(fits);
        let waiting = {
            let mut q = self.shared.lock();
            q.follow = true;
            // The carried messages go ahead of a held stop too.
            q.settle();
            if q.closed {
                // This incarnation is gone too: kept for the one after it.
                q.items.append(&mut carried);
                q.items.append(&mut left);
                return left;
            }
            q.accepted += carried.len() as u64;
            if q.items.is_empty() {
                // The usual case (a new incarnation has been sent nothing yet): the carried
                // queue becomes this one, buffer and all.
                std::mem::swap(&mut q.items, &mut carried);
            } else {
                while let Some(envelope) = carried.pop_back() {
                    q.items.push_front(envelope);
                }
            }
            q.waiting.take()
        };
        for _ in &left {
            self.shared.count_dropped();
        }
        if let Some(waker) = waiting {
            waker.wake();
        }
        left
    }
}

/// Model checks of the hand-over (see `models` in the actor module for how to run them).
#[cfg(all(test, beamish_loom))]
mod models {
    use std::sync::Arc;

    use loom::thread;

    use super::super::{Envelope, Sys, channel};
    use crate::actor::overflow::Overflow;

    /// The incarnation exits (closing its mailbox, keeping its user messages) while its
    /// publisher gives up on it (the child is gone for good): whatever the order, the user
    /// message is dropped exactly once — kept and taken by the publisher, or dropped with the
    /// exit — nothing is left behind, and a system message is never kept.
    #[test]
    fn an_exit_racing_the_publisher_giving_up_drops_every_message_once() {
        loom::model(|| {
            let message = Arc::new(());
            let (tx, mut rx) = channel::<Arc<()>>(None, Overflow::Wait, false);
            tx.follow();
            assert!(tx.shared.push(Envelope::Msg(message.clone())).is_ok());
            assert!(tx.send_sys(Sys::Stop(crate::ExitReason::Normal)));
            let tx = Arc::new(tx);
            let publisher = {
                let tx = tx.clone();
                thread::spawn(move || drop(tx.hand_over()))
            };
            let unhandled = rx.close();
            assert!(
                unhandled
                    .iter()
                    .any(|e| matches!(e, Envelope::Sys(_) | Envelope::Stop(_))),
                "a system message was kept"
            );
            drop(unhandled);
            publisher.join().expect("the publisher");
            // Nothing is left in the closed queue for anybody to take.
            assert!(tx.hand_over().is_empty(), "a message was left behind");
            assert_eq!(Arc::strong_count(&message), 1, "a message outlived both");
        });
    }

    /// The exit racing the next incarnation's adoption (the publisher hands over what the dying
    /// one kept, then the next one takes it): a message the exit kept reaches the next
    /// incarnation, ahead of what it was sent meanwhile, or was dropped with the exit if the
    /// hand-over came first; never both, never lost in between.
    #[test]
    fn kept_messages_reach_the_next_incarnation_first_or_are_dropped_with_the_exit() {
        loom::model(|| {
            let carried = Arc::new(1);
            let (old, mut old_rx) = channel::<Arc<u32>>(None, Overflow::Wait, false);
            let (next, mut next_rx) = channel::<Arc<u32>>(None, Overflow::Wait, false);
            old.follow();
            assert!(old.shared.push(Envelope::Msg(carried.clone())).is_ok());
            assert!(next.shared.push(Envelope::Msg(Arc::new(2))).is_ok());
            let old = Arc::new(old);
            let publisher = {
                let old = old.clone();
                thread::spawn(move || {
                    let left = next.adopt(old.hand_over());
                    assert!(left.is_empty(), "an unbounded mailbox takes everything");
                    next
                })
            };
            let unhandled = old_rx.close();
            let dropped_with_exit = !unhandled.is_empty();
            drop(unhandled);
            let next = publisher.join().expect("the publisher");
            let mut seen = Vec::new();
            while let Some(envelope) = next_rx.try_recv() {
                if let Envelope::Msg(m) = envelope {
                    seen.push(*m);
                }
            }
            if dropped_with_exit {
                assert_eq!(seen, vec![2]);
            } else {
                assert_eq!(seen, vec![1, 2], "carried first");
            }
            drop(next);
            assert!(old.hand_over().is_empty(), "nothing left behind");
        });
    }
}

#[cfg(all(test, not(beamish_loom)))]
mod tests {
    use std::collections::VecDeque;

    use super::super::{Envelope, Home, Offer, channel};
    use crate::actor::overflow::Overflow;

    fn carried(messages: &[u32]) -> VecDeque<Envelope<u32>> {
        messages.iter().map(|&m| Envelope::Msg(m)).collect()
    }

    /// A bounded mailbox adopts no more than it has room for: those go first, the rest come
    /// back counted as dropped, and the bound still holds afterwards.
    #[tokio::test]
    async fn a_bounded_mailbox_adopts_what_fits_first_and_returns_the_rest() {
        let (tx, mut rx) = channel::<u32>(Some(3), Overflow::Reject, false);
        assert!(matches!(tx.offer(10), Offer::Queued));
        let left = tx.adopt(carried(&[1, 2, 3]));
        assert_eq!(left.len(), 1);
        assert!(matches!(left.front(), Some(Envelope::Msg(3))));
        let stats = tx.stats();
        assert_eq!((stats.len, stats.dropped), (3, 1));
        assert!(matches!(tx.offer(11), Offer::Refused(11, _)), "full");
        let mut seen = Vec::new();
        for _ in 0..3 {
            match rx.recv_parking(&mut Home::Here(())).await {
                Envelope::Msg(m) => seen.push(m),
                Envelope::Sys(_) | Envelope::Stop(_) => panic!("no system message was sent"),
            }
        }
        assert_eq!(seen, [1, 2, 10], "carried first");
        // Each taken message gave its room back: three fit again, not more.
        for m in 20..23 {
            assert!(matches!(tx.offer(m), Offer::Queued));
        }
        assert!(
            matches!(tx.offer(23), Offer::Refused(23, _)),
            "the bound holds"
        );
    }

    /// An empty mailbox takes the carried queue whole; what it is sent afterwards queues behind.
    #[tokio::test]
    async fn an_empty_mailbox_takes_the_carried_queue_and_queues_behind_it() {
        let (tx, mut rx) = channel::<u32>(None, Overflow::Reject, false);
        assert!(tx.adopt(carried(&[1, 2, 3])).is_empty());
        assert!(matches!(tx.offer(4), Offer::Queued));
        assert_eq!(tx.stats().len, 4);
        let mut seen = Vec::new();
        for _ in 0..4 {
            match rx.recv_parking(&mut Home::Here(())).await {
                Envelope::Msg(m) => seen.push(m),
                Envelope::Sys(_) | Envelope::Stop(_) => panic!("no system message was sent"),
            }
        }
        assert_eq!(seen, [1, 2, 3, 4]);
    }

    fn shape(queue: &VecDeque<Envelope<u32>>) -> Vec<Option<u32>> {
        queue
            .iter()
            .map(|e| match e {
                Envelope::Msg(m) => Some(*m),
                Envelope::Sys(_) | Envelope::Stop(_) => None,
            })
            .collect()
    }

    /// The closing mailbox keeps its user messages in order and leaves its system messages to
    /// die with the exit, whether or not there are any among them.
    #[test]
    fn keep_moves_the_user_messages_in_order_and_leaves_the_system_ones() {
        let stop = || Envelope::Sys(Box::new(super::super::Sys::Stop(crate::ExitReason::Normal)));
        // Only user messages: kept as they are.
        let mut unhandled = carried(&[1, 2, 3]);
        let mut kept = VecDeque::new();
        super::keep(&mut unhandled, &mut kept);
        assert_eq!(shape(&kept), [Some(1), Some(2), Some(3)]);
        assert!(unhandled.is_empty());
        // Mixed: the user messages move, the system ones stay.
        let mut unhandled: VecDeque<_> = [Envelope::Msg(1), stop(), Envelope::Msg(2), stop()]
            .into_iter()
            .collect();
        let mut kept = VecDeque::new();
        super::keep(&mut unhandled, &mut kept);
        assert_eq!(shape(&kept), [Some(1), Some(2)]);
        assert_eq!(shape(&unhandled), [None, None]);
        // Only system messages: nothing is kept.
        let mut unhandled: VecDeque<_> = [stop()].into_iter().collect();
        let mut kept = VecDeque::new();
        super::keep(&mut unhandled, &mut kept);
        assert!(kept.is_empty());
        assert_eq!(unhandled.len(), 1);
    }
}

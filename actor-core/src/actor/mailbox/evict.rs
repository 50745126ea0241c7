//! A full bounded mailbox's policy at work ([`Overflow`]), and the drop of a message it pushed
//! out ([`Overflow::DropOldest`]), which tells a waiting caller.

use std::cell::Cell as StdCell;

use tokio::sync::TryAcquireError;

use super::{Envelope, MailboxTx, Offer};
use crate::actor::overflow::Overflow;

thread_local! {
    /// Set while a message pushed out by [`Overflow::DropOldest`] is dropped: its reply channel,
    /// if it is a call's, tells the caller [`CallError::Dropped`](crate::CallError::Dropped)
    /// instead of leaving it to wait.
    static EVICTING: StdCell<bool> = const { StdCell::new(false) };
}

/// `true` while the mailbox drops a message it pushed out (read by `ReplyTo`'s drop).
pub(crate) fn evicting() -> bool {
    EVICTING.with(StdCell::get)
}

/// Drops `msg` as a message pushed out of a full mailbox.
fn evict<M>(msg: M) {
    EVICTING.with(|flag| flag.set(true));
    // Reset even if a destructor in the message panics.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            EVICTING.with(|flag| flag.set(false));
        }
    }
    let _reset = Reset;
    drop(msg);
}

impl<M> MailboxTx<M> {
    /// A full bounded mailbox's policy at work.
    #[cold]
    pub(super) fn overflow(&self, msg: M) -> Offer<M> {
        match self.shared.overflow {
            Overflow::Wait => Offer::Full(msg),
            Overflow::DropOldest => self.push_out_oldest(msg),
            policy => {
                self.shared.count_dropped();
                Offer::Refused(msg, policy)
            }
        }
    }

    /// Queues `msg` in place of the oldest queued user message (the receiving half takes one
    /// message per lock under this policy, so every queued user message is in `items`).
    fn push_out_oldest(&self, msg: M) -> Offer<M> {
        let Some(room) = &self.room else {
            return Offer::Full(msg);
        };
        loop {
            let (oldest, waiting) = {
                let mut q = self.shared.lock();
                if q.closed {
                    return Offer::Closed(msg);
                }
                match q.items.iter().position(|e| matches!(e, Envelope::Msg(_))) {
                    Some(at) => {
                        let oldest = q.items.remove(at);
                        q.items.push_back(Envelope::Msg(msg));
                        (oldest, q.waiting.take())
                    }
                    // The actor took messages since the mailbox was found full: there is room.
                    None => {
                        drop(q);
                        match room.try_acquire() {
                            Ok(permit) => {
                                permit.forget();
                                return match self.shared.push(Envelope::Msg(msg)) {
                                    Ok(()) => Offer::Queued,
                                    Err(Envelope::Msg(msg)) => Offer::Closed(msg),
                                    Err(Envelope::Sys(_) | Envelope::Stop(_)) => {
                                        unreachable!("a user message")
                                    }
                                };
                            }
                            Err(TryAcquireError::Closed) => return Offer::Closed(msg),
                            // Another sender took that room: look again.
                            Err(TryAcquireError::NoPermits) => continue,
                        }
                    }
                }
            };
            // `accepted` is unchanged: one message out, one in.
            self.shared.count_dropped();
            if let Some(waker) = waiting {
                waker.wake();
            }
            if let Some(Envelope::Msg(oldest)) = oldest {
                evict(oldest);
            }
            return Offer::Queued;
        }
    }
}

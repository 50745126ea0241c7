//! The reply half of a call.

use std::fmt;

use tokio::sync::oneshot;

use super::mailbox::evicting;

/// Where a call's answer goes. A `#[call]` handler that takes one defers its reply (GenServer's
/// `{:noreply, state}` + `reply/2`): keep it, and answer later from any task with [`send`](Self::send)
/// or [`Context::reply`](crate::Context::reply).
///
/// If it is dropped unanswered, the caller waits until its timeout — or, if the actor exits first,
/// gets `CallError::Exited` at once. (A call pushed out of a full mailbox by
/// [`Overflow::DropOldest`](crate::Overflow::DropOldest) gets `CallError::Dropped` at once.)
pub struct ReplyTo<R>(Option<oneshot::Sender<Answer<R>>>);

/// What travels back to a caller: the reply, or word that the call was pushed out of a full
/// mailbox unhandled.
pub(crate) type Answer<R> = Result<R, Evicted>;

/// The call was pushed out of a full mailbox ([`Overflow::DropOldest`](crate::Overflow::DropOldest)).
#[derive(Debug)]
pub(crate) struct Evicted;

/// The caller's end of a call's reply channel.
pub(crate) type ReplyRx<R> = oneshot::Receiver<Answer<R>>;

impl<R> ReplyTo<R> {
    /// A reply channel: the callee's end and the caller's.
    pub(crate) fn channel() -> (Self, ReplyRx<R>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo(Some(tx)), rx)
    }

    /// Answers the call. Returns `false` if the caller stopped waiting (its timeout passed); the
    /// value is then dropped, harmlessly.
    pub fn send(mut self, value: R) -> bool {
        self.0.take().is_some_and(|tx| tx.send(Ok(value)).is_ok())
    }

    /// `true` once the caller no longer waits for this reply.
    pub fn is_closed(&self) -> bool {
        self.0.as_ref().is_none_or(oneshot::Sender::is_closed)
    }
}

impl<R> Drop for ReplyTo<R> {
    fn drop(&mut self) {
        // Unanswered: tell the caller at once if the mailbox pushed this call out.
        if let Some(tx) = self.0.take()
            && evicting()
        {
            let _ = tx.send(Err(Evicted));
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

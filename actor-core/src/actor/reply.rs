//! The reply half of a call.

use std::fmt;

use tokio::sync::oneshot;

/// Where a call's answer goes. A `#[call]` handler that takes one defers its reply (GenServer's
/// `{:noreply, state}` + `reply/2`): keep it, and answer later from any task with [`send`](Self::send)
/// or [`Context::reply`](crate::Context::reply).
///
/// If it is dropped unanswered, the caller waits until its timeout — or, if the actor exits first,
/// gets `CallError::Exited` at once.
pub struct ReplyTo<R>(oneshot::Sender<R>);

impl<R> ReplyTo<R> {
    pub(crate) fn new(tx: oneshot::Sender<R>) -> Self {
        ReplyTo(tx)
    }

    /// Answers the call. Returns `false` if the caller stopped waiting (its timeout passed); the
    /// value is then dropped, harmlessly.
    pub fn send(self, value: R) -> bool {
        self.0.send(value).is_ok()
    }

    /// `true` once the caller no longer waits for this reply.
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl<R> fmt::Debug for ReplyTo<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}

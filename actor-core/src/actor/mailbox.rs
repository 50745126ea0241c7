//! The mailbox: one unbounded channel carrying user messages and system messages in send order,
//! with an optional bound on user messages enforced by a semaphore.
//!
//! A bounded mailbox takes a permit per user message (released when the actor dequeues it);
//! system messages (`Info`, stop requests) never wait for room, so a full mailbox cannot block a
//! dying actor's `Down` or a supervisor's shutdown.

use std::sync::Arc;

use tokio::sync::{Semaphore, TryAcquireError, mpsc};

use super::info::Info;
use crate::{ExitReason, TrySendError};

/// What travels in a mailbox.
pub(crate) enum Envelope<M> {
    Msg(M),
    Sys(Sys),
}

/// System messages, handled in mailbox order.
pub(crate) enum Sys {
    Info(Info),
    /// An orderly stop (`stop(reason)`, or an exit signal from the parent of a trapping actor):
    /// `terminate` runs with the reason.
    Stop(ExitReason),
}

pub(crate) struct MailboxTx<M> {
    tx: mpsc::UnboundedSender<Envelope<M>>,
    room: Option<Arc<Semaphore>>,
}

pub(crate) struct MailboxRx<M> {
    rx: mpsc::UnboundedReceiver<Envelope<M>>,
    room: Option<Arc<Semaphore>>,
}

pub(crate) fn channel<M>(capacity: Option<usize>) -> (MailboxTx<M>, MailboxRx<M>) {
    let (tx, rx) = mpsc::unbounded_channel();
    // At least one message; at most what a semaphore can count (far beyond any memory).
    let room = capacity.map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS))));
    (
        MailboxTx {
            tx,
            room: room.clone(),
        },
        MailboxRx { rx, room },
    )
}

impl<M> MailboxTx<M> {
    /// Enqueues a user message without waiting.
    pub(crate) fn try_send(&self, msg: M) -> Result<(), TrySendError<M>> {
        if let Some(room) = &self.room {
            match room.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(TryAcquireError::NoPermits) => return Err(TrySendError::Full(msg)),
                Err(TryAcquireError::Closed) => return Err(TrySendError::NoProc(msg)),
            }
        }
        self.tx.send(Envelope::Msg(msg)).map_err(|e| match e.0 {
            Envelope::Msg(m) => TrySendError::NoProc(m),
            Envelope::Sys(_) => unreachable!("a user message was sent"),
        })
    }

    /// Enqueues a user message, waiting for room in a bounded mailbox. `Err` gives the message
    /// back when the actor is gone.
    pub(crate) async fn send(&self, msg: M) -> Result<(), M> {
        if let Some(room) = &self.room {
            match room.acquire().await {
                Ok(permit) => permit.forget(),
                Err(_) => return Err(msg),
            }
        }
        self.tx.send(Envelope::Msg(msg)).map_err(|e| match e.0 {
            Envelope::Msg(m) => m,
            Envelope::Sys(_) => unreachable!("a user message was sent"),
        })
    }

    /// Enqueues a system message; `false` if the actor is gone.
    pub(crate) fn send_sys(&self, sys: Sys) -> bool {
        self.tx.send(Envelope::Sys(sys)).is_ok()
    }

    pub(crate) fn is_bounded(&self) -> bool {
        self.room.is_some()
    }
}

impl<M> MailboxRx<M> {
    pub(crate) async fn recv(&mut self) -> Option<Envelope<M>> {
        let envelope = self.rx.recv().await;
        if let (Some(Envelope::Msg(_)), Some(room)) = (&envelope, &self.room) {
            room.add_permits(1);
        }
        envelope
    }
}

impl<M> Drop for MailboxRx<M> {
    fn drop(&mut self) {
        // Senders waiting for room learn at once that the actor is gone.
        if let Some(room) = &self.room {
            room.close();
        }
    }
}

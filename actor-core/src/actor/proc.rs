//! Type-erased access to an actor ([`Proc`]) and the typed cell behind every handle ([`Cell`]).

use std::any::Any;
use std::sync::Arc;

use super::cell::Core;
use super::follow::{self, Publish};
use super::links::Linked;
use super::mailbox::{MailboxRx, MailboxTx, Offer, Owner, Sys};
use super::overflow::{MailboxStats, Overflow};
use super::remote::RemotePort;
use crate::{ActorId, CallError, ExitReason, SendError, TrySendError};

/// Type-erased access to an actor: its core and a way to put system messages in its mailbox.
pub(crate) trait Proc: Send + Sync + 'static {
    fn core(&self) -> &Core;
    fn send_sys(&self, sys: Sys) -> bool;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// The same, borrowed: a downcast that touches no reference count.
    fn as_any(&self) -> &(dyn Any + Send + Sync);
    /// A publisher of this actor's incarnations, for handles that follow it across restarts.
    fn publisher(self: Arc<Self>) -> Box<dyn Publish>;
    /// Its mailbox's depth, bound and drops.
    fn mailbox_stats(&self) -> MailboxStats;
    /// Whether its state parks for inline calls while it waits (a caller asked for one).
    fn parks(&self) -> bool {
        false
    }
    /// The way to the real actor, for a stand-in of one on another node.
    fn remote(&self) -> Option<&Arc<dyn RemotePort>> {
        None
    }
}

pub(crate) type ProcRef = Arc<dyn Proc>;

impl Linked for ProcRef {
    fn actor_id(&self) -> ActorId {
        self.core().id
    }
}

/// A typed actor cell: the core plus the sending half of its mailbox (its queue, in the cell's
/// own allocation).
pub(crate) struct Cell<M> {
    pub(crate) core: Core,
    pub(crate) mailbox: MailboxTx<M>,
}

/// An actor's receiving half: its task's, holding the cell.
pub(crate) type CellRx<M> = MailboxRx<M, Cell<M>>;

impl<M> Owner<M> for Cell<M> {
    fn mailbox(&self) -> &MailboxTx<M> {
        &self.mailbox
    }
}

impl<M: Send + 'static> Proc for Cell<M> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn send_sys(&self, sys: Sys) -> bool {
        self.mailbox.send_sys(sys)
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }

    fn publisher(self: Arc<Self>) -> Box<dyn Publish> {
        follow::publisher(self)
    }

    fn mailbox_stats(&self) -> MailboxStats {
        self.mailbox.stats()
    }

    fn parks(&self) -> bool {
        self.mailbox.parks()
    }
}

impl<M: Send + 'static> Cell<M> {
    /// Offers a user message without waiting; a full mailbox's policy applies (under
    /// [`Overflow::Stop`] the actor is halted here).
    #[inline]
    pub(crate) fn offer(&self, msg: M) -> Offer<M> {
        self.stop_if_overflowed(self.mailbox.offer(msg))
    }

    /// A cast: [`offer`](Self::offer) and its answer, with the unbounded mailbox's path kept
    /// short (no policy to apply, nothing to hand back).
    #[inline]
    pub(crate) fn cast(&self, msg: M) -> Result<(), SendError> {
        if self.mailbox.is_bounded() {
            self.offer(msg).cast_result()
        } else {
            self.mailbox.push_unbounded(msg)
        }
    }

    /// Sends a user message, waiting for room under [`Overflow::Wait`].
    pub(crate) async fn send(&self, msg: M) -> Offer<M> {
        self.stop_if_overflowed(self.mailbox.send(msg).await)
    }

    #[inline]
    fn stop_if_overflowed(&self, offer: Offer<M>) -> Offer<M> {
        if let Offer::Refused(_, Overflow::Stop) = &offer {
            self.core.halt(ExitReason::MailboxOverflow);
        }
        offer
    }
}

impl<M> Offer<M> {
    /// A cast's answer: see the table on [`Overflow`].
    #[inline]
    pub(crate) fn cast_result(self) -> Result<(), SendError> {
        match self {
            Offer::Queued | Offer::Refused(_, Overflow::DropNewest) => Ok(()),
            Offer::Full(_) | Offer::Refused(..) => Err(SendError::Full),
            Offer::Closed(_) => Err(SendError::NoProc),
        }
    }

    /// A `try_send`'s answer: the message back unless it was queued.
    #[inline]
    pub(crate) fn try_result(self) -> Result<(), TrySendError<M>> {
        match self {
            Offer::Queued => Ok(()),
            Offer::Full(msg) | Offer::Refused(msg, _) => Err(TrySendError::Full(msg)),
            Offer::Closed(msg) => Err(TrySendError::NoProc(msg)),
        }
    }

    /// A refused call's error (`Refused` only; the other outcomes are the caller's to handle).
    pub(crate) fn call_error(&self) -> CallError {
        match self {
            Offer::Closed(_) => CallError::NoProc,
            _ => CallError::Full,
        }
    }
}

//! Handles that follow a supervised child across restarts.
//!
//! A supervisor keeps one [`Publish`]er per followed child, in the child's record, and tells it
//! each new incarnation; followed handles hold the receiving end and send to whichever
//! incarnation is current; the publisher carries what an incarnation had not started over to the
//! next one (see `mailbox::carry`). The record going away (the child is gone for good, or its
//! supervisor exited) closes the channel, and followed calls fail at once from then on.

use std::any::Any;
use std::sync::Arc;

use super::any::AnyActor;
use super::board::Board;
use super::call::Reply;
use super::cell::{Cell, ProcRef};
use super::current::current_id;
use super::deadline::Deadline;
use super::inline::Inline;
use super::mailbox::{Offer, Unhandled};
use super::reply::ReplyRx;
use crate::{ActorId, CallError, SendError};

/// The incarnation a followed handle sends to.
pub(crate) struct Incarnation<M> {
    /// The current incarnation, or the last one while the child restarts or once it stopped.
    cell: Arc<Cell<M>>,
    /// Set when the child stopped and will not come back by itself (a static supervisor's
    /// `terminate_child`): calls fail at once instead of waiting for a restart.
    stopped: bool,
}

impl<M> Clone for Incarnation<M> {
    fn clone(&self) -> Self {
        Incarnation {
            cell: self.cell.clone(),
            stopped: self.stopped,
        }
    }
}

/// A supervisor's end of a followed child: told about every new incarnation.
pub(crate) trait Publish: Send + Sync {
    /// `next` is the child's new incarnation.
    fn started(&self, next: &ProcRef);
    /// The child stopped and will not be restarted by itself.
    fn stopped(&self);
    /// A new untyped handle that follows the child.
    fn subscribe(&self) -> AnyActor;
}

struct Publisher<M> {
    board: Arc<Board<Incarnation<M>>>,
    /// The first incarnation's id: the identity of every handle following this child.
    key: ActorId,
}

impl<M> Publisher<M> {
    /// Takes what the current incarnation kept for the next one (nothing unless it exited), and
    /// stops it keeping anything.
    fn hand_over(&self) -> Unhandled<M> {
        self.board.with(|current| current.cell.mailbox.hand_over())
    }
}

impl<M: Send + 'static> Publish for Publisher<M> {
    fn started(&self, next: &ProcRef) {
        // The same start function makes every incarnation, so the type always matches; a
        // mismatch would leave the handle on the last incarnation, which fails as a dead one.
        if let Ok(cell) = next.clone().into_any().downcast::<Cell<M>>() {
            // Carried over as the new incarnation is published, under the lock that publishes
            // it: what a followed handle sends from now on queues behind what it sent the last
            // one, and a handle asked for its id once the new incarnation answered names it.
            let left = self.board.modify(|current| {
                let left = cell.mailbox.adopt(current.cell.mailbox.hand_over());
                *current = Incarnation {
                    cell,
                    stopped: false,
                };
                left
            });
            drop(left);
        }
    }

    fn stopped(&self) {
        self.board.modify(|current| current.stopped = true);
        drop(self.hand_over());
    }

    fn subscribe(&self) -> AnyActor {
        AnyActor::following(Arc::new(Follow {
            board: self.board.clone(),
            key: self.key,
        }))
    }
}

impl<M> Drop for Publisher<M> {
    /// The child is gone for good (or its supervisor is): what its last incarnation kept is
    /// dropped, which tells the callers its exit reason.
    fn drop(&mut self) {
        self.board.close();
        drop(self.hand_over());
    }
}

/// The publisher for a child whose first incarnation is `first`.
pub(crate) fn publisher<M: Send + 'static>(first: Arc<Cell<M>>) -> Box<dyn Publish> {
    let key = first.core.id;
    first.mailbox.follow();
    let board = Arc::new(Board::new(Incarnation {
        cell: first,
        stopped: false,
    }));
    Box::new(Publisher { board, key })
}

/// The untyped side of a followed handle, what an [`AnyActor`] holds.
pub(crate) trait Follows: Send + Sync + 'static {
    /// The current incarnation (the last one while restarting).
    fn current(&self) -> ProcRef;
    /// The identity of the followed child (its first incarnation's id).
    fn key(&self) -> ActorId;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// What the view of a followed handle borrows: the handle's own `Arc`, typed or not, so that
/// taking a view (for an id, a liveness check, a monitor…) takes no count on it.
pub(crate) trait FollowRef: Send + Sync {
    /// The current incarnation.
    fn current(&self) -> ProcRef;
    /// An untyped handle that follows the same child.
    fn to_any(&self) -> AnyActor;
}

impl FollowRef for Arc<dyn Follows> {
    fn current(&self) -> ProcRef {
        (**self).current()
    }

    fn to_any(&self) -> AnyActor {
        AnyActor::following(Arc::clone(self))
    }
}

impl<M: Send + 'static> FollowRef for Arc<Follow<M>> {
    fn current(&self) -> ProcRef {
        self.cell()
    }

    fn to_any(&self) -> AnyActor {
        AnyActor::following(Arc::clone(self) as Arc<dyn Follows>)
    }
}

/// The receiving end, what a followed [`ActorRef`](crate::ActorRef) holds.
pub(crate) struct Follow<M> {
    board: Arc<Board<Incarnation<M>>>,
    key: ActorId,
}

impl<M: Send + 'static> Follows for Follow<M> {
    fn current(&self) -> ProcRef {
        self.cell()
    }

    fn key(&self) -> ActorId {
        self.key
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

impl<M: Send + 'static> Follow<M> {
    /// The current incarnation (the last one while restarting).
    pub(crate) fn cell(&self) -> Arc<Cell<M>> {
        self.board.get().cell
    }

    /// Offers `msg` to the current incarnation without waiting: `Closed` while the child
    /// restarts.
    pub(crate) fn offer(&self, msg: M) -> Offer<M> {
        // An unbounded mailbox drops nothing: offered under the board's read lock, without a
        // count taken on the incarnation. A bounded one's overflow policy may drop a message,
        // and its drop is the user's code (which could send through this handle while a restart
        // waits for the write lock): offered outside the lock.
        match self
            .board
            .with(|current| current.cell.mailbox.offer_unbounded(msg))
        {
            Ok(offered) => offered,
            Err(msg) => self.cell().offer(msg),
        }
    }

    /// Sends `msg` to the current incarnation, waiting for room as long as it takes, and for a
    /// restart in progress until `deadline`.
    pub(crate) async fn send(&self, msg: M, mut deadline: Deadline) -> Result<(), SendError> {
        let mut msg = msg;
        loop {
            let (current, seen) = self.board.read();
            if current.stopped {
                return Err(SendError::NoProc);
            }
            match current.cell.send(msg).await {
                Offer::Closed(back) => msg = back,
                answered => return answered.cast_result(),
            }
            match deadline.run(self.board.changed(seen)).await {
                Some(Ok(())) => {}
                None | Some(Err(_)) => return Err(SendError::NoProc),
            }
        }
    }

    /// A call to the current incarnation: waits for a restart in progress within `deadline`; a
    /// message the incarnation accepted and did not start is carried over to the next one by the
    /// supervisor (the reply still comes through `rx`), never sent again from here.
    pub(crate) async fn call<R>(
        &self,
        msg: M,
        rx: ReplyRx<R>,
        mut deadline: Deadline,
        inline: Option<Inline<M>>,
    ) -> Result<R, CallError> {
        let mut msg = msg;
        loop {
            let (current, seen) = self.board.read();
            if current.stopped {
                return Err(CallError::NoProc);
            }
            let cell = &current.cell;
            if current_id() == Some(cell.core.id) {
                return Err(CallError::CallingSelf);
            }
            if let Some(inline) = inline {
                match inline(cell, msg) {
                    Ok(()) => return Reply::new(rx, &cell.core, deadline).await,
                    Err(back) => msg = back,
                }
            }
            let offered = match cell.offer(msg) {
                Offer::Full(back) => match deadline.run(cell.send(back)).await {
                    None => return Err(CallError::Timeout),
                    Some(offered) => offered,
                },
                offered => offered,
            };
            match offered {
                Offer::Queued => return Reply::new(rx, &cell.core, deadline).await,
                // Never accepted: for the next incarnation, as a message it had accepted but
                // not started is.
                Offer::Closed(back) => msg = back,
                refused => return Err(refused.call_error()),
            }
            // That incarnation is dead: wait for the next one, or for the child to be gone.
            match deadline.run(self.board.changed(seen)).await {
                None => return Err(CallError::Timeout),
                Some(Ok(())) => {}
                Some(Err(_)) => return Err(CallError::NoProc),
            }
        }
    }
}

//! The inline call: a call to an idle actor handled in the caller's task (see
//! [`Actor::handle_inline`]).
//!
//! The state is lent by the mailbox only while the actor waits with nothing queued (see
//! "Parking the state" in `mailbox`), so running the handler here is indistinguishable, for
//! ordering, from the actor taking the call next. Two task switches and two wake-ups per call
//! are spared: the round trip is a lock to borrow the state, the handler, and a lock to give it
//! back.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::Actor;
use super::cell::{Cell, ProcRef};
use super::current::CURRENT;
use super::mailbox::Lend;
use super::panic;

/// [`call`] for one actor type, as a followed handle (typed by message only) is given it.
pub(crate) type Inline<M> = fn(&Arc<Cell<M>>, M) -> Result<(), M>;

/// Runs the call `msg` inline if `cell`'s actor is idle, else queues it if the mailbox is
/// unbounded: `Ok` once handled (the reply sent, or the actor crashing with the handler's panic)
/// or queued, or the message back, to be offered the usual way.
#[inline]
pub(crate) fn call<A: Actor>(
    cell: &Arc<Cell<A::Message>>,
    msg: A::Message,
) -> Result<(), A::Message> {
    // Killed, halted or guarded: its run loop must see the message (and the guard decide).
    if cell.core.interrupted() {
        return Err(msg);
    }
    let (lent, msg) = match cell.mailbox.lend_or_queue(msg) {
        Lend::Lent(lent, msg) => (lent, msg),
        Lend::Queued => return Ok(()),
        Lend::Back(msg) => return Err(msg),
    };
    let mut state = match lent.downcast::<A>() {
        Ok(state) => state,
        // Another actor type of the same name and message type (two versions of one crate).
        Err(other) => {
            cell.mailbox.give_back(other, false, None);
            return Err(msg);
        }
    };
    let proc: ProcRef = cell.clone();
    let span = tracing::debug_span!("actor", id = %cell.core.id, actor = cell.core.type_name);
    let run = catch_unwind(AssertUnwindSafe(|| {
        let _entered = span.enter();
        CURRENT.sync_scope(proc, || state.handle_inline(msg))
    }));
    match run {
        Ok(Ok(())) => {
            cell.mailbox.give_back(state, true, None);
            Ok(())
        }
        Ok(Err(msg)) => {
            cell.mailbox.give_back(state, false, None);
            Err(msg)
        }
        Err(payload) => {
            // The message (and its reply channel) went down with the handler: the caller learns
            // the exit reason once the actor has exited with this panic.
            let panic = panic::message(payload.as_ref());
            cell.mailbox.give_back(state, true, Some(panic));
            Ok(())
        }
    }
}

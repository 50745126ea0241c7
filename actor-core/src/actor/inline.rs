//! The inline call: a call to an idle actor handled in the caller's task (see
//! [`Actor::handle_inline`]); and, the same way, an exit signal handled by an idle dynamic
//! supervisor in the dying child's task ([`exit`]).
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
use crate::{ActorId, ExitReason};

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

/// How an actor that takes exit signals inline has one handled: [`exit`] for its type, kept in
/// its core.
pub(crate) type OnExit = fn(&ProcRef, ActorId, &ExitReason) -> bool;

/// An actor that may handle an exit signal (as the `Info::Exit` a trapping actor gets) in the
/// task of the actor that died, when it is idle (see [`exit`]).
pub(crate) trait ExitInline: Actor {
    /// Handles the exit of `from` with `reason` there and then, without waiting on anything, or
    /// declines, having changed nothing: then it is queued as usual.
    fn exit_inline(&mut self, from: ActorId, reason: &ExitReason) -> Inlined<Self::Message>;
}

/// What [`ExitInline::exit_inline`] made of an exit signal.
pub(crate) enum Inlined<M> {
    /// Not handled: it goes the usual way.
    Declined,
    /// Handled.
    Handled,
    /// Handled, and this message is for the actor to handle before anything else.
    Then(M),
}

/// [`OnExit`] for actors of type `A`: handles the exit signal of `from` in the calling task — the
/// dying actor's exit path — if `target`'s actor is idle (its state parked, nothing queued), as
/// an inline call does, so that for ordering it is as if the actor had taken the signal next.
/// `false` if it was not handled: the caller queues it.
///
/// A dynamic supervisor takes its children's exits this way, so that restarting a crashed child
/// takes no hand-off to the supervisor's task: the child's task runs the supervisor's
/// bookkeeping and the new incarnation's first poll (see `launch`).
pub(crate) fn exit<A: ExitInline>(target: &ProcRef, from: ActorId, reason: &ExitReason) -> bool {
    let Some(cell) = target.as_any().downcast_ref::<Cell<A::Message>>() else {
        return false;
    };
    // Killed, halted or guarded: its run loop must see the signal.
    if cell.core.interrupted() {
        return false;
    }
    let Some(lent) = cell.mailbox.lend() else {
        return false;
    };
    let mut state = match lent.downcast::<A>() {
        Ok(state) => state,
        Err(other) => {
            cell.mailbox.give_back(other, false, None);
            return false;
        }
    };
    let span = tracing::debug_span!("actor", id = %cell.core.id, actor = cell.core.type_name);
    let run = catch_unwind(AssertUnwindSafe(|| {
        let _entered = span.enter();
        CURRENT.sync_scope(target.clone(), || state.exit_inline(from, reason))
    }));
    match run {
        Ok(Inlined::Declined) => {
            cell.mailbox.give_back(state, false, None);
            false
        }
        // (An exit signal is a system message: not counted among the messages received.)
        Ok(Inlined::Handled) => {
            cell.mailbox.give_back(state, false, None);
            true
        }
        Ok(Inlined::Then(next)) => {
            cell.mailbox.give_back_before(state, next);
            true
        }
        Err(payload) => {
            // The actor exits with the panic, as if its task had handled the signal.
            let panic = panic::message(payload.as_ref());
            cell.mailbox.give_back(state, false, Some(panic));
            true
        }
    }
}

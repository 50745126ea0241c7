//! The crash log: the last [`CRASH_LOG`] crashes, oldest first.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use crate::{ActorId, ExitReason};

/// How many crashes the log keeps; older ones are forgotten.
pub const CRASH_LOG: usize = 256;

static LOG: Mutex<Log> = Mutex::new(Log {
    crashes: VecDeque::new(),
    total: 0,
});

struct Log {
    crashes: VecDeque<Crash>,
    total: u64,
}

/// One actor's crash: an exit with a reason outside the normal class
/// ([`ExitReason::is_crash`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Crash {
    /// Which crash this is since the program started (from 1).
    pub seq: u64,
    /// The actor.
    pub id: ActorId,
    /// Its Rust type name.
    pub type_name: &'static str,
    /// Its parent (its supervisor, for a supervised child).
    pub parent: Option<ActorId>,
    /// Why it exited.
    pub reason: ExitReason,
    /// When.
    pub at: SystemTime,
}

pub(crate) fn exited_with(
    id: ActorId,
    type_name: &'static str,
    parent: Option<ActorId>,
    reason: &ExitReason,
) {
    let at = SystemTime::now();
    let mut log = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    log.total += 1;
    let seq = log.total;
    // A full log forgets its oldest crash, whose entry takes the new one (and its reason's text
    // buffer, a panic's message, takes the new text: no allocation once the log is full).
    let reason = if log.crashes.len() == CRASH_LOG
        && let Some(mut oldest) = log.crashes.pop_front()
    {
        copy_reason(&mut oldest.reason, reason);
        oldest.reason
    } else {
        reason.clone()
    };
    log.crashes.push_back(Crash {
        seq,
        id,
        type_name,
        parent,
        reason,
        at,
    });
}

/// `src` into `dst`, into `dst`'s text buffer when both carry text of the same kind.
fn copy_reason(dst: &mut ExitReason, src: &ExitReason) {
    match (dst, src) {
        (ExitReason::Panic(d), ExitReason::Panic(s))
        | (ExitReason::Error(d), ExitReason::Error(s)) => {
            d.clone_from(s);
        }
        (dst, src) => *dst = src.clone(),
    }
}

/// The last crashes (at most [`CRASH_LOG`]), oldest first, and how many there were in all
/// since the program started.
pub fn crashes() -> (Vec<Crash>, u64) {
    let log = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    (log.crashes.iter().cloned().collect(), log.total)
}

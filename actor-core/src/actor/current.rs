//! The implicit calling actor (Elixir's `self()`), found from the running task.

use super::cell::ProcRef;
use crate::ActorId;

tokio::task_local! {
    pub(crate) static CURRENT: ProcRef;
}

/// The actor whose task runs this code, if any.
pub(crate) fn current() -> Option<ProcRef> {
    CURRENT.try_with(ProcRef::clone).ok()
}

/// The id of the actor whose task runs this code, or `None` outside any actor.
///
/// Code inside a callback, or inside a future a callback awaits, runs as that actor. A task
/// spawned from a callback with `tokio::spawn` is not the actor.
pub fn current_id() -> Option<ActorId> {
    CURRENT.try_with(|p| p.core().id).ok()
}

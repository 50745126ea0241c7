//! What an exit signal does to the actor it reaches (EX-3), and a supervisor's orderly
//! shutdown of a child.

use super::cell::ProcRef;
use super::info::Info;
use super::mailbox::Sys;
use crate::{ActorId, ExitReason};

/// Delivers the exit signal of `from` (with `reason`) to `target`, as EX-3 says.
pub(crate) fn signal_exit(target: &ProcRef, from: ActorId, reason: &ExitReason) {
    deliver(target, from, reason, false);
}

/// [`signal_exit`] from the exit path of the dying actor `from`, which holds no lock and runs
/// none of its own code any more: an idle actor that takes exit signals inline (a dynamic
/// supervisor, see [`inline::exit`](super::inline::exit)) handles it in the dying actor's task.
pub(crate) fn dying(target: &ProcRef, from: ActorId, reason: &ExitReason) {
    deliver(target, from, reason, true);
}

fn deliver(target: &ProcRef, from: ActorId, reason: &ExitReason, dying: bool) {
    if !target.core().id.is_local()
        && let Some(port) = target.remote()
    {
        // The real actor's node applies EX-3 there.
        if target.core().is_alive() {
            port.signal(from, reason.clone());
        }
        return;
    }
    let core = target.core();
    let (trap, parent, on_exit) = {
        let st = core.lock();
        if st.exiting {
            return;
        }
        (st.trap_exit, st.parent, st.on_exit)
    };
    if trap {
        if parent == Some(from) {
            // GS-9.4, GS-10: a trapping actor whose parent exits stops in order (terminate runs).
            target.send_sys(Sys::Stop(reason.clone()));
        } else if !(dying && on_exit.is_some_and(|on_exit| on_exit(target, from, reason))) {
            target.send_sys(Sys::Info(Info::Exit {
                id: from,
                reason: reason.clone(),
            }));
        }
    } else if !reason.is_normal() {
        core.kill(reason.clone());
    }
}

/// A supervisor's orderly shutdown of `target` with `reason` (DS-6, as DESIGN.md decides it): a
/// trapping actor gets an ordinary stop, queued behind its messages, so `terminate` runs after
/// its current handler and the messages sent before; a non-trapping one is halted
/// ([`Core::halt`](super::cell::Core::halt)): its running handler is dropped and `terminate` runs at once.
pub(crate) fn shutdown(target: &ProcRef, reason: ExitReason) {
    if !target.core().id.is_local() {
        target.send_sys(Sys::Stop(reason));
        return;
    }
    let core = target.core();
    let trap = core.lock().trap_exit;
    if trap {
        target.send_sys(Sys::Stop(reason));
    } else {
        core.halt(reason);
    }
}

//! What an exit signal does to the actor it reaches (EX-3), and a supervisor's orderly
//! shutdown of a child.

use super::cell::ProcRef;
use super::info::Info;
use super::mailbox::Sys;
use super::relay::{self, ActorTask};
use crate::{ActorId, ExitReason};

/// Delivers the exit signal of `from` (with `reason`) to `target`, as EX-3 says.
pub(crate) fn signal_exit(target: &ProcRef, from: ActorId, reason: &ExitReason) {
    if let Some(next) = deliver(target, from, reason, false) {
        relay::spawn(next);
    }
}

/// [`signal_exit`] from the exit path of the dying actor `from`, which holds no lock and runs
/// none of its own code any more: an idle actor that takes exit signals inline (a dynamic
/// supervisor, see [`inline::exit`](super::inline::exit)) handles it in the dying actor's task.
/// The new incarnation its restart left for the dying task to run on, if any (see `relay`).
pub(crate) fn dying(target: &ProcRef, from: ActorId, reason: &ExitReason) -> Option<ActorTask> {
    deliver(target, from, reason, true)
}

fn deliver(target: &ProcRef, from: ActorId, reason: &ExitReason, dying: bool) -> Option<ActorTask> {
    if !target.core().id.is_local()
        && let Some(port) = target.remote()
    {
        // The real actor's node applies EX-3 there.
        if target.core().is_alive() {
            port.signal(from, reason.clone());
        }
        return None;
    }
    let core = target.core();
    let (trap, parent, on_exit) = {
        let st = core.lock();
        if st.exiting {
            return None;
        }
        (st.trap_exit, st.parent, st.on_exit)
    };
    if trap {
        if parent == Some(from) {
            // GS-9.4, GS-10: a trapping actor whose parent exits stops in order (terminate runs).
            target.send_sys(Sys::Stop(reason.clone()));
        } else {
            if dying && let Some(on_exit) = on_exit {
                let handoff = relay::open();
                let handled = on_exit(target, from, reason);
                let next = handoff.close();
                if handled {
                    return next;
                }
                // (A declined exit launched nothing.)
                if let Some(task) = next {
                    relay::spawn(task);
                }
            }
            target.send_sys(Sys::Info(Info::Exit {
                id: from,
                reason: reason.clone(),
            }));
        }
    } else if !reason.is_normal() {
        core.kill(reason.clone());
    }
    None
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

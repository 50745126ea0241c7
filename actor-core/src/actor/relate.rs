//! Links and monitors between two actors (EX-3, monitors): set up, removed, and a `Down`
//! checked against its monitor on arrival. The exit path that fires them is in `cell.rs`.

use super::cell::{ProcRef, signal_exit};
use super::id::MonitorRef;
use super::info::Info;
use super::mailbox::Sys;
use crate::ExitReason;

/// Links `a` and `b` (both ways, once). If `b` is already dead, `a` gets the exit signal `NoProc`.
/// A stand-in of a remote actor on either side tells that actor's node (its port), so the link
/// is recorded there too and fires there when this node is lost.
pub(crate) fn link(a: &ProcRef, b: &ProcRef) {
    if link_here(a, b) {
        tell_port(a, b, true);
        tell_port(b, a, true);
    }
}

/// Links a new actor, built with its side of the link to `parent` ([`Core::child_of`]), from
/// `parent`'s side: one lock, the parent's. The new actor runs nothing yet, and nobody else links
/// to it. If `parent` is exiting, its exit path has taken its links: the new actor loses its side
/// and gets the exit signal `NoProc`, as [`link`] gives it.
///
/// [`Core::child_of`]: super::cell::Core::child_of
pub(crate) fn link_new_child(child: &ProcRef, parent: &ProcRef) {
    let parent_dead = {
        let mut st = parent.core().lock();
        if !st.exiting {
            st.links.insert(child.clone());
        }
        st.exiting
    };
    if parent_dead {
        child.core().lock().links.remove(parent.core().id);
        signal_exit(child, parent.core().id, &ExitReason::NoProc);
    }
}

/// Links `a` and `b` on this node only (a link another node recorded first). `true` if the link
/// is new.
pub(crate) fn link_here(a: &ProcRef, b: &ProcRef) -> bool {
    let (ca, cb) = (a.core(), b.core());
    if ca.id == cb.id {
        return false;
    }
    let (b_dead, new) = {
        let (first, second) = if ca.id < cb.id { (ca, cb) } else { (cb, ca) };
        let mut s1 = first.lock();
        let mut s2 = second.lock();
        let (sa, sb) = if ca.id < cb.id {
            (&mut *s1, &mut *s2)
        } else {
            (&mut *s2, &mut *s1)
        };
        if sa.exiting {
            return false;
        }
        // Already linked: if `b` is exiting, its exit path took the link and tells `a` with the
        // real reason, after recording it. (Checked before `b`'s exit: a `NoProc` here would
        // reach `a` before `b`'s death can be observed, and a supervisor linking again to the
        // child it just started would restart it while it still runs its exit path.)
        if sa.links.contains(cb.id) {
            (false, false)
        } else if sb.exiting {
            (true, false)
        } else {
            sa.links.insert(b.clone());
            sb.links.insert(a.clone());
            (false, true)
        }
    };
    if b_dead {
        signal_exit(a, cb.id, &ExitReason::NoProc);
    }
    new
}

/// Tells `stand_in`'s node, if it is a stand-in of a remote actor, that `other` linked to it or
/// unlinked from it.
fn tell_port(stand_in: &ProcRef, other: &ProcRef, linked: bool) {
    if stand_in.core().id.is_local() || !other.core().id.is_local() {
        return;
    }
    let Some(port) = stand_in.remote() else {
        return;
    };
    if linked {
        let tag = super::remote::tag_of(other.core().type_name).unwrap_or("");
        port.linked(other.core().id, tag);
    } else {
        port.unlinked(other.core().id);
    }
}

/// Unlinks `child` from its parent, if it has one and is still linked to it: a start abandoned
/// before `init` returned, whose kill must not hit the caller that started it linked.
pub(crate) fn unlink_parent(child: &ProcRef) {
    let parent = {
        let st = child.core().lock();
        st.parent
            .and_then(|id| st.links.iter().find(|p| p.core().id == id).cloned())
    };
    if let Some(parent) = parent {
        unlink(child, &parent);
    }
}

/// Removes the link between `a` and `b`, if any (on the remote side too).
pub(crate) fn unlink(a: &ProcRef, b: &ProcRef) {
    if unlink_here(a, b) {
        tell_port(a, b, false);
        tell_port(b, a, false);
    }
}

/// Removes the link between `a` and `b` on this node only. `true` if there was one.
pub(crate) fn unlink_here(a: &ProcRef, b: &ProcRef) -> bool {
    let had = {
        let mut sa = a.core().lock();
        let had = sa.links.contains(b.core().id);
        sa.links.remove(b.core().id);
        had
    };
    b.core().lock().links.remove(a.core().id);
    had
}

/// `watcher` monitors `target`. A dead target answers with `Down(NoProc)` at once.
pub(crate) fn monitor(watcher: &ProcRef, target: &ProcRef) -> MonitorRef {
    let mref = MonitorRef::next();
    let dead = {
        let mut st = target.core().lock();
        if st.exiting {
            true
        } else {
            st.monitored_by.push((mref, watcher.clone()));
            false
        }
    };
    // The watcher remembers every live monitor, so a `Down` for a removed one can be dropped.
    watcher
        .core()
        .lock()
        .monitoring
        .push((mref, target.clone()));
    if dead {
        watcher.send_sys(Sys::Info(Info::Down {
            id: target.core().id,
            monitor: mref,
            reason: ExitReason::NoProc,
        }));
    }
    mref
}

/// Removes monitor `mref` set up by `watcher`. Returns `true` if it was active.
pub(crate) fn demonitor(watcher: &ProcRef, mref: MonitorRef) -> bool {
    let target = {
        let mut st = watcher.core().lock();
        let pos = st.monitoring.iter().position(|(r, _)| *r == mref);
        pos.map(|i| st.monitoring.swap_remove(i).1)
    };
    match target {
        Some(target) => {
            let mut st = target.core().lock();
            let before = st.monitored_by.len();
            st.monitored_by.retain(|(r, _)| *r != mref);
            st.monitored_by.len() != before
        }
        None => false,
    }
}

/// Called when a `Down` for `mref` reaches `watcher`: forgets the monitor and says whether the
/// message should be delivered (`false` after `demonitor`).
pub(crate) fn take_monitoring(watcher: &ProcRef, mref: MonitorRef) -> bool {
    let mut st = watcher.core().lock();
    match st.monitoring.iter().position(|(r, _)| *r == mref) {
        Some(i) => {
            st.monitoring.swap_remove(i);
            true
        }
        None => false,
    }
}

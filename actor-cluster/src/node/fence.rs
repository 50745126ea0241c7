//! Fencing: a node that stops getting its heartbeats acknowledged kills its uniquely named
//! actors before the rest of the cluster can give their names to others (CLUSTER.md §6,
//! promise 2), and comes back, once it can, as a new incarnation that re-claims nothing.
//!
//! The timing: the server starts a heartbeat's TTL when the heartbeat arrives, so nothing of
//! this node is re-homed before `ttl` after the *send* of the last heartbeat that arrived. The
//! fence falls `fence_after` (< `ttl`) after the send of the last *acknowledged* heartbeat,
//! which is no later than the last one that arrived: the fence always comes first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use actor_core::__private::ExitReason;
use tokio::sync::watch;
use tokio::time::Instant;

use super::Inner;

/// A node's fence: when it falls, and whether it has.
pub(crate) struct Fence {
    after: Duration,
    /// The send time of the last acknowledged heartbeat, plus `after`: for the fence task,
    /// which waits on its changes.
    deadline: watch::Sender<Instant>,
    /// The same deadline, in nanoseconds since `base`: what every guarded actor reads before
    /// each message (one load, where the watch takes a lock).
    due_nanos: AtomicU64,
    base: Instant,
    fenced: AtomicBool,
    /// Times this node fenced itself.
    count: AtomicU64,
}

impl Fence {
    pub(crate) fn new(after: Duration) -> Self {
        let base = Instant::now();
        Fence {
            after,
            deadline: watch::Sender::new(base + after),
            due_nanos: AtomicU64::new(nanos(after)),
            base,
            fenced: AtomicBool::new(false),
            count: AtomicU64::new(0),
        }
    }

    /// A heartbeat (or the membership key's creation) sent at `sent` was acknowledged.
    pub(crate) fn acked(&self, sent: Instant) {
        let due = sent + self.after;
        self.deadline.send_if_modified(|d| {
            let later = due > *d;
            if later {
                *d = due;
                // Under the watch's lock: the mirror moves in the same order as the watch.
                self.due_nanos
                    .store(nanos(due.duration_since(self.base)), Ordering::Release);
            }
            later
        });
    }

    /// Whether the node is fenced now (cut off: it registers nothing until it is back).
    pub(crate) fn is_fenced(&self) -> bool {
        self.fenced.load(Ordering::Acquire)
    }

    /// Whether the fence's time has come, fenced or not yet: one clock read and one load.
    pub(crate) fn is_due(&self) -> bool {
        nanos(Instant::now().saturating_duration_since(self.base))
            >= self.due_nanos.load(Ordering::Acquire)
    }

    /// How long after a heartbeat's send the fence falls if it is the last acknowledged.
    pub(crate) fn after(&self) -> Duration {
        self.after
    }

    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// Fences the node when its deadline passes with no later acknowledgement. Ends when the node
/// leaves.
pub(crate) async fn fence_loop(inner: Arc<Inner>) {
    let mut deadline = inner.fence.deadline.subscribe();
    loop {
        let due = *deadline.borrow_and_update();
        tokio::select! {
            () = tokio::time::sleep_until(due) => {
                if !inner.members.read().contains_key(&inner.name) {
                    return; // left
                }
                if !inner.fence.is_due() {
                    continue; // acknowledged just now
                }
                fence(&inner);
                if deadline.changed().await.is_err() {
                    return;
                }
            }
            changed = deadline.changed() => if changed.is_err() { return },
        }
    }
}

/// Fences the node now (once until it is back): every uniquely named actor and every
/// cluster-supervised child here is killed with [`ExitReason::Fenced`], and their entries are
/// given up.
pub(crate) fn fence(inner: &Arc<Inner>) {
    if inner.fence.fenced.swap(true, Ordering::AcqRel) {
        return;
    }
    inner.fence.count.fetch_add(1, Ordering::Relaxed);
    tracing::error!(
        node = %inner.name,
        after = ?inner.fence.after,
        "no heartbeat acknowledged in time: fenced, its uniquely named actors are killed"
    );
    for registry in inner.registries() {
        registry.fence(inner);
    }
    for supervisor in inner.supervisors() {
        supervisor.fence();
    }
}

/// A heartbeat of this incarnation was acknowledged again, before its key expired: the node is
/// back as it was (the fenced actors stay dead; their entries are deleted now).
pub(crate) fn unfence(inner: &Arc<Inner>) {
    if inner.fence.fenced.swap(false, Ordering::AcqRel) {
        tracing::warn!(node = %inner.name, "heartbeats acknowledged again: no longer fenced");
        give_up_orphans(inner);
    }
}

/// The node was fenced and its membership key expired meanwhile: the cluster has declared this
/// incarnation lost, so the node came back as a new one, `new` (its key is created). As in a
/// netsplit, every remote actor this node's actors watched or linked is lost to them
/// (`NoConnection`), and the other nodes' references to the old incarnation answer `NoProc`
/// from now on.
pub(crate) fn new_incarnation(inner: &Arc<Inner>, new: u64) {
    let old = inner.epoch.swap(new, Ordering::AcqRel);
    inner.members.write().insert(inner.name.clone(), new);
    tracing::warn!(node = %inner.name, old = %format_args!("{old:x}"), new = %format_args!("{new:x}"), "rejoins as a new incarnation");
    inner.end_all_shadows(&ExitReason::NoConnection);
    for registry in inner.registries() {
        registry.rebirth(inner);
    }
    inner.fence.fenced.store(false, Ordering::Release);
    give_up_orphans(inner);
}

fn give_up_orphans(inner: &Arc<Inner>) {
    for registry in inner.registries() {
        tokio::spawn(async move { registry.delete_orphans().await });
    }
    for supervisor in inner.supervisors() {
        tokio::spawn(async move { supervisor.delete_orphans().await });
    }
}

/// The guard of this node's cluster-bound actors: each checks, before every message, that the
/// node's fence deadline has not passed (one clock read), so none handles a message past it
/// even if the fence task runs late.
pub(crate) fn fence_guard(inner: &Arc<Inner>) -> Arc<dyn actor_core::__private::remote::Guard> {
    Arc::new(FenceGuard {
        node: Arc::downgrade(inner),
        fence: inner.fence.clone(),
    })
}

/// Holds the fence itself, so a check writes nothing shared (no upgrade of the node, whose
/// counts every sender touches); the node is only asked whether it is still there.
struct FenceGuard {
    node: std::sync::Weak<Inner>,
    fence: Arc<Fence>,
}

impl actor_core::__private::remote::Guard for FenceGuard {
    fn check(&self) -> Option<ExitReason> {
        if self.node.strong_count() == 0 {
            return None; // the node is gone: nothing fences its actors any more
        }
        self.fence.is_due().then_some(ExitReason::Fenced)
    }
}

/// Saturates (after some 584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

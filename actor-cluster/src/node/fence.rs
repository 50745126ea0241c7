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
    /// The clock those actors read, started no later than `base`.
    clock: Clock,
    fenced: AtomicBool,
    /// Times this node fenced itself.
    count: AtomicU64,
}

impl Fence {
    pub(crate) fn new(after: Duration) -> Self {
        let clock = Clock::start();
        let base = Instant::now();
        Fence {
            after,
            deadline: watch::Sender::new(base + after),
            due_nanos: AtomicU64::new(nanos(after)),
            base,
            clock,
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

    /// [`is_due`](Self::is_due) for the check before each message: never later than it, and
    /// at most the coarse clock's tick (a few milliseconds) earlier, for a clock read that
    /// costs a few nanoseconds instead of tens.
    pub(crate) fn is_due_coarse(&self) -> bool {
        nanos(self.clock.elapsed_at_least()) >= self.due_nanos.load(Ordering::Acquire)
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
        self.fence.is_due_coarse().then_some(ExitReason::Fenced)
    }
}

/// The clock of the check before each message. On Linux, `CLOCK_MONOTONIC_COARSE`: the same
/// timeline as `Instant`'s `CLOCK_MONOTONIC`, read as of the last tick, so never ahead of it
/// and at most one tick behind; adding one tick to what it says gives a time no earlier than
/// `Instant`'s. The vDSO reads it without touching the timestamp counter, which on a virtual
/// machine makes it several times cheaper than `Instant::now`: it was half of an idle remote
/// actor's cost per message.
#[cfg(target_os = "linux")]
struct Clock {
    start: Duration,
    tick: Duration,
}

#[cfg(target_os = "linux")]
impl Clock {
    /// Read before `Instant`'s base, so `start` is no later than it.
    fn start() -> Self {
        let tick = coarse(rustix::time::clock_getres(
            rustix::time::ClockId::MonotonicCoarse,
        ));
        Clock {
            start: Self::now(),
            tick,
        }
    }

    fn now() -> Duration {
        coarse(rustix::time::clock_gettime(
            rustix::time::ClockId::MonotonicCoarse,
        ))
    }

    /// No less than the time since the fence's `base`.
    fn elapsed_at_least(&self) -> Duration {
        Self::now().saturating_sub(self.start) + self.tick
    }

    /// How far behind `Instant` the clock can be.
    #[cfg(test)]
    fn tick(&self) -> Duration {
        self.tick
    }
}

#[cfg(target_os = "linux")]
fn coarse(t: rustix::time::Timespec) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(t.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// Elsewhere, `Instant` itself.
#[cfg(not(target_os = "linux"))]
struct Clock {
    start: std::time::Instant,
}

#[cfg(not(target_os = "linux"))]
impl Clock {
    fn start() -> Self {
        Clock {
            start: std::time::Instant::now(),
        }
    }

    fn elapsed_at_least(&self) -> Duration {
        self.start.elapsed()
    }

    #[cfg(test)]
    fn tick(&self) -> Duration {
        Duration::ZERO
    }
}

/// Saturates (after some 584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check before each message reads the coarse clock: it must say "due" whenever the
    /// exact check, read just before it, does (never late), and not more than a tick early.
    /// Fences due a few microseconds to a few milliseconds out, watched from two threads.
    #[test]
    fn the_per_message_check_is_never_later_than_the_fence() {
        let watch = |offset: u64| {
            for i in 0..600u64 {
                let fence = Fence::new(Duration::from_micros((i * 7 + offset) % 4_000));
                let due = Duration::from_nanos(fence.due_nanos.load(Ordering::Acquire));
                loop {
                    let exact = fence.is_due();
                    let coarse = fence.is_due_coarse();
                    if exact {
                        assert!(coarse, "the per-message check came after the fence");
                        break;
                    }
                    if coarse {
                        // Early only by the clock's tick (twice, for the reads' own spacing).
                        let since = Instant::now().saturating_duration_since(fence.base);
                        assert!(
                            since + 2 * fence.clock.tick() >= due,
                            "the per-message check came {:?} before the fence",
                            due - since
                        );
                    }
                }
            }
        };
        std::thread::scope(|s| {
            s.spawn(|| watch(0));
            s.spawn(|| watch(3));
        });
    }
}

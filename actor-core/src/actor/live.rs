//! How many actors are alive: [`live_actors`].

use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The number of actors that have been spawned and whose exit reason is not yet known.
///
/// Useful in tests to prove that nothing leaks: after every actor was stopped and waited for, it
/// is back to the value it had before (an actor stops counting just before its exit reason is
/// published, so a `wait` that returned always sees it gone).
pub fn live_actors() -> usize {
    LIVE.load(Ordering::Acquire)
}

/// A new actor's core exists.
pub(super) fn born() {
    LIVE.fetch_add(1, Ordering::AcqRel);
}

/// An actor's exit reason is about to be published.
pub(super) fn died() {
    LIVE.fetch_sub(1, Ordering::AcqRel);
}

//! Restart intensity (DS-5) and the optional exponential backoff between restarts.

use crate::{ActorHandle, AnyActor};
use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// The restart budget of a supervisor: at most `max_restarts` restart attempts within any window
/// of `max_seconds` (DS-5, SUP-3).
///
/// Unlike OTP, which counts whole seconds, the window is an exact [`Duration`] measured with
/// tokio's clock (so tests can pause time). A restart exactly `max_seconds` old is still inside
/// the window, as in OTP. `u32::MAX` restarts is no limit at all.
#[derive(Debug)]
pub(crate) struct Intensity {
    max_restarts: u32,
    max_seconds: Duration,
    recent: VecDeque<Instant>,
    total: u64,
}

impl Intensity {
    pub(crate) fn new(max_restarts: u32, max_seconds: Duration) -> Self {
        Intensity {
            max_restarts,
            max_seconds,
            recent: VecDeque::new(),
            total: 0,
        }
    }

    /// Records one restart attempt now. Returns `false` when the limit is exceeded: more than
    /// `max_restarts` attempts within the window, and the supervisor must give up.
    pub(crate) fn add_restart(&mut self) -> bool {
        self.total += 1;
        if self.max_restarts == u32::MAX {
            // No limit: no window to keep (it would hold every restart of the last
            // `max_seconds`), nor a clock to read.
            return true;
        }
        let now = Instant::now();
        while let Some(&oldest) = self.recent.front() {
            if now.duration_since(oldest) > self.max_seconds {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        self.recent.push_back(now);
        self.recent.len() <= self.max_restarts as usize
    }

    /// Whether one more restart attempt now stays within the limit (what
    /// [`add_restart`](Self::add_restart) called next returns), recording nothing.
    pub(crate) fn admits_one_more(&self) -> bool {
        if self.max_restarts == u32::MAX {
            return true;
        }
        let now = Instant::now();
        let recent = self.recent.iter().rev();
        let within = recent
            .take_while(|&&at| now.duration_since(at) <= self.max_seconds)
            .count();
        within < self.max_restarts as usize
    }

    /// Every restart attempt since the supervisor started.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }
}

/// Optional exponential backoff between the restarts of a crash-looping child (beyond OTP).
///
/// Off by default: a supervisor then restarts a child at once, and retries a failed restart at
/// once, exactly as OTP does. With backoff on, the `n`-th consecutive restart of a child waits
/// `min * 2^(n-1)`, capped at `max`; a child that stayed up for `reset_after` since its last
/// restart starts again at `min`. The child is shown as
/// [`ChildState::Restarting`](crate::ChildState::Restarting) while it waits.
///
/// Every attempt still counts toward restart intensity when it is made (not when the crash
/// happened), so a backoff that spreads restarts wider than `max_seconds` lets a crash-looping
/// child retry slowly forever instead of escalating. Choose `max` below `max_seconds` to keep
/// escalation.
///
/// ```
/// use std::time::Duration;
/// use beamish::Backoff;
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
///     .reset_after(Duration::from_secs(30));
/// assert_eq!(backoff.delay(1), Duration::from_millis(100));
/// assert_eq!(backoff.delay(3), Duration::from_millis(400));
/// assert_eq!(backoff.delay(20), Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    reset_after: Duration,
}

impl Backoff {
    /// Delays from `min` doubling up to `max` (`max` is raised to `min` if smaller). The quiet
    /// period that resets the delay defaults to `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        let max = max.max(min);
        Backoff {
            min,
            max,
            reset_after: max,
        }
    }

    /// A child that ran this long since its last restart starts again at `min`.
    #[must_use]
    pub fn reset_after(mut self, quiet: Duration) -> Self {
        self.reset_after = quiet;
        self
    }

    /// The delay before the `attempt`-th consecutive restart (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(31);
        self.min
            .checked_mul(1u32 << shift)
            .map_or(self.max, |d| d.min(self.max))
    }
}

/// The backoff bookkeeping of one child, and its count of automatic restarts.
#[derive(Debug, Default)]
pub(crate) struct BackoffState {
    attempts: u32,
    last: Option<Instant>,
    restarts: u32,
}

impl BackoffState {
    /// The delay before the next restart of this child, and records it.
    pub(crate) fn next_delay(&mut self, backoff: &Backoff) -> Duration {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) >= backoff.reset_after)
        {
            self.attempts = 0;
        }
        self.attempts = self.attempts.saturating_add(1);
        self.last = Some(now);
        backoff.delay(self.attempts)
    }

    /// Marks a (re)start now: the quiet period counts from here.
    fn started(&mut self) {
        if self.attempts > 0 {
            self.last = Some(Instant::now());
        }
    }

    /// Marks a restart now (the quiet period counts from here), and tells `actor` (the new
    /// incarnation) how many restarts came before it, for `sys`.
    pub(crate) fn restarted(&mut self, actor: &AnyActor) {
        self.started();
        self.restarts = self.restarts.saturating_add(1);
        actor.view().core().set_restarts(self.restarts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn exceeds_only_above_max_restarts_within_window() {
        // DS-5: the limit is exceeded when the count is strictly greater than max_restarts.
        let mut i = Intensity::new(2, Duration::from_secs(5));
        assert!(i.add_restart());
        assert!(i.add_restart());
        assert!(!i.add_restart());
        assert_eq!(i.total(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn window_is_exact_and_inclusive() {
        let mut i = Intensity::new(1, Duration::from_secs(5));
        assert!(i.add_restart());
        tokio::time::advance(Duration::from_secs(5)).await;
        // Exactly max_seconds old: still inside the window.
        assert!(!i.add_restart());

        let mut i = Intensity::new(1, Duration::from_secs(5));
        assert!(i.add_restart());
        tokio::time::advance(Duration::from_secs(5) + Duration::from_millis(1)).await;
        assert!(i.add_restart());
    }

    #[tokio::test(start_paused = true)]
    async fn zero_max_restarts_makes_the_first_restart_fatal() {
        let mut i = Intensity::new(0, Duration::from_secs(5));
        assert!(!i.add_restart());
    }

    /// `u32::MAX` is no limit, and keeps no window: a crash loop does not grow the supervisor.
    #[tokio::test(start_paused = true)]
    async fn the_largest_limit_is_none_and_keeps_no_window() {
        let mut i = Intensity::new(u32::MAX, Duration::from_secs(3600));
        for _ in 0..10_000 {
            assert!(i.add_restart());
        }
        assert_eq!(i.total(), 10_000);
        assert!(i.recent.is_empty(), "no restart times kept");
        // One below is a limit like any other: every restart in the window is kept.
        let mut i = Intensity::new(u32::MAX - 1, Duration::from_secs(3600));
        for _ in 0..100 {
            assert!(i.add_restart());
        }
        assert_eq!(i.recent.len(), 100);
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_caps_and_resets_after_quiet_period() {
        let b = Backoff::new(Duration::from_millis(10), Duration::from_millis(50))
            .reset_after(Duration::from_secs(1));
        let mut s = BackoffState::default();
        assert_eq!(s.next_delay(&b), Duration::from_millis(10));
        assert_eq!(s.next_delay(&b), Duration::from_millis(20));
        assert_eq!(s.next_delay(&b), Duration::from_millis(40));
        assert_eq!(s.next_delay(&b), Duration::from_millis(50));
        s.started();
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(s.next_delay(&b), Duration::from_millis(10));
    }
}

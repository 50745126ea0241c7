//! What the server had to refuse, counted for the demo's summary and the tests.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by every connection and the acceptor.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Connections closed because their outbound queue overflowed.
    pub(crate) slow_readers: AtomicU64,
    /// Lines refused for being longer than the limit.
    pub(crate) long_lines: AtomicU64,
    /// Lines refused for not being UTF-8.
    pub(crate) invalid_utf8: AtomicU64,
    /// Failed accepts that the acceptor outlived.
    pub(crate) accept_errors: AtomicU64,
}

impl Stats {
    /// Adds one to `counter`.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The value of `counter`.
    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

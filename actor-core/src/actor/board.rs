//! Where a followed child's current incarnation is published: a `tokio::sync::watch` cut down to
//! what following needs.
//!
//! A followed handle reads the current value on every send (a read lock, as a watch's);
//! a supervisor writes it once per restart. tokio's watch wakes its receivers through eight
//! `Notify`s, each locked on every send whether anyone waits or not: 24 atomic operations on each
//! restart of a followed child, for receivers that almost never wait (only a call made while its
//! child restarts does). Here a write wakes through one `Notify`, and only when someone waits.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use tokio::sync::Notify;

/// The value, its version (bumped by every write) and the waiters for the next write.
pub(crate) struct Board<T> {
    value: RwLock<T>,
    /// Bumped by every write, under the write lock; a waiter reads it after it registers.
    version: AtomicU64,
    /// No writer is left: waiters return at once.
    closed: AtomicBool,
    /// Waiters registered with `changed`: a write notifies only when there is one.
    waiters: AtomicUsize,
    changed: Notify,
}

/// Why a wait for a write ended without one: no writer is left.
#[derive(Debug)]
pub(crate) struct Closed;

impl<T: Clone> Board<T> {
    pub(crate) fn new(value: T) -> Self {
        Board {
            value: RwLock::new(value),
            version: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            waiters: AtomicUsize::new(0),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> RwLockReadGuard<'_, T> {
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current value, cloned.
    pub(crate) fn get(&self) -> T {
        self.lock().clone()
    }

    /// `f` of the current value, under the read lock: a write waits for it.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.lock())
    }

    /// The current value, cloned, with its version (for [`changed`](Self::changed)).
    pub(crate) fn read(&self) -> (T, u64) {
        let value = self.lock();
        // Written under the write lock: the version of the value read.
        (value.clone(), self.version.load(Ordering::SeqCst))
    }

    /// Changes the value with `f`, under the lock that readers take (what they read afterwards
    /// is the new value, and follows whatever `f` did), and wakes every waiter.
    pub(crate) fn modify<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let out = {
            let mut value = self.value.write().unwrap_or_else(PoisonError::into_inner);
            let out = f(&mut value);
            self.version.fetch_add(1, Ordering::SeqCst);
            out
        };
        self.wake();
        out
    }

    /// No more writes will come: every waiter returns [`Closed`].
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Wakes the waiters, if any. A waiter counts itself (a `SeqCst` write) before it reads the
    /// version and the closed flag (`SeqCst` reads), and the writer counts the waiters (a
    /// `SeqCst` read) after it wrote them: either the writer sees the waiter and wakes it, or the
    /// waiter sees the write and does not wait.
    fn wake(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.changed.notify_waiters();
        }
    }

    /// Waits until the version is past `seen`; [`Closed`] once no writer is left and the value
    /// did not change since.
    pub(crate) async fn changed(&self, seen: u64) -> Result<(), Closed> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiters);
        loop {
            // Created before the checks: a `Notified` hears every `notify_waiters` from its
            // creation on, polled or not.
            let notified = self.changed.notified();
            if self.version.load(Ordering::SeqCst) != seen {
                return Ok(());
            }
            if self.closed.load(Ordering::SeqCst) {
                return Err(Closed);
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Board;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_wait_ends_with_the_write_or_the_close_it_raced() {
        for round in 0..2_000u64 {
            let board = Arc::new(Board::new(0u64));
            let (_, seen) = board.read();
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let board = board.clone();
                    tokio::spawn(async move { board.changed(seen).await.is_ok() })
                })
                .collect();
            let writer = {
                let board = board.clone();
                tokio::spawn(async move {
                    if round % 2 == 0 {
                        board.modify(|v| *v = round + 1);
                    } else {
                        board.close();
                    }
                })
            };
            writer.await.expect("writer");
            for waiter in waiters {
                // A lost wake-up would wait for ever: bounded, it fails instead.
                let changed = tokio::time::timeout(Duration::from_secs(10), waiter)
                    .await
                    .expect("a wait that was never woken")
                    .expect("waiter");
                assert_eq!(changed, round % 2 == 0, "round {round}");
            }
            if round % 2 == 0 {
                assert_eq!(board.read(), (round + 1, 1));
            }
            assert_eq!(board.waiters.load(std::sync::atomic::Ordering::SeqCst), 0);
        }
    }

    #[tokio::test]
    async fn a_write_already_made_or_a_close_already_made_ends_a_wait_at_once() {
        let board = Board::new("a");
        let (_, seen) = board.read();
        board.modify(|v| *v = "b");
        assert!(board.changed(seen).await.is_ok());
        let (value, seen) = board.read();
        assert_eq!(value, "b");
        board.close();
        assert!(board.changed(seen).await.is_err());
        assert!(
            board.changed(seen - 1).await.is_ok(),
            "an unseen write first"
        );
    }
}

//! Call timeouts without a timer registration per call.
//!
//! `tokio::time::timeout` registers a fresh timer entry in the runtime's timer wheel for every
//! call and removes it when the call ends: two locks of a wheel shard per call, about half of a
//! call's cost (callgrind: ~850 of ~1,750 instructions on the caller's side). A timer entry whose
//! deadline only moves later can be re-armed with one atomic compare-and-swap instead (tokio
//! keeps it in the wheel at its old slot and re-files it if it fires early). So each thread keeps
//! a few armed `Sleep`s, tagged with the id of the runtime that made them, and a call borrows
//! one, moves its deadline to `now + timeout`, and gives it back when it ends.
//!
//! The guarantee is unchanged: the call is woken at its deadline by the runtime it runs on. A
//! borrowed `Sleep` left in the pool may later wake the task that used it last, once, when its
//! old deadline passes; a spurious wake-up is harmless.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};

/// Armed timers a thread keeps for reuse.
const POOL: usize = 8;

thread_local! {
    static TIMERS: RefCell<Vec<(Id, Pin<Box<Sleep>>)>> = const { RefCell::new(Vec::new()) };
}

/// A timer borrowed from this thread's pool, returned to the pool of the thread that drops it.
struct Timer {
    runtime: Id,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Timer {
    fn arm(runtime: Id, deadline: Instant) -> Timer {
        let pooled = TIMERS
            .try_with(|pool| {
                let mut pool = pool.borrow_mut();
                // Timers of another runtime (a thread that ran several in turn) are useless here.
                while let Some((id, sleep)) = pool.pop() {
                    if id == runtime {
                        return Some(sleep);
                    }
                }
                None
            })
            .ok()
            .flatten();
        let sleep = match pooled {
            Some(mut sleep) => {
                sleep.as_mut().reset(deadline);
                sleep
            }
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        Timer {
            runtime,
            sleep: Some(sleep),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(sleep) = self.sleep.take() {
            let _ = TIMERS.try_with(|pool| {
                let mut pool = pool.borrow_mut();
                if pool.len() < POOL {
                    pool.push((self.runtime, sleep));
                }
            });
        }
    }
}

/// Runs `fut` for at most `timeout`; `None` if the time ran out first (as `tokio::time::timeout`).
pub(crate) async fn timeout<F: Future>(timeout: Duration, fut: F) -> Option<F::Output> {
    let Ok(handle) = Handle::try_current() else {
        // Outside a runtime: tokio's own timeout says why it cannot work.
        return tokio::time::timeout(timeout, fut).await.ok();
    };
    let Some(deadline) = Instant::now().checked_add(timeout) else {
        // A timeout beyond the clock's range never passes.
        return Some(fut.await);
    };
    let mut timer = Timer::arm(handle.id(), deadline);
    drop(handle);
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        let sleep = timer.sleep.as_mut().expect("armed");
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::timeout;

    #[tokio::test(start_paused = true)]
    async fn a_reused_timer_fires_at_the_new_deadline() {
        for _ in 0..3 {
            assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Some(7));
        }
        let start = tokio::time::Instant::now();
        let never = std::future::pending::<()>();
        assert_eq!(timeout(Duration::from_secs(5), never).await, None);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        // Reused after firing.
        let start = tokio::time::Instant::now();
        assert_eq!(
            timeout(Duration::from_secs(2), std::future::pending::<()>()).await,
            None
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn an_extended_timer_does_not_fire_at_its_old_deadline() {
        // Arm for 1 s and finish at once: the pooled timer stays filed at +1 s.
        assert_eq!(timeout(Duration::from_secs(1), async {}).await, Some(()));
        // Re-armed for 10 s: it must not fire at +1 s.
        let start = tokio::time::Instant::now();
        let slow = async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "done"
        };
        assert_eq!(timeout(Duration::from_secs(10), slow).await, Some("done"));
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[test]
    fn timers_of_a_dropped_runtime_are_not_reused() {
        for _ in 0..3 {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            rt.block_on(async {
                assert_eq!(timeout(Duration::from_secs(1), async { 1 }).await, Some(1));
                let never = std::future::pending::<()>();
                assert_eq!(timeout(Duration::from_millis(10), never).await, None);
            });
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_unrepresentable_deadline_means_no_timeout() {
        assert_eq!(timeout(Duration::MAX, async { 3 }).await, Some(3));
    }
}

//! Call timeouts without a timer registration per call.
//!
//! `tokio::time::timeout` registers a fresh timer entry in the runtime's timer wheel for every
//! call and removes it when the call ends: two locks of a wheel shard per call, about half of a
//! call's cost (callgrind: ~850 of ~1,750 instructions on the caller's side), and contention with
//! the worker that drives the timers when several tasks call at once. So each thread keeps a few
//! armed `Sleep`s, tagged with the id of the runtime that made them; a call borrows one and gives
//! it back when it ends.
//!
//! A borrowed timer is re-armed only when it must be. If it is due no later than the call's
//! deadline (the usual case: the same timeout, a later start), it is left alone: when it fires,
//! the call checks the clock and, if its own deadline has not come, moves the timer to it and
//! waits on. A call with the default 5 s timeout thus touches the timer wheel about once per 5 s
//! per thread instead of twice per call. A timer due later than the deadline is moved earlier
//! (tokio re-files it).
//!
//! A pooled timer also remembers the waker it was last polled with, so a task that borrows it
//! again does not poll it again until it fires. The timer a thread's last call gave back is kept
//! apart, as one pointer, with the id of the task that used it: a task making calls in a row
//! takes it back without looking up its runtime (a task never changes runtime) or searching the
//! pool.
//!
//! Nor is the clock read for a call that never waits: the deadline is computed at the first poll
//! that finds the answer not there yet (right after the message was sent), so the timeout counts
//! from when the call first waits.
//!
//! The guarantee is unchanged: the call ends with `None` at its deadline, never before, woken by
//! the runtime it runs on. A pooled `Sleep` may later wake the task that used it last, once, when
//! it comes due; a spurious wake-up is harmless.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::runtime::{Handle, Id};
use tokio::task;
use tokio::time::{Instant, Sleep};

/// Armed timers a thread keeps for reuse.
const POOL: usize = 8;

/// Tasks whose runtime a thread remembers.
const TASKS: usize = 8;

thread_local! {
    /// The timer the last call on this thread gave back: usually the next call's, made by the
    /// same task (a caller making calls in a row). Taken and given back as one pointer.
    static LAST: Cell<Option<Box<Armed>>> = const { Cell::new(None) };
    /// The others this thread keeps (boxed, as in `LAST`: they move between the two as a
    /// pointer).
    #[expect(clippy::vec_box, reason = "timers move between the pool and LAST as one pointer")]
    static TIMERS: RefCell<Vec<Box<Armed>>> = const { RefCell::new(Vec::new()) };
    /// Recent tasks on this thread and their runtime: a task never changes runtime and task ids are
    /// never reused, so an entry is never stale. Spares `Handle::try_current`, which clones (and
    /// drops) the runtime handle's `Arc` — a reference count every worker thread writes.
    static RUNTIMES: RefCell<RecentTasks> = const {
        RefCell::new(RecentTasks { tasks: [None; TASKS], next: 0 })
    };
}

struct RecentTasks {
    tasks: [Option<(task::Id, Id)>; TASKS],
    /// The slot the next new task takes (round robin).
    next: usize,
}

/// The id of the runtime this code runs on, if any (`task`: the task it runs in).
fn runtime_id(task: Option<task::Id>) -> Option<Id> {
    let Some(task) = task else {
        return Handle::try_current().ok().map(|h| h.id());
    };
    let known = RUNTIMES
        .try_with(|recent| {
            let recent = recent.borrow();
            recent
                .tasks
                .iter()
                .flatten()
                .find(|(t, _)| *t == task)
                .map(|(_, rt)| *rt)
        })
        .ok()
        .flatten();
    if known.is_some() {
        return known;
    }
    let runtime = Handle::try_current().ok()?.id();
    let _ = RUNTIMES.try_with(|recent| {
        let mut recent = recent.borrow_mut();
        let slot = recent.next;
        recent.tasks[slot] = Some((task, runtime));
        recent.next = (slot + 1) % TASKS;
    });
    Some(runtime)
}

/// A timer of one runtime, and the waker it was last polled with (polling it again with the same
/// waker is only needed once it has fired).
struct Armed {
    /// `None` outside any runtime (the `Sleep` then panicked at creation with tokio's message).
    runtime: Option<Id>,
    /// The task that borrowed it last: the same task borrowing it again needs no runtime lookup
    /// (a task never changes runtime).
    task: Option<task::Id>,
    sleep: Pin<Box<Sleep>>,
    waker: Option<Waker>,
}

impl Armed {
    /// Polls the timer until the call's `deadline`: `Ready` once it has passed.
    fn poll(&mut self, deadline: Instant, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let registered = self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker()));
        if registered && !self.sleep.is_elapsed() {
            // Still filed with this task's waker: nothing to do until it fires.
            return Poll::Pending;
        }
        while self.sleep.as_mut().poll(cx).is_ready() {
            self.waker = None;
            if self.sleep.deadline() >= deadline {
                return Poll::Ready(());
            }
            // An earlier call's deadline: move on to ours (and poll again to register).
            self.sleep.as_mut().reset(deadline);
        }
        if !registered {
            self.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A timer borrowed from this thread's pool, returned to the pool of the thread that drops it.
struct Timer {
    armed: Option<Box<Armed>>,
}

impl Timer {
    /// A timer of the runtime this task runs on, due no later than `deadline`.
    fn borrow(deadline: Instant) -> Timer {
        let task = task::try_id();
        let mut armed = match LAST.try_with(Cell::take).ok().flatten() {
            // The usual case: this task's own timer from its last call.
            Some(armed) if task.is_some() && armed.task == task => armed,
            last => {
                let runtime = runtime_id(task);
                let reusable = match last {
                    Some(armed) if runtime.is_some() && armed.runtime == runtime => Some(armed),
                    other => {
                        if let Some(other) = other {
                            pool(other);
                        }
                        runtime.and_then(pooled)
                    }
                };
                // Outside a runtime the `Sleep` panics with tokio's own message, as
                // `tokio::time::timeout` does.
                reusable.unwrap_or_else(|| {
                    Box::new(Armed {
                        runtime,
                        task,
                        sleep: Box::pin(tokio::time::sleep_until(deadline)),
                        waker: None,
                    })
                })
            }
        };
        armed.task = task;
        if armed.sleep.deadline() > deadline {
            armed.sleep.as_mut().reset(deadline);
            // Re-filed: poll it again before relying on it to wake this task.
            armed.waker = None;
        }
        Timer { armed: Some(armed) }
    }
}

/// A timer of `runtime` from this thread's pool.
fn pooled(runtime: Id) -> Option<Box<Armed>> {
    TIMERS
        .try_with(|pool| {
            let mut pool = pool.borrow_mut();
            // Timers of another runtime (a thread that ran several in turn) are useless here.
            while let Some(armed) = pool.pop() {
                if armed.runtime == Some(runtime) {
                    return Some(armed);
                }
            }
            None
        })
        .ok()
        .flatten()
}

/// Keeps `armed` in this thread's pool, if there is room.
fn pool(armed: Box<Armed>) {
    let _ = TIMERS.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOL {
            pool.push(armed);
        }
    });
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(armed) = self.armed.take().filter(|a| a.runtime.is_some())
            && let Ok(Some(other)) = LAST.try_with(|last| last.replace(Some(armed)))
        {
            pool(other);
        }
    }
}

/// A call's deadline, with a timer borrowed from the pool only once the call has to wait.
///
/// The clock is read only then too, at the first poll that finds the answer not there yet: a
/// call answered at its first poll reads no clock and touches no timer. That first wait begins
/// right after the message is sent, so the timeout counts from when the call first waits.
pub(crate) struct Deadline {
    when: When,
    timer: Timer,
}

/// A deadline not computed yet, or computed.
#[derive(Clone, Copy)]
enum When {
    /// The timeout, counted from the first wait.
    After(Duration),
    /// `None`: a timeout beyond the clock's range, which never passes.
    At(Option<Instant>),
}

impl Deadline {
    /// `timeout` from the call's first wait.
    pub(crate) fn after(timeout: Duration) -> Deadline {
        Deadline {
            when: When::After(timeout),
            timer: Timer { armed: None },
        }
    }

    /// `Ready` once the deadline has passed; until then the task is woken when it does.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let at = match self.when {
            When::At(at) => at,
            When::After(timeout) => {
                let at = Instant::now().checked_add(timeout);
                self.when = When::At(at);
                at
            }
        };
        let Some(at) = at else {
            return Poll::Pending;
        };
        if self.timer.armed.is_none() {
            self.timer = Timer::borrow(at);
        }
        match &mut self.timer.armed {
            Some(armed) => armed.poll(at, cx),
            None => Poll::Pending,
        }
    }

    /// Runs `fut` until this deadline; `None` if it passed first (as `tokio::time::timeout`).
    /// The deadline can go on serving a later wait of the same call.
    pub(crate) async fn run<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            self.poll_elapsed(cx).map(|()| None)
        })
        .await
    }
}

/// Runs `fut` for at most `timeout`; `None` if the time ran out first (as `tokio::time::timeout`).
#[cfg(test)]
async fn timeout<F: Future>(timeout: Duration, fut: F) -> Option<F::Output> {
    Deadline::after(timeout).run(fut).await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Deadline, timeout};

    #[tokio::test(start_paused = true)]
    async fn a_reused_timer_fires_at_the_new_deadline() {
        for _ in 0..3 {
            // Pending once: the timer is polled, and pooled registered with this task's waker.
            let answer = async {
                tokio::task::yield_now().await;
                7
            };
            assert_eq!(timeout(Duration::from_secs(1), answer).await, Some(7));
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
                // The same from tasks of this runtime, which run on this thread too.
                let in_task = tokio::spawn(async {
                    let yielded = tokio::task::yield_now();
                    assert_eq!(timeout(Duration::from_secs(1), yielded).await, Some(()));
                    let never = std::future::pending::<()>();
                    timeout(Duration::from_millis(10), never).await
                });
                assert_eq!(in_task.await.unwrap(), None);
            });
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_timer_is_carried_on_to_the_deadline() {
        // Leaves a pooled timer due at +1 s.
        assert_eq!(timeout(Duration::from_secs(1), async {}).await, Some(()));
        tokio::time::advance(Duration::from_millis(500)).await;
        // Due at +3.5 s: the pooled timer (due at +1 s) must not end it early.
        let start = tokio::time::Instant::now();
        assert_eq!(
            timeout(Duration::from_secs(3), std::future::pending::<()>()).await,
            None
        );
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_timer_is_moved_earlier() {
        assert_eq!(timeout(Duration::from_secs(60), async {}).await, Some(()));
        let start = tokio::time::Instant::now();
        assert_eq!(
            timeout(Duration::from_secs(1), std::future::pending::<()>()).await,
            None
        );
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_borrowed_by_another_task_wakes_that_task() {
        // This task leaves a timer registered with its own waker in the pool ...
        let yielded = tokio::task::yield_now();
        assert_eq!(timeout(Duration::from_secs(1), yielded).await, Some(()));
        // ... which another task on the same thread borrows: it must wake that one.
        let other = tokio::spawn(async {
            timeout(Duration::from_secs(2), std::future::pending::<()>()).await
        });
        assert_eq!(other.await.unwrap(), None);
        // And back: a timer last polled by the other task wakes this one.
        let start = tokio::time::Instant::now();
        assert_eq!(
            timeout(Duration::from_secs(4), std::future::pending::<()>()).await,
            None
        );
        assert_eq!(start.elapsed(), Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_counts_from_the_first_wait() {
        let mut deadline = Deadline::after(Duration::from_secs(2));
        // Answered at once: no wait, no deadline yet.
        assert_eq!(deadline.run(async { 1 }).await, Some(1));
        tokio::time::advance(Duration::from_secs(5)).await;
        let start = tokio::time::Instant::now();
        assert_eq!(deadline.run(std::future::pending::<()>()).await, None);
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        // Later waits of the same call keep that deadline.
        assert_eq!(deadline.run(std::future::pending::<()>()).await, None);
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unrepresentable_deadline_means_no_timeout() {
        assert_eq!(timeout(Duration::MAX, async { 3 }).await, Some(3));
    }
}

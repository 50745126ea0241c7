//! Waiting for an actor's exit ([`Core::wait`]): the waiters' wakers are kept under the actor's
//! own state lock, each in a slot of its own ([`Waiters`]: the one waiter of a `stop` without an
//! allocation), and the exit path takes them all once it has told every link and monitor.
//!
//! The exit path takes the lock for this only when someone waits: a waiter counts itself in
//! [`Core`]'s `told` word before it first reads it, and the exit path sets [`TOLD`] and reads the
//! count in one step. Either the exit path sees the count (and takes the lock, and the waker
//! registered under it), or the waiter's count comes after [`TOLD`] and reads it. A waiter
//! registers only under the lock and after reading `told` again there, so a waker is never
//! stored once the exit path has taken the list.
//!
//! A start waits for `init` the same way ([`Started`]), in a slot of the same list: the task
//! sets [`STARTED`] once `init` returned and wakes the waiters (leaving them registered) if any
//! counted themselves; a start that failed is told by the exit path (`TOLD` without `STARTED`),
//! its error left in the actor's state. No channel is allocated per start.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};

use super::cell::{Core, State};
use crate::sync::MutexGuard;
use crate::{ExitReason, StartError};

/// The bit of [`Core`]'s `told` set once the exit was told.
pub(super) const TOLD: u32 = 1 << 31;

/// The bit set once `init` returned: the start succeeded.
pub(super) const STARTED: u32 = 1 << 30;

/// The bit set when the actor's task was dropped before it answered its start (its runtime shut
/// down under it): the start fails as if the actor had been killed.
pub(super) const ABANDONED: u32 = 1 << 29;

/// The bits that count waiters.
const COUNT: u32 = ABANDONED - 1;

/// A waiter's place among the core's: counted in `told` from its first poll that found no
/// answer, registered in a slot of the list once it waits, both given back on drop.
struct Waiting<'a> {
    core: &'a Core,
    counted: bool,
    /// Its slot among the core's waiters, once it registered a waker.
    slot: Option<usize>,
}

impl<'a> Waiting<'a> {
    fn new(core: &'a Core) -> Self {
        Waiting {
            core,
            counted: false,
            slot: None,
        }
    }

    /// Counts this waiter (once), then takes the state lock, under which the caller reads `told`
    /// again before it [`waits`](Self::wait): an answer told after that read finds the count,
    /// takes the lock and wakes the waker registered under it.
    fn lock(&mut self) -> MutexGuard<'a, State> {
        if !self.counted {
            self.counted = true;
            self.core.told().fetch_add(1, Ordering::AcqRel);
        }
        self.core.lock()
    }

    fn wait(&mut self, st: &mut State, waker: &Waker) {
        self.slot = Some(st.waiters.register(self.slot, waker));
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if !self.counted {
            return;
        }
        // Once told, the exit path takes the list (the slot goes with it): a wait that returned
        // its reason (a `stop`'s, as a rule) leaves without the lock. Read again under the lock,
        // which the exit path takes after it set `TOLD`. (`STARTED` and `ABANDONED` wake the
        // waiters without taking the list: the slot is freed here.)
        if let Some(i) = self.slot
            && !self.core.is_told()
        {
            let mut st = self.core.lock();
            if !self.core.is_told() {
                st.waiters.remove(i);
            }
        }
        self.core.told().fetch_sub(1, Ordering::AcqRel);
    }
}

/// What [`Core::wait`] returns: ready with the exit reason once the exit path has told
/// everyone.
pub(crate) struct Wait<'a>(Waiting<'a>);

impl<'a> Wait<'a> {
    pub(super) fn new(core: &'a Core) -> Self {
        Wait(Waiting::new(core))
    }
}

impl Future for Wait<'_> {
    type Output = ExitReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ExitReason> {
        let waiting = &mut self.get_mut().0;
        let core = waiting.core;
        if let Some(reason) = core.told_reason() {
            return Poll::Ready(reason);
        }
        let mut st = waiting.lock();
        // Once `TOLD` is set, the exit path takes the list (under this lock), and a waker stored
        // after that would never be woken.
        if let Some(reason) = core.told_reason() {
            return Poll::Ready(reason);
        }
        waiting.wait(&mut st, cx.waker());
        Poll::Pending
    }
}

/// The exit path's last step: sets [`TOLD`], and wakes the waiters if any counted themselves.
pub(super) fn wake_waiters(core: &Core) {
    if core.told().fetch_or(TOLD, Ordering::AcqRel) & COUNT != 0 {
        let waiters = std::mem::take(&mut core.lock().waiters);
        waiters.wake_all();
    }
}

/// What [`Core::started`] returns: ready once the actor's start is answered, with `Ok` once
/// `init` returned, or with why the start failed once the actor exited without that.
pub(crate) struct Started<'a>(Waiting<'a>);

impl<'a> Started<'a> {
    pub(super) fn new(core: &'a Core) -> Self {
        Started(Waiting::new(core))
    }
}

/// The start's answer if it has one already, without waiting (see [`Started`]).
pub(super) fn start_answer(core: &Core) -> Option<Result<(), StartError>> {
    let word = core.told().load(Ordering::Acquire);
    if word & STARTED != 0 {
        return Some(Ok(()));
    }
    answer(core, word, &mut core.lock())
}

/// The start's answer, if `word` (the `told` word) has one; a failure's error is taken from
/// `st`.
fn answer(core: &Core, word: u32, st: &mut State) -> Option<Result<(), StartError>> {
    if word & STARTED != 0 {
        Some(Ok(()))
    } else if word & (TOLD | ABANDONED) != 0 {
        Some(Err(st.start_error.take().map_or_else(
            || StartError::Exited(core.exit_reason().unwrap_or(ExitReason::Killed)),
            |error| *error,
        )))
    } else {
        None
    }
}

impl Future for Started<'_> {
    type Output = Result<(), StartError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let waiting = &mut self.get_mut().0;
        let core = waiting.core;
        // The usual case for a supervisor's start, whose first poll of the new actor ran `init`:
        // answered, and no lock taken.
        if core.told().load(Ordering::Acquire) & STARTED != 0 {
            return Poll::Ready(Ok(()));
        }
        let mut st = waiting.lock();
        if let Some(answer) = answer(core, core.told().load(Ordering::Acquire), &mut st) {
            return Poll::Ready(answer);
        }
        waiting.wait(&mut st, cx.waker());
        Poll::Pending
    }
}

/// The task's answer to its start: `init` returned. Wakes the start's wait, if it counted
/// itself, and with it any exit waiter (each polls again and waits on).
pub(super) fn tell_started(core: &Core) {
    tell(core, STARTED);
}

/// The task was dropped without answering its start (see [`ABANDONED`]).
pub(super) fn tell_abandoned(core: &Core) {
    tell(core, ABANDONED);
}

fn tell(core: &Core, bit: u32) {
    if core.told().fetch_or(bit, Ordering::AcqRel) & COUNT != 0 {
        core.lock().waiters.wake_each();
    }
}

/// The wakers of an actor's [`Wait`]s, each in a slot of its own: one waiter (the usual case: a
/// `stop`) is held without an allocation.
#[derive(Default)]
pub(super) enum Waiters {
    #[default]
    None,
    /// Slot 0.
    One(Waker),
    /// Slot `i` at index `i` (`None`: free; trailing free slots are trimmed).
    Many(Vec<Option<Waker>>),
}

impl Waiters {
    /// Registers `waker` in `slot` (replacing what is there unless it wakes the same task), or
    /// in a free slot if `slot` is `None`: the slot it is in.
    fn register(&mut self, slot: Option<usize>, waker: &Waker) -> usize {
        match (slot, &mut *self) {
            (Some(_), Waiters::One(w)) => {
                w.clone_from(waker);
                0
            }
            (Some(i), Waiters::Many(v)) => {
                match &mut v[i] {
                    Some(w) => w.clone_from(waker),
                    free => *free = Some(waker.clone()),
                }
                i
            }
            (_, Waiters::None) => {
                *self = Waiters::One(waker.clone());
                0
            }
            (None, Waiters::One(_)) => {
                let Waiters::One(first) = std::mem::take(self) else {
                    unreachable!("matched as one")
                };
                *self = Waiters::Many(vec![Some(first), Some(waker.clone())]);
                1
            }
            (None, Waiters::Many(v)) => match v.iter().position(Option::is_none) {
                Some(i) => {
                    v[i] = Some(waker.clone());
                    i
                }
                None => {
                    v.push(Some(waker.clone()));
                    v.len() - 1
                }
            },
        }
    }

    /// Frees `slot`.
    fn remove(&mut self, slot: usize) {
        match self {
            Waiters::None => {}
            Waiters::One(_) => *self = Waiters::None,
            Waiters::Many(v) => {
                if let Some(w) = v.get_mut(slot) {
                    *w = None;
                }
                while v.last().is_some_and(Option::is_none) {
                    v.pop();
                }
                if v.is_empty() {
                    *self = Waiters::None;
                }
            }
        }
    }

    /// Wakes every waiter, leaving it registered.
    fn wake_each(&self) {
        match self {
            Waiters::None => {}
            Waiters::One(w) => w.wake_by_ref(),
            Waiters::Many(v) => v.iter().flatten().for_each(Waker::wake_by_ref),
        }
    }

    fn wake_all(self) {
        match self {
            Waiters::None => {}
            Waiters::One(w) => w.wake(),
            Waiters::Many(v) => v.into_iter().flatten().for_each(Waker::wake),
        }
    }

    /// The slots, taken or free (the tests' probe).
    #[cfg(test)]
    pub(super) fn slots(&self) -> Vec<bool> {
        match self {
            Waiters::None => Vec::new(),
            Waiters::One(_) => vec![true],
            Waiters::Many(v) => v.iter().map(Option::is_some).collect(),
        }
    }
}

#[cfg(all(test, not(beamish_loom)))]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Waker};

    use super::super::cell::Core;

    fn pending(wait: &mut Pin<Box<super::Wait<'_>>>) -> bool {
        wait.as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    }

    fn slots(core: &Core) -> Vec<bool> {
        core.lock().waiters.slots()
    }

    /// Each wait holds a slot of its own, even with the same waker; a dropped wait frees its
    /// slot (trailing free slots are trimmed), and a new wait takes the first free one.
    #[test]
    fn each_wait_holds_its_own_slot_until_dropped() {
        let core = Core::new("waited");
        let mut first = Box::pin(core.wait());
        let mut second = Box::pin(core.wait());
        assert!(pending(&mut first));
        assert!(pending(&mut second));
        assert!(pending(&mut second), "polled again: the same slot");
        assert_eq!(slots(&core), [true, true]);
        let mut third = Box::pin(core.wait());
        assert!(pending(&mut third));
        assert_eq!(slots(&core), [true, true, true]);
        drop(third);
        assert_eq!(
            slots(&core),
            [true, true],
            "a trailing free slot is trimmed"
        );
        drop(first);
        assert_eq!(slots(&core), [false, true]);
        let mut again = Box::pin(core.wait());
        assert!(pending(&mut again));
        assert_eq!(
            slots(&core),
            [true, true],
            "the first free slot is taken again"
        );
        drop(second);
        assert_eq!(slots(&core), [true]);
        drop(again);
        assert!(slots(&core).is_empty());
        drop(core.wait());
        assert!(slots(&core).is_empty(), "a wait never polled takes no slot");
    }
}

/// The model check of a wait given up on while the actor dies (with those of `actor/models.rs`,
/// which the loom run selects by the name `models`).
#[cfg(all(test, beamish_loom))]
mod models {
    use std::future::Future;
    use std::task::{Context, Waker};

    use loom::future::block_on;
    use loom::thread;

    use super::super::cell::{self, ProcRef};
    use super::super::models::actor;
    use crate::{ExitReason, StartError};

    /// Runs `f` with a handle on `target` in a thread of its own.
    fn beside(
        target: &ProcRef,
        f: impl FnOnce(ProcRef) + Send + 'static,
    ) -> thread::JoinHandle<()> {
        let target = target.clone();
        thread::spawn(move || f(target))
    }

    /// Waits for `target`'s exit for one poll, registering its waker, then gives up.
    fn wait_then_give_up(target: ProcRef) {
        let mut wait = std::pin::pin!(target.core().wait());
        let _ = wait.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    }

    /// A wait that registered and was dropped while the actor dies neither strands the wait that
    /// goes on (it returns the reason) nor leaves a waker behind.
    #[test]
    fn a_wait_given_up_on_neither_strands_another_nor_stays() {
        loom::model(|| {
            let (target, _mailbox) = actor::<()>("target");
            let giving_up = beside(&target, wait_then_give_up);
            let dying = beside(&target, |target| {
                cell::exit(&target, ExitReason::Normal, None)
            });
            assert_eq!(block_on(target.core().wait()), ExitReason::Normal);
            giving_up.join().expect("giving up");
            dying.join().expect("dying");
            assert!(target.core().lock().waiters.slots().is_empty());
        });
    }

    /// A start waiting while `init` returns is answered `Ok` (never stranded), and leaves no
    /// waker behind, while an exit wait alongside it is woken and waits on for the exit.
    #[test]
    fn a_start_waiting_while_init_returns_is_answered() {
        loom::model(|| {
            let (target, _mailbox) = actor::<()>("target");
            let waiting_exit = beside(&target, wait_then_give_up);
            let answering = beside(&target, |target| super::tell_started(target.core()));
            assert!(block_on(target.core().started()).is_ok());
            answering.join().expect("answering");
            waiting_exit.join().expect("waiting for the exit");
            assert!(target.core().lock().waiters.slots().is_empty());
            assert!(target.core().told_reason().is_none(), "alive");
        });
    }

    /// A start waiting while its actor fails to start gets the error the task left, once the
    /// exit is told.
    #[test]
    fn a_start_waiting_while_its_actor_dies_gets_the_start_error() {
        loom::model(|| {
            let (target, _mailbox) = actor::<()>("target");
            let failing = beside(&target, |target| {
                target.core().lock().start_error =
                    Some(Box::new(StartError::Exited(ExitReason::Shutdown)));
                cell::exit(&target, ExitReason::Shutdown, None);
            });
            let answer = block_on(target.core().started());
            assert!(
                matches!(answer, Err(StartError::Exited(ExitReason::Shutdown))),
                "{answer:?}"
            );
            failing.join().expect("failing");
            assert!(target.core().lock().start_error.is_none(), "taken");
        });
    }
}

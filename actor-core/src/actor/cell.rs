//! The untyped core of every actor: its exit state, links, monitors and exit hooks, and the exit
//! path that tells them all.
//!
//! # Ordering
//!
//! The exit path ([`exit`]) runs in the order DESIGN.md fixes, so that whoever learns of a death
//! can rely on everything the death produces being in place:
//!
//! 1. the actor's exit hooks run: every registry entry (and via name) it held is gone;
//! 2. its exit reason is recorded (`is_alive` turns `false`, `exit_reason` answers) and it stops
//!    counting in [`live_actors`](crate::live_actors);
//! 3. every linked actor gets its exit signal — an `Info::Exit` or a `Sys::Stop` queued in a
//!    trapping actor's mailbox (or handled there and then by an idle dynamic supervisor, as if
//!    it had been the next thing it took: see [`inline::exit`](super::inline::exit)), a kill for
//!    a non-trapping one — and then every monitor's `Info::Down` is queued in its watcher's
//!    mailbox;
//! 4. only then are its waiters woken: `wait()`, `stop()`, and calls that fail with its exit
//!    reason.
//!
//! Hence the guarantee documented on [`ActorHandle`](crate::ActorHandle) (section "Ordering").
//! System messages share one FIFO with user messages, so "stop X, then call M" means M handles
//! X's `Down` before the call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, PoisonError};
use std::task::Waker;

use super::exited::Exited;
use super::id::MonitorRef;
use super::info::Info;
use super::inline::OnExit;
use super::links::Links;
use super::live;
use super::mailbox::Sys;
pub(crate) use super::proc::{Cell, ProcRef};
pub(crate) use super::relate::{demonitor, link, monitor, take_monitoring, unlink};
use super::relay::{self, ActorTask};
use super::signal;
pub(crate) use super::signal::{shutdown, signal_exit};
use super::wait::{self, Started, TOLD, Wait, Waiters};
use crate::sync::{self, AtomicU8, Mutex, MutexGuard};
use crate::sys::Relations;
use crate::{ActorId, ExitReason, StartError};

/// In [`Core::signals`]: the actor was killed.
const KILL: u8 = 1;
/// In [`Core::signals`]: the actor was asked to stop at once ([`Core::halt`]).
const HALT: u8 = 2;
/// In [`Core::signals`]: the actor has a [`Guard`] to ask before each message.
const GUARDED: u8 = 4;

/// A check an actor's run loop makes before each message, for an actor whose right to run can
/// lapse (a cluster-bound actor whose node passed its fence deadline): a reason, and the actor
/// is killed with it instead of handling the message.
pub trait Guard: Send + Sync + 'static {
    /// `Some(reason)` if the actor must not handle another message. Called with the actor's
    /// own state locked: it must not reach back into the actor.
    fn check(&self) -> Option<ExitReason>;
}

/// Something to run when an actor exits, before anyone can observe the exit (registries).
pub(crate) trait ExitHook: Send + Sync + 'static {
    fn actor_exited(&self, id: ActorId);
    /// Identity, so one hook is installed once per actor however many entries it holds.
    fn hook_id(&self) -> usize;
}

pub(crate) struct Core {
    pub(crate) id: ActorId,
    pub(crate) type_name: &'static str,
    /// [`KILL`] and [`HALT`], set (under the state lock) when `killed` or `halted` is: the
    /// task's fast check, one atomic load per poll.
    signals: AtomicU8,
    state: Mutex<State>,
    /// The exit reason, recorded before links and monitors are told (so a `Down`'s recipient sees
    /// the actor dead).
    exit: Exited,
    /// [`TOLD`], set once links and monitors were told (only then do waiters return), and the
    /// number of [`wait`](Self::wait)s under way, so that the exit path wakes them only if there
    /// are any: one word, so that a waiter counted after the exit path read it sees `TOLD` (see
    /// [the waiting side](super::wait)). The start's answer is told in it the same way
    /// ([`STARTED`](super::wait::STARTED), [`ABANDONED`](super::wait::ABANDONED)).
    told: sync::AtomicU32,
    /// How many restarts of its supervised child came before this incarnation (0 for a first
    /// start, or an actor no supervisor restarts).
    restarts: AtomicU32,
    /// Where `sys`'s table keeps it.
    pub(crate) table_slot: AtomicU32,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) exiting: bool,
    pub(super) trap_exit: bool,
    pub(super) parent: Option<ActorId>,
    /// The reason of the first kill, until the actor's task takes it (boxed: kills are rare, and
    /// this is in every actor).
    pub(super) killed: Option<Box<ExitReason>>,
    /// The reason of a requested immediate stop ([`Core::halt`]), until the run loop takes it.
    pub(super) halted: Option<Box<ExitReason>>,
    /// The actor's task, to wake on a kill wherever it waits.
    pub(super) task: Option<Waker>,
    pub(super) links: Links<ProcRef>,
    pub(super) monitored_by: Vec<(MonitorRef, ProcRef)>,
    pub(super) monitoring: Vec<(MonitorRef, ProcRef)>,
    pub(super) hooks: Vec<Arc<dyn ExitHook>>,
    /// Asked before each message (boxed: guards are rare, and this is in every actor).
    pub(super) guard: Option<Box<Arc<dyn Guard>>>,
    /// The wakers of the [`wait`](Core::wait)s under way, each in its own slot (`None`: free),
    /// taken by the exit path once it has told everyone. A start's wait for `init`
    /// ([`started`](Core::started)) takes a slot here too.
    pub(super) waiters: Waiters,
    /// Why the start failed, for its starter, from the task's last step until the starter reads
    /// it (boxed: failed starts are rare, and this is in every actor).
    pub(super) start_error: Option<Box<StartError>>,
    /// Set by an actor that takes the exit signals of dying actors inline (see
    /// [`inline::exit`](super::inline::exit)).
    pub(super) on_exit: Option<OnExit>,
}

impl Core {
    pub(crate) fn new(type_name: &'static str) -> Self {
        Core::born(type_name, State::default())
    }

    /// The core of a new actor started linked by `parent`, built with its side of the link and
    /// its parent in place, so that linking takes only the parent's lock
    /// ([`link_new_child`](super::relate::link_new_child)).
    pub(crate) fn child_of(type_name: &'static str, parent: &ProcRef) -> Self {
        let mut links = Links::default();
        links.insert(parent.clone());
        let state = State {
            parent: Some(parent.core().id),
            links,
            ..State::default()
        };
        Core::born(type_name, state)
    }

    /// A new local actor's core, counted as live, with a fresh id.
    fn born(type_name: &'static str, state: State) -> Self {
        live::born();
        Core::with_state(ActorId::next(), type_name, state)
    }

    /// The core of a stand-in for an actor on another node: not counted as a live actor here.
    pub(crate) fn remote(id: ActorId, type_name: &'static str) -> Self {
        Core::with_state(id, type_name, State::default())
    }

    fn with_state(id: ActorId, type_name: &'static str, state: State) -> Self {
        Core {
            id,
            type_name,
            signals: AtomicU8::new(0),
            state: Mutex::new(state),
            exit: Exited::new(),
            told: sync::AtomicU32::new(0),
            restarts: AtomicU32::new(0),
            table_slot: AtomicU32::new(u32::MAX),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that this incarnation is its supervised child's `n`th restart.
    pub(crate) fn set_restarts(&self, n: u32) {
        self.restarts.store(n, Ordering::Relaxed);
    }

    /// What `sys` reports of the actor's relations, read under its lock.
    pub(crate) fn relations(&self) -> Relations {
        let st = self.lock();
        Relations {
            parent: st.parent,
            trap_exit: st.trap_exit,
            links: st.links.ids(),
            monitored_by: st.monitored_by.iter().map(|(_, p)| p.core().id).collect(),
            monitoring: st.monitoring.iter().map(|(_, p)| p.core().id).collect(),
            restarts: self.restarts.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.exit.get().cloned()
    }

    pub(crate) fn is_alive(&self) -> bool {
        !self.exit.is_recorded()
    }

    /// The exit reason, once the exit path has told everyone (what [`wait`](Self::wait) returns
    /// then).
    pub(crate) fn told_reason(&self) -> Option<ExitReason> {
        if self.is_told() {
            self.exit.get().cloned()
        } else {
            None
        }
    }

    /// Whether the exit path has told everyone (the reason not read, nor cloned).
    pub(super) fn is_told(&self) -> bool {
        self.told.load(Ordering::Acquire) & TOLD != 0
    }

    /// Waits for the exit reason; returns at once for a dead actor. Returns only once the exit
    /// path has told every link and monitor (see the module docs).
    pub(crate) fn wait(&self) -> Wait<'_> {
        Wait::new(self)
    }

    /// Waits for the answer of the actor's start: `Ok` once `init` returned, the start's error
    /// once the actor exited without (see [`Started`]).
    pub(crate) fn started(&self) -> Started<'_> {
        Started::new(self)
    }

    /// The word of [`TOLD`] and the waiter count.
    pub(super) fn told(&self) -> &sync::AtomicU32 {
        &self.told
    }

    /// Whether this actor is linked to `id` (the model checks' probe).
    #[cfg(all(test, beamish_loom))]
    pub(crate) fn is_linked(&self, id: ActorId) -> bool {
        self.lock().links.contains(id)
    }

    pub(crate) fn set_trap_exit(&self, trap: bool) {
        self.lock().trap_exit = trap;
    }

    pub(crate) fn parent(&self) -> Option<ActorId> {
        self.lock().parent
    }

    /// Kills the actor at once with `reason`: its running callback is dropped and `terminate` does
    /// not run. The first kill wins; a kill after the exit path began does nothing.
    pub(crate) fn kill(&self, reason: ExitReason) {
        let task = {
            let mut st = self.lock();
            if st.exiting || st.killed.is_some() {
                return;
            }
            st.killed = Some(Box::new(reason));
            self.signals.fetch_or(KILL, Ordering::Release);
            st.task.take()
        };
        if let Some(task) = task {
            task.wake();
        }
    }

    /// Called by the actor's task when it is polled with a waker it has not given yet: a kill
    /// wakes that waker.
    pub(crate) fn set_task(&self, waker: &Waker) {
        self.lock().task = Some(waker.clone());
    }

    /// Stops the actor at once, in order: its running callback (handler, `handle_info`,
    /// continuation) is dropped at its next await, messages still queued are not handled, and
    /// `terminate(reason)` runs with the state as the dropped callback left it. A supervisor's
    /// orderly shutdown of a non-trapping child. Does nothing once the actor was killed, was
    /// already halted, or began its exit path; it cannot cut a `terminate` that already runs.
    pub(crate) fn halt(&self, reason: ExitReason) {
        let task = {
            let mut st = self.lock();
            if st.exiting || st.killed.is_some() || st.halted.is_some() {
                return;
            }
            st.halted = Some(Box::new(reason));
            self.signals.fetch_or(HALT, Ordering::Release);
            // Cloned, not taken: the task keeps its registration for a later kill.
            st.task.clone()
        };
        if let Some(task) = task {
            task.wake();
        }
    }

    /// `true` once the actor was killed or halted, or if it has a guard (one atomic load): the
    /// run loop checks it between messages, so that such an actor handles nothing more even if
    /// its task is busy.
    #[inline]
    pub(crate) fn interrupted(&self) -> bool {
        self.signals.load(Ordering::Acquire) != 0
    }

    /// Installs `guard`, asked before each message from now on (replacing any other).
    pub(crate) fn set_guard(&self, guard: Arc<dyn Guard>) {
        self.lock().guard = Some(Box::new(guard));
        self.signals.fetch_or(GUARDED, Ordering::Release);
    }

    /// Whether the actor was killed or halted (its guard is not asked).
    #[inline]
    pub(crate) fn signalled(&self) -> bool {
        self.signals.load(Ordering::Acquire) & (KILL | HALT) != 0
    }

    /// Whether the run loop must stop before the next message: killed, halted, or its guard
    /// says so (which kills it with the guard's reason). Called only when
    /// [`interrupted`](Self::interrupted), so an actor without a guard pays nothing more.
    pub(crate) fn must_stop(&self) -> bool {
        let signals = self.signals.load(Ordering::Acquire);
        if signals & (KILL | HALT) != 0 {
            return true;
        }
        if signals & GUARDED != 0 {
            // Asked under the lock, which no sender takes: no count on the guard per message.
            let verdict = self.lock().guard.as_deref().and_then(|g| g.check());
            if let Some(reason) = verdict {
                self.kill(reason);
                return true;
            }
        }
        false
    }

    /// `true` once the actor was killed.
    pub(crate) fn kill_requested(&self) -> bool {
        self.signals.load(Ordering::Acquire) & KILL != 0
    }

    /// The halt's reason, if the actor was halted and the run loop has not taken it yet.
    pub(crate) fn take_halt(&self) -> Option<ExitReason> {
        if self.signals.load(Ordering::Acquire) & HALT != 0 {
            self.lock().halted.take().map(|reason| *reason)
        } else {
            None
        }
    }

    /// The kill's reason, if the actor was killed (checked by its task on every poll: one atomic
    /// load until a kill comes).
    pub(crate) fn take_kill(&self) -> Option<ExitReason> {
        if self.kill_requested() {
            self.lock().killed.take().map(|reason| *reason)
        } else {
            None
        }
    }

    /// Runs `f` under the actor's lock if it is not exiting; installs `hook` (once) so that `f`'s
    /// effect is undone in the exit path. Returns `None` if the actor is exiting.
    pub(crate) fn with_hook<R>(
        &self,
        hook: &Arc<dyn ExitHook>,
        f: impl FnOnce() -> R,
    ) -> Option<R> {
        let mut st = self.lock();
        if st.exiting {
            return None;
        }
        if !st.hooks.iter().any(|h| h.hook_id() == hook.hook_id()) {
            st.hooks.push(hook.clone());
        }
        Some(f())
    }
}

/// Whether `core` is an actor of type `A`. A cell is typed by its message type only; the actor
/// type is its recorded name (the same `&'static str` in one build, compared by address first).
pub(crate) fn is_of<A: crate::Actor>(core: &Core) -> bool {
    let (recorded, name) = (core.type_name, std::any::type_name::<A>());
    std::ptr::eq(recorded, name) || recorded == name
}

/// The exit path. Runs once, after the actor's callbacks are done (or were dropped by a kill).
/// The linked actor `spare` (the starter of a failed start) is unlinked without an exit signal.
///
/// The order is the module docs' "Ordering": hooks, the recorded reason, links, monitors, and
/// waiters last.
pub(crate) fn exit(proc: &ProcRef, reason: ExitReason, spare: Option<ActorId>) {
    if let Some(next) = exit_relaying(proc, reason, spare) {
        relay::spawn(next);
    }
}

/// [`exit`], from the dying actor's own task: a new incarnation that its supervisor, restarting
/// it here, left for this task to run on (see `relay`).
pub(crate) fn exit_relaying(
    proc: &ProcRef,
    reason: ExitReason,
    spare: Option<ActorId>,
) -> Option<ActorTask> {
    let core = proc.core();
    let mut next = None;
    let (st_parent, links, monitored_by, monitoring, hooks) = {
        let mut st = core.lock();
        st.exiting = true;
        st.task = None;
        (
            st.parent,
            st.links.take(),
            std::mem::take(&mut st.monitored_by),
            std::mem::take(&mut st.monitoring),
            std::mem::take(&mut st.hooks),
        )
    };
    // 1. Names and registry entries go first: once anyone can learn of the exit, they are free.
    for hook in &hooks {
        hook.actor_exited(core.id);
    }
    // 2. The reason is recorded, so that whoever gets a `Down` or an `Exit` sees the actor dead.
    //    It stops counting as live first, so that whoever waited for it sees `live_actors`
    //    without it.
    if core.id.is_local() {
        crate::sys::exited(core, st_parent, &reason);
        live::died();
    }
    // Moved in, not cloned: exit runs once per actor, so this is the reason recorded.
    let reason = core.exit.record(reason);
    // 3. Links, then monitors of this actor (and the monitors it held on others are dropped).
    for other in links.iter() {
        // Told first, then unlinked: an actor linking again meanwhile finds the link still there
        // and waits for this signal, instead of taking this actor for long dead (`NoProc`).
        if spare != Some(other.core().id)
            && let Some(task) = signal::dying(other, core.id, reason)
        {
            relay::keep(&mut next, task);
        }
        other.core().lock().links.remove(core.id);
    }
    for (mref, watcher) in monitored_by {
        watcher.send_sys(Sys::Info(Info::Down {
            id: core.id,
            monitor: mref,
            reason: reason.clone(),
        }));
    }
    for (mref, target) in monitoring {
        target
            .core()
            .lock()
            .monitored_by
            .retain(|(r, _)| *r != mref);
    }
    // 4. Waiters last: whoever returns from `wait`, `stop` or a failed call finds every `Down`
    //    and `Exit` of this death already queued.
    wait::wake_waiters(core);
    next
}

//! The actor's view of itself inside callbacks: [`Context`].

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::AbortHandle;

use super::Actor;
use super::cell::{self, ProcRef};
use super::handle::ActorRef;
use super::id::{MonitorRef, TimerRef};
use super::info::{Continuation, Info, TimerPayload};
use super::inline::{self, ExitInline};
use super::lifecycle::ActorHandle;
use super::mailbox::Sys;
use super::proc::Cell;
use super::reply::ReplyTo;
use crate::{ActorId, ExitReason};

/// Passed to every callback: the actor's own handle and id, and the operations an actor performs
/// on its own behalf — stopping, links, monitors, trapping exits, timers, deferred replies.
///
/// ```
/// use std::time::Duration;
/// use beamish::prelude::*;
///
/// /// Counts timer ticks; stops itself after three.
/// struct Ticker(u32);
///
/// impl Actor for Ticker {
///     type Args = ();
///     type Message = ReplyTo<u32>;
///
///     async fn init((): (), ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         ctx.send_after(Duration::from_millis(10), "tick");
///         Ok(Ticker(0))
///     }
///
///     async fn handle(&mut self, reply: ReplyTo<u32>, ctx: &mut Context<Self>) {
///         ctx.reply(reply, self.0);
///     }
///
///     async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) {
///         if let Info::Timer { .. } = info {
///             self.0 += 1;
///             if self.0 == 3 {
///                 ctx.stop(ExitReason::Normal);
///             } else {
///                 ctx.send_after(Duration::from_millis(10), "tick");
///             }
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let ticker = ActorRef::<Ticker>::start(()).await.unwrap();
/// assert_eq!(ticker.wait().await, ExitReason::Normal);
/// # }
/// ```
pub struct Context<A: Actor> {
    me: ActorRef<A>,
    proc: ProcRef,
    /// The reason `stop` was called with (boxed: stops are once per actor, and the context
    /// lives in every idle actor's task).
    pub(crate) stop: Option<Box<ExitReason>>,
    /// Set while `terminate` runs: stopping, without a copy of the reason boxed for it.
    pub(crate) terminating: bool,
    /// Deferred replies, timers and continuations: boxed, and only once one is used, so that an
    /// actor that uses none keeps one word for them (the context lives in every idle actor's
    /// task), and the message loop's check for continuations is one branch.
    rare: Option<Box<Rare>>,
}

/// The parts of a [`Context`] most actors never use.
#[derive(Default)]
struct Rare {
    deferred: Vec<Box<dyn FnOnce() + Send>>,
    timers: Vec<Timer>,
    /// Continuations the current callback asked for, in the order asked.
    asked: Vec<Continuation>,
    /// Continuations still to run, the next one last: those of the latest callback go on top, so
    /// that each runs right after the callback that asked for it.
    pending: Vec<Continuation>,
}

/// A pending timer: its task, and a flag that the firing task and `cancel_timer` race to claim,
/// so that exactly one of them wins (an abort alone cannot stop a task that is already running).
struct Timer {
    timer: TimerRef,
    task: AbortHandle,
    claimed: Arc<AtomicBool>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(me: ActorRef<A>) -> Self {
        let proc = me.proc();
        Context {
            me,
            proc,
            stop: None,
            terminating: false,
            rare: None,
        }
    }

    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.me.id()
    }

    /// This actor's own typed handle.
    pub fn actor_ref(&self) -> &ActorRef<A> {
        &self.me
    }

    /// The id of the actor that started this one linked (`start_link` from inside an actor), if
    /// any. If this actor traps exits, its parent's exit stops it in order — `terminate` runs —
    /// instead of arriving as [`Info::Exit`] (GS-10). A plain `start` records no parent.
    pub fn parent(&self) -> Option<ActorId> {
        self.proc.core().parent()
    }

    /// Stops this actor once the current callback returns: `terminate(reason)` runs, then it exits
    /// with `reason`. A `#[call]` handler's return value is still delivered, after `terminate`
    /// (GS-3.7). Called inside `init`, it is GenServer's `{:stop, reason}`: the start fails with
    /// `StartError::Exited(reason)`, the actor exits with `reason`, and `terminate` does not run.
    pub fn stop(&mut self, reason: ExitReason) {
        self.stop = Some(Box::new(reason));
    }

    /// `true` once [`stop`](Self::stop) was called, and while `terminate` runs.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_some() || self.terminating
    }

    /// Answers a call whose [`ReplyTo`] this actor kept. If the actor is stopping, the reply is held
    /// back until its `terminate` has run, as GS-3.7 requires.
    pub fn reply<R: Send + 'static>(&mut self, to: ReplyTo<R>, value: R) {
        if self.is_stopping() {
            self.rare().deferred.push(Box::new(move || {
                to.send(value);
            }));
        } else {
            to.send(value);
        }
    }

    pub(crate) fn flush_deferred(&mut self) {
        let Some(rare) = &mut self.rare else { return };
        for reply in rare.deferred.drain(..) {
            reply();
        }
    }

    /// Asks for a continuation: once the current callback returns, the actor runs
    /// [`Actor::handle_continue`] with `value` (as a [`Continuation`]) before it handles its next
    /// message, even one that is already queued (GenServer's `{:continue, value}`, GS-7).
    ///
    /// Called in `init`, the continuation runs after `start` has returned: the place for slow
    /// setup that must still come before any message. Several calls in one callback run in the
    /// order made; one made inside `handle_continue` runs right after it, before the rest. If the
    /// actor stops first (`stop`, `ctx.stop`, a panic), pending continuations are dropped.
    ///
    /// ```
    /// use beamish::prelude::*;
    ///
    /// /// Loads its data after `start` returned, before it answers anyone.
    /// struct Cache(Vec<u32>);
    ///
    /// /// What `init` leaves for later.
    /// struct Load(u32);
    ///
    /// impl Actor for Cache {
    ///     type Args = u32;
    ///     type Message = ReplyTo<usize>;
    ///
    ///     async fn init(n: u32, ctx: &mut Context<Self>) -> Result<Self, InitError> {
    ///         ctx.continue_with(Load(n));
    ///         Ok(Cache(Vec::new()))
    ///     }
    ///
    ///     async fn handle_continue(&mut self, cont: Continuation, _ctx: &mut Context<Self>) {
    ///         if let Ok(Load(n)) = cont.downcast::<Load>() {
    ///             self.0 = (0..n).collect();
    ///         }
    ///     }
    ///
    ///     async fn handle(&mut self, reply: ReplyTo<usize>, _ctx: &mut Context<Self>) {
    ///         reply.send(self.0.len());
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let cache = ActorRef::<Cache>::start(3).await.unwrap();
    /// assert_eq!(cache.call(|r| r).await, Ok(3));
    /// # }
    /// ```
    pub fn continue_with<T: Any + Send>(&mut self, value: T) {
        self.rare().asked.push(Continuation::new(value));
    }

    /// The next continuation to run, if any: what the last callback asked for comes first.
    pub(crate) fn next_continuation(&mut self) -> Option<Continuation> {
        let rare = self.rare.as_deref_mut()?;
        rare.pending.extend(rare.asked.drain(..).rev());
        rare.pending.pop()
    }

    /// Turns exit signals from linked actors into [`Info::Exit`] messages instead of death (EX-3).
    pub fn trap_exit(&mut self, trap: bool) {
        self.proc.core().set_trap_exit(trap);
    }

    /// Has this actor take the exit signals of dying actors inline while it is idle (see
    /// [`inline::exit`]): its state parks from now on.
    pub(crate) fn take_exits_inline(&mut self)
    where
        A: ExitInline,
    {
        if let Some(cell) = self.proc.as_any().downcast_ref::<Cell<A::Message>>() {
            cell.mailbox.park_from_now();
            self.proc.core().lock().on_exit = Some(inline::exit::<A>);
        }
    }

    /// Links this actor with `other` (both ways, once). Linking to a dead actor sends this actor
    /// the exit signal [`ExitReason::NoProc`].
    pub fn link(&mut self, other: &impl ActorHandle) {
        cell::link(&self.proc, &other.view().to_proc());
    }

    /// Removes the link with `other`, if any.
    pub fn unlink(&mut self, other: &impl ActorHandle) {
        cell::unlink(&self.proc, &other.view().to_proc());
    }

    /// Monitors `other`: exactly one [`Info::Down`] arrives when it exits — at once, with
    /// [`ExitReason::NoProc`], if it is already dead.
    pub fn monitor(&mut self, other: &impl ActorHandle) -> MonitorRef {
        cell::monitor(&self.proc, &other.view().to_proc())
    }

    /// Removes a monitor. A `Down` for it that has already arrived is dropped unseen (OTP's
    /// `demonitor` with `flush`). Returns `true` if the monitor was still active.
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        cell::demonitor(&self.proc, monitor)
    }

    /// Delivers `payload` to this actor as [`Info::Timer`] after `delay`. The timer dies with the
    /// actor: nothing is delivered once it stopped.
    pub fn send_after<T: Any + Send>(&mut self, delay: Duration, payload: T) -> TimerRef {
        let timer = TimerRef::next();
        let proc = self.proc.clone();
        self.spawn_timer(timer, delay, move || {
            proc.send_sys(Sys::Info(Info::Timer {
                timer,
                payload: TimerPayload::new(payload),
            }));
        })
    }

    /// Casts `msg` to this actor after `delay` (a typed `send_after`).
    pub fn cast_after(&mut self, delay: Duration, msg: A::Message) -> TimerRef {
        let timer = TimerRef::next();
        let me = self.me.clone();
        self.spawn_timer(timer, delay, move || {
            let _ = me.cast(msg);
        })
    }

    /// Cancels a timer. Returns `true` if it had not fired yet: then it never will.
    pub fn cancel_timer(&mut self, timer: TimerRef) -> bool {
        let Some(rare) = &mut self.rare else {
            return false;
        };
        match rare.timers.iter().position(|t| t.timer == timer) {
            Some(i) => {
                let t = rare.timers.swap_remove(i);
                t.task.abort();
                !t.claimed.swap(true, Ordering::AcqRel)
            }
            None => false,
        }
    }

    fn spawn_timer(
        &mut self,
        timer: TimerRef,
        delay: Duration,
        fire: impl FnOnce() + Send + 'static,
    ) -> TimerRef {
        let timers = &mut self.rare().timers;
        timers.retain(|t| !t.task.is_finished());
        let claimed = Arc::new(AtomicBool::new(false));
        let claim = claimed.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if !claim.swap(true, Ordering::AcqRel) {
                fire();
            }
        });
        timers.push(Timer {
            timer,
            task: task.abort_handle(),
            claimed,
        });
        timer
    }

    /// `true` if a `Down` for `monitor` should be delivered (it was not demonitored).
    pub(crate) fn take_down(&mut self, monitor: MonitorRef) -> bool {
        cell::take_monitoring(&self.proc, monitor)
    }
}

impl<A: Actor> Drop for Context<A> {
    fn drop(&mut self) {
        let Some(rare) = &self.rare else { return };
        for t in &rare.timers {
            t.claimed.store(true, Ordering::Release);
            t.task.abort();
        }
    }
}

impl<A: Actor> fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("id", &self.id())
            .field("stop", &self.stop)
            .finish_non_exhaustive()
    }
}

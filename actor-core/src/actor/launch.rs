//! Starting an actor: its cell and mailbox, its task, and the wait for `init`.
//!
//! A supervisor's start of a child (a first start or a restart, through [`starting_inline`])
//! polls the new actor's task once in the supervisor's own task before it spawns it: an `init`
//! that does not wait on anything runs there and then, and the supervisor finds the answer ready,
//! instead of waking once the new task has run `init` (two task hand-offs fewer per restart).
//! That first poll runs as the new actor (its `CURRENT` and its tracing span), under a waker that
//! wakes nothing, and ends once the start is answered: the spawned task polls the actor again
//! straight away, takes its messages, and registers its own waker with whatever the first poll
//! waited on. (A restart of a child whose callers had it run their calls inline goes on to park
//! the new actor's state in that first poll: see [`starting_inline`].) First polls nest (a
//! supervisor child whose `init` starts a supervisor) only so deep; past that, a start spawns at
//! once.
//!
//! An idle dynamic supervisor restarts a crashed child in the child's own task, as it handles the
//! exit there (see `inline::exit`): the new incarnation's first poll runs in that task, and the
//! new incarnation then runs on in it rather than in a spawned one (see [`relay`]).
//!
//! Other starts spawn at once and wait: a task that starts many actors in a row would otherwise
//! run every `init` without yielding and leave the new tasks queued behind one another, each
//! polled once more for nothing, and handed to the other workers to steal (the spawn+stop row:
//! 7 % slower on two workers).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use tracing::Instrument;

use super::Actor;
use super::any::AnyActor;
use super::cell::{Cell, Core, ProcRef};
use super::context::Context;
use super::current::{CURRENT, current};
use super::handle::ActorRef;
use super::lifecycle::ActorHandle;
use super::mailbox::{MailboxRx, MailboxTx};
use super::options::StartOptions;
use super::panic;
use super::relay::{self, ActorTask};
use super::run::actor_task;
use super::wait;
use crate::{ExitReason, StartError};

impl<A: Actor> ActorRef<A> {
    /// Starts an actor: runs `init` as the new actor, and returns once `init` returned (GS-1.1).
    /// Not linked to the caller.
    ///
    /// `init` runs as the new actor ([`current_id`](crate::current_id), its tracing span, the
    /// links and monitors it makes). When a supervisor starts or restarts a child, `init` starts
    /// in the supervisor's task and carries on in the child's own from the first time it waits,
    /// so that a restart whose `init` never waits takes no task hand-off; only
    /// `tokio::task::id()` and the supervisor's task-local values tell the two tasks apart until
    /// then. An idle [`DynamicSupervisor`](crate::DynamicSupervisor) restarts a crashed child
    /// in the crashed incarnation's task, where the new incarnation then runs on: its
    /// `tokio::task::id()` is its predecessor's.
    ///
    /// Dropping the returned future before it completes (for example with a timeout around it)
    /// kills the half-started actor, as OTP does when a start times out (GS-1.3).
    ///
    /// # Errors
    /// [`StartError::Init`] if `init` returned an error, [`StartError::Panic`] if it panicked,
    /// [`StartError::Exited`] if it stopped or was killed before it returned.
    pub async fn start(args: A::Args) -> Result<Self, StartError> {
        start::<A>(args, StartOptions::new()).await
    }

    /// Starts an actor linked to the calling actor (outside any actor, the same as
    /// [`start`](Self::start)).
    ///
    /// # Errors
    /// Those of [`start`](Self::start).
    pub async fn start_link(args: A::Args) -> Result<Self, StartError> {
        start::<A>(args, StartOptions::new().link()).await
    }

    /// Starts an actor with explicit [`StartOptions`].
    ///
    /// # Errors
    /// Those of [`start`](Self::start), and a `before_init` hook's error.
    pub async fn start_with(args: A::Args, options: StartOptions) -> Result<Self, StartError> {
        start::<A>(args, options).await
    }
}

/// Starts an actor of type `A` and waits until its `init` has returned.
async fn start<A: Actor>(args: A::Args, options: StartOptions) -> Result<ActorRef<A>, StartError> {
    let launch = if INLINE.get() {
        Launch::FirstPoll
    } else {
        Launch::Spawn
    };
    let cell = prepare::<A>(args, options, launch);
    // If this future is dropped before `init` returned (a timeout or `select!` around the start),
    // nobody will ever get the handle: the half-started actor is killed, as OTP kills it when a
    // start times out (GS-1.3), after unlinking its parent so that it is not hit.
    let abandoned = Abandoned(Some(&cell));
    let started = cell.core.started().await;
    abandoned.disarm();
    started.map(|()| ActorRef::from_cell(cell))
}

/// The waker of the first poll: wakes nothing. One static, so that the actor's task can tell it
/// apart (`Waker::noop()` may be a different constant in each codegen unit).
pub(super) static FIRST_POLL: &Waker = Waker::noop();

/// How many first polls may run inside one another (an `init` that starts an actor whose `init`
/// starts one…) before a start spawns at once: each nests the new actor's poll in its starter's
/// stack.
const NESTED_FIRST_POLLS: u32 = 8;

thread_local! {
    static FIRST_POLLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Set while a supervisor's start future is polled (see [`starting_inline`]).
    static INLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set with [`INLINE`] for a restart of a child whose state parked: the new actor parks its
    /// state from the start.
    static PARK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `start` (a supervisor's call of a child spec's start function), with the starts it makes of
/// actors polling them once here first (see the module docs). Starts made by the new actors'
/// `init`s are their own, and spawn at once.
///
/// With `park` (a restart of a child whose callers had it run their calls inline), the new
/// actor parks its state from the start, and its first poll parks it: its first caller, who may
/// have its handle from `init`, finds it idle and runs the call inline too, as it did with the
/// last incarnation, instead of queuing it for the new actor's task.
pub(crate) async fn starting_inline<F: Future>(start: F, park: bool) -> F::Output {
    let mut start = std::pin::pin!(start);
    std::future::poll_fn(|cx| {
        let _restore = Restore::set(true, park);
        start.as_mut().poll(cx)
    })
    .await
}

/// A supervisor's launch of a child that `ChildSpec::of` or `of_extra` describes: the new
/// actor, started linked to the caller, its task launched as [`starting_inline`] would have its
/// start launch it (polled once here first), its start not waited for: [`answered`] waits for
/// it. Without a start future of its own (boxed, since the spec's start function is
/// type-erased), a restart allocates and runs that much less.
pub(crate) fn launching_inline<A: Actor>(args: A::Args, park: bool) -> AnyActor {
    let _restore = Restore::set(true, park);
    ActorRef::<A>::from_cell(prepare::<A>(
        args,
        StartOptions::new().link(),
        Launch::FirstPoll,
    ))
    .to_any()
}

/// Waits for the start of `actor` (from [`launching_inline`]) to be answered: `actor` once its
/// `init` returned, the start's error otherwise. Dropped before that, it kills the half-started
/// actor, as `start` does.
pub(crate) async fn answered(actor: AnyActor) -> Result<AnyActor, StartError> {
    let proc = actor.proc();
    let abandoned = Abandoned(Some(&proc));
    let started = proc.core().started().await;
    abandoned.disarm();
    started.map(|()| actor)
}

/// The answer of `actor`'s start (from [`launching_inline`]) if it has one already: what
/// [`answered`] would return at once, without waiting.
pub(crate) fn answered_now(actor: AnyActor) -> Result<Result<AnyActor, StartError>, AnyActor> {
    match wait::start_answer(actor.view().core()) {
        Some(answer) => Ok(answer.map(|()| actor)),
        None => Err(actor),
    }
}

/// Puts [`INLINE`] and [`PARK`] back, also when what runs meanwhile panics.
struct Restore(bool, bool);

impl Restore {
    fn set(inline: bool, park: bool) -> Self {
        Restore(INLINE.replace(inline), PARK.replace(park))
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        INLINE.set(self.0);
        PARK.set(self.1);
    }
}

/// Polls a new actor's task once here, then has it run on (see [`relay::run_on`]) unless it
/// already ended (its start failed, and its exit path has run). See the module docs.
fn first_poll_then_spawn(mut task: ActorTask) {
    let depth = FIRST_POLLS.get();
    if depth >= NESTED_FIRST_POLLS {
        relay::spawn(task);
        return;
    }
    FIRST_POLLS.set(depth + 1);
    let restore = Restore::set(false, false);
    let mut cx = TaskContext::from_waker(FIRST_POLL);
    // The task catches every panic of the actor's own code. One escaping it anyway ends the task
    // as it would have ended a spawned one: the task is dropped, and the start fails with it.
    let polled = catch_unwind(AssertUnwindSafe(|| task.poll(&mut cx)));
    FIRST_POLLS.set(depth);
    drop(restore);
    match polled {
        Ok(Poll::Ready(None)) => {}
        // Its exit path launched a successor: that one needs a task.
        Ok(Poll::Ready(Some(next))) => relay::spawn(next),
        Ok(Poll::Pending) => relay::run_on(task),
        Err(payload) => {
            let panic = panic::message(payload.as_ref());
            tracing::error!(panic = %panic, "an actor's task panicked outside its callbacks");
        }
    }
}

/// Spawns an actor of type `A` without waiting for its `init`: its handle. (Tasks are spawned
/// this way: their `init` cannot fail.)
pub(crate) fn spawn<A: Actor>(args: A::Args, options: StartOptions) -> ActorRef<A> {
    ActorRef::from_cell(prepare::<A>(args, options, Launch::Spawn))
}

/// How [`prepare`] hands a new actor's task to the runtime.
enum Launch {
    /// Spawned at once.
    Spawn,
    /// Polled once here first (see [`first_poll_then_spawn`]).
    FirstPoll,
}

impl Launch {
    /// Hands `task` to the runtime boxed either way: the actor's task future is some 600 bytes,
    /// which the runtime would copy about seven times on its way into the task's cell and three
    /// more times when the task ends (about 900 instructions per actor); a box is one copy and
    /// one allocation.
    /// Every actor's task is the same type to the runtime (see [`relay`]), so it is compiled once.
    fn launch(self, task: impl Future<Output = Option<ActorTask>> + Send + 'static) {
        let task = ActorTask::new(task);
        match self {
            Launch::Spawn => relay::spawn(task),
            Launch::FirstPoll => first_poll_then_spawn(task),
        }
    }
}

/// A new actor of type `A`, registered and linked as `options` say, its task launched: its cell,
/// whose core answers its start ([`Core::started`]). (The task is built in the call that
/// launches it, not returned: each move of it is a copy of some 600 bytes.)
fn prepare<A: Actor>(
    args: A::Args,
    options: StartOptions,
    launch: Launch,
) -> Arc<Cell<A::Message>> {
    if A::REMOTE.is_some() {
        super::remote::serve::<A>();
    }
    // The parent is the linking caller only (OTP's `gen:start` with `nolink` records none): a
    // trapping actor is stopped in order by its parent's exit signal (GS-9.4, GS-10), and gets an
    // `Info::Exit` for any other linked actor, including one that started it without a link.
    let parent = if options.link { current() } else { None };
    let type_name = std::any::type_name::<A>();
    let cell = Arc::new(Cell {
        core: match &parent {
            Some(parent) => Core::child_of(type_name, parent),
            None => Core::new(type_name),
        },
        mailbox: MailboxTx::new(
            options.mailbox.or(A::MAILBOX_CAPACITY),
            options.overflow.unwrap_or(A::MAILBOX_OVERFLOW),
            PARK.get(),
        ),
    });
    let rx = MailboxRx::new(cell.clone());
    let proc: ProcRef = cell.clone();
    crate::sys::insert(&proc);
    if let Some(parent) = &parent {
        super::relate::link_new_child(&proc, parent);
    }
    let span = tracing::debug_span!("actor", id = %cell.core.id, actor = type_name);
    let me = ActorRef::<A>::from_cell(cell.clone());
    let task = actor_task(Context::new(me), rx, args, options.before_init);
    launch.launch(CURRENT.scope(proc, task).instrument(span));
    cell
}

/// Kills an actor whose start was abandoned; disarmed once the start has an answer. (A borrow:
/// a start that is not abandoned takes no count on the actor for it.)
struct Abandoned<'a, P: Owned>(Option<&'a P>);

/// What [`Abandoned`] borrows: a new actor's cell, or its `ProcRef`.
trait Owned {
    fn proc(&self) -> ProcRef;
}

impl<M: Send + 'static> Owned for Arc<Cell<M>> {
    fn proc(&self) -> ProcRef {
        self.clone()
    }
}

impl Owned for ProcRef {
    fn proc(&self) -> ProcRef {
        self.clone()
    }
}

impl<P: Owned> Abandoned<'_, P> {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl<P: Owned> Drop for Abandoned<'_, P> {
    fn drop(&mut self) {
        if let Some(owned) = self.0.take() {
            let proc = owned.proc();
            super::relate::unlink_parent(&proc);
            proc.core().kill(ExitReason::Killed);
        }
    }
}

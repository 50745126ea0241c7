//! Actors: the [`Actor`] trait, handles, the context, links, monitors and exit reasons at work.
//!
//! An actor is a tokio task that owns its state and handles one message at a time from its
//! mailbox. It has an [`ActorId`], can be linked to and monitored by other actors,
//! and exits with an [`ExitReason`] that everyone watching it sees.

mod any;
mod board;
mod call;
mod cell;
mod context;
mod current;
mod deadline;
mod exited;
mod follow;
mod handle;
mod id;
mod info;
mod inline;
mod launch;
mod lifecycle;
mod links;
mod live;
mod mailbox;
#[cfg(all(test, beamish_loom))]
mod models;
mod options;
mod overflow;
mod panic;
mod proc;
mod relate;
mod relay;
pub mod remote;
mod remote_send;
mod remote_serve;
mod reply;
mod run;
mod signal;
mod task;
mod wait;

use std::future::Future;

pub use any::AnyActor;
pub use call::Flatten;
pub(crate) use call::shutdown_proc;
pub(crate) use cell::{Core, ExitHook, ProcRef};
pub use context::Context;
pub(crate) use current::current;
pub use current::current_id;
pub(crate) use follow::Publish;
pub use handle::{ActorRef, DEFAULT_CALL_TIMEOUT};
pub use id::{ActorId, MonitorRef, ParseActorIdError, TimerRef};
pub use info::{Continuation, Info, TimerPayload};
pub(crate) use inline::{ExitInline, Inlined};
pub(crate) use launch::{answered, answered_now, launching_inline, starting_inline};
pub use lifecycle::{ActorHandle, ActorView, FromAnyActor};
pub use live::live_actors;
pub(crate) use mailbox::Sys;
pub use options::StartOptions;
pub use overflow::{MailboxStats, Overflow};
pub(crate) use panic::{catch, message as panic_message};
pub(crate) use proc::Proc;
pub use reply::ReplyTo;
pub use task::TaskHandle;
pub(crate) use task::{TaskActor, TaskFuture, task};

use crate::{ExitReason, InitError};

/// An actor type: its start argument, its message type and its callbacks.
///
/// `#[actor]` implements this trait for you; it can also be written by hand — the macro is sugar
/// over this trait, not a second runtime. Callbacks are `async fn`s (native async functions in
/// traits: the runtime polls each callback's future in place, with no boxing per message).
///
/// ```
/// use beamish::prelude::*;
///
/// struct Counter(i64);
///
/// enum CounterMsg {
///     Add(i64, ReplyTo<i64>),
///     Reset,
/// }
///
/// impl Actor for Counter {
///     type Args = i64;
///     type Message = CounterMsg;
///
///     async fn init(start: i64, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Counter(start))
///     }
///
///     async fn handle(&mut self, msg: CounterMsg, _ctx: &mut Context<Self>) {
///         match msg {
///             CounterMsg::Add(n, reply) => {
///                 self.0 += n;
///                 reply.send(self.0);
///             }
///             CounterMsg::Reset => self.0 = 0,
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let counter = ActorRef::<Counter>::start(1).await.unwrap();
/// assert_eq!(counter.call(|r| CounterMsg::Add(2, r)).await, Ok(3));
/// counter.cast(CounterMsg::Reset).unwrap();
/// assert_eq!(counter.call(|r| CounterMsg::Add(0, r)).await, Ok(0));
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actor",
    note = "add `#[actor]` to the `impl` block that holds its handlers, or implement `Actor` by hand"
)]
pub trait Actor: Sized + Send + 'static {
    /// The value `init` receives from `start`.
    type Args: Send + 'static;
    /// The messages the actor handles (calls carry a [`ReplyTo`]).
    type Message: Send + 'static;

    /// Bound on the mailbox (user messages only); `None`, the default, is unbounded. A mailbox
    /// holds at least one message: `Some(0)` means `Some(1)`.
    const MAILBOX_CAPACITY: Option<usize> = None;

    /// What the mailbox does when it is bounded and full (see [`Overflow`]); waits for room by
    /// default.
    const MAILBOX_OVERFLOW: Overflow = Overflow::Wait;

    /// How this type's messages cross nodes; `#[actor(remote)]` sets it. `None`: local only.
    #[doc(hidden)]
    const REMOTE: Option<remote::RemoteCodec<Self::Message>> = None;

    /// Whether [`terminate`](Self::terminate) is more than the default no-op: `#[actor]` sets it
    /// to `false` for an impl without `#[terminate]`, so that an exit spends nothing on it (the
    /// exit reason is not copied for it). Leave it `true` in an impl that overrides `terminate`.
    #[doc(hidden)]
    const TERMINATES: bool = true;

    /// Builds the state inside the new actor before `start` returns (GenServer.init). `Err` makes
    /// the start fail with [`StartError::Init`](crate::StartError::Init), which keeps the error as
    /// its `source()`, and the actor exits with `ExitReason::Error` carrying the error's message.
    /// `?` converts any `std::error::Error + Send + Sync + 'static` (and `String`, `&str`) into an
    /// [`InitError`]. A panic fails the start with [`StartError::Panic`](crate::StartError::Panic).
    fn init(
        args: Self::Args,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<Self, InitError>> + Send;

    /// Handles one message.
    fn handle(
        &mut self,
        msg: Self::Message,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Handles a system message: monitor `Down`s, trapped exits, timers. Ignores them by default.
    fn handle_info(
        &mut self,
        info: Info,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (info, ctx);
        async {}
    }

    /// Runs a continuation that a callback asked for with
    /// [`Context::continue_with`] (GenServer's `handle_continue`, GS-7): right after that
    /// callback, before the actor handles its next message — even one that was already queued.
    /// Ignores it by default.
    ///
    /// A continuation asked for in `init` runs once `start` has returned, so `init` can stay short
    /// and the slow part of setting up can follow, with the actor already started and nothing
    /// handled before it. A continuation may ask for another, which runs right after it. Like a
    /// handler, it can call `ctx.stop`, a panic in it ends the actor with `Panic`, and a
    /// supervisor's shutdown cancels it (see [`Shutdown`](crate::Shutdown)).
    fn handle_continue(
        &mut self,
        cont: Continuation,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (cont, ctx);
        async {}
    }

    /// Whether a call carrying `msg` may be handled inline, by
    /// [`handle_inline`](Self::handle_inline). `false` for every message by default.
    ///
    /// `#[actor]` answers `true` for each `#[call]` whose handler cannot wait: its body has no
    /// `.await` and calls no macro but std's and `tracing`'s formatting and assertion macros, and
    /// it takes no `ctx`.
    fn is_inline(msg: &Self::Message) -> bool {
        let _ = msg;
        false
    }

    /// Handles a call synchronously, in the caller's task: the fast path of
    /// [`ActorRef::call`](crate::ActorRef::call). `Err(msg)` hands the message back to be queued
    /// as usual (the default, for every message).
    ///
    /// A call whose message [`is_inline`](Self::is_inline) is run here when the actor is idle:
    /// its task waits on an empty mailbox, so the call is the next thing it would handle anyway.
    /// (An actor starts leaving its state where callers can borrow it once a first such call
    /// found it idle: that one is queued as usual, the later ones run inline. A supervised child
    /// restarted after such calls leaves it there from the start: its callers' first call to
    /// the new incarnation runs inline too.)
    /// The caller borrows the state for the handler's run and gives it back; a message sent to
    /// the actor meanwhile waits until then. What the handler sees is what it would see on the
    /// actor's task: [`current_id`] is the actor's, messages are handled in
    /// the same order, and a panic ends the actor with [`ExitReason::Panic`](crate::ExitReason)
    /// (`terminate` runs, links and monitors are told, the call fails with `Exited`). A kill or a
    /// shutdown arriving during the run takes effect once it returns, as it would after a
    /// handler that never awaits. What differs: the handler runs on the caller's thread, and
    /// being synchronous it cannot be cut short by the call's timeout.
    ///
    /// Written by hand, it must not block: it runs on the caller's worker thread.
    fn handle_inline(&mut self, msg: Self::Message) -> Result<(), Self::Message> {
        Err(msg)
    }

    /// The state as text for [`sys::get_state`](crate::sys::get_state) (OTP's `sys:get_state`),
    /// asked between two messages; `None`, the default, keeps the state private.
    /// `#[actor(debug_state)]` answers with the state's `{:#?}` (it must be `Debug`).
    fn debug_state(&self) -> Option<String> {
        None
    }

    /// Runs when the actor stops with `reason` (GenServer.terminate): after `stop`, a handler that
    /// called `ctx.stop` or panicked, or an orderly shutdown by its supervisor — which runs it even
    /// when the actor is busy: a non-trapping actor's running handler is cancelled (its future
    /// dropped at its next await) and `terminate` gets the state as that handler left it (see
    /// [`Shutdown`](crate::Shutdown)). It does not run on `kill`, or when an exit signal through a
    /// link kills a non-trapping actor.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }
}

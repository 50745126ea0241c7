//! Handles to actors: the typed [`ActorRef`] and the untyped [`AnyActor`].

use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::oneshot;

use super::Actor;
use super::cell::{self, Cell, ProcRef};
use super::current::{current, current_id};
use super::deadline::Deadline;
use super::id::MonitorRef;
use super::mailbox::Sys;
use super::reply::ReplyTo;
use super::run::{StartOptions, start};
use crate::{ActorId, CallError, ExitReason, NotInActor, SendError, StartError, TrySendError};

/// The timeout of a call unless [`ActorRef::with_timeout`] says otherwise (GenServer's 5000 ms).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A typed handle to an actor of type `A`: cheap to clone, `Send + Sync`, compared by id.
///
/// The `#[actor]` macro wraps one in a generated handle with a method per handler; hand-written
/// actors use it directly through [`call`](Self::call) and [`cast`](Self::cast).
///
/// ```
/// use std::time::Duration;
/// use actor_core::{Actor, ActorRef, CallError, Context, ExitReason, InitError, ReplyTo};
///
/// struct Echo;
///
/// enum EchoMsg {
///     Echo(String, ReplyTo<String>),
///     Crash,
/// }
///
/// impl Actor for Echo {
///     type Args = ();
///     type Message = EchoMsg;
///
///     async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Echo)
///     }
///
///     async fn handle(&mut self, msg: EchoMsg, _ctx: &mut Context<Self>) {
///         match msg {
///             EchoMsg::Echo(text, reply) => {
///                 reply.send(text);
///             }
///             EchoMsg::Crash => panic!("asked to crash"),
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let echo = ActorRef::<Echo>::start(()).await.unwrap();
/// let quick = echo.with_timeout(Duration::from_secs(1));
/// assert_eq!(quick.call(|r| EchoMsg::Echo("hi".into(), r)).await, Ok("hi".to_string()));
///
/// echo.cast(EchoMsg::Crash).unwrap();
/// // The panic is contained: the actor exits with it, and callers are told at once.
/// assert_eq!(echo.wait().await, ExitReason::Panic("asked to crash".into()));
/// assert_eq!(echo.call(|r| EchoMsg::Echo("hi".into(), r)).await, Err(CallError::NoProc));
/// # }
/// ```
pub struct ActorRef<A: Actor> {
    cell: Arc<Cell<A::Message>>,
    timeout: Duration,
}

impl<A: Actor> ActorRef<A> {
    pub(crate) fn from_cell(cell: Arc<Cell<A::Message>>) -> Self {
        ActorRef {
            cell,
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    pub(crate) fn proc(&self) -> ProcRef {
        self.cell.clone()
    }

    /// Starts an actor: spawns its task, runs `init` inside it, and returns once `init` returned
    /// (GS-1.1). Not linked to the caller.
    ///
    /// Dropping the returned future before it completes (for example with a timeout around it)
    /// kills the half-started actor, as OTP does when a start times out (GS-1.3).
    pub async fn start(args: A::Args) -> Result<Self, StartError> {
        start::<A>(args, StartOptions::new()).await
    }

    /// Starts an actor linked to the calling actor (outside any actor, the same as [`start`](Self::start)).
    pub async fn start_link(args: A::Args) -> Result<Self, StartError> {
        start::<A>(args, StartOptions::new().link()).await
    }

    /// Starts an actor with explicit [`StartOptions`].
    pub async fn start_with(args: A::Args, options: StartOptions) -> Result<Self, StartError> {
        start::<A>(args, options).await
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.cell.core.id
    }

    /// `true` until the actor's exit reason is known.
    pub fn is_alive(&self) -> bool {
        self.cell.core.is_alive()
    }

    /// The exit reason, once the actor has exited.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.cell.core.exit_reason()
    }

    /// A copy of this handle whose calls time out after `timeout` instead of the default 5 s.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        ActorRef {
            cell: self.cell.clone(),
            timeout,
        }
    }

    /// The timeout this handle's calls use.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a message without waiting for it to be handled (GenServer.cast).
    ///
    /// Errors with [`SendError::NoProc`] if the actor is dead, and with [`SendError::Full`] if its
    /// mailbox is bounded and full (use [`send`](Self::send) to wait for room).
    pub fn cast(&self, msg: A::Message) -> Result<(), SendError> {
        self.cell.mailbox.try_send(msg).map_err(SendError::from)
    }

    /// Sends a message, waiting for room if the mailbox is bounded and full.
    pub async fn send(&self, msg: A::Message) -> Result<(), SendError> {
        self.cell
            .mailbox
            .send(msg)
            .await
            .map_err(|_| SendError::NoProc)
    }

    /// Sends a message if there is room now; hands it back otherwise.
    pub fn try_send(&self, msg: A::Message) -> Result<(), TrySendError<A::Message>> {
        self.cell.mailbox.try_send(msg)
    }

    /// Sends the message `make` builds around a reply channel and waits for the reply
    /// (GenServer.call).
    ///
    /// Fails at once with [`CallError::NoProc`] if the actor is dead, with
    /// [`CallError::Exited`] as soon as it exits before replying, with [`CallError::Timeout`]
    /// after this handle's timeout, and with [`CallError::CallingSelf`] when an actor calls itself.
    pub async fn call<R>(
        &self,
        make: impl FnOnce(ReplyTo<R>) -> A::Message,
    ) -> Result<R, CallError> {
        if current_id() == Some(self.id()) {
            return Err(CallError::CallingSelf);
        }
        let (tx, rx) = oneshot::channel();
        let msg = make(ReplyTo::new(tx));
        let mailbox = &self.cell.mailbox;
        let core = &self.cell.core;
        if mailbox.is_bounded() {
            return self.call_bounded(msg, rx).await;
        }
        mailbox.try_send(msg).map_err(|_| CallError::NoProc)?;
        Reply {
            rx,
            core,
            deadline: Deadline::after(self.timeout),
            exited: None,
        }
        .await
    }

    /// [`call`](Self::call) to a bounded mailbox: one deadline for the whole call, since waiting
    /// for room counts against the timeout too.
    async fn call_bounded<R>(
        &self,
        msg: A::Message,
        rx: oneshot::Receiver<R>,
    ) -> Result<R, CallError> {
        let mailbox = &self.cell.mailbox;
        let core = &self.cell.core;
        let mut deadline = Deadline::after(self.timeout);
        if let Err(e) = mailbox.try_send(msg) {
            let TrySendError::Full(msg) = e else {
                return Err(CallError::NoProc);
            };
            // It was alive when the call began: if it dies while the caller waits for room, the
            // call fails with its exit reason, as a call it had accepted would.
            match deadline.run(mailbox.send(msg)).await {
                None => return Err(CallError::Timeout),
                Some(Err(_)) => {
                    let exited = deadline.run(core.wait()).await;
                    return Err(exited.map_or(CallError::Timeout, CallError::Exited));
                }
                Some(Ok(())) => {}
            }
        }
        // The same deadline: waiting for room counts against the timeout too.
        Reply {
            rx,
            core,
            deadline,
            exited: None,
        }
        .await
    }

    /// Stops the actor in order: `terminate(reason)` runs, then it exits with `reason`; returns
    /// once it has (GS-8). Messages sent before the stop are handled first.
    ///
    /// Errors: [`CallError::NoProc`] if it was already dead, [`CallError::Exited`] if it exited
    /// with another reason, [`CallError::CallingSelf`] from inside the actor itself (use
    /// `Context::stop` there).
    pub async fn stop(&self, reason: ExitReason) -> Result<(), CallError> {
        stop_proc(&self.proc(), reason).await
    }

    /// Kills the actor at once: its running callback is abandoned, `terminate` does not run, and
    /// it exits with [`ExitReason::Killed`]. Returns immediately; use [`wait`](Self::wait) to see it
    /// gone.
    pub fn kill(&self) {
        self.cell.core.kill(ExitReason::Killed);
    }

    /// Waits for the actor to exit and returns its exit reason. Any number of tasks may wait.
    pub async fn wait(&self) -> ExitReason {
        self.cell.core.wait().await
    }

    /// The calling actor monitors this one; its `handle_info` will get one `Info::Down`.
    pub fn monitor(&self) -> Result<MonitorRef, NotInActor> {
        let me = current().ok_or(NotInActor)?;
        Ok(cell::monitor(&me, &self.proc()))
    }

    /// Links the calling actor and this one (EX-3).
    pub fn link(&self) -> Result<(), NotInActor> {
        let me = current().ok_or(NotInActor)?;
        cell::link(&me, &self.proc());
        Ok(())
    }

    /// This handle without its message type.
    pub fn to_any(&self) -> AnyActor {
        AnyActor(self.proc())
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            cell: self.cell.clone(),
            timeout: self.timeout,
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorRef")
            .field("id", &self.id())
            .field("actor", &self.cell.core.type_name)
            .finish()
    }
}

impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

/// The reply to a call, or the callee's exit reason if it exits without replying.
/// The wait for a call's reply, written out by hand: the reply, or the callee's exit reason if it
/// dropped the reply channel (it exited), or `Timeout` at the deadline. One small `Unpin` future
/// per call instead of a timeout combinator around an `async` block; the timer is borrowed only
/// if the reply is not there at the first poll.
struct Reply<'a, R> {
    rx: oneshot::Receiver<R>,
    core: &'a cell::Core,
    deadline: Deadline,
    /// Set once the reply channel closed without an answer (rare, hence boxed).
    exited: Option<Pin<Box<dyn Future<Output = ExitReason> + Send + 'a>>>,
}

impl<R> Future for Reply<'_, R> {
    type Output = Result<R, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.exited.is_none() {
            match Pin::new(&mut this.rx).poll(cx) {
                Poll::Ready(Ok(value)) => return Poll::Ready(Ok(value)),
                Poll::Ready(Err(_)) => this.exited = Some(Box::pin(this.core.wait())),
                Poll::Pending => {}
            }
        }
        if let Some(exited) = &mut this.exited
            && let Poll::Ready(reason) = exited.as_mut().poll(cx)
        {
            return Poll::Ready(Err(CallError::Exited(reason)));
        }
        this.deadline
            .poll_elapsed(cx)
            .map(|()| Err(CallError::Timeout))
    }
}

pub(crate) async fn stop_proc(proc: &ProcRef, reason: ExitReason) -> Result<(), CallError> {
    let core = proc.core();
    if current_id() == Some(core.id) {
        return Err(CallError::CallingSelf);
    }
    if !core.is_alive() || !proc.send_sys(Sys::Stop(reason.clone())) {
        return Err(CallError::NoProc);
    }
    let exited = core.wait().await;
    if exited == reason {
        Ok(())
    } else {
        Err(CallError::Exited(exited))
    }
}

/// An untyped handle to any actor: what supervisors, links and monitors need without knowing the
/// message type.
#[derive(Clone)]
pub struct AnyActor(pub(crate) ProcRef);

impl AnyActor {
    /// The calling actor, or `None` outside any actor.
    pub fn current() -> Option<AnyActor> {
        current().map(AnyActor)
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.0.core().id
    }

    /// The Rust type name of the actor.
    pub fn type_name(&self) -> &'static str {
        self.0.core().type_name
    }

    /// `true` until the actor's exit reason is known.
    pub fn is_alive(&self) -> bool {
        self.0.core().is_alive()
    }

    /// The exit reason, once the actor has exited.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.0.core().exit_reason()
    }

    /// The typed handle, if this actor is an `A` (not merely another actor type with the same
    /// message type).
    pub fn downcast<A: Actor>(&self) -> Option<ActorRef<A>> {
        self.clone().into_downcast()
    }

    /// [`downcast`](Self::downcast) by value: no extra reference count (registry lookups).
    pub(crate) fn into_downcast<A: Actor>(self) -> Option<ActorRef<A>> {
        let cell = self.0.into_any().downcast::<Cell<A::Message>>().ok()?;
        // The cell is typed by the message type only; the actor type is its recorded name.
        let (recorded, name) = (cell.core.type_name, std::any::type_name::<A>());
        (std::ptr::eq(recorded, name) || recorded == name).then(|| ActorRef::from_cell(cell))
    }

    /// See [`ActorRef::stop`].
    pub async fn stop(&self, reason: ExitReason) -> Result<(), CallError> {
        stop_proc(&self.0, reason).await
    }

    /// See [`ActorRef::kill`].
    pub fn kill(&self) {
        self.0.core().kill(ExitReason::Killed);
    }

    /// Sends this actor the exit signal `reason` as if a linked actor had exited with it (EX-3):
    /// a trapping actor gets `Info::Exit`, a non-trapping one dies unless `reason` is `Normal`.
    pub fn exit(&self, reason: ExitReason) {
        let from = current_id().unwrap_or(self.id());
        cell::signal_exit(&self.0, from, &reason);
    }

    /// See [`ActorRef::wait`].
    pub async fn wait(&self) -> ExitReason {
        self.0.core().wait().await
    }

    /// See [`ActorRef::monitor`].
    pub fn monitor(&self) -> Result<MonitorRef, NotInActor> {
        let me = current().ok_or(NotInActor)?;
        Ok(cell::monitor(&me, &self.0))
    }

    /// See [`ActorRef::link`].
    pub fn link(&self) -> Result<(), NotInActor> {
        let me = current().ok_or(NotInActor)?;
        cell::link(&me, &self.0);
        Ok(())
    }
}

impl fmt::Debug for AnyActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyActor")
            .field("id", &self.id())
            .field("actor", &self.type_name())
            .finish()
    }
}

impl PartialEq for AnyActor {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for AnyActor {}

impl Hash for AnyActor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

/// Anything that names an actor: [`ActorRef`], [`AnyActor`] and the handles `#[actor]` generates.
/// Accepted by `Context::link`, `Context::monitor` and friends.
pub trait ToAnyActor {
    /// The untyped handle.
    fn to_any(&self) -> AnyActor;
}

impl<A: Actor> ToAnyActor for ActorRef<A> {
    fn to_any(&self) -> AnyActor {
        ActorRef::to_any(self)
    }
}

impl ToAnyActor for AnyActor {
    fn to_any(&self) -> AnyActor {
        self.clone()
    }
}

/// A handle type that can be recovered from an [`AnyActor`]: [`ActorRef`], [`AnyActor`] itself,
/// and the handles `#[actor]` generates. Supervisors use it to hand back typed handles.
pub trait FromAnyActor: Sized {
    /// The typed handle, or `None` if `actor` is of another type.
    fn from_any(actor: AnyActor) -> Option<Self>;
}

impl<A: Actor> FromAnyActor for ActorRef<A> {
    fn from_any(actor: AnyActor) -> Option<Self> {
        actor.downcast()
    }
}

impl FromAnyActor for AnyActor {
    fn from_any(actor: AnyActor) -> Option<Self> {
        Some(actor)
    }
}

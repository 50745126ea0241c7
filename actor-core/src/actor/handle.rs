//! The typed handle: [`ActorRef`], and the call and cast paths.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use super::Actor;
use super::any::AnyActor;
use super::call::Reply;
use super::cell::{Cell, ProcRef};
use super::current::current_id;
use super::deadline::Deadline;
use super::follow::{Follow, Follows};
use super::inline::{self, Inline};
use super::lifecycle::{ActorHandle, ActorView, FromAnyActor};
use super::mailbox::Offer;
use super::remote::RemoteProc;
use super::remote_send::{remote_call, remote_cast, remote_send, remote_try_send};
use super::reply::{ReplyRx, ReplyTo};
use crate::{CallError, SendError, TrySendError};

/// The timeout of a call unless [`ActorRef::with_timeout`] says otherwise (GenServer's 5000 ms).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A typed handle to an actor of type `A`: cheap to clone, `Send + Sync`, compared by id. Its
/// lifecycle methods (`id`, `stop`, `kill`, `wait`, `monitor`, `link`…) come from
/// [`ActorHandle`].
///
/// The `#[actor]` macro wraps one in a generated handle with a method per handler; hand-written
/// actors use it directly through [`call`](Self::call) and [`cast`](Self::cast).
///
/// ```
/// use std::time::Duration;
/// use beamish::prelude::*;
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
///
/// # Following a supervised child across restarts
///
/// A handle from [`DynamicSupervisor::start_child_followed`](crate::DynamicSupervisor::start_child_followed)
/// or [`Supervisor::follow_child`](crate::Supervisor::follow_child) — and the generated handle
/// wrapping it — *follows* the child: it names whichever incarnation is current, so it never goes
/// stale when the child is restarted.
///
/// - Each call and cast goes to the current incarnation.
/// - A call made while the child is restarting waits for the new incarnation, within the call's
///   own timeout. A cast made then fails with `NoProc` ([`send`](Self::send) waits instead).
/// - Once a handle follows it, the child's mailbox outlives its incarnations (as a restarted
///   actor's does in Akka): the calls and casts an incarnation had not started when it exited are
///   carried over to the next incarnation the supervisor starts, ahead of anything sent since,
///   so a call queued behind the message that crashed the child is answered by the new
///   incarnation. The message being handled when it died is not (nothing is handled twice), nor
///   are system messages (`Down`s, exit signals), which named that incarnation. Calls and casts
///   from plain handles to that incarnation are carried too: they are in the same mailbox. If the
///   child is gone for good instead, carried calls fail with the exit reason; a bounded mailbox
///   takes as many as it has room for, and the rest fail the same way (counted as dropped).
/// - Once the child is gone for good (temporary, not restarted after its exit, removed,
///   terminated by its static supervisor, or its supervisor exited), calls fail at once with
///   [`CallError::NoProc`].
/// - Lifecycle methods ([`ActorHandle`]) apply to the incarnation current when they are called;
///   handles that follow the same child are equal to each other, not to a plain handle.
///
/// # Remote actors
///
/// With beamish's `cluster` feature, a handle from a cluster registry may name an actor on
/// another node ([`is_remote`](Self::is_remote)); its type must be `#[actor(remote)]`. The
/// same methods apply, with these differences:
///
/// - Calls and casts are at most once; per pair of nodes they keep their send order.
/// - A call fails with [`CallError::NodeDown`] when the actor's node is lost (whether it was
///   handled is unknown) and with [`CallError::Protocol`] for a frame that cannot be
///   understood; a call to an actor known dead fails at once with `NoProc`.
/// - A cast to a remote actor that has died but is not yet known dead returns `Ok` and is
///   dropped there (counted by its node); a full outgoing queue refuses it with
///   [`SendError::Full`]. [`try_send`](Self::try_send) cannot hand back a message once it is
///   encoded.
/// - A message over the connection's max payload (NATS: 1 MiB by default) is refused at once:
///   a cast with [`SendError::TooLarge`], a call with [`CallError::Protocol`]; so is a call
///   whose answer is over it.
/// - The typed handle of an `#[actor(remote)]` type is serialisable, so handles travel inside
///   messages and answers (as node, incarnation, id and type tag): the receiver gets a stand-in,
///   or the actor itself on its own node (a handle that follows a supervised child sends the
///   incarnation current then). Outside a message to or from a remote actor a handle
///   does not serialise, and one whose actor died before it arrived home fails to decode
///   (`CallError::Protocol` for a call; a cast is dropped and counted by the receiving node).
/// - `stop`, `kill` and exit signals reach the real actor; monitors and links set on the
///   handle fire with its real exit reason, or with
///   [`ExitReason::NoConnection`](crate::ExitReason::NoConnection) when its node is lost. A
///   link is recorded on both nodes, so the remote actor gets `NoConnection` as well when this
///   node is lost, and each side is told of an exit once. A
///   node that drops incoming messages (its queue full) audits its watches afterwards, so a
///   monitor still fires; `kill` and exit signals are sent again until acknowledged.
pub struct ActorRef<A: Actor> {
    target: Target<A::Message>,
    timeout: Duration,
}

/// What a handle sends to: one incarnation, or whichever a supervisor says is current.
enum Target<M> {
    Cell(Arc<Cell<M>>),
    Follow(Arc<Follow<M>>),
    /// An actor on another node (see [Remote actors](ActorRef#remote-actors)).
    Remote(Arc<RemoteProc>),
}

impl<M> Clone for Target<M> {
    fn clone(&self) -> Self {
        match self {
            Target::Cell(cell) => Target::Cell(cell.clone()),
            Target::Follow(follow) => Target::Follow(follow.clone()),
            Target::Remote(remote) => Target::Remote(remote.clone()),
        }
    }
}

impl<A: Actor> ActorRef<A> {
    pub(crate) fn from_cell(cell: Arc<Cell<A::Message>>) -> Self {
        ActorRef {
            target: Target::Cell(cell),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    pub(crate) fn from_remote(remote: Arc<RemoteProc>) -> Self {
        ActorRef {
            target: Target::Remote(remote),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The actor (the current incarnation, for a followed child).
    pub(crate) fn proc(&self) -> ProcRef {
        match &self.target {
            Target::Cell(cell) => cell.clone(),
            Target::Follow(follow) => follow.cell(),
            Target::Remote(remote) => remote.clone(),
        }
    }

    /// Whether this handle names an actor on another node.
    pub fn is_remote(&self) -> bool {
        matches!(self.target, Target::Remote(_))
    }

    /// Whether this handle follows a supervised child across restarts (see
    /// [Following](Self#following-a-supervised-child-across-restarts)).
    pub fn follows_restarts(&self) -> bool {
        matches!(self.target, Target::Follow(_))
    }

    /// A copy of this handle whose calls time out after `timeout` instead of the default 5 s.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        ActorRef {
            timeout,
            ..self.clone()
        }
    }

    /// The timeout this handle's calls use.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a message without waiting for it to be handled (GenServer.cast). A full bounded
    /// mailbox applies its [`Overflow`](crate::Overflow) policy (see the table there).
    ///
    /// # Errors
    /// [`SendError::NoProc`] if the actor is dead, [`SendError::Full`] if its mailbox is bounded
    /// and full and its policy waits (use [`send`](Self::send) to wait for room), rejects, or
    /// stops the actor.
    #[inline]
    pub fn cast(&self, msg: A::Message) -> Result<(), SendError> {
        match &self.target {
            Target::Cell(cell) => cell.cast(msg),
            Target::Follow(follow) => follow.offer(msg).cast_result(),
            Target::Remote(remote) => remote_cast::<A>(remote, msg),
        }
    }

    /// Sends a message, waiting for room if the mailbox is bounded and full and its policy is
    /// [`Overflow::Wait`](crate::Overflow::Wait) (any other policy answers at once, as
    /// [`cast`](Self::cast) does).
    ///
    /// A handle that follows a restarting child waits for the new incarnation within its
    /// [`timeout`](Self::timeout). To an actor on another node, this waits for room in the node's
    /// outgoing queue (the cluster's `NodeOptions::outbound_queue`) within the handle's
    /// timeout, where [`cast`](Self::cast) is refused at once.
    ///
    /// # Errors
    /// [`SendError::NoProc`] if the actor is dead, or dies while this waits for room;
    /// [`SendError::Full`] as for [`cast`](Self::cast) under a policy that does not wait, or
    /// when a remote actor's way out had no room within the timeout.
    pub async fn send(&self, msg: A::Message) -> Result<(), SendError> {
        match &self.target {
            Target::Cell(cell) => cell.send(msg).await.cast_result(),
            Target::Follow(follow) => follow.send(msg, Deadline::after(self.timeout)).await,
            Target::Remote(remote) => remote_send::<A>(remote, msg, self.timeout).await,
        }
    }

    /// Sends a message if there is room now. A full mailbox's policy applies, except that a
    /// message it refuses (`Wait`, `Reject`, `DropNewest`, `Stop`) comes back to you.
    ///
    /// To an actor on another node, a message the node's outgoing queue has no room for comes
    /// back decoded from its own frame: what the actor would have received. (One that cannot be
    /// encoded, or whose handles' actors died before it was decoded back, is dropped and
    /// logged: the encoder took it.)
    ///
    /// # Errors
    /// Hands the message back in [`TrySendError::Full`] or [`TrySendError::NoProc`].
    #[inline]
    pub fn try_send(&self, msg: A::Message) -> Result<(), TrySendError<A::Message>> {
        match &self.target {
            Target::Cell(cell) => cell.offer(msg).try_result(),
            Target::Follow(follow) => follow.offer(msg).try_result(),
            Target::Remote(remote) => remote_try_send::<A>(remote, msg),
        }
    }

    /// Sends the message `make` builds around a reply channel and waits for the reply
    /// (GenServer.call).
    ///
    /// A call to an idle local actor whose message the actor runs inline
    /// ([`Actor::handle_inline`]; `#[actor]` does so for `#[call]`s that cannot wait) is handled
    /// in this task instead of crossing to the actor's: the same order and outcome, without the
    /// two task switches.
    ///
    /// # Errors
    /// At once [`CallError::NoProc`] if the actor is dead; [`CallError::Exited`] as soon as it
    /// exits before replying (and its links and monitors were told, see
    /// [Ordering](ActorHandle#ordering)); [`CallError::Timeout`] after this handle's timeout;
    /// [`CallError::CallingSelf`] when an actor calls itself; [`CallError::Full`] at once when a
    /// full bounded mailbox's policy refuses the call, [`CallError::Dropped`] at once when
    /// [`DropOldest`](crate::Overflow::DropOldest) pushes it out. A handle that follows a child
    /// across restarts waits for a restart in progress (see
    /// [Following](Self#following-a-supervised-child-across-restarts)).
    pub async fn call<R>(
        &self,
        make: impl FnOnce(ReplyTo<R>) -> A::Message,
    ) -> Result<R, CallError> {
        let cell = match &self.target {
            Target::Cell(cell) => cell,
            Target::Follow(follow) => {
                let (tx, rx) = ReplyTo::channel();
                let msg = make(tx);
                let inline = A::is_inline(&msg).then_some(inline::call::<A> as Inline<A::Message>);
                return follow
                    .call(msg, rx, Deadline::after(self.timeout), inline)
                    .await;
            }
            Target::Remote(remote) => return remote_call::<A, R>(remote, make, self.timeout).await,
        };
        if current_id() == Some(cell.core.id) {
            return Err(CallError::CallingSelf);
        }
        let (tx, rx) = ReplyTo::channel();
        let mut msg = make(tx);
        // An idle actor's inline call is handled here and now (see `Actor::handle_inline`).
        if A::is_inline(&msg) {
            match inline::call::<A>(cell, msg) {
                Ok(()) => return Reply::new(rx, &cell.core, Deadline::after(self.timeout)).await,
                Err(queued) => msg = queued,
            }
        }
        let mailbox = &cell.mailbox;
        if mailbox.is_bounded() {
            return call_bounded(cell, msg, rx, self.timeout).await;
        }
        if mailbox.push_unbounded(msg).is_err() {
            return Err(CallError::NoProc);
        }
        Reply::new(rx, &cell.core, Deadline::after(self.timeout)).await
    }
}

/// [`ActorRef::call`] to a bounded mailbox: one deadline for the whole call.
async fn call_bounded<M: Send + 'static, R>(
    cell: &Cell<M>,
    msg: M,
    rx: ReplyRx<R>,
    timeout: Duration,
) -> Result<R, CallError> {
    let deadline = Deadline::after(timeout);
    match cell.offer(msg) {
        Offer::Queued => Reply::new(rx, &cell.core, deadline).await,
        Offer::Full(msg) => call_when_room(cell, msg, rx, deadline).await,
        refused => Err(refused.call_error()),
    }
}

/// A call whose message found `cell`'s bounded mailbox full: waits for room, then for the reply,
/// both before the one `deadline` (waiting for room counts against the timeout too).
pub(super) async fn call_when_room<M: Send + 'static, R>(
    cell: &Cell<M>,
    msg: M,
    rx: ReplyRx<R>,
    mut deadline: Deadline,
) -> Result<R, CallError> {
    // It was alive when the call began: if it dies while the caller waits for room, the call
    // fails with its exit reason, as a call it had accepted would.
    match deadline.run(cell.send(msg)).await {
        None => Err(CallError::Timeout),
        Some(Offer::Queued) => Reply::new(rx, &cell.core, deadline).await,
        Some(Offer::Closed(_)) => {
            let exited = deadline.run(cell.core.wait()).await;
            Err(exited.map_or(CallError::Timeout, CallError::Exited))
        }
        // The policy was changed under a waiting sender only if the caller raced a restart
        // into a differently configured incarnation; answer as that policy would.
        Some(refused) => Err(refused.call_error()),
    }
}

impl AnyActor {
    /// The typed handle, if this actor is an `A` (not merely another actor type with the same
    /// message type).
    pub fn downcast<A: Actor>(&self) -> Option<ActorRef<A>> {
        self.clone().into_downcast()
    }

    /// [`downcast`](Self::downcast) by value: no extra reference count (registry lookups).
    pub(crate) fn into_downcast<A: Actor>(self) -> Option<ActorRef<A>> {
        let target = match self.into_parts() {
            Ok(proc) if proc.remote().is_some() => {
                let remote = proc.into_any().downcast::<RemoteProc>().ok()?;
                return remote.typed::<A>();
            }
            Ok(proc) => Target::Cell(proc.into_any().downcast::<Cell<A::Message>>().ok()?),
            Err(follow) => Target::Follow(follow.into_any().downcast().ok()?),
        };
        let handle = ActorRef {
            target,
            timeout: DEFAULT_CALL_TIMEOUT,
        };
        super::cell::is_of::<A>(handle.view().core()).then_some(handle)
    }
}

impl<A: Actor> ActorHandle for ActorRef<A> {
    fn view(&self) -> ActorView<'_> {
        match &self.target {
            Target::Cell(cell) => ActorView::new(cell),
            Target::Follow(follow) => ActorView::followed(follow),
            Target::Remote(remote) => ActorView::new(remote),
        }
    }
}

impl<A: Actor> FromAnyActor for ActorRef<A> {
    fn from_any(actor: AnyActor) -> Option<Self> {
        actor.into_downcast()
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            target: self.target.clone(),
            timeout: self.timeout,
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let view = self.view();
        f.debug_struct("ActorRef")
            .field("id", &view.core().id)
            .field("actor", &view.core().type_name)
            .field("follows_restarts", &self.follows_restarts())
            .finish()
    }
}

/// Two handles are equal when they name the same actor: the same id, or, for handles that follow
/// a child across restarts, the same followed child.
impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.target, &other.target) {
            (Target::Cell(a), Target::Cell(b)) => a.core.id == b.core.id,
            (Target::Follow(a), Target::Follow(b)) => a.key() == b.key(),
            (Target::Remote(a), Target::Remote(b)) => a.core().id == b.core().id,
            _ => false,
        }
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.target {
            Target::Cell(cell) => cell.core.id.hash(state),
            Target::Follow(follow) => follow.key().hash(state),
            Target::Remote(remote) => remote.core().id.hash(state),
        }
    }
}

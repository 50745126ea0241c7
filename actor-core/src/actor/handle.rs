//! The typed handle: [`ActorRef`], and the call and cast paths.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::Actor;
use super::any::AnyActor;
use super::call::Reply;
use super::cell::{Cell, ProcRef};
use super::current::current_id;
use super::deadline::Deadline;
use super::lifecycle::{ActorHandle, ActorView, FromAnyActor};
use super::reply::ReplyTo;
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

    /// Sends a message without waiting for it to be handled (GenServer.cast).
    ///
    /// # Errors
    /// [`SendError::NoProc`] if the actor is dead, [`SendError::Full`] if its mailbox is bounded
    /// and full (use [`send`](Self::send) to wait for room).
    pub fn cast(&self, msg: A::Message) -> Result<(), SendError> {
        self.cell.mailbox.try_send(msg).map_err(SendError::from)
    }

    /// Sends a message, waiting for room if the mailbox is bounded and full.
    ///
    /// # Errors
    /// [`SendError::NoProc`] if the actor is dead, or dies while this waits for room.
    pub async fn send(&self, msg: A::Message) -> Result<(), SendError> {
        self.cell
            .mailbox
            .send(msg)
            .await
            .map_err(|_| SendError::NoProc)
    }

    /// Sends a message if there is room now.
    ///
    /// # Errors
    /// Hands the message back in [`TrySendError::Full`] or [`TrySendError::NoProc`].
    pub fn try_send(&self, msg: A::Message) -> Result<(), TrySendError<A::Message>> {
        self.cell.mailbox.try_send(msg)
    }

    /// Sends the message `make` builds around a reply channel and waits for the reply
    /// (GenServer.call).
    ///
    /// # Errors
    /// At once [`CallError::NoProc`] if the actor is dead; [`CallError::Exited`] as soon as it
    /// exits before replying (and its links and monitors were told, see
    /// [Ordering](ActorHandle#ordering)); [`CallError::Timeout`] after this handle's timeout;
    /// [`CallError::CallingSelf`] when an actor calls itself.
    pub async fn call<R>(
        &self,
        make: impl FnOnce(ReplyTo<R>) -> A::Message,
    ) -> Result<R, CallError> {
        if current_id() == Some(self.cell.core.id) {
            return Err(CallError::CallingSelf);
        }
        let (tx, rx) = oneshot::channel();
        let msg = make(ReplyTo::new(tx));
        let mailbox = &self.cell.mailbox;
        if mailbox.is_bounded() {
            return self.call_bounded(msg, rx).await;
        }
        mailbox.try_send(msg).map_err(|_| CallError::NoProc)?;
        Reply::new(rx, &self.cell.core, Deadline::after(self.timeout)).await
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
        Reply::new(rx, core, deadline).await
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
        let cell = self.0.into_any().downcast::<Cell<A::Message>>().ok()?;
        // The cell is typed by the message type only; the actor type is its recorded name.
        let (recorded, name) = (cell.core.type_name, std::any::type_name::<A>());
        (std::ptr::eq(recorded, name) || recorded == name).then(|| ActorRef::from_cell(cell))
    }
}

impl<A: Actor> ActorHandle for ActorRef<A> {
    fn view(&self) -> ActorView<'_> {
        ActorView::new(&self.cell)
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
            cell: self.cell.clone(),
            timeout: self.timeout,
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorRef")
            .field("id", &self.cell.core.id)
            .field("actor", &self.cell.core.type_name)
            .finish()
    }
}

impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        self.cell.core.id == other.cell.core.id
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.cell.core.id.hash(state);
    }
}

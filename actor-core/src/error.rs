//! Error types of the runtime, one enum per failure domain.

use std::error::Error;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::{ActorId, ExitReason};

/// Why a call did not return the handler's value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the call's timeout. The actor was not told and keeps running; a late reply
    /// is dropped (GS-3.9).
    #[error("call timed out")]
    Timeout,
    /// The actor was not alive when the call was made (GS-3.5), or a named handle found no holder.
    #[error("no such actor: it was not alive when called")]
    NoProc,
    /// The actor exited before it replied; this is its exit reason (GS-3.6).
    #[error("actor exited before replying: {0}")]
    Exited(ExitReason),
    /// An actor called or stopped itself, which would deadlock (GS-3.3, GS-8.3).
    #[error("an actor cannot call or stop itself")]
    CallingSelf,
    /// The actor's bounded mailbox was full and its [`Overflow`](crate::Overflow) policy
    /// (`Reject`, `DropNewest` or `Stop`) refused the call at once. The call was not handled.
    #[error("mailbox full: the call was refused")]
    Full,
    /// The call was queued, then pushed out of the full mailbox unhandled by a newer message
    /// ([`Overflow::DropOldest`](crate::Overflow::DropOldest)); told at once.
    #[error("the call was dropped from a full mailbox before it was handled")]
    Dropped,
    /// The callee's node is unreachable: it crashed or was cut off (no node answered for it, or
    /// it left the cluster's membership while the call waited). Whether the call was handled is
    /// unknown.
    #[error("the actor's node {0} is down")]
    NodeDown(String),
    /// A frame from another node could not be understood (a version or type mismatch); never
    /// silent.
    #[error("protocol error: {0}")]
    Protocol(String),
}

/// Why a task gave no output: [`TaskHandle`](crate::TaskHandle)'s `.await` and `join`.
///
/// A panic in the task's future is not a crash of whoever awaits it: it comes back here, as
/// `Exited(ExitReason::Panic(message))`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// [`join`](crate::TaskHandle::join)'s timeout ran out first. The task was not told and keeps
    /// running; the handle can be joined again.
    #[error("task timed out")]
    Timeout,
    /// The task exited without an output; this is its exit reason: [`ExitReason::Panic`] if its
    /// future panicked, [`ExitReason::Killed`] or [`ExitReason::Shutdown`] if it was stopped
    /// (by its supervisor's shutdown, say), and [`ExitReason::Normal`] if its output was already
    /// taken.
    #[error("task exited without an output: {0}")]
    Exited(ExitReason),
}

impl TaskError {
    /// `true` if the task's future panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Exited(ExitReason::Panic(_)))
    }
}

/// Why a cast was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The actor is not alive. OTP drops such casts silently; beamish tells you.
    #[error("no such actor: the message was not delivered")]
    NoProc,
    /// The actor's bounded mailbox is full and the send could not wait for room.
    #[error("mailbox full: the message was not delivered")]
    Full,
    /// The encoded message is larger than the connection to a remote actor's node carries (the
    /// NATS server's max payload): it was not sent. Only a remote actor gives this.
    #[error("message too large for the connection: the message was not delivered")]
    TooLarge,
    /// The message to a remote actor could not be encoded (a `Serialize` implementation
    /// refused, as a handle whose node is unknown does): it was not sent. Only a remote actor
    /// gives this.
    #[error("message could not be encoded for a remote actor: the message was not delivered")]
    Unencodable,
}

/// Why a `try_` send did not go through; hands the message back.
#[derive(thiserror::Error)]
pub enum TrySendError<M> {
    /// The bounded mailbox had no room.
    #[error("mailbox full: the message was not delivered")]
    Full(M),
    /// The actor is not alive.
    #[error("no such actor: the message was not delivered")]
    NoProc(M),
}

impl<M> TrySendError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            TrySendError::Full(m) | TrySendError::NoProc(m) => m,
        }
    }
}

impl<M> fmt::Debug for TrySendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::NoProc(_) => f.write_str("NoProc(..)"),
        }
    }
}

impl<M> From<TrySendError<M>> for SendError {
    fn from(e: TrySendError<M>) -> Self {
        match e {
            TrySendError::Full(_) => SendError::Full,
            TrySendError::NoProc(_) => SendError::NoProc,
        }
    }
}

/// Why an actor did not start.
///
/// The error `init` failed with (or a start hook refused with) is kept whole: it is the
/// [`source`](Error::source) of [`Init`](StartError::Init) and [`Refused`](StartError::Refused),
/// so it can be downcast to its type. A panic is told apart from an error by its own variant,
/// [`Panic`](StartError::Panic), which keeps the panic message.
///
/// ```
/// use std::error::Error;
/// use beamish::{InitError, StartError};
///
/// #[derive(Debug)]
/// struct Unreachable(u16);
///
/// impl std::fmt::Display for Unreachable {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "database unreachable on port {}", self.0)
///     }
/// }
///
/// impl Error for Unreachable {}
///
/// let err = StartError::Init(InitError::new(Unreachable(5432)));
/// assert_eq!(err.to_string(), "init failed: database unreachable on port 5432");
/// let port = err.source().and_then(|e| e.downcast_ref::<Unreachable>()).map(|e| e.0);
/// assert_eq!(port, Some(5432));
/// ```
///
/// Not `PartialEq`: the errors it carries are not comparable. Match on the variant and look at
/// the error instead (`matches!(&err, StartError::Init(e) if e.is::<Unreachable>())`).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// `init` returned `Err`; the error, which is also this error's
    /// [`source`](Error::source). The actor exited with [`ExitReason::Error`] carrying its
    /// message, and nothing of it remains.
    #[error("init failed: {0}")]
    Init(#[source] InitError),
    /// `init` (or a start hook, or a supervisor child's start function) panicked; the panic
    /// message.
    #[error("init panicked: {0}")]
    Panic(String),
    /// The name was already held by a live actor (GS-1.5); the holder's id. Use the typed
    /// `whereis` of the generated handle to reach it.
    #[error("already started as {0}")]
    AlreadyStarted(ActorId),
    /// The actor was killed (or hit by an exit signal) before `init` returned.
    #[error("exited during start: {0}")]
    Exited(ExitReason),
    /// A start hook refused the start (a via-name registration that failed: the
    /// [`RegistryError`](crate::RegistryError)), or a start function did; the error, which is
    /// also this error's [`source`](Error::source). `init` did not run.
    #[error("start refused: {0}")]
    Refused(#[source] InitError),
}

/// Returned by operations that act on behalf of the calling actor (`link`, `monitor`,
/// `Registry::register`) when the caller is not an actor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("not called from inside an actor")]
pub struct NotInActor;

/// The error an actor's `init` failed with, as GenServer's `{:stop, reason}`: the error itself,
/// kept whole so that whoever started the actor can downcast it (it becomes the
/// [`source`](Error::source) of [`StartError::Init`]). Start hooks refuse a start with one too
/// ([`StartError::Refused`]).
///
/// Whatever converts into `Box<dyn Error + Send + Sync>` converts into an `InitError`: every
/// `std::error::Error + Send + Sync + 'static` type, `String`, `&str` and boxed errors. So `?`
/// works inside `init`, and a plain message is `"…".into()` or [`InitError::msg`]:
///
/// ```
/// use beamish::{Actor, ActorRef, Context, InitError, ReplyTo, StartError};
///
/// struct Config {
///     port: u16,
/// }
///
/// impl Actor for Config {
///     type Args = String;
///     type Message = ReplyTo<u16>;
///
///     async fn init(text: String, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         if text.is_empty() {
///             return Err("empty configuration".into());
///         }
///         let port = text.trim().parse()?; // a `ParseIntError`, kept as it is
///         Ok(Config { port })
///     }
///
///     async fn handle(&mut self, reply: ReplyTo<u16>, _ctx: &mut Context<Self>) {
///         reply.send(self.port);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let err = ActorRef::<Config>::start("eighty".into()).await.unwrap_err();
/// assert!(matches!(&err, StartError::Init(e) if e.is::<std::num::ParseIntError>()));
/// let err = ActorRef::<Config>::start(String::new()).await.unwrap_err();
/// assert_eq!(err.to_string(), "init failed: empty configuration");
/// let config = ActorRef::<Config>::start("8080".into()).await.unwrap();
/// assert_eq!(config.call(|reply| reply).await, Ok(8080));
/// # }
/// ```
///
/// An `InitError` dereferences to the error it holds, a `dyn Error + Send + Sync`: `to_string`,
/// `is`, `downcast_ref` and `source` work on it directly. Like `anyhow::Error`, it is not itself
/// a [`std::error::Error`] — that is what lets it convert from every error type — and its
/// `Display` and `Debug` are those of the error it holds. A panic in `init` is not an
/// `InitError` but [`StartError::Panic`].
#[derive(Clone)]
pub struct InitError {
    error: Arc<dyn Error + Send + Sync + 'static>,
}

impl InitError {
    /// An init error holding `error`, which stays downcastable to `E`.
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        InitError {
            error: Arc::new(error),
        }
    }

    /// An init error carrying `message`'s text only, for when there is no error value to keep
    /// (`"…".into()` does the same for a `String` or `&str`).
    pub fn msg(message: impl fmt::Display) -> Self {
        InitError::from(message.to_string())
    }
}

impl<E: Into<Box<dyn Error + Send + Sync + 'static>>> From<E> for InitError {
    fn from(error: E) -> Self {
        InitError {
            error: Arc::from(error.into()),
        }
    }
}

impl Deref for InitError {
    type Target = dyn Error + Send + Sync + 'static;

    fn deref(&self) -> &Self::Target {
        &*self.error
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl fmt::Debug for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InitError").field(&self.error).finish()
    }
}

/// Why a supervisor operation failed.
///
/// Not `PartialEq`, as it may carry a [`StartError`]: match on the variant.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// A child's start function failed: at `start_child`, `restart_child`, or while a static
    /// supervisor started its children (SUP-1.5: the ones already started were stopped again, in
    /// reverse order). The spec is not kept, except by `restart_child`. The message includes the
    /// child's start error, which is also the [`source`](Error::source), and so on down to the
    /// error its `init` failed with.
    #[error("child `{id}` failed to start: {error}")]
    Start {
        /// The id of the child spec.
        id: String,
        /// The child's start error.
        #[source]
        error: StartError,
    },
    /// The dynamic supervisor already holds `max_children` children, restarting ones included
    /// (DS-2.4); nothing was started.
    #[error("the supervisor already holds its maximum number of children")]
    MaxChildren,
    /// No child with this id (or actor id).
    #[error("no such child")]
    NotFound,
    /// The child is running (`restart_child`, `delete_child`).
    #[error("the child is running")]
    Running,
    /// The child is waiting for a restart (`restart_child`, `delete_child`, `follow_child`).
    #[error("the child is being restarted")]
    Restarting,
    /// The child is stopped: its spec is kept, but no process runs (`follow_child`).
    #[error("the child is not running")]
    NotRunning,
    /// `start_child` with the id of a spec the supervisor keeps but that is not running.
    #[error("a child spec with this id is already present")]
    AlreadyPresent,
    /// `start_child` with the id of a running child; its actor id.
    #[error("a child with this id is already running as {0}")]
    AlreadyStarted(ActorId),
    /// Two child specs given to a static supervisor share an id (SUP-1.4); nothing was started.
    #[error("duplicate child id `{0}`")]
    DuplicateId(String),
    /// The child started, but it is not of the type the spec's handle expects (a spec retyped with
    /// `ChildSpec::typed` to the wrong handle); it was stopped again and not kept.
    #[error("the child is a `{actual}`, which the spec's handle type does not accept")]
    WrongHandle {
        /// The type name of the actor that started.
        actual: &'static str,
    },
    /// A child spec the supervisor refuses (SUP-7): `significant` on a `Permanent` child, with
    /// `AutoShutdown::Never`, or under a `DynamicSupervisor`. Nothing was started.
    #[error("invalid child spec `{id}`: {reason}")]
    InvalidSpec {
        /// The id of the child spec.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Invalid supervisor options (for example a zero `max_seconds`).
    #[error("invalid supervisor options: {0}")]
    InvalidOptions(&'static str),
    /// The supervisor could not be asked: it was not alive ([`CallError::NoProc`]) or exited
    /// before answering ([`CallError::Exited`]), or it was called from itself.
    #[error("supervisor unreachable: {0}")]
    Call(#[from] CallError),
}

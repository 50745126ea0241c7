//! Error types of the runtime, one enum per failure domain.

use std::fmt;

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
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// `init` returned `Err`; its message. The actor exited and nothing of it remains.
    #[error("init failed: {0}")]
    Init(String),
    /// `init` panicked; the panic message.
    #[error("init panicked: {0}")]
    Panic(String),
    /// The name was already held by a live actor (GS-1.5); the holder's id. Use the typed
    /// `whereis` of the generated handle to reach it.
    #[error("already started as {0}")]
    AlreadyStarted(ActorId),
    /// The actor was killed (or hit by an exit signal) before `init` returned.
    #[error("exited during start: {0}")]
    Exited(ExitReason),
    /// A start hook refused the start (for example a via-name registration that failed).
    #[error("start refused: {0}")]
    Refused(String),
}

/// Returned by operations that act on behalf of the calling actor (`link`, `monitor`,
/// `Registry::register`) when the caller is not an actor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("not called from inside an actor")]
pub struct NotInActor;

/// The error an actor's `init` may fail with: a message, as GenServer's `{:stop, reason}`.
///
/// Build it from anything that is [`Display`](fmt::Display) with [`InitError::new`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InitError {
    message: String,
}

impl InitError {
    /// An init error carrying `message`'s text.
    pub fn new(message: impl fmt::Display) -> Self {
        InitError {
            message: message.to_string(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Why a supervisor operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// A child's start function failed: at `start_child`, `restart_child`, or while a static
    /// supervisor started its children (SUP-1.5: the ones already started were stopped again, in
    /// reverse order). The spec is not kept, except by `restart_child`. The message includes the
    /// child's start error, which is also the [`source`](std::error::Error::source).
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
    /// The child is waiting for a restart (`restart_child`, `delete_child`).
    #[error("the child is being restarted")]
    Restarting,
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

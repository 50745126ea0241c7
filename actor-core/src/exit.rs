//! Exit reasons and their three classes (OTP EX-1, EX-2).

use std::fmt;

/// Why an actor stopped.
///
/// As in OTP (EX-2) the reasons fall into three classes:
///
/// | reason | logged as a crash | `Transient` child restarted | linked, non-trapping actors |
/// |---|---|---|---|
/// | [`Normal`](ExitReason::Normal) | no | no | unaffected |
/// | [`Shutdown`](ExitReason::Shutdown), [`ShutdownWith`](ExitReason::ShutdownWith) | no | no | die with the same reason |
/// | everything else | yes | yes | die with the same reason |
///
/// ```
/// use beamish::ExitReason;
/// assert!(ExitReason::Normal.is_normal());
/// assert!(ExitReason::Shutdown.is_clean() && !ExitReason::Shutdown.is_normal());
/// assert!(ExitReason::Panic("boom".into()).is_crash());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// An ordinary, successful end. The only reason that leaves linked actors alone.
    Normal,
    /// An orderly stop that was asked for (a supervisor shutting a child down).
    Shutdown,
    /// An orderly stop with a detail, OTP's `{:shutdown, term}`.
    ShutdownWith(String),
    /// The actor was killed: [`kill`](crate::ActorHandle::kill), `Shutdown::BrutalKill`, or a shutdown
    /// that ran out of time. Its running callback was dropped where it stood, and its `terminate`
    /// did not run — or was cut short, when the shutdown's time ran out inside it. (A busy child
    /// is not killed for being busy: an orderly shutdown cancels a non-trapping child's handler
    /// and runs its `terminate`, see [`Shutdown`](crate::Shutdown).)
    Killed,
    /// A callback panicked; the payload's message.
    Panic(String),
    /// The actor stopped itself with an error (or its `init` returned `Err`: the error's message;
    /// the error itself goes to the starter, in [`StartError::Init`](crate::StartError::Init)).
    Error(String),
    /// The actor did not exist: reported to monitors and links set up on a dead actor.
    NoProc,
    /// The actor's bounded mailbox overflowed and its policy is
    /// [`Overflow::Stop`](crate::Overflow::Stop): a consumer that fell behind was stopped. A crash
    /// (its supervisor restarts it unless it is temporary).
    MailboxOverflow,
    /// The actor's node was lost (crashed, cut off, or left): what monitors and links of an actor
    /// on another node get then. A crash.
    NoConnection,
    /// The actor lost the cluster-wide unique name it holds (the name here) to an actor on
    /// another node: the cluster's store lost its data and the other node claimed the name before
    /// this one re-created its entry. The store wins, so this actor stops; a clean stop, not
    /// restarted by a `Transient` supervisor.
    NameConflict(String),
    /// The actor's node was cut off from the cluster for longer than its fence allows (no
    /// heartbeat acknowledged for `fence_after`), so it killed its uniquely named actors before
    /// the rest of the cluster could give their names to others: never two live owners of one
    /// name. Like [`Killed`](ExitReason::Killed), `terminate` did not run. A crash for links,
    /// but no supervisor restarts it, whatever its [`Restart`](crate::Restart): the name is the
    /// cluster's to re-home.
    Fenced,
}

impl ExitReason {
    /// `true` only for [`ExitReason::Normal`]: the one reason that does not travel along links.
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal)
    }

    /// `true` for the normal class of EX-2: `Normal`, `Shutdown` and `ShutdownWith`, and
    /// `NameConflict` (an orderly stop the cluster asked for). Such exits are not logged as
    /// crashes and do not restart a `Transient` child.
    pub fn is_clean(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal
                | ExitReason::Shutdown
                | ExitReason::ShutdownWith(_)
                | ExitReason::NameConflict(_)
        )
    }

    /// `true` for every reason outside the normal class (the opposite of [`is_clean`](Self::is_clean)).
    pub fn is_crash(&self) -> bool {
        !self.is_clean()
    }

    /// `false` only for [`ExitReason::Fenced`]: the one reason after which no supervisor
    /// restarts a child, whatever its [`Restart`](crate::Restart) (another node owns its work now).
    pub fn allows_restart(&self) -> bool {
        !matches!(self, ExitReason::Fenced)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(detail) => write!(f, "shutdown: {detail}"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::Panic(msg) => write!(f, "panicked: {msg}"),
            ExitReason::Error(msg) => write!(f, "error: {msg}"),
            ExitReason::NoProc => f.write_str("no such actor"),
            ExitReason::MailboxOverflow => f.write_str("mailbox overflow"),
            ExitReason::NoConnection => f.write_str("no connection to the actor's node"),
            ExitReason::NameConflict(name) => {
                write!(f, "name `{name}` taken by an actor on another node")
            }
            ExitReason::Fenced => f.write_str("fenced: its node was cut off from the cluster"),
        }
    }
}

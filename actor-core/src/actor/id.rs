//! Actor ids, monitor references and timer references.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ACTOR: AtomicU64 = AtomicU64::new(1);
static NEXT_REF: AtomicU64 = AtomicU64::new(1);

/// The unique id of an actor: cheap to copy, compare and hash, printed OTP-style as `<0.42>`.
///
/// Ids are never reused within a process. The `0` in the printed form is the node part: `0` for
/// this process's actors; an actor on another node of a cluster gets the number this process
/// gave that node (and node incarnation), so `<3.42>` is actor 42 of the third node met.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActorId {
    node: u32,
    local: u64,
}

impl ActorId {
    pub(crate) fn next() -> Self {
        ActorId {
            node: 0,
            local: NEXT_ACTOR.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The node-local part of the id.
    pub fn local_id(&self) -> u64 {
        self.local
    }

    /// The node part: `0` for an actor of this process, otherwise the number this process gave
    /// the node (and node incarnation) the actor runs on.
    pub fn node(&self) -> u32 {
        self.node
    }

    /// `true` for an actor of this process.
    pub fn is_local(&self) -> bool {
        self.node == 0
    }

    /// The id of this process's actor `local`.
    #[doc(hidden)]
    pub fn local(local: u64) -> Self {
        ActorId { node: 0, local }
    }

    /// The id of actor `local` on the node this process numbered `node` (not 0).
    #[doc(hidden)]
    pub fn remote(node: u32, local: u64) -> Self {
        ActorId { node, local }
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}.{}>", self.node, self.local)
    }
}

/// Parses what [`Display`](fmt::Display) prints, `<0.42>`, or the same without brackets,
/// `0.42` (as in an observer's URLs).
///
/// ```
/// let id: beamish::ActorId = "<0.42>".parse().unwrap();
/// assert_eq!(id.local_id(), 42);
/// assert_eq!(id.to_string(), "<0.42>");
/// assert_eq!("0.42".parse::<beamish::ActorId>(), Ok(id));
/// assert!("42".parse::<beamish::ActorId>().is_err());
/// ```
impl std::str::FromStr for ActorId {
    type Err = ParseActorIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let inner = s
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or(s);
        let (node, local) = inner.split_once('.').ok_or(ParseActorIdError)?;
        Ok(ActorId {
            node: node.parse().map_err(|_| ParseActorIdError)?,
            local: local.parse().map_err(|_| ParseActorIdError)?,
        })
    }
}

/// The text is not an actor id (`<0.42>` or `0.42`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an actor id: expected `<node.local>`, like `<0.42>`")]
pub struct ParseActorIdError;

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorId({self})")
    }
}

macro_rules! reference {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            pub(crate) fn next() -> Self {
                $name(NEXT_REF.fetch_add(1, Ordering::Relaxed))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "#{}"), self.0)
            }
        }
    };
}

reference!(
    /// Identifies one monitor: each `monitor` call makes a new one, and its `Info::Down` carries it.
    MonitorRef,
    "MonitorRef"
);
reference!(
    /// Identifies one timer started with `Context::send_after`; cancel it with `Context::cancel_timer`.
    TimerRef,
    "TimerRef"
);

//! The cluster layer's errors.

use actor_core::__private::ActorId;

/// Why a node could not join, or a cluster operation could not be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The NATS server could not be reached.
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect {
        /// The URL given.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// The server predates per-key TTLs (2.11), which node membership needs.
    #[error("NATS server {found} is too old: beamish clusters need {need} or later")]
    ServerTooOld {
        /// The server's version.
        found: String,
        /// The oldest version that works.
        need: &'static str,
    },
    /// A cluster, node or registry name is not a token of `[A-Za-z0-9_-]`.
    #[error("invalid name {0:?}: use letters, digits, `_` and `-`")]
    InvalidName(String),
    /// Another live incarnation of this node name held its membership key past the wait.
    #[error("node name {0:?} is held by another live node")]
    NameInUse(String),
    /// JetStream refused or did not answer (the server is unreachable, or has no quorum).
    #[error("cluster state unavailable: {0}")]
    Unavailable(String),
    /// The registry is open on this node with the other kind of keys (unique or duplicate).
    #[error("registry {0:?} is open here with the other kind of keys")]
    KeysDiffer(String),
}

/// Why a cluster registry operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterRegistryError {
    /// A unique key is held by another live actor.
    #[error("key already registered by {0}")]
    AlreadyRegistered(ActorId),
    /// `register` was called outside any actor: entries belong to the calling actor.
    #[error("register is called by the actor that will hold the entry")]
    NotInActor,
    /// The key is longer than 150 bytes once encoded.
    #[error("key too long: at most 110 bytes")]
    KeyTooLong,
    /// A unique-key operation on a duplicate-key registry, or the reverse.
    #[error("not a unique-key registry")]
    NotUnique,
    /// The value could not be encoded.
    #[error("value cannot be encoded: {0}")]
    Codec(String),
    /// The cluster's state could not be read or written (disconnected, or no quorum): never
    /// stale data.
    #[error("cluster registry unavailable: {0}")]
    Unavailable(String),
}

/// Why a [`ClusterSupervisor`](crate::ClusterSupervisor) operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterSupervisorError {
    /// The child's type is not `#[actor(remote)]`.
    #[error("{0} is not a remote-capable actor type (`#[actor(remote)]`)")]
    NotRemote(&'static str),
    /// No live node hosts the child's type (its remote tag here).
    #[error("no live node hosts {0}")]
    NoHost(String),
    /// The supervisor's placement refuses to start children with these live hosts.
    #[error("no quorum of hosts: {0:?}")]
    NoQuorum(Vec<String>),
    /// The child's arguments could not be encoded.
    #[error("arguments cannot be encoded: {0}")]
    Codec(String),
    /// The child's `init` failed (its message): the child is given up.
    #[error("child failed to start: {0}")]
    Init(String),
    /// The child did not run within 5 s (its id): it stays wished for.
    #[error("child {0} did not start in time")]
    Timeout(String),
    /// No such child.
    #[error("no child {0}")]
    NotFound(String),
    /// A named child's registry has duplicate keys: a name must be unique.
    #[error("a named child needs a unique-key registry")]
    NotUnique,
    /// The cluster's state could not be read or written (disconnected, fenced, or no quorum).
    #[error("cluster supervisor unavailable: {0}")]
    Unavailable(String),
}

pub(crate) fn unavailable(e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Unavailable(e.to_string())
}

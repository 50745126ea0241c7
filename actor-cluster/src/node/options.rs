//! How a node joins: [`NodeOptions`].

use std::time::Duration;

use super::{INBOUND, OUTBOUND};

/// How a node joins: its cluster, its name, and its membership timing.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    pub(super) cluster: String,
    pub(super) name: String,
    pub(super) ttl: Duration,
    pub(super) outbound: usize,
    pub(super) inbound: usize,
    pub(super) self_audit: Duration,
    pub(super) fence_after: Option<Duration>,
}

impl NodeOptions {
    /// Node `name` of cluster `cluster` (both tokens of `[A-Za-z0-9_-]`), membership TTL 2 s.
    pub fn new(cluster: impl Into<String>, name: impl Into<String>) -> Self {
        NodeOptions {
            cluster: cluster.into(),
            name: name.into(),
            ttl: Duration::from_secs(2),
            outbound: OUTBOUND,
            inbound: INBOUND,
            self_audit: Duration::from_secs(60),
            fence_after: None,
        }
    }

    /// How many outgoing frames may wait for the connection (default 65,536, at least 1).
    /// Past it, casts fail at once with `SendError::Full` and calls with `CallError::Full`:
    /// nothing waits and nothing is queued without bound.
    #[must_use]
    pub fn outbound_queue(mut self, frames: usize) -> Self {
        self.outbound = frames.max(1);
        self
    }

    /// How many incoming messages each of the connection's subscriptions holds (default
    /// 65,536, at least 1) while the node's receiving task is behind. Past it, NATS drops the
    /// newest messages, as it does for any slow consumer: a cast is lost, a call or its answer
    /// times out at its caller. Each drop is logged (`warn`) and counted in
    /// [`Node::inbound_drops`](super::Node::inbound_drops). The registry's watches are ordered JetStream consumers: a gap
    /// makes them re-sync, so their caches are not left stale.
    ///
    /// Remote monitors and links survive drops: each drop, and each reconnection to the
    /// server, triggers an audit (at most one per 100 ms) in which this node re-sends its watches of remote actors and asks every member
    /// to re-send theirs of this node's actors, so a lost `watch` or exit notice is made good
    /// with the real exit reason (or `NoProc` if the exit is too old to be remembered). A
    /// `kill` or an exit signal is a request, sent again every 500 ms until acknowledged (at
    /// most 20 times while its node lives; an exit signal is applied once however often it
    /// comes).
    #[must_use]
    pub fn inbound_queue(mut self, messages: usize) -> Self {
        self.inbound = messages.max(1);
        self
    }

    /// The membership key's TTL (whole seconds, at least 1; default 2 s): a node that stops
    /// heartbeating (every `ttl / 4`) is declared lost this long after its last heartbeat, and
    /// its names are freed then.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// How long after sending its last acknowledged heartbeat a node cut off from the server
    /// fences itself (default: the TTL less 500 ms; at least half the TTL, two heartbeat
    /// intervals; at most the TTL less 100 ms): it kills its uniquely named actors with `ExitReason::Fenced` (no
    /// `terminate`, no local restart) and registers nothing until it is back. The server
    /// starts a heartbeat's TTL when the heartbeat *arrives*, so no other node can claim those
    /// names before the TTL after that send: with a fence before it, a name never has two live
    /// owners, even across a partition. A node whose key expired meanwhile comes back as a new
    /// incarnation (a new epoch) that re-claims nothing it lost.
    ///
    /// The margin assumes the node's process is not paused (or its clock stepped) for longer
    /// than `ttl − fence_after` at the wrong moment.
    #[must_use]
    pub fn fence_after(mut self, after: Duration) -> Self {
        self.fence_after = Some(after);
        self
    }

    /// How often the node checks that the store still holds its registry entries as written
    /// (default 60 s, at least 10 ms): JetStream has been seen to lose acknowledged writes under
    /// some faults, so an entry found missing is re-created, and one found taken by another node
    /// is given up (its actor stops with `ExitReason::NameConflict`). One KV read per entry.
    #[must_use]
    pub fn self_audit(mut self, every: Duration) -> Self {
        self.self_audit = every.max(Duration::from_millis(10));
        self
    }
}

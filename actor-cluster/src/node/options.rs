//! How a node joins: [`NodeOptions`].

use std::time::Duration;

use super::{INBOUND, OUTBOUND};

/// Links a local actor keeps with the actors of one other node, by default.
const PEER_LINKS: usize = 1_024;
/// The least time between two audits, by default.
const AUDIT_SPACING: Duration = Duration::from_millis(100);

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
    pub(super) peer_links: usize,
    pub(super) audit_spacing: Duration,
    pub(super) replicas: usize,
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
            peer_links: PEER_LINKS,
            audit_spacing: AUDIT_SPACING,
            replicas: 1,
        }
    }

    /// How many outgoing frames may wait for the connection (default 65,536, at least 1).
    /// Past it, casts fail at once with `SendError::Full`, `try_send` hands its message back,
    /// calls fail at once with `CallError::Full`, and `send` waits for room within its handle's
    /// timeout (then `SendError::Full`): nothing is queued without bound.
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
    /// server, triggers an audit (at most one per [`audit_spacing`](Self::audit_spacing)) in which this node re-sends its watches of remote actors and asks every member
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
    /// Each of those actors also checks the deadline itself before every message it handles,
    /// so none handles one past it even when the task that fences the node runs late. On Linux
    /// that check reads the coarse monotonic clock (a few nanoseconds) plus its tick: it is
    /// never late, and at most one tick (typically 4 ms) early.
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

    /// How many links one local actor keeps with the actors of one other node (one node
    /// incarnation), at most (default 1,024, at least 1). Another node asks for a link with a
    /// `link` frame, and each accepted one makes a stand-in here, linked to the local actor: a
    /// buggy or hostile member naming made-up actors could otherwise grow that actor's links,
    /// and this node's stand-ins, without bound. Links the actor already has count, whoever
    /// made them (`beamish::sys::process` lists them); a `link` for one it already has is
    /// accepted again (a retried frame).
    ///
    /// A `link` past the bound is refused, and creates nothing here: no stand-in, no watch.
    /// Its sender is answered as if the target had exited with `ExitReason::NoProc`, the
    /// reason a link to an actor that is not there gives: its node drops its half of the link
    /// and delivers that exit signal to the linking actor (which dies of it unless it traps
    /// exits). A refusal must not be silence, or the linker would believe in a link that will
    /// never fire; and it is the answer to the `link` request itself, not a frame of its own,
    /// so a flood of refused links costs this node one small answer each, never a retried
    /// signal or a stand-in. The count is read from the actor's links at each `link` frame:
    /// O(its links), a cost only `link` frames pay.
    #[must_use]
    pub fn peer_links(mut self, links: usize) -> Self {
        self.peer_links = links.max(1);
        self
    }

    /// The least time between two audits, both ways (default 100 ms, at least 1 ms; see
    /// [`inbound_queue`](Self::inbound_queue) for what an audit does).
    ///
    /// This node audits at most once per spacing however many drops or reconnections its
    /// connection reports. And it answers at most one audit per spacing from each other node:
    /// answering one re-sends a `watch` for every stand-in this node holds of the asker's
    /// actors, so a member sending a stream of `audit` frames would otherwise make this node
    /// send that many frames for each. An audit that comes within the spacing after one was
    /// answered is not dropped: all that come then are answered together once the spacing is
    /// over, so an audit asked for (after a legitimate reconnection, say) is always answered,
    /// by a re-send that starts after it arrived.
    #[must_use]
    pub fn audit_spacing(mut self, spacing: Duration) -> Self {
        self.audit_spacing = spacing.max(Duration::from_millis(1));
        self
    }

    /// How many servers keep each bucket this node creates (JetStream replicas; default 1, at
    /// most 5): on a cluster of three servers, 3 lets the cluster state (membership, registries,
    /// supervisors) survive the loss of any one server. Every node of a cluster should say the
    /// same; a bucket keeps the replicas of the node that created it. More than the cluster has
    /// servers, and the buckets cannot be created: `Node::connect` fails with `Unavailable`.
    ///
    /// A replicated bucket is CP: while it elects a new leader after its leader's server is
    /// lost (one Raft election, a few seconds by the server's defaults), writes wait, heartbeats
    /// among them. A node fences itself if that stall outlasts [`fence_after`](Self::fence_after),
    /// so give such a cluster a [`ttl`](Self::ttl) above the stall (the test
    /// `a_killed_stream_leader_stalls_writes_and_loses_nothing` measures it, with a TTL of 15 s).
    #[must_use]
    pub fn replicas(mut self, servers: usize) -> Self {
        self.replicas = servers.clamp(1, 5);
        self
    }
}

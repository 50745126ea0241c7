//! Clusters for beamish: the same typed handles across machines, a cluster-wide Registry, a
//! distributed DynamicSupervisor, fencing, and remote monitors and links, on [NATS](https://nats.io) (core request/reply for messages,
//! JetStream KV for cluster state). Re-exported by `beamish` as `beamish::cluster` behind the
//! `cluster` feature.
//!
//! # A node, a name, a call
//!
//! ```no_run
//! use beamish::cluster::{Node, NodeOptions};
//! use beamish::prelude::*;
//!
//! struct Counter(i64);
//!
//! #[actor(remote)]
//! impl Counter {
//!     #[init]
//!     async fn init(start: i64) -> Self { Counter(start) }
//!     #[call]
//!     async fn add(&mut self, n: i64) -> i64 { self.0 += n; self.0 }
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let node = Node::connect("nats://127.0.0.1:4222", NodeOptions::new("shop", "a")).await?;
//! let names = node.registry::<()>("names", Keys::Unique).await?;
//! Counter::start_via(&names, "c1", 0).await?;
//! // On any node of cluster "shop":
//! let c: CounterHandle = names.whereis("c1").expect("registered");
//! assert_eq!(c.add(5).await?, 5);
//! # Ok(()) }
//! ```
//!
//! # What is promised
//!
//! - **Calls and casts** to a remote actor go through the handle type it always had; errors
//!   are the same, plus [`CallError::NodeDown`](actor_core::CallError::NodeDown) when its node is
//!   lost and [`CallError::Protocol`](actor_core::CallError::Protocol) for a frame that cannot be
//!   understood. Both are at most once: nothing is resent. A call to a dead remote actor
//!   answers `NoProc` at once (its node says so); a cast to one returns `Ok` and is dropped
//!   there, counted. Per pair of nodes, messages keep their send order.
//! - **Names** are unique cluster-wide (a KV create), freed when their actor exits (before its
//!   node tells remote monitors), when its node leaves, and within the membership TTL (2 s by
//!   default, + up to 1 s) when its node is lost. A stale delete never removes a newer owner:
//!   every delete names the revision it removes.
//! - **Handles inside messages**: the typed handle of an `#[actor(remote)]` type is
//!   serialisable; it travels as `(node, epoch, local id, tag)` and arrives as a stand-in (or as
//!   the actor itself on its own node).
//! - **Monitors and links** on a remote actor work as on a local one (a link is recorded on both
//!   nodes, and fires on either side when the other node is lost); when its node is lost
//!   they fire with [`ExitReason::NoConnection`](actor_core::ExitReason::NoConnection).
//! - **Store loss**: each node keeps the master copy of its own entries and re-creates them when
//!   the server lost its store (found at the next heartbeat, every TTL/4), or when a self-audit
//!   (every 60 s, [`NodeOptions::self_audit`]) finds one missing. A name another node
//!   claimed meanwhile stays theirs: the store wins, and the old owner stops with
//!   [`ExitReason::NameConflict`](actor_core::ExitReason::NameConflict). A node lost before
//!   it re-created its entries (the store and the node lost at once) takes them with it.
//! - **Fencing**: a node whose heartbeats go unacknowledged for
//!   [`NodeOptions::fence_after`] (1.5 s by default) kills its uniquely named actors with
//!   [`ExitReason::Fenced`](actor_core::ExitReason::Fenced) before the server can expire its
//!   key and let another node claim their names: a name never has two live owners, even
//!   across a partition. Back in time, the node is itself again; declared lost meanwhile, it
//!   comes back as a new incarnation (a new [`Node::epoch`]) that re-claims nothing.
//! - **Cluster-supervised children** ([`ClusterSupervisor`]) run on exactly one of the live
//!   nodes hosting their type, restart there on a crash (3 times in 5 s per node, then they
//!   are given up), and run again on another host when their node is lost, leaves or fences:
//!   each placement is a compare-and-set on the child's owner entry, so a child never runs on
//!   two nodes at once. A named child
//!   ([`start_child_via`](ClusterSupervisor::start_child_via)) takes its name with it.
//! - **Lost control frames**: a node that drops incoming messages (a full queue) or reconnects
//!   audits its remote monitors and links with every member; `kill`s and exit signals are sent
//!   again until acknowledged.
//! - **Bounds**: frames go from the sender's task into the connection's one ordered queue of
//!   65,536 (`NodeOptions::outbound_queue`; past it, casts fail with
//!   `SendError::Full`, `send` waits for room within its handle's timeout, `try_send` hands
//!   the message back, and calls fail with `CallError::Full`); incoming messages wait in a queue of
//!   65,536 per subscription (`NodeOptions::inbound_queue`; past it NATS drops the newest, as for
//!   any slow consumer, counted in `Node::inbound_drops`); incoming calls each hold one small
//!   task until answered or the caller's timeout. Against a buggy or hostile member: a local
//!   actor keeps at most 1,024 links with one other node's actors
//!   ([`NodeOptions::peer_links`]; a `link` past it is refused, answered as an exit with
//!   `NoProc`), and a member's `audit`s are answered at most once per 100 ms, those in between
//!   together at its end ([`NodeOptions::audit_spacing`]). A node runs at most 100,000
//!   children of a cluster supervisor ([`ClusterSupervisor::max_children_here`]; past it,
//!   children go to hosts with room, or wait for one). A process numbers at most 65,536
//!   node incarnations (the node part of their actors' ids, never reused); past that, a
//!   control frame from a new one is refused (a `link`) or ignored, and a message holding a
//!   handle to one is not decoded (a call gets `CallError::Protocol`, a cast is dropped and
//!   counted). The last 4,096 are kept for incarnations that are members, so frames naming
//!   made-up incarnations cannot keep a process from numbering the nodes that join.
//! - **Trust**: a node acts on any frame published on its subjects. Every publisher of the
//!   cluster's NATS account can send any node's frames (a `kill`, say) and write its buckets,
//!   so give a cluster an account of its own, or limit `bm.<cluster>.>` and `$KV.bm_*` to its
//!   nodes with NATS permissions.
//!
//! # Wire
//!
//! Subjects `bm.<cluster>.n.<node>.<local id>` (an actor) and `bm.<cluster>.n.<node>.ctl`
//! (watch, down, stop, kill, exit); answers come back on `bm.<cluster>.n.<node>.r.<token>`.
//! Each node has one connection and one subscription. Bodies: see [`wire`].

mod error;
mod handles;
mod node;
mod peers;
mod registry;
mod replay;
pub mod server;
mod supervisor;
mod token;
#[doc(hidden)]
pub mod wire;

pub use error::{ClusterError, ClusterRegistryError, ClusterSupervisorError};
pub use node::{Node, NodeOptions};
pub use registry::ClusterRegistry;
pub use server::{NatsCluster, NatsServer};
pub use supervisor::{ClusterChild, ClusterChildCounts, ClusterSupervisor, Placement, Rendezvous};
pub use token::FencingToken;

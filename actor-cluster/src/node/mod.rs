//! A node: one NATS connection that hosts this process's actors for the cluster and reaches the
//! others' (see the crate docs for subjects and frames).

mod actors;
mod audit;
mod fence;
mod frames;
mod members;
mod options;
mod port;
mod serve;
mod signals;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use actor_core::__private::remote::RemoteProc;
use actor_core::__private::{ActorId, AnyActor};
use async_nats::jetstream;
use async_nats::jetstream::kv;
use tokio::sync::{oneshot, watch};

use crate::error::{ClusterError, unavailable};

use crate::registry::RegistryCore;
pub(crate) use fence::fence_guard;
pub(crate) use frames::Frame;
pub use options::NodeOptions;

/// How long calls to a node's own bookkeeping (KV writes) may take before they count as failed.
pub(crate) const KV_TIMEOUT: Duration = Duration::from_secs(2);
/// Exits of tracked actors remembered for late watches.
const RECENT_EXITS: usize = 4096;
/// Outgoing frames queued for the connection at most; past it, casts fail with `Full`.
const OUTBOUND: usize = 65_536;
/// Incoming messages a subscription holds at most; past it, NATS drops (slow consumer).
const INBOUND: usize = 65_536;

/// A node of a beamish cluster: hosts this process's actors for the other nodes, reaches
/// theirs through the ordinary handles, and keeps the cluster registries.
///
/// ```no_run
/// use beamish::cluster::{Node, NodeOptions};
/// # async fn demo() -> Result<(), beamish::cluster::ClusterError> {
/// let node = Node::connect("nats://127.0.0.1:4222", NodeOptions::new("shop", "web-1")).await?;
/// println!("{} joined with epoch {:x}", node.name(), node.epoch());
/// # Ok(()) }
/// ```
///
/// A node stays in the cluster until [`leave`](Self::leave) or the end of the process; a
/// process that dies without leaving is declared lost after the membership TTL.
#[derive(Clone)]
pub struct Node {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("cluster", &self.inner.cluster)
            .field("name", &self.inner.name)
            .field("epoch", &self.inner.epoch())
            .finish()
    }
}

pub(crate) struct Inner {
    pub(crate) client: async_nats::Client,
    pub(crate) js: jetstream::Context,
    pub(crate) cluster: String,
    pub(crate) name: String,
    /// This incarnation's random number (a new one after a fence outlived the membership key).
    epoch: AtomicU64,
    pub(crate) ttl: Duration,
    pub(crate) fence: Arc<fence::Fence>,
    /// Notified when the connection to the server is (re-)established.
    pub(crate) reconnected: Arc<tokio::sync::Notify>,
    /// `bm.<cluster>.n.`
    pub(crate) prefix: String,
    next_token: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<async_nats::Message>>>,
    /// Stand-ins for remote actors, by id.
    shadows: Mutex<HashMap<ActorId, Weak<RemoteProc>>>,
    /// Local actors other nodes reach, with the ctl subjects of the nodes watching each.
    tracked: Mutex<HashMap<u64, Tracked>>,
    /// The last exits of tracked actors (at most [`RECENT_EXITS`]): a watch that arrives just
    /// after an exit still learns the real reason.
    recent_exits: Mutex<std::collections::VecDeque<(u64, actor_core::__private::ExitReason)>>,
    /// Numbers for this node's outgoing exit signals (`bm-seq`).
    pub(crate) next_signal: AtomicU64,
    /// The last exit signals applied here, by sender and number (at most [`RECENT_EXITS`]): a
    /// signal sent again because its acknowledgement was late is applied once.
    recent_signals: Mutex<signals::RecentSignals>,
    /// Live members: node name → epoch.
    pub(crate) members: members::Members,
    /// When each member's key was last written (a heartbeat), and its TTL.
    pub(crate) heard: Mutex<HashMap<String, (std::time::Instant, Duration)>>,
    pub(crate) registries: Mutex<Vec<Weak<RegistryCore>>>,
    /// Held while a registry is opened, so that two opens of one name share one core.
    pub(crate) opening_registry: tokio::sync::Mutex<()>,
    /// The cluster supervisors opened on this node (kept while the node lives: they own the
    /// children running here).
    pub(crate) supervisors: Mutex<Vec<Arc<crate::supervisor::SupCore>>>,
    /// Bumped when the cluster state was rebuilt: watches restart.
    pub(crate) generation: watch::Sender<u64>,
    /// Casts to dead or unknown local actors, dropped.
    pub(crate) dropped_casts: AtomicU64,
    /// Incoming messages dropped by the connection (slow consumer events).
    inbound_drops: Arc<AtomicU64>,
    /// Links a local actor keeps with one other node's actors at most
    /// ([`NodeOptions::peer_links`]).
    peer_links: usize,
    /// The least time between two audits, both ways ([`NodeOptions::audit_spacing`]).
    audit_spacing: Duration,
    /// The other nodes whose last audit was answered less than `audit_spacing` ago, by peer
    /// index, each with whether another was asked for since (see the `audit` module).
    answering: Mutex<HashMap<u32, bool>>,
    /// JetStream replicas of the buckets this node creates ([`NodeOptions::replicas`]).
    replicas: usize,
}

impl Inner {
    /// This incarnation's epoch.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Whether the exit signal `seq` from `from` is new here (and now remembered).
    pub(crate) fn first_signal(&self, from: &str, seq: u64) -> bool {
        lock(&self.recent_signals).first(from, seq, RECENT_EXITS)
    }
}

struct Tracked {
    actor: AnyActor,
    watchers: Vec<String>,
}

impl Node {
    /// Connects to the NATS server at `url` and joins the cluster. `url` may list several
    /// servers of one NATS cluster, comma-separated: the node connects to one of them and moves
    /// to another if that one is lost (as it also does to the servers it learns of from the
    /// first).
    ///
    /// # Errors
    /// [`ClusterError::Connect`] if the server cannot be reached, [`ClusterError::ServerTooOld`]
    /// before NATS 2.11, [`ClusterError::InvalidName`] for a name that is not a token,
    /// [`ClusterError::NameInUse`] if a live node holds the name, [`ClusterError::Unavailable`]
    /// if JetStream does not answer.
    pub async fn connect(url: &str, options: NodeOptions) -> Result<Node, ClusterError> {
        for name in [&options.cluster, &options.name] {
            if !is_token(name) {
                return Err(ClusterError::InvalidName(name.clone()));
            }
        }
        let inbound_drops = Arc::new(AtomicU64::new(0));
        let drops = inbound_drops.clone();
        let dropped = Arc::new(tokio::sync::Notify::new());
        let audit = dropped.clone();
        let reconnected = Arc::new(tokio::sync::Notify::new());
        let beat = reconnected.clone();
        let client = async_nats::ConnectOptions::new()
            .name(format!("{}/{}", options.cluster, options.name))
            .connection_timeout(Duration::from_secs(2))
            // A connection gone silent (a black hole) is noticed within a few TTLs, not minutes.
            .ping_interval(options.ttl)
            .client_capacity(options.outbound)
            .subscription_capacity(options.inbound)
            .event_callback(move |event| {
                match event {
                    async_nats::Event::SlowConsumer(sid) => {
                        drops.fetch_add(1, Ordering::Relaxed);
                        audit.notify_one();
                        tracing::warn!(
                            sid,
                            "incoming message dropped: the node is a slow consumer"
                        );
                    }
                    // Frames to or from this node may have been lost while it was away.
                    // Its heartbeat goes at once (a node back from a cut is unfenced sooner).
                    async_nats::Event::Connected => {
                        audit.notify_one();
                        beat.notify_one();
                    }
                    _ => {}
                }
                std::future::ready(())
            })
            .connect(url.split(',').map(str::trim).collect::<Vec<_>>().as_slice())
            .await
            .map_err(|e| ClusterError::Connect {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        let found = client.server_info().version;
        if !version_at_least(&found, (2, 11)) {
            return Err(ClusterError::ServerTooOld {
                found,
                need: "2.11",
            });
        }
        // Every KV request and publish acknowledgement of the node's bookkeeping is bounded.
        let js = jetstream::context::ContextBuilder::new()
            .timeout(KV_TIMEOUT)
            .build(client.clone());
        let epoch = random_u64();
        let quarter = options.ttl / 4; // the heartbeat interval
        let fence_after = options
            .fence_after
            .unwrap_or(options.ttl.saturating_sub(Duration::from_millis(500)))
            .clamp(quarter * 2, options.ttl - Duration::from_millis(100));
        let prefix = format!("bm.{}.n.", options.cluster);
        let inner = Arc::new(Inner {
            client: client.clone(),
            js,
            cluster: options.cluster,
            name: options.name,
            epoch: AtomicU64::new(epoch),
            ttl: options.ttl,
            fence: Arc::new(fence::Fence::new(fence_after)),
            reconnected,
            prefix,
            next_token: AtomicU64::new(1),
            pending: Mutex::default(),
            shadows: Mutex::default(),
            tracked: Mutex::default(),
            recent_exits: Mutex::default(),
            next_signal: AtomicU64::new(0),
            recent_signals: Mutex::default(),
            members: members::Members::default(),
            heard: Mutex::default(),
            registries: Mutex::default(),
            opening_registry: tokio::sync::Mutex::const_new(()),
            supervisors: Mutex::default(),
            generation: watch::Sender::new(0),
            dropped_casts: AtomicU64::new(0),
            inbound_drops,
            peer_links: options.peer_links,
            audit_spacing: options.audit_spacing,
            answering: Mutex::default(),
            replicas: options.replicas,
        });
        let subscription = client
            .subscribe(format!("{}{}.>", inner.prefix, inner.name))
            .await
            .map_err(unavailable)?;
        // `flush` only writes the socket. What makes the subscription live before any peer can
        // address this node is `join` below: its JetStream request goes out on this connection
        // after the SUB, and the server answers it only once it has processed both, so the
        // membership entry peers read is written after the subscription took effect.
        client.flush().await.map_err(unavailable)?;
        tokio::spawn(serve::receive_loop(inner.clone(), subscription));
        tokio::spawn(audit::audit_loop(Arc::downgrade(&inner), dropped));
        members::join(&inner).await?;
        tokio::spawn(crate::registry::self_audit_loop(
            inner.clone(),
            options.self_audit,
        ));
        Ok(Node { inner })
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The random number this incarnation of the node drew when it joined (a node that was
    /// fenced and declared lost comes back with a new one: see [`NodeOptions::fence_after`]).
    pub fn epoch(&self) -> u64 {
        self.inner.epoch()
    }

    /// Whether the node is fenced now: cut off from the server for longer than
    /// [`NodeOptions::fence_after`], it has killed its uniquely named actors and registers
    /// nothing until its heartbeats are acknowledged again.
    pub fn is_fenced(&self) -> bool {
        self.inner.fence.is_fenced()
    }

    /// How many times this node has fenced itself.
    pub fn fences(&self) -> u64 {
        self.inner.fence.count()
    }

    /// The cluster's name.
    pub fn cluster(&self) -> &str {
        &self.inner.cluster
    }

    /// The live members as this node last saw them (itself included), sorted by name.
    pub fn members(&self) -> Vec<String> {
        let mut names: Vec<String> = self.inner.members.read().keys().cloned().collect();
        names.sort();
        names
    }

    /// Casts that arrived and were dropped (a remote cast is at most once): their actor was
    /// gone, its bounded mailbox refused them, or they could not be decoded (a handle inside
    /// whose actor died before it arrived home, say).
    pub fn dropped_casts(&self) -> u64 {
        self.inner.dropped_casts.load(Ordering::Relaxed)
    }

    /// Incoming messages the connection dropped because a subscription's queue was full (see
    /// [`NodeOptions::inbound_queue`]). A lower bound: the connection reports drops through a
    /// queue of its own, which can overflow in turn during a long burst.
    pub fn inbound_drops(&self) -> u64 {
        self.inner.inbound_drops.load(Ordering::Relaxed)
    }

    /// Leaves the cluster: deletes this node's registry entries and its membership key, so the
    /// others see it gone at once (not after the TTL) and its actors answer `NoProc` from then.
    /// Local actors keep running.
    ///
    /// # Errors
    /// [`ClusterError::Unavailable`] if the deletes could not be written.
    pub async fn leave(&self) -> Result<(), ClusterError> {
        members::leave(&self.inner).await
    }
}

impl Inner {
    /// Sends a frame to the connection, after every frame sent before it, or says why it was
    /// not sent (see the module docs of `frames`).
    pub(crate) fn send(&self, frame: Frame) -> Result<(), frames::Unsent> {
        frames::send_now(&self.client, frame)
    }

    /// Hands `frame` to the connection, waiting for room in its queue.
    pub(crate) async fn send_waiting(&self, frame: Frame) -> Result<(), frames::Unsent> {
        frames::send_waiting(&self.client, frame).await
    }

    /// A reply subject of this node, and the token it is routed by.
    fn reply_slot(&self) -> (String, u64, oneshot::Receiver<async_nats::Message>) {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(token, tx);
        (format!("{}{}.r.{token}", self.prefix, self.name), token, rx)
    }

    fn forget_reply(&self, token: u64) {
        lock(&self.pending).remove(&token);
    }

    fn take_reply(&self, token: u64) -> Option<oneshot::Sender<async_nats::Message>> {
        lock(&self.pending).remove(&token)
    }

    /// The subject of actor `local` on node `node`.
    pub(crate) fn actor_subject(&self, node: &str, local: u64) -> String {
        format!("{}{node}.{local}", self.prefix)
    }

    /// The control subject of node `node`.
    pub(crate) fn ctl_subject(&self, node: &str) -> String {
        format!("{}{node}.ctl", self.prefix)
    }

    /// The registries of this node that are still in use.
    pub(crate) fn registries(&self) -> Vec<Arc<RegistryCore>> {
        let mut list = lock(&self.registries);
        list.retain(|w| w.strong_count() > 0);
        list.iter().filter_map(Weak::upgrade).collect()
    }

    /// The cluster supervisors opened on this node.
    pub(crate) fn supervisors(&self) -> Vec<Arc<crate::supervisor::SupCore>> {
        lock(&self.supervisors).clone()
    }

    /// The KV bucket `bucket`, created if missing (history 1, file storage, this node's
    /// replicas).
    pub(crate) async fn bucket(
        &self,
        bucket: &str,
        markers: bool,
    ) -> Result<kv::Store, ClusterError> {
        let config = kv::Config {
            bucket: bucket.to_owned(),
            history: 1,
            storage: jetstream::stream::StorageType::File,
            limit_markers: markers.then(|| Duration::from_secs(60)),
            num_replicas: self.replicas,
            ..Default::default()
        };
        match tokio::time::timeout(KV_TIMEOUT, self.js.create_key_value(config)).await {
            Ok(Ok(store)) => Ok(store),
            Ok(Err(e)) => {
                // Created meanwhile by another node, with the same configuration.
                self.js
                    .get_key_value(bucket)
                    .await
                    .map_err(|_| unavailable(e))
            }
            Err(_) => Err(ClusterError::Unavailable(format!(
                "creating bucket {bucket} timed out"
            ))),
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(PoisonError::into_inner)
}

/// A NATS subject token and KV key part: `[A-Za-z0-9_-]+`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn version_at_least(version: &str, need: (u32, u32)) -> bool {
    let mut parts = version
        .trim_start_matches('v')
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= need
}

/// A random epoch: std's randomly seeded hasher, over the clock and the pid.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// Rendezvous score of `member` for `subject`: the live member with the highest one acts.
pub(crate) fn score(subject: &str, member: &str) -> u64 {
    // FNV-1a: stable across processes and builds, unlike the std hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in subject.bytes().chain([0]).chain(member.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // MurmurHash3's finaliser: names that differ in their last byte alone (node-a, node-b)
    // would otherwise rank in nearly the same order for every subject.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert!(is_token("web-1_a"));
        assert!(!is_token("a.b") && !is_token("") && !is_token("a b"));
        assert!(version_at_least("2.15.1", (2, 11)));
        assert!(version_at_least("v2.11.0-RC.1", (2, 11)));
        assert!(!version_at_least("2.9.10", (2, 11)));
        assert_ne!(score("a", "b"), score("a", "c"));
    }
}

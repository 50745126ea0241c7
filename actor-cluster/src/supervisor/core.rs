//! One cluster supervisor's state on this node: its cache of the bucket (desired children,
//! owners, hosts), the children running here, and the KV writes.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use actor_core::__private::{AnyActor, Restart, StartError, StartOptions};
use async_nats::jetstream::kv;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::node::{Inner, lock, read, write};
use crate::wire;

/// Starts a child of one hosted type from its encoded arguments, with start options (a via
/// name): its handle, or why not.
pub(crate) type Starter =
    fn(&[u8], StartOptions) -> Pin<Box<dyn Future<Output = Result<AnyActor, StartError>> + Send>>;

/// `c.<id>`: a child the cluster wants running.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Desired {
    pub(crate) tag: String,
    pub(crate) args: Vec<u8>,
    /// 0 permanent, 1 transient, 2 temporary.
    pub(crate) restart: u8,
    /// The unique name it registers under wherever it runs: a cluster registry's name, a key.
    pub(crate) via: Option<(String, String)>,
}

impl Desired {
    pub(crate) fn restart(&self) -> Restart {
        match self.restart {
            0 => Restart::Permanent,
            1 => Restart::Transient,
            _ => Restart::Temporary,
        }
    }

    pub(crate) fn restart_code(restart: Restart) -> u8 {
        match restart {
            Restart::Permanent => 0,
            Restart::Transient => 1,
            Restart::Temporary => 2,
        }
    }
}

/// `o.<id>`: which node incarnation owns (runs) a child. `local` 0: claimed, starting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Owner {
    pub(crate) node: String,
    pub(crate) epoch: u64,
    pub(crate) local: u64,
    /// Its start failed (`init`'s error): the child is given up.
    pub(crate) failed: Option<String>,
}

/// `h.<node>`: the types a node hosts for this supervisor, and whether it runs as many
/// children as it takes ([`ClusterSupervisor::max_children_here`](super::ClusterSupervisor::max_children_here)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Host {
    pub(crate) epoch: u64,
    pub(crate) tags: Vec<String>,
    pub(crate) full: bool,
}

/// How many children of one supervisor a node runs at most, unless told otherwise.
pub(crate) const MAX_CHILDREN_HERE: usize = 100_000;

/// A child running on this node.
pub(crate) struct Running {
    pub(crate) actor: AnyActor,
    /// The revision of its `o.` entry as this node last wrote it.
    pub(crate) rev: u64,
    pub(crate) desired: Desired,
    /// Its local restarts in the intensity window.
    pub(crate) restarts: VecDeque<Instant>,
}

pub(crate) struct SupCore {
    pub(crate) node: Weak<Inner>,
    pub(crate) name: String,
    /// Its bucket (opened again after the server lost its store).
    pub(crate) bucket: String,
    store: RwLock<kv::Store>,
    pub(crate) hosted: RwLock<HashMap<String, Starter>>,
    pub(crate) desired: RwLock<BTreeMap<String, (Desired, u64)>>,
    pub(crate) owners: RwLock<BTreeMap<String, (Owner, u64)>>,
    /// `h.<node>` entries, with their revisions.
    pub(crate) hosts: RwLock<BTreeMap<String, (Host, u64)>>,
    /// Where children run: the same on every node.
    pub(crate) placement: Box<dyn super::Placement>,
    pub(crate) running: Mutex<HashMap<String, Running>>,
    /// Owner incarnations not among the members, since when.
    pub(crate) absent_since: Mutex<HashMap<(String, u64), Instant>>,
    /// `o.` entries a fence gave up, to delete at their revisions once back.
    pub(crate) orphans: Mutex<Vec<(String, u64)>>,
    /// The cache holds a full replay of the bucket (reconciling on half a view could stop
    /// children whose entries were not replayed yet).
    pub(crate) synced: AtomicBool,
    /// When each failed start was seen.
    pub(crate) failed_at: Mutex<HashMap<String, Instant>>,
    /// The node leaves: it claims nothing more.
    pub(crate) leaving: AtomicBool,
    /// At most this many children run here; at it, the node claims none and its host entry
    /// says it is full.
    pub(crate) max_here: AtomicUsize,
    /// The generation of the store the owners in the cache come from (see
    /// [`FencingToken`](crate::FencingToken)); changed only with the owners' lock held.
    pub(crate) generation: AtomicU64,
    /// Reconcile now.
    pub(crate) kick: Notify,
    /// Bumped at each change the watch applies.
    pub(crate) changed: watch::Sender<u64>,
    /// Exits of the children running here, to the loop (one message per child incarnation:
    /// bounded by the children).
    pub(crate) exits: tokio::sync::mpsc::UnboundedSender<super::reconcile::Exited>,
}

pub(crate) fn desired_key(id: &str) -> String {
    format!("c.{id}")
}

pub(crate) fn owner_key(id: &str) -> String {
    format!("o.{id}")
}

pub(crate) fn host_key(node: &str) -> String {
    format!("h.{node}")
}

impl SupCore {
    pub(crate) fn new(
        node: Weak<Inner>,
        name: String,
        bucket: String,
        store: kv::Store,
        placement: Box<dyn super::Placement>,
        exits: tokio::sync::mpsc::UnboundedSender<super::reconcile::Exited>,
    ) -> Self {
        SupCore {
            node,
            name,
            bucket,
            store: RwLock::new(store),
            hosted: RwLock::default(),
            desired: RwLock::default(),
            owners: RwLock::default(),
            hosts: RwLock::default(),
            placement,
            running: Mutex::default(),
            absent_since: Mutex::default(),
            orphans: Mutex::default(),
            synced: AtomicBool::new(false),
            leaving: AtomicBool::new(false),
            max_here: AtomicUsize::new(MAX_CHILDREN_HERE),
            failed_at: Mutex::default(),
            generation: AtomicU64::new(0),
            kick: Notify::new(),
            changed: watch::Sender::new(0),
            exits,
        }
    }

    /// Its bucket.
    pub(crate) fn store(&self) -> kv::Store {
        read(&self.store).clone()
    }

    /// Opens its bucket again (created if the server lost it).
    pub(crate) async fn reopen(&self, inner: &Inner) {
        match inner.bucket(&self.bucket, false).await {
            Ok(store) => *write(&self.store) = store,
            Err(e) => tracing::warn!(bucket = %self.bucket, error = %e, "cannot reopen bucket"),
        }
    }

    pub(crate) fn inner(&self) -> Option<Arc<Inner>> {
        self.node.upgrade()
    }

    /// Of the live hosts of `tag` with room for more children, the one the placement chooses
    /// for child `id`; `None` if none has room.
    pub(crate) fn target(&self, inner: &Inner, id: &str, tag: &str) -> Option<String> {
        let mut hosts = self.hosting_where(inner, tag, |h| !h.full);
        if hosts.is_empty() {
            return None;
        }
        hosts.sort();
        self.placement.choose(id, &hosts)
    }

    /// Whether this node runs as many children as it takes.
    pub(crate) fn is_full(&self) -> bool {
        lock(&self.running).len() >= self.max_here.load(Ordering::Acquire)
    }

    /// Host entries whose node incarnation has been gone for more than the TTL: deleted (at
    /// their revisions), so node names that come and go do not pile up.
    pub(crate) async fn sweep_hosts(&self, inner: &Inner) {
        let stale: Vec<(String, u64)> = read(&self.hosts)
            .iter()
            .filter(|(node, (h, _))| !self.owner_alive(inner, node, h.epoch))
            .map(|(node, (_, rev))| (node.clone(), *rev))
            .collect();
        for (node, rev) in stale {
            self.delete_at(&host_key(&node), rev).await;
        }
    }

    /// The live members that host `tag`, by name.
    pub(crate) fn hosting(&self, inner: &Inner, tag: &str) -> Vec<String> {
        self.hosting_where(inner, tag, |_| true)
    }

    /// The live members that host `tag` and whose host entry passes `and`, by name.
    fn hosting_where(&self, inner: &Inner, tag: &str, and: impl Fn(&Host) -> bool) -> Vec<String> {
        let members = inner.members.read();
        read(&self.hosts)
            .iter()
            .filter(|(node, (h, _))| {
                members.get(*node) == Some(&h.epoch) && h.tags.iter().any(|t| t == tag) && and(h)
            })
            .map(|(node, _)| node.clone())
            .collect()
    }

    /// Whether owner incarnation `(node, epoch)` is alive as far as this node can tell: a
    /// member, this node's own, or absent for less than the TTL and not seen lost.
    pub(crate) fn owner_alive(&self, inner: &Inner, node: &str, epoch: u64) -> bool {
        if node == inner.name && epoch == inner.epoch() {
            return true;
        }
        if inner.members.read().get(node) == Some(&epoch) {
            lock(&self.absent_since).remove(&(node.to_owned(), epoch));
            return true;
        }
        if inner.peer(node, epoch).is_none_or(|p| p.is_down()) {
            return false;
        }
        let mut absent = lock(&self.absent_since);
        let since = *absent
            .entry((node.to_owned(), epoch))
            .or_insert_with(Instant::now);
        since.elapsed() <= inner.ttl
    }

    /// Writes `o.<id>` as `owner`: a create (`expect` none) or an update at revision `expect`.
    /// The new revision, or `None` if another write got there first.
    pub(crate) async fn write_owner(
        &self,
        id: &str,
        owner: &Owner,
        expect: Option<u64>,
    ) -> Option<u64> {
        let bytes = Bytes::from(wire::encode(owner).ok()?);
        let key = owner_key(id);
        let written = match expect {
            None => self.store().create(&key, bytes).await.ok(),
            Some(rev) => self.store().update(&key, bytes, rev).await.ok(),
        };
        if let Some(rev) = written {
            if owner.failed.is_some() {
                lock(&self.failed_at).insert(id.to_owned(), Instant::now());
            }
            // Seen before the watch brings it: the next reconcile acts on it.
            write(&self.owners).insert(id.to_owned(), (owner.clone(), rev));
        }
        written
    }

    /// Deletes `key` at revision `rev` (a newer write is left alone).
    pub(crate) async fn delete_at(&self, key: &str, rev: u64) -> bool {
        tokio::time::timeout(
            crate::node::KV_TIMEOUT,
            self.store().delete_expect_revision(key, Some(rev)),
        )
        .await
        .is_ok_and(|r| r.is_ok())
    }

    /// A child is gone for good: its `c.` entry, then its `o.` entry (at `owner_rev`). In that
    /// order: between the two, a wish without an owner would be claimed and started again
    /// (an owner without a wish is claimed by nobody).
    pub(crate) async fn forget(&self, id: &str, owner_rev: Option<u64>) {
        let desired_rev = read(&self.desired).get(id).map(|(_, rev)| *rev);
        if let Some(rev) = desired_rev {
            self.delete_at(&desired_key(id), rev).await;
        }
        if let Some(rev) = owner_rev {
            self.delete_at(&owner_key(id), rev).await;
        }
    }

    /// Advertises the hosted types under this node's current epoch, unless the cache shows it.
    pub(crate) async fn advertise(&self, inner: &Inner) {
        let mut tags: Vec<String> = read(&self.hosted).keys().cloned().collect();
        if tags.is_empty() {
            return;
        }
        tags.sort();
        let host = Host {
            epoch: inner.epoch(),
            tags,
            full: self.is_full(),
        };
        if read(&self.hosts).get(&inner.name).map(|(h, _)| h) == Some(&host) {
            return;
        }
        if let Ok(bytes) = wire::encode(&host)
            && let Ok(rev) = self
                .store()
                .put(host_key(&inner.name), Bytes::from(bytes))
                .await
        {
            write(&self.hosts).insert(inner.name.clone(), (host, rev));
        }
    }

    /// Deletes `key` whatever its revision.
    pub(crate) async fn delete_at_any(&self, key: &str) {
        let _ = tokio::time::timeout(crate::node::KV_TIMEOUT, self.store().delete(key)).await;
    }

    pub(crate) fn node_name(&self) -> String {
        self.inner().map(|i| i.name.clone()).unwrap_or_default()
    }

    /// Whether the failed start of `id` was seen long enough ago that its starter has read it
    /// (or is gone).
    pub(crate) fn failed_long_ago(&self, id: &str) -> bool {
        lock(&self.failed_at)
            .get(id)
            .is_none_or(|at| at.elapsed() > START_WAIT * 2)
    }

    pub(crate) fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}

/// How long a new child may take to be claimed and started before `start_child` gives up
/// waiting (the child stays desired and starts when a host can).
pub(crate) const START_WAIT: Duration = Duration::from_secs(5);

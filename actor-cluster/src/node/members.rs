//! Membership: the node's key in `bm_nodes` (created with a TTL, kept by heartbeats), the watch
//! that tells this node of the others' arrivals and losses, and the rebuild after the server
//! lost its store.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use actor_core::__private::ExitReason;
use async_nats::HeaderMap;
use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::{Inner, KV_TIMEOUT, read, write};
use crate::error::{ClusterError, unavailable};
use crate::replay::ReplayEnd;
use crate::wire;

pub(crate) const NODES: &str = "bm_nodes";

/// The live members as this node sees them: node name → epoch, and how many times that changed,
/// so a sender can tell without the lock that nothing changed since it last looked.
#[derive(Default)]
pub(crate) struct Members {
    map: RwLock<HashMap<String, u64>>,
    changes: AtomicU64,
}

impl Members {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, HashMap<String, u64>> {
        read(&self.map)
    }

    /// The map to change; the change count moves when the guard drops, before the lock is
    /// released (so a reader that saw the new count sees the new map).
    pub(crate) fn write(&self) -> MembersWrite<'_> {
        MembersWrite {
            map: write(&self.map),
            changes: &self.changes,
        }
    }

    /// How many times the map was written.
    pub(crate) fn changes(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }
}

pub(crate) struct MembersWrite<'a> {
    map: RwLockWriteGuard<'a, HashMap<String, u64>>,
    changes: &'a AtomicU64,
}

impl std::ops::Deref for MembersWrite<'_> {
    type Target = HashMap<String, u64>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl std::ops::DerefMut for MembersWrite<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.map
    }
}

impl Drop for MembersWrite<'_> {
    fn drop(&mut self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
    }
}

/// What a node's membership key holds.
#[derive(Serialize, Deserialize)]
struct NodeInfo {
    epoch: u64,
    version: u32,
    /// Its key's TTL, in milliseconds.
    ttl_ms: u64,
}

fn key(name: &str) -> String {
    format!("node.{name}")
}

fn info(inner: &Inner) -> Bytes {
    info_of(inner, inner.epoch())
}

fn info_of(inner: &Inner, epoch: u64) -> Bytes {
    Bytes::from(
        wire::encode(&NodeInfo {
            epoch,
            version: 1,
            ttl_ms: u64::try_from(inner.ttl.as_millis()).unwrap_or(u64::MAX),
        })
        .unwrap_or_default(),
    )
}

/// Joins: creates this node's key with the TTL (waiting up to a TTL for a previous incarnation's
/// key to expire), then starts the heartbeat, the membership watch and the sweep.
pub(crate) async fn join(inner: &Arc<Inner>) -> Result<(), ClusterError> {
    let store = inner.bucket(NODES, true).await?;
    let deadline = tokio::time::Instant::now() + inner.ttl + Duration::from_secs(1);
    let rev = loop {
        let sent = tokio::time::Instant::now();
        match store
            .create_with_ttl(key(&inner.name), info(inner), inner.ttl)
            .await
        {
            Ok(rev) => {
                inner.fence.acked(sent);
                break rev;
            }
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(ClusterError::NameInUse(inner.name.clone()));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(unavailable(e)),
        }
    };
    inner
        .members
        .write()
        .insert(inner.name.clone(), inner.epoch());
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(watch_loop(inner.clone(), Some(ready_tx)));
    let _ = tokio::time::timeout(KV_TIMEOUT, ready_rx).await;
    tokio::spawn(heartbeat_loop(inner.clone(), rev));
    tokio::spawn(super::fence::fence_loop(inner.clone()));
    tokio::spawn(liveness_loop(inner.clone()));
    tokio::spawn(super::super::registry::sweep_loop(inner.clone()));
    Ok(())
}

/// Leaves: stops the cluster-supervised children here (the others adopt them), deletes the
/// registry entries, then the membership key.
pub(crate) async fn leave(inner: &Arc<Inner>) -> Result<(), ClusterError> {
    for supervisor in inner.supervisors() {
        supervisor.leave().await;
    }
    for registry in inner.registries() {
        registry.leave().await;
    }
    let store = inner.js.get_key_value(NODES).await.map_err(unavailable)?;
    store.delete(key(&inner.name)).await.map_err(unavailable)?;
    // Stop heartbeating: the heartbeat loop ends when it finds the key gone.
    inner.members.write().remove(&inner.name);
    Ok(())
}

/// Refreshes the key every `ttl / 4` with a raw JetStream publish (the KV API sets a TTL only
/// at create): `Nats-TTL` and the expected last revision. A heartbeat not acknowledged within
/// `fence_after` failed (an acknowledgement after the fence would not matter). After a failure, re-reads the key and adopts it if it is still this
/// incarnation's (and heartbeats again soon); if it is gone (the store was lost, or the key
/// expired while the node was cut off), rebuilds. A reconnection to the server sends the next
/// heartbeat at once, abandoning one in flight.
async fn heartbeat_loop(inner: Arc<Inner>, mut rev: u64) {
    let every = inner.ttl / 4;
    let subject = format!("$KV.{NODES}.{}", key(&inner.name));
    let mut wait = every;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = inner.reconnected.notified() => {}
        }
        wait = every;
        if !inner.members.read().contains_key(&inner.name) {
            return; // left
        }
        let mut h = HeaderMap::new();
        h.insert("Nats-TTL", inner.ttl.as_secs().to_string().as_str());
        h.insert(
            "Nats-Expected-Last-Subject-Sequence",
            rev.to_string().as_str(),
        );
        let sent_at = tokio::time::Instant::now();
        let beat = async {
            let ack = inner
                .js
                .publish_with_headers(subject.clone(), h, info(&inner))
                .await?
                .await?;
            Ok::<_, async_nats::Error>(ack)
        };
        let outcome = tokio::select! {
            // A late acknowledgement still counts: the fence runs from the send.
            acked = tokio::time::timeout(inner.fence.after(), beat) => acked.ok().and_then(Result::ok),
            () = inner.reconnected.notified() => {
                wait = Duration::ZERO;
                continue;
            }
        };
        if let Some(ack) = outcome {
            rev = ack.sequence;
            inner.fence.acked(sent_at);
            super::fence::unfence(&inner);
        } else if let Some(new) = recover(&inner).await {
            rev = new;
            wait = every / 4;
        }
    }
}

/// After a failed heartbeat: this incarnation's key as it is, re-created with everything this
/// node owns if the store lost it, or by a new incarnation if this one was fenced meanwhile.
async fn recover(inner: &Arc<Inner>) -> Option<u64> {
    if inner.fence.is_due() {
        super::fence::fence(inner); // a pause outlived the fence: no re-assertion first
    }
    let store = inner.bucket(NODES, true).await.ok()?;
    if let Ok(Some(entry)) = store.entry(key(&inner.name)).await
        && entry.operation == Operation::Put
        && wire::decode::<NodeInfo>(&entry.value).is_ok_and(|i| i.epoch == inner.epoch())
    {
        return Some(entry.revision);
    }
    let fenced = inner.fence.is_fenced();
    let epoch = if fenced {
        super::random_u64()
    } else {
        inner.epoch()
    };
    let sent = tokio::time::Instant::now();
    let rev = store
        .create_with_ttl(key(&inner.name), info_of(inner, epoch), inner.ttl)
        .await
        .ok()?;
    inner.fence.acked(sent);
    if fenced {
        super::fence::new_incarnation(inner, epoch);
    } else {
        super::fence::unfence(inner);
    }
    tracing::warn!(node = %inner.name, "membership key was lost: re-created, re-asserting entries");
    for registry in inner.registries() {
        registry.reassert().await;
    }
    for supervisor in inner.supervisors() {
        supervisor.reassert(inner).await;
    }
    inner.generation.send_modify(|g| *g += 1);
    Some(rev)
}

/// Follows `bm_nodes`: a new epoch for a name, a delete (the node left) or an expiry marker
/// (it was lost) ends the old incarnation. Restarts on errors and after a rebuild.
async fn watch_loop(inner: Arc<Inner>, mut ready: Option<tokio::sync::oneshot::Sender<()>>) {
    let mut generation = inner.generation.subscribe();
    loop {
        if let Err(e) = watch_once(&inner, &mut ready, &mut generation).await {
            tracing::debug!(error = %e, "membership watch restarts");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn watch_once(
    inner: &Arc<Inner>,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
    generation: &mut tokio::sync::watch::Receiver<u64>,
) -> Result<(), ClusterError> {
    let store = inner.bucket(NODES, true).await?;
    let status = store.status().await.map_err(unavailable)?;
    let empty = status.values() == 0;
    let end = ReplayEnd::after(&status);
    let mut watch = store.watch_with_history(">").await.map_err(unavailable)?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut replaying = !empty;
    if empty {
        replayed(inner, &seen, ready);
    }
    generation.borrow_and_update();
    loop {
        let entry = tokio::select! {
            entry = watch.next() => entry,
            _ = generation.changed() => return Ok(()),
        };
        let Some(entry) = entry else {
            return Err(ClusterError::Unavailable("membership watch ended".into()));
        };
        let entry = entry.map_err(unavailable)?;
        let Some(name) = entry.key.strip_prefix("node.") else {
            continue;
        };
        match entry.operation {
            Operation::Put => {
                if let Ok(info) = wire::decode::<NodeInfo>(&entry.value) {
                    seen.insert(name.to_owned());
                    let ttl = Duration::from_millis(info.ttl_ms);
                    super::lock(&inner.heard).insert(name.to_owned(), (Instant::now(), ttl));
                    let old = inner.members.write().insert(name.to_owned(), info.epoch);
                    if let Some(old) = old.filter(|old| *old != info.epoch) {
                        node_down(inner, name, old, true);
                    }
                }
            }
            // Our own key expired (this node was cut off): it stays a member to itself; the
            // next heartbeat fails and re-creates the key.
            _ if name == inner.name => {}
            op => {
                let old = inner.members.write().remove(name);
                if let Some(old) = old {
                    node_down(inner, name, old, op == Operation::Delete);
                }
            }
        }
        if replaying && end.is(&entry) {
            replaying = false;
            replayed(inner, &seen, ready);
        }
    }
}

/// The replay is done. A member missing from it is not declared lost here: after a store loss
/// the live nodes re-create their keys one by one; [`liveness_loop`] decides.
fn replayed(
    _inner: &Arc<Inner>,
    _seen: &HashSet<String>,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
) {
    if let Some(ready) = ready.take() {
        let _ = ready.send(());
    }
}

/// Every second: a member not heard from (no heartbeat) for twice its TTL is lost, even if no
/// expiry marker came (the store that would hold it was lost, or the watch missed it).
pub(crate) async fn liveness_loop(inner: Arc<Inner>) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if inner.fence.is_fenced() {
            continue; // cut off: it is this node that is not heard, not the others
        }
        let silent: Vec<(String, u64)> = {
            let heard = super::lock(&inner.heard);
            inner
                .members
                .read()
                .iter()
                .filter(|(name, _)| **name != inner.name)
                .filter(|(name, _)| {
                    heard
                        .get(*name)
                        .is_none_or(|(at, ttl)| at.elapsed() > *ttl * 2)
                })
                .map(|(n, e)| (n.clone(), *e))
                .collect()
        };
        for (name, epoch) in silent {
            inner.members.write().remove(&name);
            node_down(&inner, &name, epoch, false);
        }
    }
}

/// Incarnation `(name, epoch)` is gone (`left`: on purpose): its stand-ins end with
/// `NoConnection` (or `NoProc` if it left), waiting calls fail, and the live member with the
/// highest rendezvous score reaps its registry entries.
fn node_down(inner: &Arc<Inner>, name: &str, epoch: u64, left: bool) {
    if name == inner.name && epoch == inner.epoch() {
        return;
    }
    let Some(peer) = inner.peer(name, epoch) else {
        return;
    };
    peer.mark_down(left);
    let reason = if left {
        ExitReason::NoProc
    } else {
        ExitReason::NoConnection
    };
    inner.end_shadows_of(&peer, &reason);
    for supervisor in inner.supervisors() {
        supervisor.kick.notify_one(); // its children are adopted now
    }
    let members: HashMap<String, u64> = inner.members.read().clone();
    let subject = format!("{name}.{epoch}");
    let reaper = members
        .keys()
        .max_by_key(|member| super::score(&subject, member));
    if reaper == Some(&inner.name) {
        let (inner, name) = (inner.clone(), name.to_owned());
        tokio::spawn(async move {
            for registry in inner.registries() {
                registry.reap(&name, epoch).await;
            }
        });
    }
}

//! One registry's state on this node: its cache, the entries it owns, and the KV writes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use actor_core::__private::remote;
use actor_core::__private::{ActorHandle, ActorId, AnyActor, ExitReason};
use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::key::{decode_key, encode_key};
use crate::error::ClusterRegistryError;
use crate::node::{Inner, KV_TIMEOUT, lock, read, write};
use crate::wire;

/// How long an exiting owner's node waits for the delete of its entry before it tells
/// watchers of the exit anyway (the delete goes on in the background).
const DELETE_WAIT: Duration = Duration::from_millis(500);

/// What a KV entry holds.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) node: String,
    pub(crate) epoch: u64,
    pub(crate) local: u64,
    pub(crate) tag: String,
    pub(crate) value: Vec<u8>,
}

#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) key: String,
    pub(crate) stored: Stored,
    pub(crate) rev: u64,
}

/// An entry this node owns: its master copy (re-created if the store loses it).
pub(crate) struct Own {
    pub(crate) local: u64,
    pub(crate) stored: Bytes,
    pub(crate) rev: u64,
}

pub(crate) struct RegistryCore {
    pub(crate) node: Weak<Inner>,
    pub(crate) bucket: String,
    pub(crate) unique: bool,
    pub(crate) store: RwLock<Option<kv::Store>>,
    pub(crate) cache: RwLock<BTreeMap<String, Cached>>,
    /// The generation of the store the cache comes from (see
    /// [`FencingToken`](crate::FencingToken)); changed only with the cache's lock held.
    pub(crate) generation: std::sync::atomic::AtomicU64,
    pub(crate) own: Mutex<HashMap<String, Own>>,
    pub(crate) absent_since: Mutex<HashMap<(String, u64), Instant>>,
    /// Entries given up by a fence, to delete (at their revisions) once the node is back.
    pub(crate) orphans: Mutex<Vec<(String, u64)>>,
}

impl RegistryCore {
    /// Puts a replayed cache of the store of `generation` in place.
    pub(crate) fn install(&self, cache: BTreeMap<String, Cached>, generation: u64) {
        let mut current = write(&self.cache);
        *current = cache;
        // With the cache's lock held: a reader holding it sees revisions and generation of one
        // store.
        self.generation
            .store(generation, std::sync::atomic::Ordering::Release);
    }

    pub(crate) fn inner(&self) -> Result<Arc<Inner>, ClusterRegistryError> {
        self.node
            .upgrade()
            .ok_or_else(|| ClusterRegistryError::Unavailable("node closed".into()))
    }

    pub(crate) async fn store(&self) -> Result<kv::Store, ClusterRegistryError> {
        if let Some(store) = read(&self.store).clone() {
            return Ok(store);
        }
        let inner = self.inner()?;
        let store = inner
            .bucket(&self.bucket, false)
            .await
            .map_err(|e| ClusterRegistryError::Unavailable(e.to_string()))?;
        *write(&self.store) = Some(store.clone());
        Ok(store)
    }

    pub(crate) fn kv_key(
        &self,
        key: &str,
        stored: &Stored,
    ) -> Result<String, ClusterRegistryError> {
        let encoded = encode_key(key)?;
        Ok(if self.unique {
            format!("u.{encoded}")
        } else {
            format!(
                "d.{encoded}.{}.{}.{}",
                stored.node, stored.epoch, stored.local
            )
        })
    }

    /// Registers local `actor` under `key`.
    pub(crate) async fn register(
        self: &Arc<Self>,
        actor: &AnyActor,
        key: &str,
        value: Vec<u8>,
    ) -> Result<u64, ClusterRegistryError> {
        let inner = self.inner()?;
        if inner.fence.is_fenced() {
            return Err(ClusterRegistryError::Unavailable(
                "this node is fenced: cut off from the cluster".into(),
            ));
        }
        let local = actor.id().local_id();
        let tag = remote::tag_of(actor.type_name()).unwrap_or(actor.type_name());
        let stored = Stored {
            node: inner.name.clone(),
            epoch: inner.epoch(),
            local,
            tag: tag.to_owned(),
            value,
        };
        let kv_key = self.kv_key(key, &stored)?;
        let bytes =
            Bytes::from(wire::encode(&stored).map_err(|e| ClusterRegistryError::Codec(e.0))?);
        let store = self.store().await?;
        let created = tokio::time::timeout(KV_TIMEOUT, store.create(&kv_key, bytes.clone())).await;
        match created {
            Ok(Ok(rev)) => {
                lock(&self.own).insert(
                    kv_key.clone(),
                    Own {
                        local,
                        stored: bytes,
                        rev,
                    },
                );
                self.insert(kv_key, key.to_owned(), stored, rev);
                inner.track(actor, None);
                if self.unique {
                    // Past the fence deadline it handles nothing more, even before the fence
                    // task runs (CLUSTER.md promise 2).
                    remote::guard(actor, crate::node::fence_guard(&inner));
                }
                if inner.fence.is_fenced() {
                    self.fence(&inner); // it fell while the create was on its way
                }
                Ok(rev)
            }
            Ok(Err(e)) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                let owner = match store.entry(&kv_key).await {
                    Ok(Some(entry)) => wire::decode::<Stored>(&entry.value)
                        .ok()
                        .and_then(|s| owner_id(&inner, &s)),
                    _ => None,
                };
                Err(ClusterRegistryError::AlreadyRegistered(
                    owner.unwrap_or(ActorId::remote(u32::MAX, 0)),
                ))
            }
            Ok(Err(e)) => Err(ClusterRegistryError::Unavailable(e.to_string())),
            Err(_) => Err(ClusterRegistryError::Unavailable(
                "register timed out".into(),
            )),
        }
    }

    pub(crate) fn insert(&self, kv_key: String, key: String, stored: Stored, rev: u64) {
        let mut cache = write(&self.cache);
        if cache.get(&kv_key).is_none_or(|c| c.rev <= rev) {
            cache.insert(kv_key, Cached { key, stored, rev });
        }
    }

    /// Deletes `kv_key` at revision `rev` (a newer owner's entry is left alone).
    pub(crate) async fn delete(&self, kv_key: &str, rev: u64) -> bool {
        let Ok(store) = self.store().await else {
            return false;
        };
        let deleted = matches!(
            tokio::time::timeout(KV_TIMEOUT, store.delete_expect_revision(kv_key, Some(rev))).await,
            Ok(Ok(()))
        );
        let mut cache = write(&self.cache);
        if cache.get(kv_key).is_some_and(|c| c.rev == rev) {
            cache.remove(kv_key);
        }
        deleted
    }

    /// Local actor `local` exited: its entries go (waiting at most [`DELETE_WAIT`]).
    pub(crate) async fn owner_exited(self: &Arc<Self>, local: u64) {
        let gone: Vec<(String, u64)> = {
            let mut own = lock(&self.own);
            let keys: Vec<String> = own
                .iter()
                .filter(|(_, o)| o.local == local)
                .map(|(k, _)| k.clone())
                .collect();
            keys.into_iter()
                .filter_map(|k| own.remove(&k).map(|o| (k, o.rev)))
                .collect()
        };
        for (kv_key, rev) in gone {
            {
                let mut cache = write(&self.cache);
                if cache.get(&kv_key).is_some_and(|c| c.rev == rev) {
                    cache.remove(&kv_key);
                }
            }
            let core = self.clone();
            let delete = tokio::spawn(async move { core.delete_or_orphan(&kv_key, rev).await });
            let _ = tokio::time::timeout(DELETE_WAIT, delete).await;
        }
    }

    /// The node leaves: every entry it owns goes.
    pub(crate) async fn leave(&self) {
        let own: Vec<(String, u64)> = lock(&self.own).drain().map(|(k, o)| (k, o.rev)).collect();
        for (kv_key, rev) in own {
            self.delete(&kv_key, rev).await;
        }
    }

    /// Node incarnation `(node, epoch)` is lost: its entries go.
    pub(crate) async fn reap(&self, node: &str, epoch: u64) {
        let doomed: Vec<(String, u64)> = read(&self.cache)
            .iter()
            .filter(|(_, c)| c.stored.node == node && c.stored.epoch == epoch)
            .map(|(k, c)| (k.clone(), c.rev))
            .collect();
        for (kv_key, rev) in doomed {
            self.delete(&kv_key, rev).await;
        }
    }

    /// A unique key this node owned was claimed by another node while the store had lost it:
    /// the store wins. The entry is dropped and its actor stopped with
    /// [`ExitReason::NameConflict`] (its other entries go with its exit, as ever).
    fn lost_to_another(&self, kv_key: &str) {
        let Some(own) = lock(&self.own).remove(kv_key) else {
            return;
        };
        let name = kv_key
            .split('.')
            .nth(1)
            .and_then(decode_key)
            .unwrap_or_else(|| kv_key.to_owned());
        tracing::warn!(key = %name, "name taken by another node after a store loss: its actor here stops");
        let Some(actor) = self
            .inner()
            .ok()
            .and_then(|inner| inner.local_actor(own.local))
        else {
            return;
        };
        tokio::spawn(async move {
            let _ = actor.stop(ExitReason::NameConflict(name)).await;
        });
    }

    /// The store lost its data: re-creates every entry this node owns (a key taken meanwhile
    /// by another node stays theirs: ours is dropped and its actor stopped).
    pub(crate) async fn reassert(&self) {
        *write(&self.store) = None;
        let Ok(store) = self.store().await else {
            return;
        };
        for (kv_key, bytes) in self.own_entries() {
            self.recreate(&store, &kv_key, bytes).await;
        }
    }

    /// The self-audit: each entry this node owns that the store no longer holds as written
    /// (a write it acknowledged and then lost) is re-created, or given up to the node that
    /// holds the key now.
    pub(crate) async fn audit_own(&self) {
        let Ok(store) = self.store().await else {
            return;
        };
        for (kv_key, bytes) in self.own_entries() {
            match store.entry(&kv_key).await {
                Ok(Some(entry)) if entry.operation == Operation::Put && entry.value == bytes => {}
                Ok(Some(entry)) if entry.operation == Operation::Put => {
                    self.lost_to_another(&kv_key);
                }
                Ok(_) => {
                    tracing::warn!(key = %kv_key, "an entry of this node's was lost by the store: re-created");
                    self.recreate(&store, &kv_key, bytes).await;
                }
                Err(e) => tracing::debug!(key = %kv_key, error = %e, "self-audit: entry not read"),
            }
        }
    }

    fn own_entries(&self) -> Vec<(String, Bytes)> {
        lock(&self.own)
            .iter()
            .map(|(k, o)| (k.clone(), o.stored.clone()))
            .collect()
    }

    /// Creates the entry `kv_key` this node owns again; if another node's is there, ours goes.
    async fn recreate(&self, store: &kv::Store, kv_key: &str, bytes: Bytes) {
        match store.create(kv_key, bytes.clone()).await {
            Ok(rev) => {
                if let Some(o) = lock(&self.own).get_mut(kv_key) {
                    o.rev = rev;
                }
            }
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                match store.entry(kv_key).await {
                    Ok(Some(entry)) if entry.value == bytes => {
                        if let Some(o) = lock(&self.own).get_mut(kv_key) {
                            o.rev = entry.revision;
                        }
                    }
                    _ => self.lost_to_another(kv_key),
                }
            }
            Err(e) => tracing::warn!(key = %kv_key, error = %e, "could not re-assert entry"),
        }
    }

    /// Entries whose owner's node incarnation has been absent for more than the TTL go (a
    /// reaper that died midway, or entries of a node lost before this one joined).
    pub(crate) async fn sweep(&self, inner: &Inner) {
        let members = inner.members.read().clone();
        let now = Instant::now();
        let mut doomed = Vec::new();
        {
            let mut absent = lock(&self.absent_since);
            let cache = read(&self.cache);
            let mut still = HashMap::new();
            for (kv_key, c) in cache.iter() {
                let owner = (c.stored.node.clone(), c.stored.epoch);
                if members.get(&owner.0) == Some(&owner.1) {
                    continue;
                }
                let since = *absent.get(&owner).unwrap_or(&now);
                still.insert(owner, since);
                if now.duration_since(since) > inner.ttl {
                    doomed.push((kv_key.clone(), c.rev));
                }
            }
            *absent = still;
        }
        for (kv_key, rev) in doomed {
            self.delete(&kv_key, rev).await;
        }
    }

    pub(crate) fn apply(&self, entry: &kv::Entry) {
        match entry.operation {
            Operation::Put => {
                let Ok(stored) = wire::decode::<Stored>(&entry.value) else {
                    return;
                };
                let Some(key) = entry.key.split('.').nth(1).and_then(decode_key) else {
                    return;
                };
                self.insert(entry.key.clone(), key, stored, entry.revision);
            }
            _ => {
                write(&self.cache).remove(&entry.key);
            }
        }
    }

    pub(crate) fn entries(
        &self,
        inner: &Arc<Inner>,
        key: &str,
    ) -> Result<Vec<(AnyActor, Vec<u8>)>, ClusterRegistryError> {
        if inner.client.connection_state() != async_nats::connection::State::Connected {
            return Err(ClusterRegistryError::Unavailable(
                "disconnected from NATS".into(),
            ));
        }
        let encoded = encode_key(key)?;
        let cache = read(&self.cache);
        let found: Vec<Cached> = if self.unique {
            cache
                .get(&format!("u.{encoded}"))
                .cloned()
                .into_iter()
                .collect()
        } else {
            let prefix = format!("d.{encoded}.");
            cache
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(_, c)| c.clone())
                .collect()
        };
        drop(cache);
        Ok(found
            .into_iter()
            .filter_map(|c| {
                let s = &c.stored;
                inner
                    .actor(&s.node, s.epoch, s.local, &s.tag)
                    .map(|a| (a, c.stored.value))
            })
            .collect())
    }
}

/// The id here of the actor an entry names.
fn owner_id(inner: &Inner, stored: &Stored) -> Option<ActorId> {
    if stored.node == inner.name && stored.epoch == inner.epoch() {
        return Some(ActorId::local(stored.local));
    }
    Some(
        inner
            .peer(&stored.node, stored.epoch)?
            .actor_id(stored.local),
    )
}

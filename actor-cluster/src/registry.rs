//! The cluster registry: names over a JetStream KV bucket, read from a local cache that a watch
//! keeps (see the crate docs for the consistency model).

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use actor_core::__private::remote;
use actor_core::__private::{
    ActorHandle, ActorId, AnyActor, FromAnyActor, Keys, StartError, StartOptions, ViaRegistry,
};
use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, ClusterRegistryError, unavailable};
use crate::node::{Inner, KV_TIMEOUT, Node, lock, read, write};
use crate::wire;

/// The longest key, in bytes (its encoding must fit a KV key with room for the owner's parts).
const MAX_KEY: usize = 110;
/// How long an exiting owner's node waits for the delete of its entry before it tells
/// watchers of the exit anyway (the delete goes on in the background).
const DELETE_WAIT: Duration = Duration::from_millis(500);

/// What a KV entry holds.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Stored {
    node: String,
    epoch: u64,
    local: u64,
    tag: String,
    value: Vec<u8>,
}

#[derive(Clone)]
struct Cached {
    key: String,
    stored: Stored,
    rev: u64,
}

/// An entry this node owns: its master copy (re-created if the store loses it).
struct Own {
    local: u64,
    stored: Bytes,
    rev: u64,
}

pub(crate) struct RegistryCore {
    node: Weak<Inner>,
    bucket: String,
    unique: bool,
    store: RwLock<Option<kv::Store>>,
    cache: RwLock<BTreeMap<String, Cached>>,
    own: Mutex<HashMap<String, Own>>,
    absent_since: Mutex<HashMap<(String, u64), Instant>>,
}

/// A registry shared by every node of a cluster: unique names (or, with [`Keys::Duplicate`],
/// groups) held by actors anywhere in it, each entry with a value `V`.
///
/// Writes go to a JetStream KV bucket and return once the server acknowledged them; reads are
/// served from this node's cache, kept by a watch of the bucket (a change reaches other
/// caches within one watch delivery). Unique keys are unique cluster-wide: registering is a
/// create that succeeds only on a free key, and every delete names the revision it removes, so
/// a stale delete never removes a newer owner. An entry goes when its actor exits, when its
/// node leaves, and within the membership TTL (+ about 1 s) when its node is lost.
///
/// Keys are strings of at most 110 bytes (any content; they are encoded for the bucket).
pub struct ClusterRegistry<V = ()> {
    core: Arc<RegistryCore>,
    _value: PhantomData<fn() -> V>,
}

impl<V> Clone for ClusterRegistry<V> {
    fn clone(&self) -> Self {
        ClusterRegistry {
            core: self.core.clone(),
            _value: PhantomData,
        }
    }
}

impl<V> std::fmt::Debug for ClusterRegistry<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterRegistry")
            .field("bucket", &self.core.bucket)
            .field("unique", &self.core.unique)
            .finish()
    }
}

impl Node {
    /// The cluster registry `name` (a token of `[A-Za-z0-9_-]`), created in the cluster if no
    /// node has yet. Every node that opens it with the same name shares it; `keys` must agree.
    ///
    /// # Errors
    /// [`ClusterError::InvalidName`], or [`ClusterError::Unavailable`] if the bucket cannot be
    /// opened.
    pub async fn registry<V>(
        &self,
        name: &str,
        keys: Keys,
    ) -> Result<ClusterRegistry<V>, ClusterError>
    where
        V: Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        if !crate::node::is_token(name) {
            return Err(ClusterError::InvalidName(name.to_owned()));
        }
        let bucket = format!("bm_reg_{}_{name}", self.inner.cluster);
        let store = self.inner.bucket(&bucket, false).await?;
        let core = Arc::new(RegistryCore {
            node: Arc::downgrade(&self.inner),
            bucket,
            unique: keys == Keys::Unique,
            store: RwLock::new(Some(store)),
            cache: RwLock::default(),
            own: Mutex::default(),
            absent_since: Mutex::default(),
        });
        lock(&self.inner.registries).push(Arc::downgrade(&core));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(watch_loop(core.clone(), self.inner.clone(), Some(ready_tx)));
        let _ = tokio::time::timeout(KV_TIMEOUT, ready_rx).await;
        Ok(ClusterRegistry {
            core,
            _value: PhantomData,
        })
    }
}

/// Unpadded base64url: any key becomes a valid KV key part.
fn encode_key(key: &str) -> Result<String, ClusterRegistryError> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if key.len() > MAX_KEY {
        return Err(ClusterRegistryError::KeyTooLong);
    }
    let mut out = String::with_capacity(key.len().div_ceil(3) * 4 + 1);
    out.push('k'); // never empty
    for chunk in key.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    Ok(out)
}

fn decode_key(encoded: &str) -> Option<String> {
    let body = encoded.strip_prefix('k')?.as_bytes();
    let value = |c: u8| -> Option<u32> {
        Some(
            match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => return None,
            }
            .into(),
        )
    };
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().checked_sub(1)?]);
    }
    String::from_utf8(out).ok()
}

impl RegistryCore {
    fn inner(&self) -> Result<Arc<Inner>, ClusterRegistryError> {
        self.node
            .upgrade()
            .ok_or_else(|| ClusterRegistryError::Unavailable("node closed".into()))
    }

    async fn store(&self) -> Result<kv::Store, ClusterRegistryError> {
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

    fn kv_key(&self, key: &str, stored: &Stored) -> Result<String, ClusterRegistryError> {
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
    async fn register(
        self: &Arc<Self>,
        actor: &AnyActor,
        key: &str,
        value: Vec<u8>,
    ) -> Result<u64, ClusterRegistryError> {
        let inner = self.inner()?;
        let local = actor.id().local_id();
        let tag = remote::tag_of(actor.type_name()).unwrap_or(actor.type_name());
        let stored = Stored {
            node: inner.name.clone(),
            epoch: inner.epoch,
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

    fn insert(&self, kv_key: String, key: String, stored: Stored, rev: u64) {
        let mut cache = write(&self.cache);
        if cache.get(&kv_key).is_none_or(|c| c.rev <= rev) {
            cache.insert(kv_key, Cached { key, stored, rev });
        }
    }

    /// Deletes `kv_key` at revision `rev` (a newer owner's entry is left alone).
    async fn delete(&self, kv_key: &str, rev: u64) -> bool {
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
            let delete = tokio::spawn(async move { core.delete(&kv_key, rev).await });
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

    /// The store lost its data: re-creates every entry this node owns (a key taken meanwhile
    /// by another node stays theirs: ours is dropped).
    pub(crate) async fn reassert(&self) {
        *write(&self.store) = None;
        let Ok(store) = self.store().await else {
            return;
        };
        let own: Vec<(String, Bytes)> = lock(&self.own)
            .iter()
            .map(|(k, o)| (k.clone(), o.stored.clone()))
            .collect();
        for (kv_key, bytes) in own {
            match store.create(&kv_key, bytes.clone()).await {
                Ok(rev) => {
                    if let Some(o) = lock(&self.own).get_mut(&kv_key) {
                        o.rev = rev;
                    }
                }
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                    let ours =
                        matches!(store.entry(&kv_key).await, Ok(Some(en)) if en.value == bytes);
                    if let Ok(Some(entry)) = store.entry(&kv_key).await
                        && ours
                    {
                        if let Some(o) = lock(&self.own).get_mut(&kv_key) {
                            o.rev = entry.revision;
                        }
                    } else {
                        tracing::warn!(key = %kv_key, "name taken by another node after a store loss: dropped");
                        lock(&self.own).remove(&kv_key);
                    }
                }
                Err(e) => tracing::warn!(key = %kv_key, error = %e, "could not re-assert entry"),
            }
        }
    }

    /// Entries whose owner's node incarnation has been absent for more than the TTL go (a
    /// reaper that died midway, or entries of a node lost before this one joined).
    async fn sweep(&self, inner: &Inner) {
        let members = read(&inner.members).clone();
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

    fn apply(&self, entry: &kv::Entry) {
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

    fn entries(
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
    if stored.node == inner.name && stored.epoch == inner.epoch {
        return Some(ActorId::local(stored.local));
    }
    Some(crate::peers::peer(&stored.node, stored.epoch)?.actor_id(stored.local))
}

/// Keeps the cache: replays the bucket into a fresh map, swaps it in, then applies updates;
/// restarts on errors and after a rebuild of the cluster state.
async fn watch_loop(
    core: Arc<RegistryCore>,
    inner: Arc<Inner>,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut generation = inner.generation.subscribe();
    let core_weak = Arc::downgrade(&core);
    drop(core);
    loop {
        let Some(core) = core_weak.upgrade() else {
            return;
        };
        if let Err(e) = watch_once(&core, &mut ready, &mut generation).await {
            tracing::debug!(error = %e, "registry watch restarts");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn watch_once(
    core: &RegistryCore,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
    generation: &mut tokio::sync::watch::Receiver<u64>,
) -> Result<(), ClusterError> {
    *write(&core.store) = None;
    let store = core
        .store()
        .await
        .map_err(|e| ClusterError::Unavailable(e.to_string()))?;
    let empty = store.status().await.map_err(unavailable)?.values() == 0;
    let mut watch = store.watch_with_history(">").await.map_err(unavailable)?;
    generation.borrow_and_update();
    let mut fresh: Option<BTreeMap<String, Cached>> = (!empty).then(BTreeMap::new);
    if empty {
        write(&core.cache).clear();
        if let Some(r) = ready.take() {
            let _ = r.send(());
        }
    }
    loop {
        let entry = tokio::select! {
            entry = watch.next() => entry,
            _ = generation.changed() => return Ok(()),
        };
        let entry = entry
            .ok_or_else(|| ClusterError::Unavailable("registry watch ended".into()))?
            .map_err(unavailable)?;
        if let Some(map) = &mut fresh {
            if entry.operation == Operation::Put
                && let Ok(stored) = wire::decode::<Stored>(&entry.value)
                && let Some(key) = entry.key.split('.').nth(1).and_then(decode_key)
            {
                map.insert(
                    entry.key.clone(),
                    Cached {
                        key,
                        stored,
                        rev: entry.revision,
                    },
                );
            } else {
                map.remove(&entry.key);
            }
            if entry.delta == 0 {
                let map = fresh.take().unwrap_or_default();
                *write(&core.cache) = map;
                if let Some(r) = ready.take() {
                    let _ = r.send(());
                }
            }
        } else {
            core.apply(&entry);
        }
    }
}

/// Every second, each registry drops entries of node incarnations gone for more than the TTL.
pub(crate) async fn sweep_loop(inner: Arc<Inner>) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        for registry in inner.registries() {
            registry.sweep(&inner).await;
        }
    }
}

impl<V> ClusterRegistry<V>
where
    V: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Registers the calling actor under `key` with `value`, cluster-wide; the entry goes when
    /// the actor exits. Returns the entry's revision: its fencing token (a later owner of the
    /// key always has a higher one, while the store keeps its history).
    ///
    /// # Errors
    /// [`ClusterRegistryError::AlreadyRegistered`] with the holder's id for a taken unique key,
    /// [`ClusterRegistryError::NotInActor`] outside an actor,
    /// [`ClusterRegistryError::KeyTooLong`], [`ClusterRegistryError::Unavailable`].
    pub async fn register(&self, key: &str, value: V) -> Result<u64, ClusterRegistryError> {
        let me = AnyActor::current().ok_or(ClusterRegistryError::NotInActor)?;
        let value = wire::encode(&value).map_err(|e| ClusterRegistryError::Codec(e.0))?;
        self.core.register(&me, key, value).await
    }

    /// Removes the calling actor's entries under `key`.
    ///
    /// # Errors
    /// [`ClusterRegistryError::NotInActor`], [`ClusterRegistryError::KeyTooLong`].
    pub async fn unregister(&self, key: &str) -> Result<(), ClusterRegistryError> {
        let me = AnyActor::current().ok_or(ClusterRegistryError::NotInActor)?;
        let encoded = encode_key(key)?;
        let local = me.id().local_id();
        let mine: Vec<(String, u64)> = lock(&self.core.own)
            .iter()
            .filter(|(k, o)| o.local == local && k.split('.').nth(1) == Some(encoded.as_str()))
            .map(|(k, o)| (k.clone(), o.rev))
            .collect();
        for (kv_key, rev) in mine {
            lock(&self.core.own).remove(&kv_key);
            self.core.delete(&kv_key, rev).await;
        }
        Ok(())
    }

    /// The actors under `key` and their values (at most one for unique keys), from this node's
    /// cache.
    ///
    /// # Errors
    /// [`ClusterRegistryError::Unavailable`] while this node is disconnected (never stale
    /// data), [`ClusterRegistryError::KeyTooLong`].
    pub fn lookup(&self, key: &str) -> Result<Vec<(AnyActor, V)>, ClusterRegistryError> {
        let inner = self.core.inner()?;
        Ok(self
            .core
            .entries(&inner, key)?
            .into_iter()
            .filter_map(|(actor, value)| Some((actor, wire::decode(&value).ok()?)))
            .collect())
    }

    /// The typed handle of the actor under unique `key`, local or remote: `CounterHandle::from`
    /// a lookup. `None` if the key is free, held by another actor type, or this node is
    /// disconnected.
    pub fn whereis<H: FromAnyActor>(&self, key: &str) -> Option<H> {
        let inner = self.core.inner().ok()?;
        let (actor, _) = self.core.entries(&inner, key).ok()?.into_iter().next()?;
        H::from_any(actor)
    }

    /// Runs `f` with the actors under `key` and their values (Registry.dispatch): for a
    /// duplicate-key registry, every member of the group, wherever it runs.
    ///
    /// # Errors
    /// As [`lookup`](Self::lookup).
    pub fn dispatch<R>(
        &self,
        key: &str,
        f: impl FnOnce(&[(AnyActor, V)]) -> R,
    ) -> Result<R, ClusterRegistryError> {
        Ok(f(&self.lookup(key)?))
    }

    /// The current revision of unique `key`'s entry: its fencing token.
    pub fn revision(&self, key: &str) -> Option<u64> {
        let encoded = encode_key(key).ok()?;
        read(&self.core.cache)
            .get(&format!("u.{encoded}"))
            .map(|c| c.rev)
    }

    /// Deletes unique `key`'s entry only if it is still at revision `rev` (what every delete of
    /// this registry does): `false` if a newer owner holds the key. For tests of that promise.
    #[doc(hidden)]
    pub async fn delete_at(&self, key: &str, rev: u64) -> bool {
        match encode_key(key) {
            Ok(encoded) => self.core.delete(&format!("u.{encoded}"), rev).await,
            Err(_) => false,
        }
    }

    /// Every key with at least one entry, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = read(&self.core.cache)
            .values()
            .map(|c| c.key.clone())
            .collect();
        keys.dedup();
        keys
    }

    /// How many entries there are.
    pub fn count(&self) -> usize {
        read(&self.core.cache).len()
    }
}

/// `Counter::start_via(&cluster_registry, "c1", args)`: the key is created in the cluster
/// before `init` runs (as locally); a taken key fails the start with
/// [`StartError::AlreadyStarted`] and the holder's id.
impl<K: AsRef<str>, V> ViaRegistry<K> for ClusterRegistry<V>
where
    V: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
{
    fn via_options(&self, key: K, options: StartOptions) -> Result<StartOptions, StartError> {
        if !self.core.unique {
            return Err(StartError::Init(actor_core::__private::InitError::msg(
                "start_via needs a unique-key registry",
            )));
        }
        let (core, key) = (self.core.clone(), key.as_ref().to_owned());
        Ok(options.before_init_async(move || async move {
            let me = AnyActor::current().ok_or(StartError::Exited(
                actor_core::__private::ExitReason::NoProc,
            ))?;
            let value = wire::encode(&V::default()).unwrap_or_default();
            match core.register(&me, &key, value).await {
                Ok(_) => Ok(()),
                Err(ClusterRegistryError::AlreadyRegistered(id)) => {
                    Err(StartError::AlreadyStarted(id))
                }
                Err(e) => Err(StartError::Init(actor_core::__private::InitError::msg(
                    e.to_string(),
                ))),
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_encoding() {
        for key in ["", "a", "ab", "abc", "room:42/ü", "x.y z*>"] {
            let encoded = encode_key(key).unwrap();
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(decode_key(&encoded).as_deref(), Some(key));
        }
        assert_eq!(
            encode_key(&"x".repeat(111)),
            Err(ClusterRegistryError::KeyTooLong)
        );
    }
}

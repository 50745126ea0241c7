//! The cluster registry: names over a JetStream KV bucket, read from a local cache that a watch
//! keeps (see the crate docs for the consistency model).

mod core;
mod fence;
mod key;
mod watch;

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, RwLock};

use actor_core::__private::{
    Actor, ActorHandle, ActorRef, AnyActor, FromAnyActor, Keys, Named, NamedRegistry, StartError,
    StartOptions, ViaRegistry,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) use self::core::RegistryCore;
use crate::error::{ClusterError, ClusterRegistryError};
use crate::node::{KV_TIMEOUT, Node, lock, read};
use crate::wire;
pub(crate) use fence::retry_orphans;
use key::encode_key;
use watch::watch_loop;
pub(crate) use watch::{self_audit_loop, sweep_loop};

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

impl<V> ClusterRegistry<V> {
    /// Its state on this node.
    pub(crate) fn core(&self) -> &Arc<RegistryCore> {
        &self.core
    }
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
    /// Opened again on the same node (whatever `V`), it is the same registry: one cache and one
    /// watch of the store per name and node, however often it is opened.
    ///
    /// # Errors
    /// [`ClusterError::InvalidName`], [`ClusterError::KeysDiffer`] if this node has it open with
    /// the other kind of keys, or [`ClusterError::Unavailable`] if the bucket cannot be opened.
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
        let unique = keys == Keys::Unique;
        let _opening = self.inner.opening_registry.lock().await;
        if let Some(core) = self
            .inner
            .registries()
            .into_iter()
            .find(|core| core.bucket == bucket)
        {
            if core.unique != unique {
                return Err(ClusterError::KeysDiffer(name.to_owned()));
            }
            return Ok(ClusterRegistry {
                core,
                _value: PhantomData,
            });
        }
        let store = self.inner.bucket(&bucket, false).await?;
        let core = Arc::new(RegistryCore {
            node: Arc::downgrade(&self.inner),
            bucket,
            unique,
            store: RwLock::new(Some(store)),
            cache: RwLock::default(),
            generation: std::sync::atomic::AtomicU64::new(0),
            own: Mutex::default(),
            absent_since: Mutex::default(),
            orphans: Mutex::default(),
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

impl<V> ClusterRegistry<V>
where
    V: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Registers the calling actor under `key` with `value`, cluster-wide; the entry goes when
    /// the actor exits. Returns the entry's revision (a later owner of the key has a higher one
    /// in the same store; [`token`](Self::token) stays ordered across a rebuilt store too).
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

    /// The current revision of unique `key`'s entry (ordered within one life of the store: a
    /// store that was lost and rebuilt numbers its entries from 1 again; [`token`](Self::token)
    /// is ordered across).
    pub fn revision(&self, key: &str) -> Option<u64> {
        self.token(key).map(|t| t.revision)
    }

    /// The fencing token of unique `key`'s entry: its revision, led by the store's generation,
    /// so a later owner's compares greater even across a store that was lost and rebuilt (see
    /// [`FencingToken`](crate::FencingToken)).
    pub fn token(&self, key: &str) -> Option<crate::FencingToken> {
        let encoded = encode_key(key).ok()?;
        let cache = read(&self.core.cache);
        let revision = cache.get(&format!("u.{encoded}"))?.rev;
        let generation = self
            .core
            .generation
            .load(std::sync::atomic::Ordering::Acquire);
        Some(crate::FencingToken {
            generation,
            revision,
        })
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

    /// When the server stored unique `key`'s current entry (its clock), read from the store:
    /// the moment its owner's ownership began. For tests of the fencing promise.
    #[doc(hidden)]
    pub async fn stored_at(&self, key: &str) -> Option<std::time::SystemTime> {
        let encoded = encode_key(key).ok()?;
        let store = self.core.store().await.ok()?;
        let entry = store.entry(format!("u.{encoded}")).await.ok()??;
        (entry.operation == async_nats::jetstream::kv::Operation::Put)
            .then(|| std::time::SystemTime::from(entry.created))
    }

    /// Every key with at least one entry, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = read(&self.core.cache)
            .values()
            .map(|c| c.key.clone())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// How many entries there are.
    pub fn count(&self) -> usize {
        read(&self.core.cache).len()
    }
}

/// `Counter::via(&cluster_registry, "c1")`: a named handle that looks the key up in this node's
/// cache at every use, so it follows the name from node to node (a call made while the name is
/// free answers `NoProc`).
impl<K: AsRef<str>, V> NamedRegistry<K> for ClusterRegistry<V>
where
    V: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn named<A: Actor>(&self, key: K) -> Named<A> {
        let (registry, key) = (self.clone(), key.as_ref().to_owned());
        Named::with_resolver(format!("{key:?}"), move || {
            registry.whereis::<ActorRef<A>>(&key)
        })
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

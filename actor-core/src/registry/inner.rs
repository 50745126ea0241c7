//! The state every clone of a registry shares, its bookkeeping, and the exit hook that removes
//! an actor's entries.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock, Weak};

use super::RegistryError;
use super::hash::Seeds;
use super::key::{Keys, RegistryKey, RegistryValue};
use super::listener::{Listeners, RegistryEvent};
use super::lock::Locks;
use super::meta::Meta;
use super::partition::{OwnerShard, Shard, Slot};
use crate::ActorId;
use crate::actor::ActorHandle;
use crate::actor::{AnyActor, ExitHook};

/// Identity of a registry for its exit hook: unique for the life of the process (addresses could
/// be reused after a registry is dropped while an actor still carries its hook).
pub(super) static NEXT_REGISTRY: AtomicUsize = AtomicUsize::new(1);

/// The most partitions a registry may have (65,536 lock stripes, about 16 MiB).
pub(super) const MAX_PARTITIONS: usize = 4096;

/// Partitions of a registry built without [`RegistryBuilder::partitions`](super::RegistryBuilder::partitions).
pub(super) const DEFAULT_PARTITIONS: usize = 4;

/// Lock stripes per partition. Partitions have no observable effect here (entries are placed by
/// key), so each is striped over several locks: Elixir's advice of one partition per core then
/// still gives readers on different cores different lock words most of the time.
pub(super) const STRIPES_PER_PARTITION: usize = 16;

/// What the clones of one [`Registry`](super::Registry) share.
pub(super) struct Inner<K, V> {
    pub(super) kind: Keys,
    pub(super) partitions: usize,
    /// Picks a key's shard and an actor's owner shard (seeded apart from the tables' hasher,
    /// so the keys of one shard still spread over its table's buckets).
    pub(super) placement: Seeds,
    pub(super) shards: Box<[Shard<K, V>]>,
    pub(super) owners: Box<[OwnerShard<K>]>,
    pub(super) listeners: Listeners<K, V>,
    pub(super) meta: RwLock<Meta>,
    pub(super) locks: Locks<K>,
    pub(super) hook: Arc<dyn ExitHook>,
}

/// The exit hook a registry installs on each actor that registers in it: removes the actor's
/// entries. Weak, so registrants do not keep a dropped registry alive.
pub(super) struct Hook<K, V> {
    pub(super) id: usize,
    pub(super) inner: Weak<Inner<K, V>>,
}

impl<K: RegistryKey, V: RegistryValue> ExitHook for Hook<K, V> {
    fn actor_exited(&self, id: ActorId) {
        if let Some(inner) = self.inner.upgrade() {
            inner.remove_actor(id);
        }
    }

    fn hook_id(&self) -> usize {
        self.id
    }
}

impl<K: RegistryKey, V: RegistryValue> Inner<K, V> {
    /// The shard that holds `key`, found by hashing the form the caller has: `Borrow` promises
    /// that `K` and `Q` hash alike, so a `String` key and its `&str` pick the same shard.
    pub(super) fn shard<Q>(&self, key: &Q) -> &Shard<K, V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        &self.shards[self.placement.index(key, self.shards.len())]
    }

    pub(super) fn owner_shard(&self, id: ActorId) -> &OwnerShard<K> {
        &self.owners[self.placement.index(&id, self.owners.len())]
    }

    /// The entries under `key`, as a snapshot that needs no lock: the single entry (cloned) of a
    /// unique key, or a shared reference to the list of a duplicate one.
    pub(super) fn snapshot<Q>(&self, key: &Q) -> Option<Slot<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard(key).read().map.get(key).cloned()
    }

    /// Runs under the registering actor's lock, so its exit hook cannot run in between.
    pub(super) fn insert(&self, key: K, actor: AnyActor, value: V) -> Result<(), RegistryError> {
        let id = actor.id();
        {
            let mut table = self.shard(&key).write();
            match self.kind {
                Keys::Unique => table
                    .insert_unique(key.clone(), actor, value)
                    .map_err(RegistryError::AlreadyRegistered)?,
                Keys::Duplicate => table.insert_duplicate(key.clone(), actor, value),
            }
        }
        self.owner_shard(id).lock().entry(id).or_default().push(key);
        Ok(())
    }

    /// After `actor` removed `removed` of its entries under `key`: drops them from its owner
    /// index and, if that was `all` of them and not none, tells the listeners.
    pub(super) fn unregistered<Q>(&self, key: &Q, actor: AnyActor, removed: usize, all: bool)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if removed == 0 {
            return;
        }
        let id = actor.id();
        let mut left = removed;
        // The owner index holds a clone of the key for every entry the actor made: the event
        // takes its owned key from there, as the caller may only have a borrowed form.
        let mut owned = None;
        if let Some(keys) = self.owner_shard(id).lock().get_mut(&id) {
            // An emptied list stays until the actor exits: registering again needs no allocation.
            let gone = keys.extract_if(.., |k| {
                let hit = left > 0 && Borrow::<Q>::borrow(&*k) == key;
                left -= usize::from(hit);
                hit
            });
            for k in gone {
                owned.get_or_insert(k);
            }
        }
        if all && !self.listeners.is_empty() {
            // Only the actor itself changes its entries and their owner index, together, so a
            // removed entry always has its key there.
            if let Some(key) = owned {
                self.listeners
                    .notify(&RegistryEvent::Unregistered { key, actor });
            }
        }
    }

    /// The exit hook: every entry of `id` goes.
    fn remove_actor(&self, id: ActorId) {
        let keys = self.owner_shard(id).lock().remove(&id).unwrap_or_default();
        for key in &keys {
            self.shard(key).write().remove_owned(key, id, |_| true);
        }
    }
}

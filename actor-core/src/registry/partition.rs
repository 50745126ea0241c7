//! Partitions: the lock shards that hold a registry's entries, by key, and its owner index, by
//! actor. Nothing in here calls user code while a lock is held.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::hash::Hash;
use std::sync::{Arc, PoisonError};

use super::hash::Seeds;
use crate::ActorId;
use crate::actor::ActorHandle;
use crate::actor::AnyActor;
use crate::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The entries under one key. A unique registry always has `One`; a duplicate registry keeps its
/// entries in registration order behind an `Arc`, so `dispatch` and queries take a snapshot by
/// bumping a reference count instead of copying the list (copy-on-write when a writer meets a
/// snapshot still in use).
#[derive(Clone)]
pub(super) enum Slot<V> {
    One((AnyActor, V)),
    Many(Arc<Vec<(AnyActor, V)>>),
}

impl<V: Clone> Slot<V> {
    /// Calls `f` with the entries in registration order.
    pub(super) fn with_entries<R>(&self, f: impl FnOnce(&[(AnyActor, V)]) -> R) -> R {
        match self {
            Slot::One(entry) => f(std::slice::from_ref(entry)),
            Slot::Many(entries) => f(entries),
        }
    }
}

/// One lock shard of key → entries, on its own cache lines so that readers of different shards
/// never share the line their lock counter lives on.
#[repr(align(128))]
pub(super) struct Shard<K, V> {
    table: RwLock<Table<K, V>>,
}

pub(super) struct Table<K, V> {
    pub(super) map: HashMap<K, Slot<V>, Seeds>,
    /// Entries (not keys) in this shard: `count` is a sum over shards.
    pub(super) entries: usize,
}

impl<K, V> Shard<K, V> {
    pub(super) fn new(seeds: Seeds) -> Self {
        Shard {
            table: RwLock::new(Table {
                map: HashMap::with_hasher(seeds),
                entries: 0,
            }),
        }
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, Table<K, V>> {
        // No user code runs under these locks, so a poisoned lock only means a panic in our own
        // bookkeeping between consistent states; keep going.
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, Table<K, V>> {
        self.table.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Eq + Hash, V: Clone> Table<K, V> {
    /// Inserts a unique entry unless the key is held; `Err(holder)` if it is.
    pub(super) fn insert_unique(
        &mut self,
        key: K,
        actor: AnyActor,
        value: V,
    ) -> Result<(), ActorId> {
        match self.map.entry(key) {
            MapEntry::Occupied(held) => match held.get() {
                Slot::One((holder, _)) => Err(holder.id()),
                // A unique registry only stores `One`; answer sensibly all the same.
                Slot::Many(entries) => Err(entries.first().map_or(actor.id(), |(a, _)| a.id())),
            },
            MapEntry::Vacant(free) => {
                free.insert(Slot::One((actor, value)));
                self.entries += 1;
                Ok(())
            }
        }
    }

    /// Appends a duplicate entry.
    pub(super) fn insert_duplicate(&mut self, key: K, actor: AnyActor, value: V) {
        match self.map.entry(key) {
            MapEntry::Occupied(mut slot) => match slot.get_mut() {
                Slot::Many(entries) => Arc::make_mut(entries).push((actor, value)),
                Slot::One(first) => {
                    // A duplicate registry only stores `Many`; convert all the same.
                    let first = first.clone();
                    slot.insert(Slot::Many(Arc::new(vec![first, (actor, value)])));
                }
            },
            MapEntry::Vacant(free) => {
                free.insert(Slot::Many(Arc::new(vec![(actor, value)])));
            }
        }
        self.entries += 1;
    }

    /// Removes those of `id`'s entries under `key` for which `remove(i)` is `true`, `i` being the
    /// entry's index among `id`'s entries under `key` (registration order). Returns how many.
    pub(super) fn remove_owned<Q>(
        &mut self,
        key: &Q,
        id: ActorId,
        mut remove: impl FnMut(usize) -> bool,
    ) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(slot) = self.map.get_mut(key) else {
            return 0;
        };
        let (removed, empty) = match slot {
            Slot::One((holder, _)) => {
                if holder.id() == id && remove(0) {
                    (1, true)
                } else {
                    (0, false)
                }
            }
            Slot::Many(entries) => {
                let mine = entries.iter().filter(|(a, _)| a.id() == id).count();
                if mine == 0 {
                    (0, false)
                } else {
                    let entries = Arc::make_mut(entries);
                    let before = entries.len();
                    let mut nth = 0;
                    entries.retain(|(a, _)| {
                        if a.id() != id {
                            return true;
                        }
                        let i = nth;
                        nth += 1;
                        !remove(i)
                    });
                    (before - entries.len(), entries.is_empty())
                }
            }
        };
        if empty {
            self.map.remove(key);
        }
        self.entries -= removed;
        removed
    }
}

/// One shard of the owner index: actor → the keys it registered (once per entry).
#[repr(align(128))]
pub(super) struct OwnerShard<K> {
    owners: Mutex<HashMap<ActorId, Vec<K>, Seeds>>,
}

impl<K> OwnerShard<K> {
    pub(super) fn new(seeds: Seeds) -> Self {
        OwnerShard {
            owners: Mutex::new(HashMap::with_hasher(seeds)),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<ActorId, Vec<K>, Seeds>> {
        self.owners.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

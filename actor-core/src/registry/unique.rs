//! Operations on unique keys only: finding a key's one holder, and changing its value (REG-7,
//! REG-9.3).

use std::borrow::Borrow;
use std::hash::Hash;

use super::key::{Keys, RegistryKey, RegistryValue};
use super::partition::Slot;
use super::{Registry, RegistryError};
use crate::actor::ActorHandle;
use crate::actor::{AnyActor, current};

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// The live holder of a unique `key` (REG-9.3): `None` if the key is free or the registry has
    /// duplicate keys. Allocation-free: one read lock, one reference-count increment.
    ///
    /// `key` may be any borrowed form of the key type, as for `HashMap::get`: a `&str` for a
    /// `Registry<String>`.
    pub fn whereis<Q>(&self, key: &Q) -> Option<AnyActor>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.inner.kind != Keys::Unique {
            return None;
        }
        match self.inner.shard(key).read().map.get(key)? {
            Slot::One((actor, _)) => Some(actor.clone()),
            Slot::Many(entries) => entries.first().map(|(a, _)| a.clone()),
        }
    }

    /// Replaces the value of the calling actor's unique `key` with `f(old)` and returns
    /// `(new, old)` (REG-7). `f` is not called, and [`RegistryError::NotHeld`] returned, if the
    /// caller does not hold `key`; [`RegistryError::NotUnique`] on a duplicate registry;
    /// [`RegistryError::NotInActor`] outside an actor. Listeners are not told.
    ///
    /// `key` may be any borrowed form of the key type (a `&str` for a `Registry<String>`).
    pub fn update_value<Q>(&self, key: &Q, f: impl FnOnce(&V) -> V) -> Result<(V, V), RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.inner.kind != Keys::Unique {
            return Err(RegistryError::NotUnique);
        }
        let id = AnyActor::from_proc(current().ok_or(RegistryError::NotInActor)?).id();
        let shard = self.inner.shard(key);
        let old = match shard.read().map.get(key) {
            Some(Slot::One((holder, v))) if holder.id() == id => v.clone(),
            _ => return Err(RegistryError::NotHeld),
        };
        // Only the caller can change or remove its own entry, so it is still there.
        let new = f(&old);
        match shard.write().map.get_mut(key) {
            Some(Slot::One((holder, v))) if holder.id() == id => *v = new.clone(),
            _ => return Err(RegistryError::NotHeld),
        }
        Ok((new, old))
    }
}

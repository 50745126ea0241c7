//! Plain reads: the entries under a key, the keys of an actor, an actor's values under a key
//! (REG-4).

use std::borrow::Borrow;
use std::hash::Hash;

use super::Registry;
use super::key::{RegistryKey, RegistryValue};
use crate::ActorId;
use crate::actor::ActorHandle;
use crate::actor::{AnyActor, FromAnyActor};

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// The entries under `key`: none or one for unique keys, all of them in registration order
    /// for duplicate keys (REG-4.1).
    ///
    /// `key` may be any borrowed form of the key type, as for `HashMap::get`: a `&str` for a
    /// `Registry<String>`.
    pub fn lookup<Q>(&self, key: &Q) -> Vec<(AnyActor, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.inner.snapshot(key) {
            Some(slot) => slot.with_entries(<[_]>::to_vec),
            None => Vec::new(),
        }
    }

    /// [`lookup`](Self::lookup) with typed handles: the entries under `key` whose actor is an `H`
    /// (an [`ActorRef`](crate::ActorRef), or an `#[actor]`-generated handle), in registration
    /// order; entries of other actor types are left out. `key` may be a borrowed form, as for
    /// `lookup`; with a turbofish, name the handle only: `lookup_as::<ActorRef<A>, _>(key)`.
    pub fn lookup_as<H, Q>(&self, key: &Q) -> Vec<(H, V)>
    where
        H: FromAnyActor,
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.inner.snapshot(key) {
            Some(slot) => slot.with_entries(|entries| {
                entries
                    .iter()
                    .filter_map(|(a, v)| Some((H::from_any(a.clone())?, v.clone())))
                    .collect()
            }),
            None => Vec::new(),
        }
    }

    /// The keys `actor` registered: once per entry for duplicate keys, in no particular order
    /// across keys; empty for an actor with no entries or that has exited (REG-4.2).
    pub fn keys(&self, actor: ActorId) -> Vec<K> {
        self.inner
            .owner_shard(actor)
            .lock()
            .get(&actor)
            .cloned()
            .unwrap_or_default()
    }

    /// The values `actor` registered under `key`, in registration order (REG-4.3). `key` may be
    /// a borrowed form, as for [`lookup`](Self::lookup).
    pub fn values<Q>(&self, key: &Q, actor: ActorId) -> Vec<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.inner.snapshot(key) {
            Some(slot) => slot.with_entries(|entries| {
                entries
                    .iter()
                    .filter(|(a, _)| a.id() == actor)
                    .map(|(_, v)| v.clone())
                    .collect()
            }),
            None => Vec::new(),
        }
    }
}

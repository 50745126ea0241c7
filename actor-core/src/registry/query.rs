//! Reads that run user code on snapshots, never under a lock: predicates over a key's values
//! (`match_`, `count_match`), closures over every entry (`select`, `count_select`), `count`, and
//! `dispatch` to a key's entries (REG-4.4, REG-5, REG-6).

use std::borrow::Borrow;
use std::hash::Hash;

use super::Registry;
use super::key::{RegistryKey, RegistryValue};
use super::partition::Slot;
use crate::actor::AnyActor;

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// The entries under `key` whose value satisfies `pred`, in registration order (REG-5.1).
    ///
    /// `key` may be any borrowed form of the key type, as for `HashMap::get`: a `&str` for a
    /// `Registry<String>`.
    pub fn match_<Q>(&self, key: &Q, mut pred: impl FnMut(&V) -> bool) -> Vec<(AnyActor, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.inner.snapshot(key) {
            Some(slot) => slot
                .with_entries(|entries| entries.iter().filter(|(_, v)| pred(v)).cloned().collect()),
            None => Vec::new(),
        }
    }

    /// How many entries under `key` have a value satisfying `pred` (REG-5.2). `key` may be a
    /// borrowed form, as for [`match_`](Self::match_).
    pub fn count_match<Q>(&self, key: &Q, mut pred: impl FnMut(&V) -> bool) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.inner.snapshot(key) {
            Some(slot) => {
                slot.with_entries(|entries| entries.iter().filter(|(_, v)| pred(v)).count())
            }
            None => 0,
        }
    }

    /// Runs `f` over every entry and collects what it returns (REG-5.3; the closure replaces the
    /// match spec). Order: by partition, then registration order within a key.
    pub fn select<T>(&self, mut f: impl FnMut(&K, &AnyActor, &V) -> Option<T>) -> Vec<T> {
        let mut out = Vec::new();
        for shard in self.inner.shards.iter() {
            let slots: Vec<(K, Slot<V>)> = shard
                .read()
                .map
                .iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect();
            for (key, slot) in &slots {
                slot.with_entries(|entries| {
                    out.extend(entries.iter().filter_map(|(a, v)| f(key, a, v)));
                });
            }
        }
        out
    }

    /// How many entries satisfy `pred` (REG-5.4).
    pub fn count_select(&self, mut pred: impl FnMut(&K, &AnyActor, &V) -> bool) -> usize {
        self.select(|k, a, v| pred(k, a, v).then_some(())).len()
    }

    /// The total number of entries (registrations, not keys) (REG-4.4).
    pub fn count(&self) -> usize {
        self.inner.shards.iter().map(|s| s.read().entries).sum()
    }

    /// Calls `f` once with the entries under `key`, in registration order, and returns its
    /// result; `None` without calling it when there are none (REG-6). `f` runs in the caller on
    /// a snapshot, with no lock held, so it may use the registry; the entries are not copied.
    ///
    /// `key` may be any borrowed form of the key type (a `&str` for a `Registry<String>`).
    pub fn dispatch<R, Q>(&self, key: &Q, f: impl FnOnce(&[(AnyActor, V)]) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.inner.snapshot(key)?;
        Some(slot.with_entries(f))
    }
}

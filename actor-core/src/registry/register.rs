//! Registering and unregistering the calling actor (REG-2, REG-3, REG-9.5).

use std::borrow::Borrow;
use std::hash::Hash;

use super::error::start_error;
use super::key::{RegistryKey, RegistryValue};
use super::listener::RegistryEvent;
use super::{Registry, RegistryError};
use crate::StartError;
use crate::actor::ActorHandle;
use crate::actor::{AnyActor, ProcRef, current};

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// Registers the **calling actor** under `key` with `value` (REG-2).
    ///
    /// Unique keys: fails with [`RegistryError::AlreadyRegistered`] if a live actor, maybe the
    /// caller, holds `key`; a failed registration leaves nothing behind (REG-2.4). Duplicate keys:
    /// always succeeds, one entry per call (REG-2.3). Listeners hear
    /// [`RegistryEvent::Registered`] before this returns (REG-2.6). Outside an actor:
    /// [`RegistryError::NotInActor`].
    pub fn register(&self, key: K, value: V) -> Result<(), RegistryError> {
        self.register_as(current().ok_or(RegistryError::NotInActor)?, key, value)
    }

    /// [`register`](Self::register) for the actor `me` (the caller, or a model check's actor).
    pub(crate) fn register_as(&self, me: ProcRef, key: K, value: V) -> Result<(), RegistryError> {
        let actor = AnyActor::from_proc(me.clone());
        let inner = &*self.inner;
        let event = (!inner.listeners.is_empty()).then(|| (key.clone(), value.clone()));
        me.core()
            .with_hook(&inner.hook, || inner.insert(key, actor.clone(), value))
            // `None`: the caller is already in its exit path; it can no longer own anything.
            .unwrap_or(Err(RegistryError::NotInActor))?;
        if let Some((key, value)) = event {
            inner
                .listeners
                .notify(&RegistryEvent::Registered { key, actor, value });
        }
        Ok(())
    }

    /// Removes all of the calling actor's entries under `key` and returns how many there were
    /// (REG-3.1). Listeners hear [`RegistryEvent::Unregistered`] only if that is not zero.
    ///
    /// `key` may be any borrowed form of the key type, as for `HashMap::remove`: a `&str` for a
    /// `Registry<String>`. Outside an actor: [`RegistryError::NotInActor`].
    pub fn unregister<Q>(&self, key: &Q) -> Result<usize, RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let me = AnyActor::from_proc(current().ok_or(RegistryError::NotInActor)?);
        let removed = self
            .inner
            .shard(key)
            .write()
            .remove_owned(key, me.id(), |_| true);
        self.inner.unregistered(key, me, removed, true);
        Ok(removed)
    }

    /// Removes those of the calling actor's entries under `key` whose value satisfies `pred`,
    /// and returns how many (REG-3.2). Other actors' entries are never touched. Listeners hear
    /// [`RegistryEvent::Unregistered`] only when every one of the caller's entries under `key`
    /// went, and at least one did.
    ///
    /// `key` may be any borrowed form of the key type (a `&str` for a `Registry<String>`).
    /// Outside an actor: [`RegistryError::NotInActor`].
    pub fn unregister_match<Q>(
        &self,
        key: &Q,
        mut pred: impl FnMut(&V) -> bool,
    ) -> Result<usize, RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let me = AnyActor::from_proc(current().ok_or(RegistryError::NotInActor)?);
        let id = me.id();
        let inner = &*self.inner;
        let shard = inner.shard(key);
        // Decide outside the lock (user code never runs under it). Only the caller changes its
        // own entries, so their order cannot change before the write below.
        let mine: Vec<V> = match shard.read().map.get(key) {
            None => return Ok(0),
            Some(slot) => slot.with_entries(|entries| {
                entries
                    .iter()
                    .filter(|(a, _)| a.id() == id)
                    .map(|(_, v)| v.clone())
                    .collect()
            }),
        };
        let doomed: Vec<bool> = mine.iter().map(&mut pred).collect();
        let removed = shard
            .write()
            .remove_owned(key, id, |i| doomed.get(i).copied().unwrap_or(false));
        inner.unregistered(key, me, removed, removed == mine.len());
        Ok(removed)
    }

    /// A start hook that registers the new actor under `key` with `value`: pass it to
    /// [`StartOptions::before_init`](crate::StartOptions::before_init) for a via name with a value
    /// (REG-9.5) or other start options. A held key fails the start with
    /// [`StartError::AlreadyStarted`]; any other registry error with [`StartError::Refused`], whose
    /// source is the [`RegistryError`].
    pub fn register_on_start(
        &self,
        key: K,
        value: V,
    ) -> impl FnOnce() -> Result<(), StartError> + Send + 'static {
        let registry = self.clone();
        move || registry.register(key, value).map_err(start_error)
    }
}

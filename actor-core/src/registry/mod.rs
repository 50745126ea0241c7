//! The Registry: keys to live actors, unique or duplicate, partitioned (Elixir's `Registry`).
//!
//! CONTRACT SKELETON — the registry work fills this in. Signatures used by `#[actor]`-generated code
//! (`ActorRef::start_via`, `ActorRef::start_link_via`, `ActorRef::whereis`, `Named`) are fixed.

mod named;

use std::hash::Hash;

pub use named::Named;

use crate::actor::{Actor, ActorRef};
use crate::{ActorId, StartError};

/// Whether a key maps to one actor or to many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// One actor per key: via names, `update_value`.
    Unique,
    /// Any number of entries per key, even from one actor (pub/sub).
    Duplicate,
}

/// Why a registry operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The key is held by a live actor (REG-2.2); its id.
    #[error("key already registered by {0}")]
    AlreadyRegistered(ActorId),
    /// The operation needs the calling actor, and the caller is not an actor.
    #[error("registry operations that register must be called from inside an actor")]
    NotInActor,
    /// The operation needs a registry with unique keys.
    #[error("this operation needs a registry with `Keys::Unique`")]
    NotUnique,
}

/// A registry of actors by key. Cheap to clone; many may exist.
#[derive(Debug)]
pub struct Registry<K, V = ()> {
    _marker: std::marker::PhantomData<(K, V)>,
}

impl<K, V> Clone for Registry<K, V> {
    fn clone(&self) -> Self {
        Registry {
            _marker: std::marker::PhantomData,
        }
    }
}

impl<K, V> Registry<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A registry with one partition.
    pub fn new(keys: Keys) -> Self {
        let _ = keys;
        todo!("registry")
    }

    /// Registers the calling actor under `key` with `value`.
    pub fn register(&self, key: K, value: V) -> Result<(), RegistryError> {
        let _ = (key, value);
        todo!("registry")
    }

    /// The live holder of a unique `key`.
    pub fn whereis(&self, key: &K) -> Option<crate::AnyActor> {
        let _ = key;
        todo!("registry")
    }
}

impl<A: Actor> ActorRef<A> {
    /// Starts an actor registered under `key` in `registry` (a via name, GS-1.5): the name is taken
    /// inside the new actor before `init` runs; if it is held, `init` never runs and the start
    /// fails with [`StartError::AlreadyStarted`] carrying the holder's id. If `init` fails, the
    /// name is free again before this returns.
    pub async fn start_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        args: A::Args,
    ) -> Result<Self, StartError>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
    {
        let _ = (registry, key, args);
        todo!("registry")
    }

    /// [`start_via`](Self::start_via), linked to the calling actor.
    pub async fn start_link_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        args: A::Args,
    ) -> Result<Self, StartError>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
    {
        let _ = (registry, key, args);
        todo!("registry")
    }

    /// The live actor registered under `key`, if it is an `A` (GS-2.2: dead holders are not found).
    pub fn whereis<K, V>(registry: &Registry<K, V>, key: &K) -> Option<Self>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        registry.whereis(key).and_then(|a| a.downcast())
    }
}

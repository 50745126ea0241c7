//! Via names: starting an actor registered under a key, and finding it again (GS-1.5, REG-9).

use std::hash::Hash;

use super::{Keys, Registry, RegistryError, start_error};
use crate::StartError;
use crate::actor::{Actor, ActorRef, AnyActor, StartOptions};

impl<A: Actor> ActorRef<A> {
    /// Starts an actor registered under `key` in `registry` (a via name, GS-1.5): the name is taken
    /// inside the new actor before `init` runs; if it is held, `init` never runs and the start
    /// fails with [`StartError::AlreadyStarted`] carrying the holder's id. If `init` fails, the
    /// name is free again before this returns. The entry's value is `V::default()`; for another
    /// value use [`Registry::register_on_start`] with [`start_with`](Self::start_with).
    ///
    /// A registry with duplicate keys cannot hold via names (REG-9.1): the start fails at once
    /// with [`StartError::Refused`] (its source is [`RegistryError::NotUnique`]), and no actor is
    /// spawned.
    pub async fn start_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        args: A::Args,
    ) -> Result<Self, StartError>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
    {
        let options = via_options(registry, key, StartOptions::new())?;
        ActorRef::start_with(args, options).await
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
        let options = via_options(registry, key, StartOptions::new().link())?;
        ActorRef::start_with(args, options).await
    }

    /// The live actor registered under `key`, if it is an `A` (GS-2.2, REG-9.3: dead holders are
    /// never found). `None` on a registry with duplicate keys.
    pub fn whereis<K, V>(registry: &Registry<K, V>, key: &K) -> Option<Self>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        registry.whereis(key).and_then(AnyActor::into_downcast)
    }
}

/// `options` plus the hook that takes the via name `key` in `registry` before `init`; refused
/// for a registry with duplicate keys (REG-9.1).
pub(crate) fn via_options<K, V>(
    registry: &Registry<K, V>,
    key: K,
    options: StartOptions,
) -> Result<StartOptions, StartError>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Default + Send + Sync + 'static,
{
    if registry.kind() != Keys::Unique {
        return Err(start_error(RegistryError::NotUnique));
    }
    Ok(options.before_init(registry.register_on_start(key, V::default())))
}

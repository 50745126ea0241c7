//! Via names: starting an actor registered under a key, and finding it again (GS-1.5, REG-9).

use std::borrow::Borrow;
use std::hash::Hash;

use super::error::start_error;
use super::key::{Keys, RegistryKey, RegistryValue};
use super::{Registry, RegistryError};
use crate::StartError;
use crate::actor::{Actor, ActorRef, FromAnyActor, StartOptions};

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
        K: RegistryKey,
        V: RegistryValue + Default,
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
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let options = via_options(registry, key, StartOptions::new().link())?;
        ActorRef::start_with(args, options).await
    }
}

/// Typed lookups of via names, for every handle type: `CounterHandle::whereis(&registry, &key)`
/// is the live holder of `key` as a `CounterHandle`, and the same works for
/// [`ActorRef`], [`AnyActor`], the supervisor handles and any [`FromAnyActor`] of your own.
///
/// ```
/// use beamish::prelude::*;
///
/// struct Idle;
///
/// impl Actor for Idle {
///     type Args = ();
///     type Message = ();
///     async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Idle)
///     }
///     async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let names = Registry::<String>::new(Keys::Unique);
/// let idle = ActorRef::<Idle>::start_via(&names, "idle".to_string(), ()).await.unwrap();
/// let found = AnyActor::whereis(&names, "idle").unwrap();
/// assert_eq!(found.id(), idle.id());
/// idle.stop(ExitReason::Normal).await.unwrap();
/// // Dead holders are never found.
/// assert!(AnyActor::whereis(&names, "idle").is_none());
/// # }
/// ```
///
/// [`AnyActor`]: crate::AnyActor
pub trait Whereis: FromAnyActor {
    /// The live actor registered under `key` in `registry`, if it is of this handle's type;
    /// `None` for an absent or dead holder (GS-2.2, REG-9.3), and on a registry with duplicate
    /// keys.
    ///
    /// `key` may be any borrowed form of the key type, as for [`Registry::whereis`]: a `&str`
    /// for a `Registry<String>`.
    fn whereis<K, V, Q>(registry: &Registry<K, V>, key: &Q) -> Option<Self>
    where
        K: RegistryKey + Borrow<Q>,
        V: RegistryValue,
        Q: Hash + Eq + ?Sized,
    {
        registry.whereis(key).and_then(Self::from_any)
    }
}

impl<H: FromAnyActor> Whereis for H {}

/// `options` plus the hook that takes the via name `key` in `registry` before `init`; refused
/// for a registry with duplicate keys (REG-9.1).
/// A registry an actor can be started under by name ([`Start::start_via`](crate::Start::start_via)):
/// the local [`Registry`] with unique keys, or a cluster-wide one.
pub trait ViaRegistry<K> {
    /// `options` with the registration of the new actor under `key` run before its `init`.
    ///
    /// # Errors
    /// The registry refuses names of this kind (a duplicate-key registry).
    fn via_options(&self, key: K, options: StartOptions) -> Result<StartOptions, StartError>;
}

impl<K, V> ViaRegistry<K> for Registry<K, V>
where
    K: RegistryKey,
    V: RegistryValue + Default,
{
    fn via_options(&self, key: K, options: StartOptions) -> Result<StartOptions, StartError> {
        via_options(self, key, options)
    }
}

/// A registry whose keys can name an actor for a [`Named`](super::Named) handle
/// ([`Start::via`](crate::Start::via)): the local [`Registry`], or a cluster-wide one.
pub trait NamedRegistry<K> {
    /// A handle that resolves `key` here at every use.
    fn named<A: Actor>(&self, key: K) -> super::Named<A>;
}

impl<K: RegistryKey, V: RegistryValue> NamedRegistry<K> for Registry<K, V> {
    fn named<A: Actor>(&self, key: K) -> super::Named<A> {
        super::Named::new(self, key)
    }
}

pub(crate) fn via_options<K, V>(
    registry: &Registry<K, V>,
    key: K,
    options: StartOptions,
) -> Result<StartOptions, StartError>
where
    K: RegistryKey,
    V: RegistryValue + Default,
{
    if registry.kind() != Keys::Unique {
        return Err(start_error(RegistryError::NotUnique));
    }
    Ok(options.before_init(registry.register_on_start(key, V::default())))
}

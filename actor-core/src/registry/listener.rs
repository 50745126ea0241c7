//! Listeners: callbacks told about registrations and unregistrations (REG-10).

use std::fmt;
use std::sync::Arc;

use crate::actor::AnyActor;

/// What a registry listener hears (REG-2.6, REG-3.1, REG-10).
///
/// Only explicit registrations and unregistrations are reported. Entries removed because their
/// owner exited are not (as in Elixir): a listener that cares about exits monitors the actor from
/// the `Registered` event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryEvent<K, V> {
    /// `actor` registered `key` with `value`.
    Registered {
        /// The key.
        key: K,
        /// The registering actor.
        actor: AnyActor,
        /// The value it registered.
        value: V,
    },
    /// `actor` removed its entries under `key` (`unregister`, or an `unregister_match` that
    /// removed every one of them). Unlike Elixir, an unregister that removed nothing is silent.
    Unregistered {
        /// The key.
        key: K,
        /// The unregistering actor.
        actor: AnyActor,
    },
}

pub(super) type ListenerFn<K, V> = Arc<dyn Fn(&RegistryEvent<K, V>) + Send + Sync>;

/// The listeners of one registry, fixed when it is built.
pub(super) struct Listeners<K, V>(pub(super) Box<[ListenerFn<K, V>]>);

impl<K, V> Listeners<K, V> {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Tells every listener, in the calling actor, after the registry's locks are released (so a
    /// listener may use the registry).
    pub(super) fn notify(&self, event: &RegistryEvent<K, V>) {
        for listener in self.0.iter() {
            listener(event);
        }
    }
}

impl<K, V> fmt::Debug for Listeners<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} listener(s)", self.0.len())
    }
}

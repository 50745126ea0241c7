//! What a registry holds: the kind of keys, and the bounds on key and value types.

use std::fmt::Debug;
use std::hash::Hash;

/// Whether a key maps to one actor or to many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keys {
    /// One actor per key: via names, `update_value`.
    Unique,
    /// Any number of entries per key, even from one actor (pub/sub).
    Duplicate,
}

/// What a [`Registry`](crate::Registry) key must be: `Eq + Hash + Clone + Debug + Send + Sync +
/// 'static`.
///
/// An alias, implemented for every type with those bounds; there is nothing to implement. Keys
/// compare by `Eq` and are placed by `Hash`; `Debug` names a via-named actor in
/// [`Named`](crate::Named) handles and [`ChildSpec::of_via`](crate::ChildSpec::of_via) ids.
///
/// Lookups take a borrowed form of the key, as `HashMap::get` does: a `Registry<String>` is
/// searched with a `&str`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a registry key",
    note = "keys must be `Eq + Hash + Clone + Debug + Send + Sync + 'static`"
)]
pub trait RegistryKey: Eq + Hash + Clone + Debug + Send + Sync + 'static {}

impl<K: Eq + Hash + Clone + Debug + Send + Sync + 'static> RegistryKey for K {}

/// What the value of a [`Registry`](crate::Registry) entry must be: `Clone + Send + Sync +
/// 'static`.
///
/// An alias, implemented for every type with those bounds; there is nothing to implement. Reads
/// return values by clone, so keep them cheap to clone (an `Arc` for anything large).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a registry value",
    note = "values must be `Clone + Send + Sync + 'static`"
)]
pub trait RegistryValue: Clone + Send + Sync + 'static {}

impl<V: Clone + Send + Sync + 'static> RegistryValue for V {}

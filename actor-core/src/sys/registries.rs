//! Every live registry, for [`registries`] and [`registry_entries`]: each registry puts a weak
//! reference to itself here when it is built.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::ActorId;
use crate::registry::Keys;

/// What `sys` asks of a registry, whatever its key and value types (implemented by the
/// registry's shared state, so that the listing holds it weakly).
pub(crate) trait Listed: Send + Sync + 'static {
    fn summary(self: Arc<Self>) -> (Keys, usize);
    /// Every entry: the key as `{:?}`, and its actor.
    fn entries(self: Arc<Self>) -> Vec<(String, ActorId)>;
}

struct Known {
    id: u64,
    name: Option<String>,
    registry: Weak<dyn Listed>,
}

static KNOWN: Mutex<Vec<Known>> = Mutex::new(Vec::new());

/// Lists `registry` (held weakly: dropping it ends the listing) under `id`.
pub(crate) fn add(id: u64, name: Option<String>, registry: Weak<dyn Listed>) {
    let mut known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    known.retain(|k| k.registry.strong_count() > 0);
    known.push(Known { id, name, registry });
}

/// One live registry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryInfo {
    /// Its number, unique in this program.
    pub id: u64,
    /// The name it was built with ([`RegistryBuilder::name`](crate::RegistryBuilder::name)).
    pub name: Option<String>,
    /// Unique or duplicate keys.
    pub keys: Keys,
    /// Its entries (registrations).
    pub entries: usize,
}

/// One registration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryEntry {
    /// The key, as `{:?}`.
    pub key: String,
    /// The actor registered under it.
    pub actor: ActorId,
}

fn live() -> Vec<(u64, Option<String>, Arc<dyn Listed>)> {
    let known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    known
        .iter()
        .filter_map(|k| Some((k.id, k.name.clone(), k.registry.upgrade()?)))
        .collect()
}

/// Every live registry, oldest first.
pub fn registries() -> Vec<RegistryInfo> {
    live()
        .into_iter()
        .map(|(id, name, registry)| {
            let (keys, entries) = registry.summary();
            RegistryInfo {
                id,
                name,
                keys,
                entries,
            }
        })
        .collect()
}

/// The entries of registry `id` whose key (as `{:?}`) contains `search`, sorted by key: at most
/// `limit` of them from `offset`, and how many matched in all. `None` if no live registry has
/// that number.
pub fn registry_entries(
    id: u64,
    search: &str,
    offset: usize,
    limit: usize,
) -> Option<(usize, Vec<RegistryEntry>)> {
    let registry = live().into_iter().find(|(n, ..)| *n == id)?.2;
    let mut entries: Vec<RegistryEntry> = registry
        .entries()
        .into_iter()
        .filter(|(key, _)| key.contains(search))
        .map(|(key, actor)| RegistryEntry { key, actor })
        .collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key).then(a.actor.cmp(&b.actor)));
    let total = entries.len();
    Some((
        total,
        entries.into_iter().skip(offset).take(limit).collect(),
    ))
}

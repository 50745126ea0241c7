//! A cluster supervisor's cache of its bucket: the watched entries applied one by one, or a
//! whole replay built beside the cache in use and put in its place once complete.

use std::collections::BTreeMap;
use std::time::Instant;

use async_nats::jetstream::kv::{self, Operation};

use super::core::{Desired, Host, Owner, SupCore};
use crate::node::{lock, write};
use crate::wire;

/// A supervisor's cache, rebuilt by a replay of its bucket.
#[derive(Default)]
pub(crate) struct View {
    desired: BTreeMap<String, (Desired, u64)>,
    owners: BTreeMap<String, (Owner, u64)>,
    hosts: BTreeMap<String, (Host, u64)>,
    /// The generation of the store replayed.
    generation: u64,
}

impl View {
    /// An empty view of the store of `generation`.
    pub(crate) fn of(generation: u64) -> View {
        View {
            generation,
            ..View::default()
        }
    }
}

/// Which part of the cache a bucket entry is.
enum Route<'a> {
    Desired(&'a str),
    Owner(&'a str),
    Host(&'a str),
}

fn route(entry: &kv::Entry) -> Option<Route<'_>> {
    let key = entry.key.as_str();
    if let Some(id) = key.strip_prefix("c.") {
        Some(Route::Desired(id))
    } else if let Some(id) = key.strip_prefix("o.") {
        Some(Route::Owner(id))
    } else {
        key.strip_prefix("h.").map(Route::Host)
    }
}

/// A put of a decodable value sets `key` in `map` (with its revision); anything else removes it.
fn apply_to<T: serde::de::DeserializeOwned>(
    map: &mut BTreeMap<String, (T, u64)>,
    key: &str,
    entry: &kv::Entry,
) {
    match wire::decode::<T>(&entry.value) {
        Ok(value) if entry.operation == Operation::Put => {
            map.insert(key.to_owned(), (value, entry.revision));
        }
        _ => {
            map.remove(key);
        }
    }
}

impl SupCore {
    /// Applies one watched entry to the cache.
    pub(crate) fn apply(&self, entry: &kv::Entry) {
        match route(entry) {
            Some(Route::Desired(id)) => apply_to(&mut write(&self.desired), id, entry),
            Some(Route::Owner(id)) => {
                let mut owners = write(&self.owners);
                // This node's own writes are cached before the watch brings them: an older
                // event must not undo a newer write.
                if owners.get(id).is_some_and(|(_, rev)| *rev > entry.revision) {
                    return;
                }
                self.apply_owner(&mut owners, id, entry);
            }
            Some(Route::Host(node)) => apply_to(&mut write(&self.hosts), node, entry),
            None => return,
        }
        self.changed.send_modify(|n| *n += 1);
        self.kick.notify_one();
    }

    /// Applies one replayed entry to `view`, a cache being rebuilt beside the one in use.
    pub(crate) fn replay(&self, view: &mut View, entry: &kv::Entry) {
        match route(entry) {
            Some(Route::Desired(id)) => apply_to(&mut view.desired, id, entry),
            Some(Route::Owner(id)) => self.apply_owner(&mut view.owners, id, entry),
            Some(Route::Host(node)) => apply_to(&mut view.hosts, node, entry),
            None => {}
        }
    }

    /// Puts `view` in place of the cache (each map at once: a reader sees the old view or the
    /// new one, never half a replay).
    pub(crate) fn install(&self, view: View) {
        *write(&self.desired) = view.desired;
        {
            let mut owners = write(&self.owners);
            *owners = view.owners;
            // With the owners' lock held: a reader holding it sees revisions and generation of
            // one store.
            self.generation
                .store(view.generation, std::sync::atomic::Ordering::Release);
        }
        *write(&self.hosts) = view.hosts;
        self.changed.send_modify(|n| *n += 1);
        self.kick.notify_one();
    }

    fn apply_owner(
        &self,
        owners: &mut BTreeMap<String, (Owner, u64)>,
        id: &str,
        entry: &kv::Entry,
    ) {
        match wire::decode::<Owner>(&entry.value) {
            Ok(o) if entry.operation == Operation::Put => {
                if o.failed.is_some() {
                    lock(&self.failed_at)
                        .entry(id.to_owned())
                        .or_insert_with(Instant::now);
                }
                owners.insert(id.to_owned(), (o, entry.revision));
            }
            _ => {
                owners.remove(id);
                lock(&self.failed_at).remove(id);
            }
        }
    }
}

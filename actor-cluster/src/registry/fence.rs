//! A registry's part in fencing: a fenced node gives up its unique entries (their actors are
//! killed), deletes them once it is back, and re-keys its group entries when it comes back as a
//! new incarnation.

use std::sync::Arc;

use actor_core::__private::ExitReason;
use actor_core::__private::remote;
use bytes::Bytes;

use super::core::{Own, RegistryCore, Stored};
use crate::node::{Inner, KV_TIMEOUT, lock, write};
use crate::wire;

impl RegistryCore {
    /// The node fenced itself: each uniquely named actor it owns is killed with
    /// [`ExitReason::Fenced`] and its entries are given up (never re-asserted; deleted at their
    /// revisions once the node is back, so a newer owner's entry is left alone). Group entries
    /// (duplicate keys) stay: a group may have several members.
    pub(crate) fn fence(&self, inner: &Arc<Inner>) {
        if !self.unique {
            return;
        }
        let given_up: Vec<(String, Own)> = lock(&self.own).drain().collect();
        let mut orphans = lock(&self.orphans);
        let mut cache = write(&self.cache);
        for (kv_key, own) in given_up {
            if cache.get(&kv_key).is_some_and(|c| c.rev == own.rev) {
                cache.remove(&kv_key);
            }
            orphans.push((kv_key, own.rev));
            if let Some(actor) = inner.local_actor(own.local) {
                remote::kill_with(&actor, ExitReason::Fenced);
            }
        }
    }

    /// Deletes the entries a fence gave up; one whose delete did not get through (still cut
    /// off) waits for the next time.
    pub(crate) async fn delete_orphans(&self) {
        let orphans: Vec<(String, u64)> = std::mem::take(&mut *lock(&self.orphans));
        let Ok(store) = self.store().await else {
            lock(&self.orphans).extend(orphans);
            return;
        };
        for (kv_key, rev) in orphans {
            let delete = store.delete_expect_revision(&kv_key, Some(rev));
            match tokio::time::timeout(KV_TIMEOUT, delete).await {
                // Deleted, or refused because another owner's entry is there now: done.
                Ok(_) => {}
                Err(_) => lock(&self.orphans).push((kv_key, rev)),
            }
        }
    }

    /// Unique `key` is held: if by a dead owner (this node's actor that exited, or an actor of
    /// a node incarnation that is no longer a member), its entry is deleted at its revision and
    /// `true` is returned; `false` if a live actor holds it.
    pub(crate) async fn free_if_stale(&self, inner: &Arc<Inner>, key: &str) -> bool {
        let Ok(encoded) = super::key::encode_key(key) else {
            return false;
        };
        let kv_key = format!("u.{encoded}");
        let Some(held) = crate::node::read(&self.cache).get(&kv_key).cloned() else {
            return true; // gone meanwhile (or not seen yet): try again
        };
        let s = &held.stored;
        let alive = if s.node == inner.name && s.epoch == inner.epoch() {
            inner.local_actor(s.local).is_some()
        } else {
            crate::node::read(&inner.members).get(&s.node) == Some(&s.epoch)
        };
        if alive {
            return false;
        }
        self.delete(&kv_key, held.rev).await;
        true
    }

    /// The node came back as a new incarnation: its group entries name the old one, which the
    /// others have reaped, so each is re-keyed to the new epoch (and created again by the
    /// re-assertion that follows).
    pub(crate) fn rebirth(&self, inner: &Arc<Inner>) {
        if self.unique {
            return;
        }
        let epoch = inner.epoch();
        let mut own = lock(&self.own);
        let old: Vec<(String, Own)> = own.drain().collect();
        for (kv_key, entry) in old {
            let Ok(mut stored) = wire::decode::<Stored>(&entry.stored) else {
                continue;
            };
            let Some(key) = kv_key.split('.').nth(1).and_then(super::key::decode_key) else {
                continue;
            };
            stored.epoch = epoch;
            let (Ok(new_key), Ok(bytes)) = (self.kv_key(&key, &stored), wire::encode(&stored))
            else {
                continue;
            };
            own.insert(
                new_key,
                Own {
                    local: entry.local,
                    stored: Bytes::from(bytes),
                    rev: 0,
                },
            );
        }
    }
}

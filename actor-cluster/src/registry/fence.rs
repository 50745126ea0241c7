//! A registry's part in fencing: a fenced node gives up its unique entries (their actors are
//! killed), deletes them once it is back, and re-keys its group entries when it comes back as a
//! new incarnation.

use std::sync::Arc;
use std::time::Duration;

use actor_core::__private::remote;
use actor_core::__private::{ActorHandle, ExitReason};
use async_nats::jetstream::kv;
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

    /// Deletes the entries given up (by a fence, or by an owner's exit while the server was
    /// out of reach); one the store still holds at its revision afterwards (the delete did not
    /// get through) waits for the next time: the sweep, every second.
    pub(crate) async fn delete_orphans(&self) {
        let orphans: Vec<(String, u64)> = std::mem::take(&mut *lock(&self.orphans));
        if orphans.is_empty() {
            return;
        }
        match self.store().await {
            Ok(store) => retry_orphans(&store, &self.orphans, orphans).await,
            Err(_) => lock(&self.orphans).extend(orphans),
        }
    }

    /// Deletes `kv_key` at `rev` (an exited owner's entry); if that does not get through, the
    /// entry is kept as an orphan for the sweep to delete, so it never outlives its owner for
    /// good.
    pub(crate) async fn delete_or_orphan(&self, kv_key: &str, rev: u64) {
        let gone = match self.store().await {
            Ok(store) => delete_for_sure(&store, kv_key, rev).await,
            Err(_) => false,
        };
        let mut cache = crate::node::write(&self.cache);
        if cache.get(kv_key).is_some_and(|c| c.rev == rev) {
            cache.remove(kv_key);
        }
        drop(cache);
        if !gone {
            lock(&self.orphans).push((kv_key.to_owned(), rev));
        }
    }

    /// Unique `key` is held: if by a dead owner (this node's actor that exited, an actor of a
    /// node incarnation that is no longer a member, or a member's actor that its node reports
    /// gone within `patience`), its entry is deleted at its revision and `true` is returned;
    /// `false` if a live actor holds it (a member's actor its node did not report gone).
    ///
    /// A member's entry can outlive its actor for a moment: the node deletes it after the exit
    /// (a KV round trip), or only once back from a fence. So a member's holder is asked about
    /// (a watch, which its node answers with a `down` at once if the actor is gone).
    pub(crate) async fn free_if_stale(
        &self,
        inner: &Arc<Inner>,
        key: &str,
        patience: Duration,
    ) -> bool {
        let Ok(encoded) = super::key::encode_key(key) else {
            return false;
        };
        let kv_key = format!("u.{encoded}");
        // Read from the store, not the cache: the cache may not show the entry yet.
        let Ok(store) = self.store().await else {
            return true; // try again
        };
        let held = match tokio::time::timeout(KV_TIMEOUT, store.entry(&kv_key)).await {
            Ok(Ok(Some(entry))) if entry.operation == kv::Operation::Put => entry,
            _ => return true, // gone meanwhile, or not read: try again
        };
        let Ok(s) = wire::decode::<Stored>(&held.value) else {
            return false;
        };
        let member = inner.members.read().get(&s.node) == Some(&s.epoch);
        let alive = if s.node == inner.name && s.epoch == inner.epoch() {
            inner.local_actor(s.local).is_some()
        } else if member {
            match inner.actor(&s.node, s.epoch, s.local, &s.tag) {
                Some(holder) => tokio::time::timeout(patience, holder.wait()).await.is_err(),
                None => true, // not numbered here (the table is full): not known to be dead
            }
        } else {
            false
        };
        if alive {
            return false;
        }
        self.delete(&kv_key, held.revision).await;
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

/// Deletes `kv_key` at revision `rev` and tells whether the store no longer holds that entry
/// (deleted now, or replaced by a newer one): `false` if it could not be told (cut off).
pub(crate) async fn delete_for_sure(store: &kv::Store, kv_key: &str, rev: u64) -> bool {
    let _ = tokio::time::timeout(KV_TIMEOUT, store.delete_expect_revision(kv_key, Some(rev))).await;
    match tokio::time::timeout(KV_TIMEOUT, store.entry(kv_key)).await {
        Ok(Ok(Some(entry))) => entry.revision != rev || entry.operation != kv::Operation::Put,
        Ok(Ok(None)) => true,
        _ => false,
    }
}

/// Deletes each of `orphans` (key, revision) for sure; those it cannot go back to `keep`.
pub(crate) async fn retry_orphans(
    store: &kv::Store,
    keep: &std::sync::Mutex<Vec<(String, u64)>>,
    orphans: Vec<(String, u64)>,
) {
    for (key, rev) in orphans {
        if !delete_for_sure(store, &key, rev).await {
            lock(keep).push((key, rev));
        }
    }
}

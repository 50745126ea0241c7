//! `Registry::lock` (REG-11): a FIFO lock per lock key, in a namespace of its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use super::Registry;
use super::hash::Seeds;
use super::key::{RegistryKey, RegistryValue};

type KeyLock = Arc<tokio::sync::Mutex<()>>;

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// Runs `f` while holding the lock on `lock_key`, and returns its output (REG-11).
    ///
    /// Lock keys are a namespace of their own, unrelated to registrations, and work the same for
    /// both kinds of registry. Different keys never block each other; on one key, callers are
    /// served in the order they asked. The lock is released when `f` finishes, when it panics
    /// (the panic goes on to the caller), and when the caller's future is dropped — so when the
    /// holding actor is killed too. A waiter that goes away leaves the queue. Any task may lock,
    /// inside an actor or not.
    ///
    /// Do not lock the same key again inside `f`: that waits for itself forever.
    pub async fn lock<R>(&self, lock_key: K, f: impl Future<Output = R>) -> R {
        self.inner.locks.run(lock_key, f).await
    }
}

/// The lock keys in use: an entry lives while someone holds or waits for its lock.
pub(super) struct Locks<K> {
    map: Mutex<HashMap<K, KeyLock, Seeds>>,
}

impl<K: Eq + Hash + Clone> Locks<K> {
    pub(super) fn new(seeds: Seeds) -> Self {
        Locks {
            map: Mutex::new(HashMap::with_hasher(seeds)),
        }
    }

    /// Runs `f` to completion while holding the lock on `key`. Waiters are served first come,
    /// first served (tokio's mutex is fair). The lock is released when `f` finishes, panics or is
    /// dropped — so also when the holding actor is killed, and a waiter that is dropped simply
    /// leaves the queue.
    pub(super) async fn run<R>(&self, key: K, f: impl Future<Output = R>) -> R {
        let lock: KeyLock = self
            .lock_map()
            .entry(key.clone())
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
            .clone();
        // Declared before the guard, so it drops after it: the entry goes once the lock is
        // released, and only if nobody else holds a handle to it.
        let tidy = Tidy {
            locks: self,
            key,
            lock,
        };
        let _guard = tidy.lock.lock().await;
        f.await
    }

    fn lock_map(&self) -> std::sync::MutexGuard<'_, HashMap<K, KeyLock, Seeds>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes an unused lock entry when a `run` ends, however it ends.
struct Tidy<'a, K: Eq + Hash + Clone> {
    locks: &'a Locks<K>,
    key: K,
    lock: KeyLock,
}

impl<K: Eq + Hash + Clone> Drop for Tidy<'_, K> {
    fn drop(&mut self) {
        let mut map = self.locks.lock_map();
        // Handles are cloned only under the map lock, and every user keeps its own in a `Tidy`:
        // two (the map's and this one) means nobody else holds or waits for this key.
        if Arc::strong_count(&self.lock) == 2 {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Locks;
    use crate::registry::hash::Seeds;

    #[tokio::test(flavor = "current_thread")]
    async fn unused_keys_leave_no_entry() {
        let locks = std::sync::Arc::new(Locks::<u32>::new(Seeds::random()));
        assert_eq!(locks.run(1, async { 5 }).await, 5);
        assert!(locks.lock_map().is_empty());
        // Held by one task, waited for by another that is then aborted: the entry stays while
        // the holder holds, and goes with the last user.
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let l = locks.clone();
        let holder = tokio::spawn(async move {
            l.run(2, async {
                let _ = rx.await;
            })
            .await
        });
        tokio::task::yield_now().await;
        let l = locks.clone();
        let waiter = tokio::spawn(async move { l.run(2, async {}).await });
        tokio::task::yield_now().await;
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(locks.lock_map().len(), 1);
        tx.send(()).unwrap();
        holder.await.unwrap();
        assert!(locks.lock_map().is_empty());
    }
}

//! The watch that keeps a registry's cache, and the sweep of entries whose node is gone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv::Operation;
use futures_util::StreamExt;

use super::core::{Cached, RegistryCore, Stored};
use super::key::decode_key;
use crate::error::{ClusterError, unavailable};
use crate::node::{Inner, write};
use crate::replay::ReplayEnd;
use crate::wire;

/// Keeps the cache: replays the bucket into a fresh map, swaps it in, then applies updates;
/// restarts on errors and after a rebuild of the cluster state.
pub(super) async fn watch_loop(
    core: Arc<RegistryCore>,
    inner: Arc<Inner>,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut generation = inner.generation.subscribe();
    let core_weak = Arc::downgrade(&core);
    drop(core);
    loop {
        let Some(core) = core_weak.upgrade() else {
            return;
        };
        if let Err(e) = watch_once(&core, &mut ready, &mut generation).await {
            tracing::debug!(error = %e, "registry watch restarts");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn watch_once(
    core: &RegistryCore,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
    generation: &mut tokio::sync::watch::Receiver<u64>,
) -> Result<(), ClusterError> {
    *write(&core.store) = None;
    let store = core
        .store()
        .await
        .map_err(|e| ClusterError::Unavailable(e.to_string()))?;
    let status = store.status().await.map_err(unavailable)?;
    let empty = status.values() == 0;
    let end = ReplayEnd::after(&status);
    let store_generation = crate::token::generation(&status);
    let mut watch = store.watch_with_history(">").await.map_err(unavailable)?;
    generation.borrow_and_update();
    let mut fresh: Option<BTreeMap<String, Cached>> = (!empty).then(BTreeMap::new);
    if empty {
        core.install(BTreeMap::new(), store_generation);
        if let Some(r) = ready.take() {
            let _ = r.send(());
        }
    }
    loop {
        let entry = tokio::select! {
            entry = watch.next() => entry,
            _ = generation.changed() => return Ok(()),
        };
        let entry = entry
            .ok_or_else(|| ClusterError::Unavailable("registry watch ended".into()))?
            .map_err(unavailable)?;
        if let Some(map) = &mut fresh {
            if entry.operation == Operation::Put
                && let Ok(stored) = wire::decode::<Stored>(&entry.value)
                && let Some(key) = entry.key.split('.').nth(1).and_then(decode_key)
            {
                map.insert(
                    entry.key.clone(),
                    Cached {
                        key,
                        stored,
                        rev: entry.revision,
                    },
                );
            } else {
                map.remove(&entry.key);
            }
            if end.is(&entry) {
                core.install(fresh.take().unwrap_or_default(), store_generation);
                if let Some(r) = ready.take() {
                    let _ = r.send(());
                }
            }
        } else {
            core.apply(&entry);
        }
    }
}

/// Every `every` (`NodeOptions::self_audit`), each registry checks that the store still holds
/// this node's entries as written.
pub(crate) async fn self_audit_loop(inner: Arc<Inner>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        for registry in inner.registries() {
            registry.audit_own().await;
        }
    }
}

/// Every second, each registry drops entries of node incarnations gone for more than the TTL,
/// and those of its own that an exit or a fence could not delete then.
pub(crate) async fn sweep_loop(inner: Arc<Inner>) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        for registry in inner.registries() {
            registry.sweep(&inner).await;
            registry.delete_orphans().await;
        }
    }
}

//! Registry metadata: values of any type under string keys, separate from registrations (REG-8).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use super::Registry;
use super::key::{RegistryKey, RegistryValue};

/// A registry's metadata table.
pub(super) type Meta = HashMap<String, Arc<dyn Any + Send + Sync>>;

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// The metadata under `key`, if it is set and is a `T` (REG-8). Metadata keys are strings
    /// whatever the registry's key type, so `key` is a `&str`.
    pub fn meta<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        let meta = self
            .inner
            .meta
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        meta.get(key)?.downcast_ref::<T>().cloned()
    }

    /// Sets the metadata under `key` (REG-8). Metadata is separate from registrations.
    pub fn put_meta<T: Send + Sync + 'static>(&self, key: impl Into<String>, value: T) {
        let mut meta = self
            .inner
            .meta
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        meta.insert(key.into(), Arc::new(value));
    }

    /// Removes the metadata under `key`; `true` if there was some (REG-8).
    pub fn delete_meta(&self, key: &str) -> bool {
        let mut meta = self
            .inner
            .meta
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        meta.remove(key).is_some()
    }
}

//! Building a registry with options: partitions, listeners, initial metadata (REG-1.1); the
//! options a registry was built with.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock, Weak};

use super::hash::Seeds;
use super::inner::{
    DEFAULT_PARTITIONS, Hook, Inner, MAX_PARTITIONS, NEXT_REGISTRY, STRIPES_PER_PARTITION,
};
use super::key::{Keys, RegistryKey, RegistryValue};
use super::listener::{ListenerFn, Listeners, RegistryEvent};
use super::lock::Locks;
use super::meta::Meta;
use super::partition::{OwnerShard, Shard};
use super::{Registry, RegistryError};

/// Options for a new [`Registry`]: partitions, listeners, initial metadata (REG-1.1).
pub struct RegistryBuilder<K, V = ()> {
    kind: Keys,
    partitions: usize,
    listeners: Vec<ListenerFn<K, V>>,
    meta: Meta,
    name: Option<String>,
}

impl<K: RegistryKey, V: RegistryValue> Registry<K, V> {
    /// A registry with default options: 4 partitions (64 lock stripes), no listeners, no metadata.
    pub fn new(keys: Keys) -> Self {
        Registry::builder(keys).build_checked()
    }

    /// A builder for a registry with options (REG-1.1).
    pub fn builder(keys: Keys) -> RegistryBuilder<K, V> {
        RegistryBuilder::new(keys)
    }

    /// Unique or duplicate keys.
    pub fn kind(&self) -> Keys {
        self.inner.kind
    }

    /// The number of partitions.
    pub fn partitions(&self) -> usize {
        self.inner.partitions
    }
}

impl<K: RegistryKey, V: RegistryValue> RegistryBuilder<K, V> {
    fn new(keys: Keys) -> Self {
        RegistryBuilder {
            kind: keys,
            partitions: DEFAULT_PARTITIONS,
            listeners: Vec::new(),
            meta: Meta::default(),
            name: None,
        }
    }

    /// The number of partitions (REG-1.1 `:partitions`); 1 to 4096. Default: 4. Each
    /// partition is striped over 16 locks; more partitions mean less contention between
    /// concurrent callers. Entries are placed by key hash, so a lookup or dispatch touches one
    /// lock whatever the number.
    #[must_use]
    pub fn partitions(mut self, n: usize) -> Self {
        self.partitions = n;
        self
    }

    /// Adds a listener (REG-1.1 `:listeners`, REG-10), called with every [`RegistryEvent`] in the
    /// registering actor after the registration. It should be quick (forward to a channel or
    /// `cast` to an actor); a panic in it reaches the registering actor.
    #[must_use]
    pub fn listener(
        mut self,
        listener: impl Fn(&RegistryEvent<K, V>) + Send + Sync + 'static,
    ) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// A name for introspection ([`sys::registries`](crate::sys::registries), the observer's
    /// registry view); registries are listed by number whether named or not.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Initial metadata (REG-1.1 `:meta`, REG-8).
    #[must_use]
    pub fn meta<T: Send + Sync + 'static>(mut self, key: impl Into<String>, value: T) -> Self {
        self.meta.insert(key.into(), Arc::new(value));
        self
    }

    /// The registry. Fails with [`RegistryError::ZeroPartitions`] for `partitions(0)` and
    /// [`RegistryError::TooManyPartitions`] above 4096.
    pub fn build(self) -> Result<Registry<K, V>, RegistryError> {
        if self.partitions == 0 {
            return Err(RegistryError::ZeroPartitions);
        }
        if self.partitions > MAX_PARTITIONS {
            return Err(RegistryError::TooManyPartitions(self.partitions));
        }
        Ok(self.build_checked())
    }

    /// Builds with `partitions >= 1`.
    fn build_checked(self) -> Registry<K, V> {
        let id = NEXT_REGISTRY.fetch_add(1, Ordering::Relaxed);
        let n = self.partitions.saturating_mul(STRIPES_PER_PARTITION);
        let tables = Seeds::random();
        let inner = Arc::new_cyclic(|weak: &Weak<Inner<K, V>>| Inner {
            kind: self.kind,
            partitions: self.partitions,
            placement: Seeds::random(),
            shards: (0..n).map(|_| Shard::new(tables)).collect(),
            owners: (0..n).map(|_| OwnerShard::new(tables)).collect(),
            listeners: Listeners(self.listeners.into_boxed_slice()),
            meta: RwLock::new(self.meta),
            locks: Locks::new(tables),
            hook: Arc::new(Hook {
                id,
                inner: weak.clone(),
            }),
        });
        let weak: Weak<Inner<K, V>> = Arc::downgrade(&inner);
        crate::sys::add_registry(id as u64, self.name, weak);
        Registry { inner }
    }
}

impl<K: RegistryKey, V: RegistryValue> crate::sys::Listed for Inner<K, V> {
    fn summary(self: Arc<Self>) -> (Keys, usize) {
        let registry = Registry { inner: self };
        (registry.kind(), registry.count())
    }

    fn entries(self: Arc<Self>) -> Vec<(String, crate::ActorId)> {
        let registry = Registry { inner: self };
        registry.select(|key, actor, _| Some((format!("{key:?}"), crate::ActorHandle::id(actor))))
    }
}

impl<K, V> fmt::Debug for RegistryBuilder<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryBuilder")
            .field("keys", &self.kind)
            .field("partitions", &self.partitions)
            .field("listeners", &self.listeners.len())
            .finish_non_exhaustive()
    }
}

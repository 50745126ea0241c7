//! The Registry: keys to live actors, unique or duplicate, partitioned (Elixir's `Registry`).
//!
//! A [`Registry`] is a value, not a process: every call runs in the caller, on shared, sharded
//! tables (REG-1.5 without the partition processes). Entries belong to the actor that registered
//! them — always the calling actor — and are removed in that actor's exit path, **before** its
//! exit reason is published, before links are signalled and before monitors get `Down`. So a name
//! is free by the time anyone can know its holder died, and no read ever returns a dead actor
//! (Elixir's Registry may briefly return dead pids, REG-3.3).
//!
//! # Design and measurements
//! Entries live in lock stripes, 16 per partition (`std::sync::RwLock<HashMap<K, Slot>>`,
//! each on its own 128-byte-aligned cache lines), placed by key hash; an owner index (actor →
//! keys, `Mutex` shards by actor id) makes exit cleanup and `keys` cheap. Both hash with a seeded
//! folded-multiply hasher (`hash.rs`): SipHash alone cost 10-15 ns of a ~30 ns lookup.
//! `whereis` takes one read lock and clones one `Arc`: no allocation, no boxing, no formatting;
//! the typed `ActorRef::whereis` downcasts that same `Arc` by value. Duplicate keys keep their
//! entries in an `Arc<Vec<_>>`, so `dispatch` runs its callback on a snapshot taken by one
//! reference-count increment, after the lock is released (the callback may use the registry; a
//! writer that meets a live snapshot copies the list once). No user code ever runs under a
//! registry lock: predicates, `select` closures and listeners run on snapshots or after release.
//!
//! Measured with a throwaway release-mode program on the 2-core build machine, shared with four
//! other busy sessions (load 4-6), so the spread is wide; the best of 7-15 runs per variant
//! (64 lock stripes), as ratios to a plain `RwLock<HashMap<String, ActorRef<_>>>` holding the
//! same 10,000 names of 10,000 live actors:
//! - lookup from 2 threads, random names: `Registry::whereis` 0.53x (0.53-0.74x over runs),
//!   typed `ActorRef::whereis` 0.69x (0.69-0.94x). A read lock still writes its stripe's lock
//!   word, so two threads share stripe cache lines part of the time; one lock word measured
//!   0.72x untyped, the gain there being the hasher. The bench crate's `compare --only lookup`
//!   (2 tokio tasks, `partitions(2)`, typed lookups) gave medians from 0.83x (15 runs) to 1.6x
//!   (5 runs): single runs of either side varied 3x under the other sessions' load, and when the
//!   two tasks do not run at the same time there is no contention to win back.
//! - the same from 1 thread on 64 hot names (no contention, pure CPU): 0.89x untyped, 1.15x
//!   typed (the typed path adds ~7 ns: dynamic calls for the downcast and its type check).
//! - register + unregister by one actor: 2.1x a plain insert + remove (the actor's exit hook,
//!   its owner index, one more key clone).
//! - visiting 1,000 subscribers of a duplicate key: `dispatch` 0.02x of `lookup`, which copies
//!   the list (about 0.2 us against 10 us).
//!
//! Tried and dropped: a per-CPU reader lock per shard (a lookup then writes no shared memory at
//! all). Without `unsafe` the table must sit behind an `Arc` that every writer takes out of and
//! puts back into each slot: register + unregister went from 2.1x to 3-4x the plain map, and
//! lookups showed no gain measurable on this loaded machine.
mod builder;
mod hash;
mod listener;
mod lock;
mod named;
mod partition;
mod via;

pub(crate) use via::via_options;

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, PoisonError, RwLock, Weak};

pub use builder::RegistryBuilder;
pub use listener::RegistryEvent;
pub use named::Named;

use crate::actor::{AnyActor, ExitHook, FromAnyActor, current};
use crate::{ActorId, InitError, StartError};
use hash::Seeds;
use listener::Listeners;
use lock::Locks;
use partition::{OwnerShard, Shard, Slot};

/// Whether a key maps to one actor or to many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keys {
    /// One actor per key: via names, `update_value`.
    Unique,
    /// Any number of entries per key, even from one actor (pub/sub).
    Duplicate,
}

/// Why a registry operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The key is held by a live actor (REG-2.2); its id. The holder may be the caller itself.
    #[error("key already registered by {0}")]
    AlreadyRegistered(ActorId),
    /// The operation needs the calling actor, and the caller is not an actor.
    #[error("registry operations that register must be called from inside an actor")]
    NotInActor,
    /// The operation needs a registry with unique keys (`update_value`, via names).
    #[error("this operation needs a registry with `Keys::Unique`")]
    NotUnique,
    /// `update_value`: the calling actor does not hold the key (REG-7).
    #[error("the calling actor does not hold this key")]
    NotHeld,
    /// [`RegistryBuilder::partitions`] was given zero.
    #[error("a registry needs at least one partition")]
    ZeroPartitions,
    /// [`RegistryBuilder::partitions`] was given more than 4096; the number given.
    #[error("at most 4096 partitions, not {0}")]
    TooManyPartitions(usize),
}

/// Identity of a registry for its exit hook: unique for the life of the process (addresses could
/// be reused after a registry is dropped while an actor still carries its hook).
static NEXT_REGISTRY: AtomicUsize = AtomicUsize::new(1);

/// The most partitions a registry may have (65,536 lock stripes, about 16 MiB).
const MAX_PARTITIONS: usize = 4096;

/// Partitions of a registry built without [`RegistryBuilder::partitions`].
const DEFAULT_PARTITIONS: usize = 4;

/// Lock stripes per partition. Partitions have no observable effect here (entries are placed by
/// key), so each is striped over several locks: Elixir's advice of one partition per core then
/// still gives readers on different cores different lock words most of the time.
const STRIPES_PER_PARTITION: usize = 16;

type Meta = HashMap<String, Arc<dyn Any + Send + Sync>>;

/// A registry of actors by key (Elixir's `Registry`), each entry carrying a value `V`.
///
/// Cheap to clone (an `Arc` inside); many may exist; share it by cloning. Every operation that
/// registers acts for the **calling actor** (the actor whose callback runs the code) and fails
/// with [`RegistryError::NotInActor`] elsewhere. An actor's entries disappear when it exits,
/// before anyone can observe the exit.
///
/// Reads return [`AnyActor`]s: a registry may hold actors of several types. Get typed handles
/// with [`lookup_as`](Self::lookup_as), [`AnyActor::downcast`], or
/// [`ActorRef::whereis`](crate::ActorRef::whereis) and the `whereis` of `#[actor]`-generated
/// handles; a typed read never returns an actor of another type.
///
/// # Example
///
/// ```
/// use actor_core::{Actor, ActorRef, Context, InitError, Keys, Registry};
///
/// struct Worker;
///
/// impl Actor for Worker {
///     type Args = ();
///     type Message = ();
///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Worker)
///     }
///     async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let names = Registry::<String>::new(Keys::Unique);
/// let key = "worker-1".to_string();
/// let w = ActorRef::<Worker>::start_via(&names, key.clone(), ()).await?;
/// assert_eq!(ActorRef::<Worker>::whereis(&names, &key), Some(w.clone()));
/// assert_eq!(names.keys(w.id()), vec![key.clone()]);
///
/// // A second start under the same name is refused with the holder's id.
/// let again = ActorRef::<Worker>::start_via(&names, key.clone(), ()).await;
/// assert!(matches!(
///     again.unwrap_err(),
///     actor_core::StartError::AlreadyStarted(holder) if holder == w.id()
/// ));
///
/// // Once the holder has exited the name is free: no dead actor is ever returned.
/// w.stop(actor_core::ExitReason::Normal).await?;
/// assert!(names.whereis(&key).is_none());
/// assert_eq!(names.count(), 0);
/// # Ok(()) }
/// ```
///
/// # Differences from Elixir, by rule (otp-semantics §2)
/// - REG-1: a registry is built with [`Registry::new`] or [`Registry::builder`] (`partitions`,
///   `listener`s, initial `meta`); bad options are a typed error from
///   [`RegistryBuilder::build`]. There is no name: the value is the registry.
/// - REG-1.4: entries are placed by key hash for both kinds (Elixir's `{:duplicate, :key}`), so
///   a lookup or `dispatch` visits one partition and `dispatch` calls its callback at most once,
///   with every entry in registration order.
/// - REG-3: `unregister` and `unregister_match` return how many entries they removed; listeners
///   hear an unregistration only when something was removed.
/// - REG-5: `match_` and `count_match` take a predicate over `&V`; `select` and `count_select` a
///   closure over `(&K, &AnyActor, &V)`. Keys are never patterns (REG-2.5): they compare by `Eq`.
/// - REG-7, REG-9.1: `update_value` and via names need [`Keys::Unique`]; on a duplicate registry
///   they fail with [`RegistryError::NotUnique`] (via starts with [`StartError::Refused`]) and
///   never start the actor.
/// - REG-8: meta keys are strings, values any `Clone + Send + Sync + 'static` type, read back by
///   type.
/// - REG-10: listeners are callbacks, run in the registering actor after the registry's locks are
///   released.
/// - REG-11: [`lock`](Registry::lock) takes a future and runs it while holding a FIFO lock on
///   a key of the registry's key type, in a namespace separate from registrations.
/// - REG-12: there is no registry process, so nothing can crash and take the registrants with it.
///   A registry lives while any clone of it does; actors only hold a weak reference to it. When
///   the last clone is dropped its entries go with it, and the registrants keep running.
pub struct Registry<K, V = ()> {
    inner: Arc<Inner<K, V>>,
}

struct Inner<K, V> {
    kind: Keys,
    partitions: usize,
    /// Picks a key's shard and an actor's owner shard (seeded apart from the tables' hasher,
    /// so the keys of one shard still spread over its table's buckets).
    placement: Seeds,
    shards: Box<[Shard<K, V>]>,
    owners: Box<[OwnerShard<K>]>,
    listeners: Listeners<K, V>,
    meta: RwLock<Meta>,
    locks: Locks<K>,
    hook: Arc<dyn ExitHook>,
}

/// The exit hook a registry installs on each actor that registers in it: removes the actor's
/// entries. Weak, so registrants do not keep a dropped registry alive.
struct Hook<K, V> {
    id: usize,
    inner: Weak<Inner<K, V>>,
}

impl<K, V> ExitHook for Hook<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn actor_exited(&self, id: ActorId) {
        if let Some(inner) = self.inner.upgrade() {
            inner.remove_actor(id);
        }
    }

    fn hook_id(&self) -> usize {
        self.id
    }
}

impl<K, V> Registry<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
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

    /// Registers the **calling actor** under `key` with `value` (REG-2).
    ///
    /// Unique keys: fails with [`RegistryError::AlreadyRegistered`] if a live actor, maybe the
    /// caller, holds `key`; a failed registration leaves nothing behind (REG-2.4). Duplicate keys:
    /// always succeeds, one entry per call (REG-2.3). Listeners hear
    /// [`RegistryEvent::Registered`] before this returns (REG-2.6). Outside an actor:
    /// [`RegistryError::NotInActor`].
    pub fn register(&self, key: K, value: V) -> Result<(), RegistryError> {
        let me = current().ok_or(RegistryError::NotInActor)?;
        let actor = AnyActor(me);
        let inner = &*self.inner;
        let event = (!inner.listeners.is_empty()).then(|| (key.clone(), value.clone()));
        actor
            .0
            .core()
            .with_hook(&inner.hook, || inner.insert(key, actor.clone(), value))
            // `None`: the caller is already in its exit path; it can no longer own anything.
            .unwrap_or(Err(RegistryError::NotInActor))?;
        if let Some((key, value)) = event {
            inner
                .listeners
                .notify(&RegistryEvent::Registered { key, actor, value });
        }
        Ok(())
    }

    /// Removes all of the calling actor's entries under `key` and returns how many there were
    /// (REG-3.1). Listeners hear [`RegistryEvent::Unregistered`] only if that is not zero.
    pub fn unregister(&self, key: &K) -> Result<usize, RegistryError> {
        let me = AnyActor(current().ok_or(RegistryError::NotInActor)?);
        let removed = self
            .inner
            .shard(key)
            .write()
            .remove_owned(key, me.id(), |_| true);
        self.inner.unregistered(key, me, removed, true);
        Ok(removed)
    }

    /// Removes those of the calling actor's entries under `key` whose value satisfies `pred`,
    /// and returns how many (REG-3.2). Other actors' entries are never touched. Listeners hear
    /// [`RegistryEvent::Unregistered`] only when every one of the caller's entries under `key`
    /// went, and at least one did.
    pub fn unregister_match(
        &self,
        key: &K,
        pred: impl FnMut(&V) -> bool,
    ) -> Result<usize, RegistryError> {
        self.unregister_where(key, pred)
    }

    fn unregister_where(
        &self,
        key: &K,
        mut pred: impl FnMut(&V) -> bool,
    ) -> Result<usize, RegistryError> {
        let me = AnyActor(current().ok_or(RegistryError::NotInActor)?);
        let id = me.id();
        let inner = &*self.inner;
        let shard = inner.shard(key);
        // Decide outside the lock (user code never runs under it). Only the caller changes its
        // own entries, so their order cannot change before the write below.
        let mine: Vec<V> = match shard.read().map.get(key) {
            None => return Ok(0),
            Some(slot) => slot.with_entries(|entries| {
                entries
                    .iter()
                    .filter(|(a, _)| a.id() == id)
                    .map(|(_, v)| v.clone())
                    .collect()
            }),
        };
        let doomed: Vec<bool> = mine.iter().map(&mut pred).collect();
        let removed = shard
            .write()
            .remove_owned(key, id, |i| doomed.get(i).copied().unwrap_or(false));
        inner.unregistered(key, me, removed, removed == mine.len());
        Ok(removed)
    }

    /// The live holder of a unique `key` (REG-9.3): `None` if the key is free or the registry has
    /// duplicate keys. Allocation-free: one read lock, one reference-count increment.
    pub fn whereis(&self, key: &K) -> Option<AnyActor> {
        if self.inner.kind != Keys::Unique {
            return None;
        }
        match self.inner.shard(key).read().map.get(key)? {
            Slot::One((actor, _)) => Some(actor.clone()),
            Slot::Many(entries) => entries.first().map(|(a, _)| a.clone()),
        }
    }

    /// The entries under `key`: none or one for unique keys, all of them in registration order
    /// for duplicate keys (REG-4.1).
    pub fn lookup(&self, key: &K) -> Vec<(AnyActor, V)> {
        match self.snapshot(key) {
            Some(slot) => slot.with_entries(<[_]>::to_vec),
            None => Vec::new(),
        }
    }

    /// [`lookup`](Self::lookup) with typed handles: the entries under `key` whose actor is an `H`
    /// (an [`ActorRef`](crate::ActorRef), or an `#[actor]`-generated handle), in registration
    /// order; entries of other actor types are left out.
    pub fn lookup_as<H: FromAnyActor>(&self, key: &K) -> Vec<(H, V)> {
        match self.snapshot(key) {
            Some(slot) => slot.with_entries(|entries| {
                entries
                    .iter()
                    .filter_map(|(a, v)| Some((H::from_any(a.clone())?, v.clone())))
                    .collect()
            }),
            None => Vec::new(),
        }
    }

    /// The entries under `key` whose value satisfies `pred`, in registration order (REG-5.1).
    pub fn match_(&self, key: &K, mut pred: impl FnMut(&V) -> bool) -> Vec<(AnyActor, V)> {
        match self.snapshot(key) {
            Some(slot) => slot
                .with_entries(|entries| entries.iter().filter(|(_, v)| pred(v)).cloned().collect()),
            None => Vec::new(),
        }
    }

    /// How many entries under `key` have a value satisfying `pred` (REG-5.2).
    pub fn count_match(&self, key: &K, mut pred: impl FnMut(&V) -> bool) -> usize {
        match self.snapshot(key) {
            Some(slot) => {
                slot.with_entries(|entries| entries.iter().filter(|(_, v)| pred(v)).count())
            }
            None => 0,
        }
    }

    /// Runs `f` over every entry and collects what it returns (REG-5.3; the closure replaces the
    /// match spec). Order: by partition, then registration order within a key.
    pub fn select<T>(&self, mut f: impl FnMut(&K, &AnyActor, &V) -> Option<T>) -> Vec<T> {
        let mut out = Vec::new();
        for shard in self.inner.shards.iter() {
            let slots: Vec<(K, Slot<V>)> = shard
                .read()
                .map
                .iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect();
            for (key, slot) in &slots {
                slot.with_entries(|entries| {
                    out.extend(entries.iter().filter_map(|(a, v)| f(key, a, v)));
                });
            }
        }
        out
    }

    /// How many entries satisfy `pred` (REG-5.4).
    pub fn count_select(&self, mut pred: impl FnMut(&K, &AnyActor, &V) -> bool) -> usize {
        self.select(|k, a, v| pred(k, a, v).then_some(())).len()
    }

    /// The total number of entries (registrations, not keys) (REG-4.4).
    pub fn count(&self) -> usize {
        self.inner.shards.iter().map(|s| s.read().entries).sum()
    }

    /// Calls `f` once with the entries under `key`, in registration order, and returns its
    /// result; `None` without calling it when there are none (REG-6). `f` runs in the caller on
    /// a snapshot, with no lock held, so it may use the registry; the entries are not copied.
    pub fn dispatch<R>(&self, key: &K, f: impl FnOnce(&[(AnyActor, V)]) -> R) -> Option<R> {
        let slot = self.snapshot(key)?;
        Some(slot.with_entries(f))
    }

    /// Replaces the value of the calling actor's unique `key` with `f(old)` and returns
    /// `(new, old)` (REG-7). `f` is not called, and [`RegistryError::NotHeld`] returned, if the
    /// caller does not hold `key`; [`RegistryError::NotUnique`] on a duplicate registry.
    /// Listeners are not told.
    pub fn update_value(&self, key: &K, f: impl FnOnce(&V) -> V) -> Result<(V, V), RegistryError> {
        if self.inner.kind != Keys::Unique {
            return Err(RegistryError::NotUnique);
        }
        let id = AnyActor(current().ok_or(RegistryError::NotInActor)?).id();
        let shard = self.inner.shard(key);
        let old = match shard.read().map.get(key) {
            Some(Slot::One((holder, v))) if holder.id() == id => v.clone(),
            _ => return Err(RegistryError::NotHeld),
        };
        // Only the caller can change or remove its own entry, so it is still there.
        let new = f(&old);
        match shard.write().map.get_mut(key) {
            Some(Slot::One((holder, v))) if holder.id() == id => *v = new.clone(),
            _ => return Err(RegistryError::NotHeld),
        }
        Ok((new, old))
    }

    /// The keys `actor` registered: once per entry for duplicate keys, in no particular order
    /// across keys; empty for an actor with no entries or that has exited (REG-4.2).
    pub fn keys(&self, actor: ActorId) -> Vec<K> {
        self.inner
            .owner_shard(actor)
            .lock()
            .get(&actor)
            .cloned()
            .unwrap_or_default()
    }

    /// The values `actor` registered under `key`, in registration order (REG-4.3).
    pub fn values(&self, key: &K, actor: ActorId) -> Vec<V> {
        match self.snapshot(key) {
            Some(slot) => slot.with_entries(|entries| {
                entries
                    .iter()
                    .filter(|(a, _)| a.id() == actor)
                    .map(|(_, v)| v.clone())
                    .collect()
            }),
            None => Vec::new(),
        }
    }

    /// The metadata under `key`, if it is set and is a `T` (REG-8).
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

    /// A start hook that registers the new actor under `key` with `value`: pass it to
    /// [`StartOptions::before_init`](crate::StartOptions::before_init) for a via name with a value
    /// (REG-9.5) or other start options. A held key fails the start with
    /// [`StartError::AlreadyStarted`]; any other registry error with [`StartError::Refused`], whose
    /// source is the [`RegistryError`].
    pub fn register_on_start(
        &self,
        key: K,
        value: V,
    ) -> impl FnOnce() -> Result<(), StartError> + Send + 'static {
        let registry = self.clone();
        move || registry.register(key, value).map_err(start_error)
    }

    /// The entries under `key`, as a snapshot that needs no lock: the single entry (cloned) of a
    /// unique key, or a shared reference to the list of a duplicate one.
    fn snapshot(&self, key: &K) -> Option<Slot<V>> {
        self.inner.shard(key).read().map.get(key).cloned()
    }
}

/// A registration error as the error of a via-name start.
pub(crate) fn start_error(e: RegistryError) -> StartError {
    match e {
        RegistryError::AlreadyRegistered(holder) => StartError::AlreadyStarted(holder),
        other => StartError::Refused(InitError::new(other)),
    }
}

impl<K, V> Inner<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn shard(&self, key: &K) -> &Shard<K, V> {
        &self.shards[self.placement.index(key, self.shards.len())]
    }

    fn owner_shard(&self, id: ActorId) -> &OwnerShard<K> {
        &self.owners[self.placement.index(&id, self.owners.len())]
    }

    /// Runs under the registering actor's lock, so its exit hook cannot run in between.
    fn insert(&self, key: K, actor: AnyActor, value: V) -> Result<(), RegistryError> {
        let id = actor.id();
        {
            let mut table = self.shard(&key).write();
            match self.kind {
                Keys::Unique => table
                    .insert_unique(key.clone(), actor, value)
                    .map_err(RegistryError::AlreadyRegistered)?,
                Keys::Duplicate => table.insert_duplicate(key.clone(), actor, value),
            }
        }
        self.owner_shard(id).lock().entry(id).or_default().push(key);
        Ok(())
    }

    /// After `actor` removed `removed` of its entries under `key`: drops them from its owner
    /// index and, if that was `all` of them and not none, tells the listeners.
    fn unregistered(&self, key: &K, actor: AnyActor, removed: usize, all: bool) {
        if removed == 0 {
            return;
        }
        let id = actor.id();
        let mut n = removed;
        if let Some(keys) = self.owner_shard(id).lock().get_mut(&id) {
            // An emptied list stays until the actor exits: registering again needs no allocation.
            keys.retain(|k| {
                if n > 0 && k == key {
                    n -= 1;
                    false
                } else {
                    true
                }
            });
        }
        if all && !self.listeners.is_empty() {
            self.listeners.notify(&RegistryEvent::Unregistered {
                key: key.clone(),
                actor,
            });
        }
    }

    /// The exit hook: every entry of `id` goes.
    fn remove_actor(&self, id: ActorId) {
        let keys = self.owner_shard(id).lock().remove(&id).unwrap_or_default();
        for key in &keys {
            self.shard(key).write().remove_owned(key, id, |_| true);
        }
    }
}

impl<K, V> Clone for Registry<K, V> {
    fn clone(&self) -> Self {
        Registry {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> fmt::Debug for Registry<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("keys", &self.inner.kind)
            .field("partitions", &self.inner.partitions)
            .field("listeners", &self.inner.listeners)
            .finish_non_exhaustive()
    }
}

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
mod error;
pub(crate) mod hash;
mod inner;
mod key;
mod listener;
mod lock;
mod lookup;
mod meta;
mod named;
mod partition;
mod query;
mod register;
mod unique;
mod via;

use std::fmt;
use std::sync::Arc;

pub use builder::RegistryBuilder;
pub use error::RegistryError;
pub use key::{Keys, RegistryKey, RegistryValue};
pub use listener::RegistryEvent;
pub use named::Named;
pub use via::{NamedRegistry, ViaRegistry, Whereis};

pub(crate) use via::via_options;

use inner::Inner;

/// A registry of actors by key (Elixir's `Registry`), each entry carrying a value `V`.
///
/// Cheap to clone (an `Arc` inside); many may exist; share it by cloning. Every operation that
/// registers acts for the **calling actor** (the actor whose callback runs the code) and fails
/// with [`RegistryError::NotInActor`] elsewhere. An actor's entries disappear when it exits,
/// before anyone can observe the exit.
///
/// Keys are any [`RegistryKey`] (`Eq + Hash + Clone + Debug + Send + Sync + 'static`), values any
/// [`RegistryValue`] (`Clone + Send + Sync + 'static`). Reads by key take any borrowed form of
/// the key, as `HashMap::get` does: a `Registry<String>` is searched with a `&str`.
///
/// `V` defaults to `()`. Name the key type and the default applies:
/// `Registry::<String>::new(Keys::Unique)` (or `Registry::<String, u32>` with values). A bare
/// `Registry::new(…)` leaves `V` to inference, which only a registration with a value settles:
/// a registry used for via names alone needs the turbofish.
///
/// Reads return [`AnyActor`](crate::AnyActor)s: a registry may hold actors of several types. Get
/// typed handles with [`lookup_as`](Self::lookup_as),
/// [`AnyActor::downcast`](crate::AnyActor::downcast), or
/// [`ActorRef::whereis`](crate::Whereis::whereis) and the `whereis` of `#[actor]`-generated
/// handles; a typed read never returns an actor of another type.
///
/// # Example
///
/// ```
/// use beamish::prelude::*;
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
/// assert_eq!(ActorRef::<Worker>::whereis(&names, "worker-1"), Some(w.clone()));
/// assert_eq!(names.keys(w.id()), vec![key.clone()]);
///
/// // A second start under the same name is refused with the holder's id.
/// let again = ActorRef::<Worker>::start_via(&names, key.clone(), ()).await;
/// assert!(matches!(
///     again.unwrap_err(),
///     StartError::AlreadyStarted(holder) if holder == w.id()
/// ));
///
/// // Once the holder has exited the name is free: no dead actor is ever returned.
/// w.stop(ExitReason::Normal).await?;
/// assert!(names.whereis("worker-1").is_none());
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
///   they fail with [`RegistryError::NotUnique`] (via starts with
///   [`StartError::Refused`](crate::StartError::Refused)) and
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

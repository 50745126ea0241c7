//! The locks and atomics the concurrent core is written against: std's, or loom's when built
//! with `--cfg beamish_loom`, so that the model checks in `actor/models.rs` explore the
//! interleavings of the very code that ships (as tokio does with its own `loom` facade).
//!
//! Only what the models exercise goes through here: the mailbox queue's lock, an actor core's
//! state lock (under which exit waiters register), its exit flags and recorded exit code, and a
//! registry's table and owner locks. `Arc`s stay std's (loom's cannot hold a `dyn Proc`), and
//! so do tokio's primitives (tokio checks its own with loom).

#[cfg(not(beamish_loom))]
pub(crate) use std::sync::atomic::{AtomicU8, AtomicU32};
#[cfg(not(beamish_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(beamish_loom)]
pub(crate) use loom::sync::atomic::{AtomicU8, AtomicU32};
#[cfg(beamish_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

//! The table of live actors: sixteen shards by id, each a slab (a slot per actor, freed slots
//! reused), so that a spawn or an exit is one uncontended lock and a push or a store — no
//! hashing, no tree to rebalance. The actor keeps its slot's index. Lookups by id scan one
//! shard: they serve introspection, not the message path.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::ProcessInfo;
use crate::ActorId;
use crate::actor::{AnyActor, Core, Proc, ProcRef};

const SHARDS: usize = 16;

struct Slab {
    slots: Vec<Option<Weak<dyn Proc>>>,
    free: Vec<u32>,
}

type Shard = Mutex<Slab>;

static TABLE: [Shard; SHARDS] = [const {
    Mutex::new(Slab {
        slots: Vec::new(),
        free: Vec::new(),
    })
}; SHARDS];

fn shard(id: ActorId) -> &'static Shard {
    // Ids are sequential: consecutive actors land in different shards.
    &TABLE[(id.local_id() % SHARDS as u64) as usize]
}

fn lock(shard: &Shard) -> std::sync::MutexGuard<'_, Slab> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A new actor is in the table until its exit path removes it.
pub(crate) fn insert(proc: &ProcRef) {
    let core = proc.core();
    let weak = Arc::downgrade(proc);
    let mut slab = lock(shard(core.id));
    let at = match slab.free.pop() {
        Some(at) => {
            slab.slots[at as usize] = Some(weak);
            at
        }
        None => {
            slab.slots.push(Some(weak));
            // More than 4 billion live actors in one shard cannot fit in memory.
            u32::try_from(slab.slots.len() - 1).unwrap_or(u32::MAX)
        }
    };
    core.table_slot.store(at, Ordering::Relaxed);
}

pub(super) fn remove(core: &Core) {
    let at = core.table_slot.load(Ordering::Relaxed);
    let mut slab = lock(shard(core.id));
    if let Some(slot) = slab.slots.get_mut(at as usize) {
        *slot = None;
        slab.free.push(at);
    }
}

pub(super) fn get(id: ActorId) -> Option<ProcRef> {
    lock(shard(id))
        .slots
        .iter()
        .flatten()
        .filter_map(Weak::upgrade)
        .find(|p| p.core().id == id)
}

/// Every live actor, in spawn order (by id).
pub(super) fn all() -> Vec<ProcRef> {
    let mut procs: Vec<ProcRef> = Vec::new();
    for shard in &TABLE {
        procs.extend(lock(shard).slots.iter().flatten().filter_map(Weak::upgrade));
    }
    procs.sort_unstable_by_key(|p| p.core().id);
    procs
}

/// The snapshot of one actor.
pub(super) fn info(proc: &ProcRef) -> ProcessInfo {
    let core = proc.core();
    let relations = core.relations();
    ProcessInfo {
        id: core.id,
        type_name: core.type_name,
        parent: relations.parent,
        trap_exit: relations.trap_exit,
        links: relations.links,
        monitored_by: relations.monitored_by,
        monitoring: relations.monitoring,
        restarts: relations.restarts,
        mailbox: proc.mailbox_stats(),
        supervisor: core.type_name.starts_with("actor_core::supervisor::"),
    }
}

/// Every live actor, in spawn order (by id): an actor that exits while the listing is taken
/// may still be in it, one spawned meanwhile may not.
pub fn processes() -> Vec<ProcessInfo> {
    all().iter().map(info).collect()
}

/// One live actor, or `None` if `id` names no live actor.
pub fn process(id: ActorId) -> Option<ProcessInfo> {
    get(id).filter(|p| p.core().is_alive()).map(|p| info(&p))
}

/// An untyped handle to a live actor by id (to stop or kill it, monitor it, or downcast it), or
/// `None` if `id` names no live actor.
pub fn actor(id: ActorId) -> Option<AnyActor> {
    get(id)
        .filter(|p| p.core().is_alive())
        .map(AnyActor::from_proc)
}

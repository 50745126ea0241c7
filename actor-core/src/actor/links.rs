//! The set of actors linked to one actor, kept small while it is small.

use std::collections::HashMap;

use crate::ActorId;

/// What a link holds: something with an actor id (the linked actor's `ProcRef`).
pub(super) trait Linked {
    fn actor_id(&self) -> ActorId;
}

/// The actors linked to one actor: a short list while it is short (most actors have a link or
/// two: no hashing, 8 bytes a link), a map by id once it grows (a supervisor with thousands of
/// children), so that linking, unlinking and a linked actor's exit stay O(1) instead of a scan
/// of every link — which made starting or stopping n children of one supervisor O(n²).
pub(super) enum Links<P> {
    Few(Vec<P>),
    /// Boxed: keeps `Links` as small as a `Vec` in every actor's state.
    #[allow(
        clippy::box_collection,
        reason = "24 bytes in every actor instead of 48"
    )]
    Many(Box<HashMap<ActorId, P>>),
}

impl<P: Linked> Links<P> {
    /// Above this many links, the map.
    const FEW: usize = 16;

    pub(super) fn contains(&self, id: ActorId) -> bool {
        match self {
            Links::Few(list) => list.iter().any(|p| p.actor_id() == id),
            Links::Many(map) => map.contains_key(&id),
        }
    }

    /// Adds `proc`, which must not be linked yet.
    pub(super) fn insert(&mut self, proc: P) {
        match self {
            Links::Few(list) if list.len() < Self::FEW => list.push(proc),
            Links::Few(list) => {
                let mut map: HashMap<ActorId, P> =
                    list.drain(..).map(|p| (p.actor_id(), p)).collect();
                map.insert(proc.actor_id(), proc);
                *self = Links::Many(Box::new(map));
            }
            Links::Many(map) => {
                map.insert(proc.actor_id(), proc);
            }
        }
    }

    pub(super) fn remove(&mut self, id: ActorId) {
        match self {
            Links::Few(list) => list.retain(|p| p.actor_id() != id),
            Links::Many(map) => {
                map.remove(&id);
            }
        }
    }

    /// The linked actors' ids.
    pub(super) fn ids(&self) -> Vec<ActorId> {
        match self {
            Links::Few(list) => list.iter().map(Linked::actor_id).collect(),
            Links::Many(map) => map.keys().copied().collect(),
        }
    }

    /// Every link, leaving none.
    pub(super) fn take(&mut self) -> Vec<P> {
        match std::mem::take(self) {
            Links::Few(list) => list,
            Links::Many(map) => map.into_values().collect(),
        }
    }
}

impl<P> Default for Links<P> {
    fn default() -> Self {
        Links::Few(Vec::new())
    }
}

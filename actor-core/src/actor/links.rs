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
    /// None, or a list that grew past one (a link is then pushed to it, not stored alone).
    Few(Vec<P>),
    /// The usual case, without a list to allocate: an actor linked to its supervisor or starter.
    One(P),
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
            Links::Many(map) => map.contains_key(&id),
            few => few.iter().any(|p| p.actor_id() == id),
        }
    }

    /// Adds `proc`, which must not be linked yet.
    pub(super) fn insert(&mut self, proc: P) {
        match self {
            Links::Few(list) if list.capacity() == 0 => *self = Links::One(proc),
            Links::One(_) => {
                if let Links::One(first) = std::mem::take(self) {
                    *self = Links::Few(vec![first, proc]);
                }
            }
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
            Links::One(p) if p.actor_id() == id => *self = Links::default(),
            Links::One(_) => {}
            Links::Many(map) => {
                map.remove(&id);
            }
        }
    }

    /// The linked actors' ids.
    pub(super) fn ids(&self) -> Vec<ActorId> {
        self.iter().map(Linked::actor_id).collect()
    }

    /// Every link, leaving none.
    pub(super) fn take(&mut self) -> Links<P> {
        std::mem::take(self)
    }

    /// The linked actors.
    pub(super) fn iter(&self) -> impl Iterator<Item = &P> {
        let (listed, mapped) = match self {
            Links::Few(list) => (list.as_slice(), None),
            Links::One(proc) => (std::slice::from_ref(proc), None),
            Links::Many(map) => (&[][..], Some(map.values())),
        };
        listed.iter().chain(mapped.into_iter().flatten())
    }
}

impl<P> Default for Links<P> {
    fn default() -> Self {
        Links::Few(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::{Linked, Links};
    use crate::ActorId;

    #[derive(Debug, PartialEq)]
    struct Proc(ActorId);

    impl Linked for Proc {
        fn actor_id(&self) -> ActorId {
            self.0
        }
    }

    fn ids(links: &Links<Proc>) -> Vec<u64> {
        let mut ids: Vec<u64> = links.ids().iter().map(ActorId::local_id).collect();
        ids.sort_unstable();
        ids
    }

    /// One link, a short list, a map and back: every shape answers `contains`, `remove`, `ids`
    /// and `take` alike.
    #[test]
    fn every_shape_keeps_exactly_the_linked_actors() {
        let mut links = Links::default();
        for n in 1..=40u64 {
            links.insert(Proc(ActorId::local(n)));
            assert_eq!(ids(&links), (1..=n).collect::<Vec<_>>());
            assert!(links.contains(ActorId::local(n)));
            assert!(!links.contains(ActorId::local(n + 1)));
            if n == 1 {
                assert!(matches!(links, Links::One(_)), "one link is held alone");
            }
        }
        for n in (2..=40u64).rev() {
            links.remove(ActorId::local(n));
            assert!(!links.contains(ActorId::local(n)));
            assert_eq!(ids(&links), (1..n).collect::<Vec<_>>());
        }
        // Removing an actor that is not linked changes nothing.
        links.remove(ActorId::local(7));
        assert_eq!(ids(&links), vec![1]);
        let taken = links.take();
        assert_eq!(ids(&taken), vec![1]);
        assert!(ids(&links).is_empty());

        let mut one = Links::default();
        one.insert(Proc(ActorId::local(5)));
        one.remove(ActorId::local(5));
        assert!(matches!(&one, Links::Few(list) if list.capacity() == 0));
        one.insert(Proc(ActorId::local(6)));
        one.insert(Proc(ActorId::local(8)));
        assert_eq!(ids(&one), vec![6, 8]);
    }

    /// The set is in every actor's state: no bigger than a `Vec`.
    #[test]
    fn links_are_as_small_as_a_vec() {
        assert_eq!(
            size_of::<Links<std::sync::Arc<dyn Send + Sync>>>(),
            size_of::<Vec<()>>()
        );
    }
}

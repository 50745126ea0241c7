//! The untyped handle: [`AnyActor`].

use std::fmt;
use std::hash::{Hash, Hasher};

use super::cell::ProcRef;
use super::current::current;

/// An untyped handle to any actor: what supervisors, links and monitors need without knowing the
/// message type. Cheap to clone, compared and hashed by actor id; its lifecycle methods come from
/// [`ActorHandle`](crate::ActorHandle), and [`downcast`](Self::downcast) gives the typed handle
/// back.
#[derive(Clone)]
pub struct AnyActor(pub(crate) ProcRef);

impl AnyActor {
    /// The calling actor, or `None` outside any actor.
    pub fn current() -> Option<AnyActor> {
        current().map(AnyActor)
    }
}

impl fmt::Debug for AnyActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = self.0.core();
        f.debug_struct("AnyActor")
            .field("id", &core.id)
            .field("actor", &core.type_name)
            .finish()
    }
}

impl PartialEq for AnyActor {
    fn eq(&self, other: &Self) -> bool {
        self.0.core().id == other.0.core().id
    }
}

impl Eq for AnyActor {}

impl Hash for AnyActor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.core().id.hash(state);
    }
}

//! The untyped handle: [`AnyActor`].

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::cell::ProcRef;
use super::current::current;
use super::follow::{Follows, Publish};
use super::lifecycle::{ActorHandle, ActorView};

/// An untyped handle to any actor: what supervisors, links and monitors need without knowing the
/// message type. Cheap to clone, compared and hashed by actor id; its lifecycle methods come from
/// [`ActorHandle`], and [`downcast`](Self::downcast) gives the typed handle
/// back.
///
/// One that follows a supervised child across restarts (from
/// [`DynamicSupervisor::start_child_followed`](crate::DynamicSupervisor::start_child_followed)
/// or [`Supervisor::follow_child`](crate::Supervisor::follow_child)) names the child's current
/// incarnation, and [`downcast`](Self::downcast) gives a typed handle that follows it too.
#[derive(Clone)]
pub struct AnyActor(Untyped);

#[derive(Clone)]
enum Untyped {
    Proc(ProcRef),
    Follow(Arc<dyn Follows>),
}

impl AnyActor {
    /// The calling actor, or `None` outside any actor.
    pub fn current() -> Option<AnyActor> {
        current().map(AnyActor::from_proc)
    }

    pub(crate) fn from_proc(proc: ProcRef) -> Self {
        AnyActor(Untyped::Proc(proc))
    }

    pub(crate) fn following(follow: Arc<dyn Follows>) -> Self {
        AnyActor(Untyped::Follow(follow))
    }

    /// The actor (the current incarnation, for a followed child).
    pub(crate) fn proc(&self) -> ProcRef {
        match &self.0 {
            Untyped::Proc(proc) => proc.clone(),
            Untyped::Follow(follow) => follow.current(),
        }
    }

    /// Whether the actor's state parks for inline calls (its callers asked for them): a
    /// supervisor has its next incarnation park from the start.
    pub(crate) fn parks(&self) -> bool {
        match &self.0 {
            Untyped::Proc(proc) => proc.parks(),
            Untyped::Follow(follow) => follow.current().parks(),
        }
    }

    /// A publisher of this actor's incarnations, for handles that follow it across restarts.
    pub(crate) fn publisher(&self) -> Box<dyn Publish> {
        self.proc().publisher()
    }

    /// The actor by value, or what it follows.
    pub(crate) fn into_parts(self) -> Result<ProcRef, Arc<dyn Follows>> {
        match self.0 {
            Untyped::Proc(proc) => Ok(proc),
            Untyped::Follow(follow) => Err(follow),
        }
    }

    /// The cell of this actor, if it is a local actor of type `A` (not a stand-in for a remote
    /// one, nor a handle that follows restarts), borrowed.
    pub(crate) fn local_cell<A: crate::Actor>(&self) -> Option<&super::proc::Cell<A::Message>> {
        let Untyped::Proc(proc) = &self.0 else {
            return None;
        };
        let cell = proc
            .as_any()
            .downcast_ref::<super::proc::Cell<A::Message>>()?;
        super::cell::is_of::<A>(&cell.core).then_some(cell)
    }

    /// Whether this handle follows a supervised child across restarts.
    pub fn follows_restarts(&self) -> bool {
        matches!(self.0, Untyped::Follow(_))
    }
}

impl ActorHandle for AnyActor {
    fn view(&self) -> ActorView<'_> {
        match &self.0 {
            Untyped::Proc(proc) => ActorView::new(proc),
            Untyped::Follow(follow) => ActorView::followed(follow),
        }
    }
}

impl fmt::Debug for AnyActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let view = self.view();
        let core = view.core();
        f.debug_struct("AnyActor")
            .field("id", &core.id)
            .field("actor", &core.type_name)
            .field("follows_restarts", &self.follows_restarts())
            .finish()
    }
}

/// Two handles are equal when they name the same actor: the same id, or, for handles that follow
/// a child across restarts, the same followed child.
impl PartialEq for AnyActor {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Untyped::Proc(a), Untyped::Proc(b)) => a.core().id == b.core().id,
            (Untyped::Follow(a), Untyped::Follow(b)) => same_follow(a, b),
            _ => false,
        }
    }
}

impl Eq for AnyActor {}

impl Hash for AnyActor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Untyped::Proc(proc) => proc.core().id.hash(state),
            Untyped::Follow(follow) => follow.key().hash(state),
        }
    }
}

fn same_follow(a: &Arc<dyn Follows>, b: &Arc<dyn Follows>) -> bool {
    a.key() == b.key()
}

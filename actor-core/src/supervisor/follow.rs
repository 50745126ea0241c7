//! Children that handles follow across restarts: the publisher a supervisor keeps in a child's
//! record, created when the first such handle is asked for, dropped with the record (which is
//! how followed calls learn the child is gone for good).

use crate::AnyActor;
use crate::actor::Publish;

/// Who follows one child, if anyone: told of each new incarnation.
#[derive(Default)]
pub(crate) struct Followers(Option<Box<dyn Publish>>);

impl Followers {
    /// `actor` is the child's new incarnation.
    pub(crate) fn started(&self, actor: &AnyActor) {
        if let Some(publish) = &self.0 {
            publish.started(&actor.proc());
        }
    }

    /// The child stopped and is not restarted by itself: followed calls fail at once.
    pub(crate) fn stopped(&self) {
        if let Some(publish) = &self.0 {
            publish.stopped();
        }
    }

    /// A handle that follows the child, whose current incarnation is `running`.
    pub(crate) fn handle(&mut self, running: &AnyActor) -> AnyActor {
        self.0
            .get_or_insert_with(|| running.publisher())
            .subscribe()
    }
}

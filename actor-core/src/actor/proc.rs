//! Type-erased access to an actor ([`Proc`]) and the typed cell behind every handle ([`Cell`]).

use std::any::Any;
use std::sync::Arc;

use super::cell::Core;
use super::follow::{self, Publish};
use super::links::Linked;
use super::mailbox::{MailboxTx, Sys};
use crate::ActorId;

/// Type-erased access to an actor: its core and a way to put system messages in its mailbox.
pub(crate) trait Proc: Send + Sync + 'static {
    fn core(&self) -> &Core;
    fn send_sys(&self, sys: Sys) -> bool;
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// A publisher of this actor's incarnations, for handles that follow it across restarts.
    fn publisher(self: Arc<Self>) -> Box<dyn Publish>;
}

pub(crate) type ProcRef = Arc<dyn Proc>;

impl Linked for ProcRef {
    fn actor_id(&self) -> ActorId {
        self.core().id
    }
}

/// A typed actor cell: the core plus the sending half of its mailbox.
pub(crate) struct Cell<M> {
    pub(crate) core: Core,
    pub(crate) mailbox: MailboxTx<M>,
}

impl<M: Send + 'static> Proc for Cell<M> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn send_sys(&self, sys: Sys) -> bool {
        self.mailbox.send_sys(sys)
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn publisher(self: Arc<Self>) -> Box<dyn Publish> {
        follow::publisher(self)
    }
}

//! A cluster supervisor's child as the cluster knows it, and the counts.

use std::sync::Weak;

use actor_core::__private::{AnyActor, FromAnyActor, Restart};

/// One child of a [`ClusterSupervisor`](crate::ClusterSupervisor), as the cluster knows it.
#[derive(Clone)]
pub struct ClusterChild {
    pub(super) id: String,
    pub(super) tag: String,
    pub(super) restart: Restart,
    /// Where it runs: node, epoch, local id; and its owner entry's token.
    pub(super) owner: Option<(String, u64, u64, crate::FencingToken)>,
    pub(super) node_ref: Weak<crate::node::Inner>,
}

impl std::fmt::Debug for ClusterChild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterChild")
            .field("id", &self.id)
            .field("tag", &self.tag)
            .field("restart", &self.restart)
            .field("node", &self.node())
            .field("token", &self.token())
            .finish()
    }
}

impl ClusterChild {
    /// Its cluster-wide id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its actor type's remote tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Its restart policy.
    pub fn restart(&self) -> Restart {
        self.restart
    }

    /// The node it runs on, if it runs (not between its node's loss and its adoption).
    pub fn node(&self) -> Option<&str> {
        self.owner.as_ref().map(|(node, ..)| node.as_str())
    }

    /// The revision of its ownership entry: its fencing token. Every change of owner (an
    /// adoption, a local restart) writes a higher one, so a system outside the cluster can
    /// refuse writes from an owner older than the newest it has seen. Within one life of the
    /// store only: a store that was lost and rebuilt numbers its entries from 1 again, so
    /// revisions from before the loss do not compare with those after it; [`token`](Self::token)
    /// does.
    pub fn revision(&self) -> Option<u64> {
        self.token().map(|t| t.revision)
    }

    /// Its fencing token: its owner entry's revision, led by the store's generation, so a later
    /// owner's compares greater even across a store that was lost and rebuilt (see
    /// [`FencingToken`](crate::FencingToken)).
    pub fn token(&self) -> Option<crate::FencingToken> {
        self.owner.as_ref().map(|(.., token)| *token)
    }

    /// Its actor, untyped (a stand-in when it runs on another node); `None` if it does not
    /// run.
    pub fn actor(&self) -> Option<AnyActor> {
        let (node, epoch, local, _) = self.owner.as_ref()?;
        self.node_ref
            .upgrade()?
            .actor(node, *epoch, *local, &self.tag)
    }

    /// Its actor through its typed handle: `None` if it does not run, or is of another type.
    pub fn handle<H: FromAnyActor>(&self) -> Option<H> {
        H::from_any(self.actor()?)
    }
}

/// How many children a [`ClusterSupervisor`](crate::ClusterSupervisor) has, cluster-wide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClusterChildCounts {
    /// Children wished for.
    pub specs: usize,
    /// Of those, the ones running (an owner on a live node, started).
    pub active: usize,
}

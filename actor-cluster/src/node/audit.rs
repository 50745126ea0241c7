//! Recovery of control frames lost to a full incoming queue or a reconnection.
//!
//! A node's incoming queue is bounded ([`NodeOptions::inbound_queue`](crate::NodeOptions)): past
//! it NATS drops the newest messages. A dropped cast or call is the sender's loss, and the
//! caller of a call learns it by its timeout. A dropped `watch` or `down` frame is worse: a remote
//! monitor or link would never fire. So each drop the connection reports triggers an audit, which
//! makes both sides of every remote watch say again what they may have lost:
//!
//! - this node re-sends `watch` for every stand-in it holds: a watched actor that is alive is
//!   tracked again (watching is idempotent), one that exited answers `down` with its reason
//!   (or `NoProc` once forgotten), which covers a `down` this node dropped;
//! - it asks every member (`audit`) to do the same for its stand-ins of this node's actors,
//!   which covers a `watch` this node dropped.
//!
//! A reconnection to the server triggers an audit too: frames sent to this node while it was
//! away, or to a node that had not yet subscribed again, went nowhere.
//!
//! The audit's own frames or their answers can be dropped too while the burst lasts; each such
//! drop is reported in turn and triggers another audit, at most one every
//! [`NodeOptions::audit_spacing`](crate::NodeOptions::audit_spacing) (100 ms by default).
//!
//! Answering a member's `audit` costs one `watch` frame per stand-in of its actors, so the
//! answers are spaced as well: at most one per member per spacing. The first `audit` is
//! answered at once; those that come within the spacing after an answer are coalesced into one
//! answer when it is over (never dropped: each `audit` is followed by a re-send that starts
//! after it arrived). A member sending a stream of `audit` frames thus costs this node one
//! re-send per spacing, however fast it sends.

use std::collections::hash_map::Entry;
use std::sync::{Arc, Weak};

use tokio::sync::Notify;

use super::{Inner, frames, lock};
use crate::peers::{self, Peer};

/// Audits `node` each time `dropped` is notified (at most once per spacing, so that a long
/// burst of drops costs a few audits, not one per drop), until the node is gone.
pub(crate) async fn audit_loop(node: Weak<Inner>, dropped: Arc<Notify>) {
    loop {
        dropped.notified().await;
        let Some(inner) = node.upgrade() else {
            return;
        };
        if !inner.audit() {
            // A frame found the outgoing queue full: try again at the next turn.
            dropped.notify_one();
        }
        let spacing = inner.audit_spacing;
        drop(inner);
        tokio::time::sleep(spacing).await;
    }
}

impl Inner {
    /// Re-sends the watches of this node's stand-ins and asks every member to re-send theirs of
    /// this node's actors. `false` if some frame did not fit in the outgoing queue.
    fn audit(&self) -> bool {
        let mut sent = self.rewatch(None);
        let members: Vec<(String, u64)> = self
            .members
            .read()
            .iter()
            .filter(|(name, _)| **name != self.name)
            .map(|(name, epoch)| (name.clone(), *epoch))
            .collect();
        for (name, _) in members {
            sent &= self.send(frames::audit(self, &name)).is_ok();
        }
        tracing::debug!(node = %self.name, "audit after dropped incoming messages");
        sent
    }

    /// Answers `peer`'s `audit`: at once if none of its audits was answered within the last
    /// spacing, else once the spacing is over, together with every other asked meanwhile.
    pub(crate) fn audit_asked(self: &Arc<Self>, peer: Arc<Peer>) {
        match lock(&self.answering).entry(peer.index) {
            // Answered lately: this one waits for the end of the spacing.
            Entry::Occupied(mut asked) => {
                asked.insert(true);
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert(false);
            }
        }
        if !self.rewatch(Some(&peer)) {
            // Some watch did not fit in the outgoing queue: answered again at the next turn.
            lock(&self.answering).insert(peer.index, true);
        }
        let (node, spacing) = (Arc::downgrade(self), self.audit_spacing);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(spacing).await;
                let Some(inner) = node.upgrade() else {
                    return;
                };
                {
                    let mut answering = lock(&inner.answering);
                    if answering.get(&peer.index) != Some(&true) {
                        // None asked since the last answer: the next is answered at once.
                        answering.remove(&peer.index);
                        return;
                    }
                    answering.insert(peer.index, false);
                }
                if !inner.rewatch(Some(&peer)) {
                    lock(&inner.answering).insert(peer.index, true);
                }
            }
        });
    }

    /// Re-sends `watch` for each live stand-in (of `peer`'s actors only, if given). `false` if
    /// some frame did not fit in the outgoing queue.
    pub(crate) fn rewatch(&self, peer: Option<&Peer>) -> bool {
        let held: Vec<_> = lock(&self.shadows)
            .iter()
            .filter(|(id, _)| peer.is_none_or(|p| id.node() == p.index))
            .filter_map(|(id, proc)| Some((*id, proc.upgrade()?)))
            .collect();
        let mut sent = true;
        for (id, proc) in held {
            if !proc.is_alive() {
                continue;
            }
            let Some(of) = peers::by_index(id.node()) else {
                continue;
            };
            if of.is_down() {
                continue;
            }
            sent &= self.send(frames::watch(self, &of, id.local_id())).is_ok();
        }
        sent
    }
}

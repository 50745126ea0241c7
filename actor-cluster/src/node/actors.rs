//! The actors a node deals in: stand-ins for remote ones, and the local ones other nodes reach
//! (their exits delete their registry entries, then tell the watching nodes).

use std::sync::{Arc, Weak};

use actor_core::__private::remote::{self, RemoteProc};
use actor_core::__private::{ActorHandle, ActorId, AnyActor, ExitReason};

use super::{Inner, Tracked, frames, lock, port};
use crate::peers::{self, Peer};

impl Inner {
    /// Node incarnation `(node, epoch)`, numbered on first sight (see [`peers::peer`]: one that
    /// is not a member of this node is not numbered once the table is nearly full).
    pub(crate) fn peer(&self, node: &str, epoch: u64) -> Option<Arc<Peer>> {
        peers::known(node, epoch).or_else(|| {
            let member = self.members.read().get(node) == Some(&epoch);
            peers::peer(node, epoch, member)
        })
    }

    /// The handle to actor `local` of node incarnation `(node, epoch)`, of type `tag`: the
    /// local actor for this node's own, otherwise a stand-in (one per remote actor while any
    /// handle holds it), which this node watches so that it ends with the real one.
    pub(crate) fn actor(
        self: &Arc<Self>,
        node: &str,
        epoch: u64,
        local: u64,
        tag: &str,
    ) -> Option<AnyActor> {
        if node == self.name && epoch == self.epoch() {
            return self.local_actor(local);
        }
        let peer = self.peer(node, epoch)?;
        let id = peer.actor_id(local);
        let mut shadows = lock(&self.shadows);
        if let Some(found) = shadows.get(&id).and_then(Weak::upgrade) {
            return Some(found.to_any());
        }
        let port = port::Port::new(self, peer.clone(), local, tag);
        let proc = RemoteProc::new(id, tag, Arc::new(port));
        shadows.insert(id, Arc::downgrade(&proc));
        drop(shadows);
        if peer.is_down() || self.superseded(&peer) {
            proc.exited(if peer.has_left() {
                ExitReason::NoProc
            } else {
                ExitReason::NoConnection
            });
        } else {
            let _ = self.send(frames::watch(self, &peer, local));
        }
        Some(proc.to_any())
    }

    /// Whether local `actor` may be linked with `peer`'s actor `from` at `peer`'s asking: it has
    /// fewer than [`NodeOptions::peer_links`](crate::NodeOptions::peer_links) links with
    /// `peer`'s actors, or already this one (a `link` frame sent again). A frame claiming to
    /// come from this node itself is no peer's, and refused.
    pub(crate) fn admits_link(&self, actor: &AnyActor, peer: &Peer, from: u64) -> bool {
        if *peer.name == *self.name && peer.epoch == self.epoch() {
            return false;
        }
        // Gone meanwhile: the link is not made, and the linker's watch tells the real reason.
        let Some(info) = actor_core::sys::process(actor.id()) else {
            return true;
        };
        let linker = peer.actor_id(from);
        let mut count = 0;
        for id in info.links.iter().filter(|id| id.node() == peer.index) {
            if *id == linker {
                return true;
            }
            count += 1;
        }
        count < self.peer_links
    }

    /// The target's node refused the link of local actor `linker` with the remote `target`
    /// (see [`NodeOptions::peer_links`](crate::NodeOptions::peer_links)): the link is dropped
    /// here too, and `linker` gets the exit signal `reason` from `target`, as if the link had
    /// fired. Nothing happens if the link is gone meanwhile (unlinked, or ended).
    pub(crate) fn link_refused(&self, linker: ActorId, target: ActorId, reason: &ExitReason) {
        let (Some(actor), Some(stand_in)) =
            (self.local_actor(linker.local_id()), self.shadow(target))
        else {
            return;
        };
        if actor_core::sys::process(actor.id()).is_some_and(|p| p.links.contains(&target)) {
            remote::unlink_here(&actor, &stand_in.to_any());
            remote::signal_from(&actor, target, reason);
        }
    }

    /// The stand-in for `id`, if one is held.
    pub(crate) fn shadow(&self, id: ActorId) -> Option<Arc<RemoteProc>> {
        lock(&self.shadows).get(&id).and_then(Weak::upgrade)
    }

    pub(crate) fn forget_shadow(&self, id: ActorId) {
        let mut shadows = lock(&self.shadows);
        if shadows.get(&id).is_some_and(|w| w.strong_count() == 0) {
            shadows.remove(&id);
        }
    }

    /// Ends every stand-in of `peer`'s actors with `reason`.
    pub(crate) fn end_shadows_of(&self, peer: &Peer, reason: &ExitReason) {
        let ended: Vec<Arc<RemoteProc>> = lock(&self.shadows)
            .iter()
            .filter(|(id, _)| id.node() == peer.index)
            .filter_map(|(_, w)| w.upgrade())
            .collect();
        for proc in ended {
            proc.exited(reason.clone());
        }
    }

    /// Ends every stand-in this node holds with `reason` (this node was cut off from all).
    pub(crate) fn end_all_shadows(&self, reason: &ExitReason) {
        let ended: Vec<Arc<RemoteProc>> = lock(&self.shadows)
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for proc in ended {
            proc.exited(reason.clone());
        }
    }

    /// What a `watch` of local actor `local` watches: a tracked actor (alive, or exiting: its
    /// watchers are told once its entries are gone), a live one, or else the reason it exited
    /// with if that is remembered (`None`: no such actor).
    pub(crate) fn watch_target(&self, local: u64) -> Result<AnyActor, Option<ExitReason>> {
        if let Some(t) = lock(&self.tracked).get(&local) {
            return Ok(t.actor.clone());
        }
        if let Some(actor) = self.local_actor(local) {
            return Ok(actor);
        }
        let recent = lock(&self.recent_exits);
        Err(recent
            .iter()
            .rev()
            .find(|(l, _)| *l == local)
            .map(|(_, r)| r.clone()))
    }

    /// This node's live actor `local`.
    pub(crate) fn local_actor(&self, local: u64) -> Option<AnyActor> {
        if let Some(t) = lock(&self.tracked).get(&local)
            && t.actor.is_alive()
        {
            return Some(t.actor.clone());
        }
        remote::local_actor(local)
    }

    /// Whether a newer incarnation of `peer`'s node is a member.
    pub(crate) fn superseded(&self, peer: &Peer) -> bool {
        self.members
            .read()
            .get(&*peer.name)
            .is_some_and(|epoch| *epoch != peer.epoch)
    }

    /// Follows local `actor` for the cluster: on its exit its registry entries are deleted,
    /// then the nodes watching it are told (in that order). `watcher`: a node's ctl subject.
    pub(crate) fn track(self: &Arc<Self>, actor: &AnyActor, watcher: Option<String>) {
        let local = actor.id().local_id();
        let mut tracked = lock(&self.tracked);
        let first = !tracked.contains_key(&local);
        let entry = tracked.entry(local).or_insert_with(|| Tracked {
            actor: actor.clone(),
            watchers: Vec::new(),
        });
        if let Some(w) = watcher
            && !entry.watchers.contains(&w)
        {
            entry.watchers.push(w);
        }
        drop(tracked);
        if first {
            let (inner, actor) = (self.clone(), actor.clone());
            tokio::spawn(async move {
                let reason = actor.wait().await;
                inner.actor_exited(local, &reason).await;
            });
        }
    }

    async fn actor_exited(self: &Arc<Self>, local: u64, reason: &ExitReason) {
        {
            let mut recent = lock(&self.recent_exits);
            if recent.len() >= super::RECENT_EXITS {
                recent.pop_front();
            }
            recent.push_back((local, reason.clone()));
        }
        for registry in self.registries() {
            registry.owner_exited(local).await;
        }
        let watchers = lock(&self.tracked)
            .remove(&local)
            .map(|t| t.watchers)
            .unwrap_or_default();
        for ctl in watchers {
            let _ = self.send(frames::down(self, ctl, local, reason));
        }
    }
}

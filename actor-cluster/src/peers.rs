//! Node incarnations met by this process, numbered: the node part of the [`ActorId`]s of their
//! actors. A node incarnation is a node name and the random epoch it drew when it joined; a
//! restarted node is a new incarnation, so its old actors' ids never name its new ones.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use actor_core::__private::ActorId;
use tokio::sync::Notify;

/// At most this many node incarnations are numbered per process: past it, frames naming new
/// ones are refused (a peer inventing epochs could only be hostile).
const MAX_PEERS: usize = 1 << 16;
/// Incarnations that are not a current member of the node asking are numbered only while the
/// table holds fewer than this: the rest is kept for members, so a peer naming made-up
/// incarnations in frames or handles cannot keep this process from numbering nodes that join.
const MAX_UNCONFIRMED: usize = MAX_PEERS - 4_096;

/// One node incarnation.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) name: Arc<str>,
    pub(crate) epoch: u64,
    /// The node part of its actors' ids here.
    pub(crate) index: u32,
    down: AtomicBool,
    /// It left on purpose (its membership key was deleted, not expired).
    left: AtomicBool,
    changed: Notify,
}

impl Peer {
    /// The id of its actor `local` here.
    pub(crate) fn actor_id(&self, local: u64) -> ActorId {
        ActorId::remote(self.index, local)
    }

    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    pub(crate) fn has_left(&self) -> bool {
        self.left.load(Ordering::Acquire)
    }

    /// Records that the incarnation is gone (`left`: on purpose); wakes whoever waits on it.
    pub(crate) fn mark_down(&self, left: bool) -> bool {
        if left {
            self.left.store(true, Ordering::Release);
        }
        let first = !self.down.swap(true, Ordering::AcqRel);
        self.changed.notify_waiters();
        first
    }

    /// Returns once the incarnation is gone.
    pub(crate) async fn gone(&self) {
        loop {
            let changed = self.changed.notified();
            if self.is_down() {
                return;
            }
            changed.await;
        }
    }
}

#[derive(Default)]
struct Table {
    by_key: HashMap<(Arc<str>, u64), Arc<Peer>>,
    by_index: Vec<Arc<Peer>>,
}

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// The incarnation `(name, epoch)`, numbered on first sight; `None` past [`MAX_PEERS`], or
/// past [`MAX_UNCONFIRMED`] for one that is not a `member` of the node asking.
pub(crate) fn peer(name: &str, epoch: u64, member: bool) -> Option<Arc<Peer>> {
    let mut table = table().lock().unwrap_or_else(PoisonError::into_inner);
    let key: (Arc<str>, u64) = (Arc::from(name), epoch);
    if let Some(found) = table.by_key.get(&key) {
        return Some(found.clone());
    }
    if table.by_index.len() >= if member { MAX_PEERS } else { MAX_UNCONFIRMED } {
        return None;
    }
    let index = u32::try_from(table.by_index.len() + 1).ok()?;
    let peer = Arc::new(Peer {
        name: key.0.clone(),
        epoch,
        index,
        down: AtomicBool::new(false),
        left: AtomicBool::new(false),
        changed: Notify::new(),
    });
    table.by_index.push(peer.clone());
    table.by_key.insert(key, peer.clone());
    Some(peer)
}

/// The incarnation `(name, epoch)` if it is numbered.
pub(crate) fn known(name: &str, epoch: u64) -> Option<Arc<Peer>> {
    let table = table().lock().unwrap_or_else(PoisonError::into_inner);
    table.by_key.get(&(Arc::from(name), epoch)).cloned()
}

/// The incarnation numbered `index`.
pub(crate) fn by_index(index: u32) -> Option<Arc<Peer>> {
    let table = table().lock().unwrap_or_else(PoisonError::into_inner);
    table
        .by_index
        .get(usize::try_from(index).ok()?.checked_sub(1)?)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is process-wide: this is the only test of this binary that numbers
    /// incarnations, and it fills the table.
    #[test]
    fn made_up_incarnations_cannot_take_the_room_kept_for_members() {
        let first = peer("a", 1, false).expect("numbered");
        for epoch in 2..=MAX_UNCONFIRMED as u64 {
            assert!(
                peer("a", epoch, false).is_some(),
                "incarnation {epoch} refused early"
            );
        }
        // Past the part frames may fill, only members are numbered.
        assert!(peer("a", MAX_UNCONFIRMED as u64 + 1, false).is_none());
        assert!(peer("b", 1, false).is_none());
        let joined = peer("b", 1, true).expect("a member is numbered");
        assert_eq!(joined.index as usize, MAX_UNCONFIRMED + 1);
        assert!(
            peer("b", 1, false).is_some(),
            "numbered once, found by anyone"
        );
        for epoch in 2..=(MAX_PEERS - MAX_UNCONFIRMED) as u64 {
            assert!(peer("b", epoch, true).is_some());
        }
        assert!(peer("c", 1, true).is_none(), "past the whole table");
        let again = peer("a", 1, false).expect("a numbered one is still found");
        assert_eq!(again.index, first.index);
        assert_eq!(by_index(first.index).map(|p| p.epoch), Some(1));
    }
}

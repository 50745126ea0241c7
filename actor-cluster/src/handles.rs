//! Handles inside messages: a generated handle of an `#[actor(remote)]` type is serialisable,
//! and travels as `(node, epoch, local id, tag)`.
//!
//! Encoding a handle needs the node the message leaves through (a local actor is named by that
//! node) and decoding one needs the node it arrives at (which makes the stand-in), so both run
//! in a node's scope: a thread-local set around the encoding of a message to a remote actor,
//! the delivery of a frame, and the encoding and decoding of an answer. Outside such a scope a
//! handle does not serialise: it means nothing outside a cluster.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use actor_core::__private::{Actor, ActorHandle, ActorRef};
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::node::Inner;
use crate::peers;

thread_local! {
    /// The node whose message this thread encodes or decodes now (if `active`). The last node
    /// stays here after its scope ends, inactive, so the next scope of the same node (a run of
    /// frames, the common case) changes a flag rather than a reference count.
    static SCOPE: RefCell<Scope> = const { RefCell::new(Scope { node: None, active: false }) };
}

struct Scope {
    node: Option<Weak<Inner>>,
    active: bool,
}

/// Runs `f` in `node`'s scope (restoring the scope it found: scopes nest).
pub(crate) fn in_scope<T>(node: &Weak<Inner>, f: impl FnOnce() -> T) -> T {
    /// The scope found on entry: the same node (and whether it was active), or another one
    /// that was active, to put back.
    enum Found {
        Same(bool),
        Other(Weak<Inner>),
    }
    struct Restore(Option<Found>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let found = self.0.take();
            let _ = SCOPE.try_with(|s| {
                let mut s = s.borrow_mut();
                match found {
                    Some(Found::Same(active)) => s.active = active,
                    Some(Found::Other(node)) => s.node = Some(node),
                    None => s.active = false,
                }
            });
        }
    }
    let found = SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        if s.node.as_ref().is_some_and(|n| n.ptr_eq(node)) {
            Some(Found::Same(std::mem::replace(&mut s.active, true)))
        } else {
            let previous = s.node.replace(node.clone());
            let was_active = std::mem::replace(&mut s.active, true);
            previous.filter(|_| was_active).map(Found::Other)
        }
    });
    let _restore = Restore(found);
    f()
}

/// The node of the current scope.
pub(crate) fn scope() -> Option<Weak<Inner>> {
    SCOPE
        .try_with(|s| {
            let s = s.borrow();
            s.node.clone().filter(|_| s.active)
        })
        .ok()
        .flatten()
}

fn scope_node() -> Option<Arc<Inner>> {
    scope()?.upgrade()
}

/// A handle on the wire.
#[derive(Serialize, Deserialize)]
struct WireHandle {
    node: String,
    epoch: u64,
    local: u64,
    tag: String,
}

const OUTSIDE: &str =
    "an actor handle is serialised only inside a message to or from a remote actor";

/// Serialises `handle` (what a generated handle's `Serialize` calls).
///
/// # Errors
/// Outside a message to or from a remote actor, or for a handle whose node is unknown.
pub fn serialize_handle<A: Actor, S: Serializer>(
    handle: &ActorRef<A>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let tag = A::REMOTE
        .map(|codec| codec.tag)
        .ok_or_else(|| S::Error::custom("only handles of `#[actor(remote)]` types can be sent"))?;
    let id = handle.id();
    let wire = if id.is_local() {
        let node = scope_node().ok_or_else(|| S::Error::custom(OUTSIDE))?;
        WireHandle {
            node: node.name.clone(),
            epoch: node.epoch(),
            local: id.local_id(),
            tag: tag.to_owned(),
        }
    } else {
        if scope().is_none() {
            return Err(S::Error::custom(OUTSIDE));
        }
        let peer = peers::by_index(id.node())
            .ok_or_else(|| S::Error::custom("the handle's node is not known here"))?;
        WireHandle {
            node: peer.name.to_string(),
            epoch: peer.epoch,
            local: id.local_id(),
            tag: tag.to_owned(),
        }
    };
    wire.serialize(serializer)
}

/// Deserialises a handle (what a generated handle's `Deserialize` calls): the local actor if it
/// lives on the receiving node, otherwise a stand-in for it.
///
/// # Errors
/// Outside a message to or from a remote actor; a handle of another actor type; a local actor
/// that is gone already; a node that is not a valid name.
pub fn deserialize_handle<'de, A: Actor, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<ActorRef<A>, D::Error> {
    let wire = WireHandle::deserialize(deserializer)?;
    let node = scope_node().ok_or_else(|| D::Error::custom(OUTSIDE))?;
    if !crate::node::is_token(&wire.node) {
        return Err(D::Error::custom("a handle with an invalid node name"));
    }
    let actor = node
        .actor(&wire.node, wire.epoch, wire.local, &wire.tag)
        .ok_or_else(|| {
            D::Error::custom(format!(
                "actor {}.{}.{} is not reachable from here",
                wire.node, wire.epoch, wire.local
            ))
        })?;
    actor
        .downcast::<A>()
        .ok_or_else(|| D::Error::custom(format!("a handle of `{}`, not of this type", wire.tag)))
}

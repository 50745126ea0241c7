//! Frames arriving from other nodes: how a node hands one to a local actor of a remote-capable
//! type, found by the type's tag.

use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, PoisonError, RwLock};

use super::any::AnyActor;
use super::remote::{CodecError, Inbound, PendingReply};
use super::{Actor, ActorHandle};
use crate::{ActorId, SendError};

/// How a node hands a frame to a local actor of a remote-capable type: looked up by tag.
pub type Deliver = fn(&AnyActor, &str, &[u8]) -> Result<Delivered, DeliverError>;

/// A frame handed to a local actor.
pub enum Delivered {
    /// A cast, queued (or dropped by a full mailbox's policy).
    Cast,
    /// A call, queued: its pending answer.
    Call(PendingReply),
}

impl fmt::Debug for Delivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delivered::Cast => "Cast",
            Delivered::Call(_) => "Call",
        })
    }
}

/// Why a frame could not be handed to a local actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    /// No such actor, or it is not of the frame's type.
    #[error("no such actor")]
    NoProc,
    /// Its bounded mailbox refused the message.
    #[error("mailbox full")]
    Full,
    /// The frame did not decode.
    #[error("bad frame: {0}")]
    Codec(#[from] CodecError),
}

/// The delivery function of actor type `A` (a remote-capable one: `A::REMOTE` is set).
pub fn deliver<A: Actor>(
    actor: &AnyActor,
    op: &str,
    body: &[u8],
) -> Result<Delivered, DeliverError> {
    let codec = A::REMOTE.ok_or(DeliverError::NoProc)?;
    // By reference: a frame costs no reference count on the actor.
    let cell = actor.local_cell::<A>().ok_or(DeliverError::NoProc)?;
    let Inbound { msg, reply } = (codec.decode)(op, body)?;
    match cell.cast(msg) {
        Ok(()) => Ok(reply.map_or(Delivered::Cast, Delivered::Call)),
        Err(SendError::Full) => Err(DeliverError::Full),
        Err(_) => Err(DeliverError::NoProc),
    }
}

/// Every remote-capable actor type started in this process: tag → delivery function, and Rust
/// type name → tag.
#[derive(Default)]
struct Served {
    by_tag: HashMap<&'static str, Deliver>,
    tags: HashMap<&'static str, &'static str>,
}

fn served() -> &'static RwLock<Served> {
    static SERVED: OnceLock<RwLock<Served>> = OnceLock::new();
    SERVED.get_or_init(Default::default)
}

/// Records that actors of type `A` can be reached from other nodes (at each start of one).
pub(crate) fn serve<A: Actor>() {
    if let Some(codec) = A::REMOTE {
        let known = served()
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .by_tag
            .contains_key(codec.tag);
        if !known {
            let mut served = served().write().unwrap_or_else(PoisonError::into_inner);
            served.by_tag.insert(codec.tag, deliver::<A>);
            served.tags.insert(std::any::type_name::<A>(), codec.tag);
        }
    }
}

/// The delivery function for `tag`, with the tag as it was recorded, if an actor of that type
/// was started in this process. A tag's function never changes once recorded.
pub fn served_tag(tag: &str) -> Option<(&'static str, Deliver)> {
    served()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .by_tag
        .get_key_value(tag)
        .map(|(tag, deliver)| (*tag, *deliver))
}

/// The remote tag of the actor type named `type_name` (an [`ActorHandle::type_name`]), if it is
/// remote-capable and one was started here.
pub fn tag_of(type_name: &str) -> Option<&'static str> {
    served()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .tags
        .get(type_name)
        .copied()
}

/// The local actor with node-local id `local_id`, if alive.
pub fn local_actor(local_id: u64) -> Option<AnyActor> {
    crate::sys::actor(ActorId::local(local_id)).filter(ActorHandle::is_alive)
}

//! Actors on other nodes, as this node's runtime sees them. Not public API: the contract between
//! the runtime, `#[actor(remote)]`-generated codecs and the cluster layer (`actor-cluster`).
//!
//! A remote actor is stood in for by a [`RemoteProc`]: a core of its own (the remote id, the
//! links and monitors local actors set on it, its exit reason once known) and a
//! [`RemotePort`], the cluster layer's way to reach the real actor. Every handle type works on
//! it: messages go through the port, encoded by the actor type's [`RemoteCodec`]; lifecycle
//! requests (stop, kill, exit signals) go through the port too; local links and monitors sit on
//! the stand-in, and the cluster layer ends it ([`RemoteProc::exited`]) when the real actor's exit, or the
//! loss of its node, is known, which tells them as a local exit would.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use super::any::AnyActor;
pub use super::cell::Guard;
use super::cell::{self, Core, ProcRef};
use super::follow::Publish;
use super::mailbox::Sys;
use super::overflow::{MailboxStats, Overflow};
use super::proc::Proc;
pub(crate) use super::remote_serve::serve;
pub use super::remote_serve::{
    Deliver, DeliverError, Delivered, deliver, local_actor, served_tag, tag_of,
};
use super::reply::ReplyTo;
use super::{Actor, ActorRef};
use crate::{ActorId, CallError, ExitReason, SendError};

/// A boxed future, as the port's requests return them.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A message that could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodecError(pub String);

/// Feeds a call's encoded answer to the caller's reply channel.
pub type ReplyDecoder = Box<dyn FnOnce(&[u8]) -> Result<(), CodecError> + Send>;

/// The answer of a call delivered from another node.
pub type PendingReply = BoxFuture<Answer>;

/// What became of a call delivered from another node.
#[derive(Debug)]
pub enum Answer {
    /// The encoded answer.
    Value(Vec<u8>),
    /// The answer did not encode.
    Codec(CodecError),
    /// The call was pushed out of a full mailbox unhandled.
    Dropped,
    /// The reply channel was dropped unanswered (the actor exited, or its handler dropped it).
    Closed,
}

/// A message on its way out: the handler's name, its encoded arguments and, for a call, what
/// decodes the answer into the caller's reply channel.
pub struct Outbound {
    /// The handler's name.
    pub op: &'static str,
    /// The encoded arguments.
    pub body: Vec<u8>,
    /// `Some` for a call.
    pub reply: Option<ReplyDecoder>,
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field("op", &self.op)
            .field("len", &self.body.len())
            .field("call", &self.reply.is_some())
            .finish()
    }
}

/// A message that arrived: the decoded message and, for a call, its pending answer.
pub struct Inbound<M> {
    /// The message, its reply channel inside.
    pub msg: M,
    /// `Some` for a call.
    pub reply: Option<PendingReply>,
}

impl<M> fmt::Debug for Inbound<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbound")
            .field("call", &self.reply.is_some())
            .finish()
    }
}

/// How an actor type's messages cross nodes: `#[actor(remote)]` writes one.
pub struct RemoteCodec<M> {
    /// The type's stable tag (`#[actor(remote = "…")]`, or module path and type name).
    pub tag: &'static str,
    /// Encodes a message.
    pub encode: fn(M) -> Result<Outbound, CodecError>,
    /// Decodes the message of handler `op`.
    pub decode: fn(&str, &[u8]) -> Result<Inbound<M>, CodecError>,
}

impl<M> fmt::Debug for RemoteCodec<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteCodec")
            .field("tag", &self.tag)
            .finish()
    }
}

/// A reply channel for a call that arrived from another node: the callee's end, and the future
/// of its encoded answer.
pub fn remote_reply<R: Send + 'static>(
    encode: impl FnOnce(&R) -> Result<Vec<u8>, CodecError> + Send + 'static,
) -> (ReplyTo<R>, PendingReply) {
    let (tx, rx) = ReplyTo::channel();
    let pending = Box::pin(async move {
        match rx.await {
            Ok(Ok(value)) => match encode(&value) {
                Ok(bytes) => Answer::Value(bytes),
                Err(e) => Answer::Codec(e),
            },
            Ok(Err(_evicted)) => Answer::Dropped,
            Err(_) => Answer::Closed,
        }
    });
    (tx, pending)
}

/// The cluster layer's way to the real actor behind a [`RemoteProc`].
pub trait RemotePort: Send + Sync + 'static {
    /// Sends a cast. Casts are at most once: `Ok` means sent, not delivered. A cast not sent
    /// comes back with the reason (`SendError::Full`: the way out has no room now).
    fn cast(&self, out: Outbound) -> Result<(), (SendError, Outbound)>;
    /// Sends a cast that [`cast`](Self::cast) found no room for, waiting up to `patience` for
    /// room; past it, `SendError::Full`.
    fn send(&self, out: Outbound, patience: Duration) -> BoxFuture<Result<(), SendError>>;
    /// Sends a call and, on an answer, feeds it to `out.reply`; `Ok` once it has.
    fn call(&self, out: Outbound, timeout: Duration) -> BoxFuture<Result<(), CallError>>;
    /// Stops the actor in order and waits for its exit (as [`ActorHandle::stop`](super::ActorHandle::stop)).
    fn stop(&self, reason: ExitReason, timeout: Duration) -> BoxFuture<Result<(), CallError>>;
    /// Kills the actor.
    fn kill(&self);
    /// Sends the actor the exit signal of `from`.
    fn signal(&self, from: ActorId, reason: ExitReason);
    /// Called once when the last handle to the stand-in is gone.
    fn released(&self) {}
    /// A local actor (`from`, of remote tag `tag`, empty if its type has none) linked to this
    /// actor: the actor's node records the link too.
    fn linked(&self, from: ActorId, tag: &str) {
        let _ = (from, tag);
    }
    /// A local actor unlinked from this actor.
    fn unlinked(&self, from: ActorId) {
        let _ = from;
    }
    /// Runs `encode` (the encoding of a message to this actor) in the context of the port's
    /// node, so that handles inside the message can be encoded.
    fn encoding(&self, encode: &mut dyn FnMut()) {
        encode();
    }
}

/// The stand-in for an actor on another node.
pub struct RemoteProc {
    core: Core,
    port: Arc<dyn RemotePort>,
    ended: AtomicBool,
}

impl RemoteProc {
    /// A stand-in for the remote actor `id` of type `tag`, reached through `port`.
    pub fn new(id: ActorId, tag: &str, port: Arc<dyn RemotePort>) -> Arc<Self> {
        Arc::new(RemoteProc {
            core: Core::remote(id, intern_tag(tag)),
            port,
            ended: AtomicBool::new(false),
        })
    }

    /// The port.
    pub(crate) fn port(&self) -> &Arc<dyn RemotePort> {
        &self.port
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    /// The untyped handle to it.
    pub fn to_any(self: &Arc<Self>) -> AnyActor {
        AnyActor::from_proc(self.clone())
    }

    /// The typed handle, if the actor is an `A` (same tag).
    pub fn typed<A: Actor>(self: &Arc<Self>) -> Option<ActorRef<A>> {
        let codec = A::REMOTE?;
        (codec.tag == self.core.type_name).then(|| ActorRef::from_remote(self.clone()))
    }

    /// Ends the stand-in with the real actor's exit `reason`: local links and monitors are told
    /// as for a local exit, waiters return. Only the first call counts.
    pub fn exited(self: &Arc<Self>, reason: ExitReason) {
        if !self.ended.swap(true, Ordering::AcqRel) {
            let proc: ProcRef = self.clone();
            cell::exit(&proc, reason, None);
        }
    }

    /// `false` once [`exited`](Self::exited).
    pub fn is_alive(&self) -> bool {
        !self.ended.load(Ordering::Acquire)
    }
}

impl Drop for RemoteProc {
    fn drop(&mut self) {
        self.port.released();
    }
}

impl fmt::Debug for RemoteProc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteProc")
            .field("id", &self.core.id)
            .field("tag", &self.core.type_name)
            .finish()
    }
}

impl Proc for RemoteProc {
    fn core(&self) -> &Core {
        &self.core
    }

    fn send_sys(&self, sys: Sys) -> bool {
        match sys {
            Sys::Stop(reason) => {
                if !self.is_alive() {
                    return false;
                }
                // Sent now; the answer comes back as the stand-in's exit.
                tokio::spawn(self.port.stop(reason, crate::DEFAULT_CALL_TIMEOUT));
                true
            }
            _ => self.is_alive(),
        }
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }

    fn publisher(self: Arc<Self>) -> Box<dyn Publish> {
        Box::new(NoPublish(self))
    }

    fn mailbox_stats(&self) -> MailboxStats {
        MailboxStats {
            len: 0,
            capacity: None,
            dropped: 0,
            received: 0,
            overflow: Overflow::Wait,
        }
    }

    fn remote(&self) -> Option<&Arc<dyn RemotePort>> {
        Some(&self.port)
    }
}

/// Remote actors are not supervised from here: nothing to publish.
struct NoPublish(Arc<RemoteProc>);

impl Publish for NoPublish {
    fn started(&self, _next: &ProcRef) {}
    fn stopped(&self) {}
    fn subscribe(&self) -> AnyActor {
        self.0.to_any()
    }
}

impl AnyActor {
    /// The stand-in behind this handle, if it names an actor on another node.
    #[doc(hidden)]
    pub fn remote_proc(&self) -> Option<Arc<RemoteProc>> {
        let proc = self.proc();
        proc.remote()?;
        proc.into_any().downcast::<RemoteProc>().ok()
    }
}

/// Links local actor `local` with `stand_in` (a stand-in of a remote actor) on this node only:
/// the link the remote actor's node recorded first.
pub fn link_here(local: &AnyActor, stand_in: &AnyActor) {
    super::relate::link_here(&local.proc(), &stand_in.proc());
}

/// Kills local actor `actor` at once with `reason` (as [`ActorHandle::kill`](crate::ActorHandle::kill)
/// does with `Killed`): its running callback is dropped and `terminate` does not run.
pub fn kill_with(actor: &AnyActor, reason: ExitReason) {
    actor.proc().core().kill(reason);
}

/// Installs `guard` on local actor `actor`: asked before each message it handles from now on;
/// a reason kills it (see [`Guard`]).
pub fn guard(actor: &AnyActor, guard: Arc<dyn Guard>) {
    actor.proc().core().set_guard(guard);
}

/// Removes the link between local actor `local` and `stand_in` on this node only.
pub fn unlink_here(local: &AnyActor, stand_in: &AnyActor) {
    super::relate::unlink_here(&local.proc(), &stand_in.proc());
}

/// Delivers the exit signal of `from` (an actor on another node) to the local actor `to`.
pub fn signal_from(to: &AnyActor, from: ActorId, reason: &ExitReason) {
    cell::signal_exit(&to.proc(), from, reason);
}

/// Tags of remote actors seen, interned (a core's type name is `&'static str`). Bounded: past
/// `MAX_TAGS` distinct tags a peer could only be flooding, and the rest read `"<remote>"`.
fn intern_tag(tag: &str) -> &'static str {
    const MAX_TAGS: usize = 4096;
    static TAGS: OnceLock<RwLock<HashMap<String, &'static str>>> = OnceLock::new();
    let tags = TAGS.get_or_init(Default::default);
    if let Some(found) = tags.read().unwrap_or_else(PoisonError::into_inner).get(tag) {
        return found;
    }
    let mut tags = tags.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = tags.get(tag) {
        return found;
    }
    if tags.len() >= MAX_TAGS {
        return "<remote>";
    }
    let leaked: &'static str = Box::leak(tag.to_owned().into_boxed_str());
    tags.insert(tag.to_owned(), leaked);
    leaked
}

//! Frames: what goes on the connection, and how they reach it.
//!
//! A frame goes from the sender's own task straight into the connection's command queue (one
//! FIFO, bounded by `NodeOptions::outbound_queue`), so a sender's frames keep their order and
//! no task stands between a cast and the connection. A frame that finds the queue full is not
//! sent: the sender gets `Full` at once; one over the server's max payload is refused at once
//! too (`SendError::TooLarge`, `CallError::Protocol`), never lost silently.
//!
//! Messages to actors, the hot path, carry no NATS headers: their body starts with a small
//! envelope (version, the target node's epoch, the caller's timeout, the type tag and the
//! handler's name), then the arguments. Answers are a version and a status byte, then the value
//! or exit reason. Control frames (rare) use headers: `bm-v` (version), `bm-op` (the verb),
//! `bm-epoch` (the target node's epoch), `bm-id` (a target or subject actor's local id),
//! `bm-from` (`<node>.<epoch>.<local id>` of a sender), `bm-seq` (an exit signal's number),
//! `bm-link` (an exit signal a link carries), `bm-tag` (a linking actor's type tag).

use std::cell::RefCell;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use async_nats::client::{PublishError, PublishErrorKind};
use async_nats::{HeaderMap, Subject};
use bytes::{BufMut, Bytes, BytesMut};

use super::Inner;
use crate::peers::Peer;
use crate::wire;
use actor_core::__private::ExitReason;

pub(crate) const VERSION: &str = "1";
pub(crate) const H_VERSION: &str = "bm-v";
pub(crate) const H_OP: &str = "bm-op";
pub(crate) const H_EPOCH: &str = "bm-epoch";
pub(crate) const H_ID: &str = "bm-id";
pub(crate) const H_FROM: &str = "bm-from";
/// The remote tag of a linking actor's type (`link`).
pub(crate) const H_TAG: &str = "bm-tag";
/// Set on an exit signal that a link carries (its sender is exiting): the receiver drops the
/// link before applying it, so the sender's stand-in ending later does not signal again.
pub(crate) const H_LINK: &str = "bm-link";
/// A sender's number for an exit signal, the same on each retry (the receiver applies it once).
pub(crate) const H_SEQ: &str = "bm-seq";

/// The first byte of every headerless frame.
const ENVELOPE: u8 = 1;

/// One frame to publish.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub(crate) subject: Subject,
    pub(crate) reply: Option<Subject>,
    pub(crate) headers: Option<HeaderMap>,
    pub(crate) body: Bytes,
}

/// Why a frame was not sent.
#[derive(Debug)]
pub(crate) enum Unsent {
    /// The connection's queue is full.
    Full,
    /// The connection refused the frame (over the server's max payload).
    Refused(String),
}

impl From<Unsent> for actor_core::__private::SendError {
    fn from(unsent: Unsent) -> Self {
        match unsent {
            Unsent::Full => Self::Full,
            Unsent::Refused(_) => Self::TooLarge,
        }
    }
}

/// Hands `frame` to the connection, waiting for room in its queue (the caller bounds the wait).
/// A frame that finds the connection closed counts as sent, as in [`send_now`].
pub(crate) async fn send_waiting(client: &async_nats::Client, frame: Frame) -> Result<(), Unsent> {
    sent(send(client, frame).await)
}

/// Hands `frame` to the connection now, or says why not. A frame that finds the connection
/// closed counts as sent: it is lost with the connection, as the peers' loss handling assumes.
pub(crate) fn send_now(client: &async_nats::Client, frame: Frame) -> Result<(), Unsent> {
    match frame {
        // A cast: the plain publish's future alone, a fraction of the size of `send`'s (it is
        // built and moved on every cast).
        Frame {
            subject,
            reply: None,
            headers: None,
            body,
        } => now(client.publish(subject, body)),
        frame => now(send(client, frame)),
    }
}

/// Polls a publish once: done, or no room now.
fn now(publish: impl Future<Output = Result<(), PublishError>>) -> Result<(), Unsent> {
    // Unconstrained: a sender's cooperative budget must not fail a frame that fits. A send
    // future dropped before it is ready sends nothing.
    let sending = tokio::task::unconstrained(publish);
    let mut sending = std::pin::pin!(sending);
    match sending
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Pending => Err(Unsent::Full),
        Poll::Ready(published) => sent(published),
    }
}

/// What a publish that went through says: refused (over the server's max payload), or sent —
/// a closed connection counts as sent (the frame is lost with it).
fn sent(published: Result<(), PublishError>) -> Result<(), Unsent> {
    match published {
        Err(e) if e.kind() != PublishErrorKind::Send => Err(Unsent::Refused(e.to_string())),
        Err(_) => {
            tracing::debug!("frame not sent: connection closed");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

async fn send(client: &async_nats::Client, frame: Frame) -> Result<(), PublishError> {
    match (frame.reply, frame.headers) {
        (Some(reply), Some(h)) => {
            client
                .publish_with_reply_and_headers(frame.subject, reply, h, frame.body)
                .await
        }
        (Some(reply), None) => {
            client
                .publish_with_reply(frame.subject, reply, frame.body)
                .await
        }
        (None, Some(h)) => {
            client
                .publish_with_headers(frame.subject, h, frame.body)
                .await
        }
        (None, None) => client.publish(frame.subject, frame.body).await,
    }
}

pub(crate) fn headers(op: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(H_VERSION, VERSION);
    h.insert(H_OP, op);
    h
}

/// A header's value.
pub(crate) fn header<'a>(msg: &'a async_nats::Message, name: &str) -> Option<&'a str> {
    msg.headers.as_ref()?.get(name).map(|v| v.as_str())
}

/// A numeric header.
pub(crate) fn header_u64(msg: &async_nats::Message, name: &str) -> Option<u64> {
    header(msg, name)?.parse().ok()
}

/// `<node>.<epoch>.<local>` of this node's actor `local`.
pub(crate) fn from_value(inner: &Inner, local: u64) -> String {
    format!("{}.{}.{local}", inner.name, inner.epoch())
}

/// Parses a `bm-from` value.
pub(crate) fn parse_from(value: &str) -> Option<(&str, u64, u64)> {
    let mut parts = value.rsplitn(3, '.');
    let local = parts.next()?.parse().ok()?;
    let epoch = parts.next()?.parse().ok()?;
    Some((parts.next()?, epoch, local))
}

/// Ask `peer` to tell this node when its actor `local` exits.
pub(crate) fn watch(inner: &Inner, peer: &Peer, local: u64) -> Frame {
    let mut h = headers("watch");
    h.insert(H_EPOCH, peer.epoch.to_string().as_str());
    h.insert(H_ID, local.to_string().as_str());
    h.insert(H_FROM, from_value(inner, 0).as_str());
    Frame {
        subject: inner.ctl_subject(&peer.name).into(),
        reply: None,
        headers: Some(h),
        body: Bytes::new(),
    }
}

/// Ask node `node` to re-send its watches of this node's actors (after this node dropped
/// incoming messages: see the `audit` module).
pub(crate) fn audit(inner: &Inner, node: &str) -> Frame {
    let mut h = headers("audit");
    h.insert(H_FROM, from_value(inner, 0).as_str());
    Frame {
        subject: inner.ctl_subject(node).into(),
        reply: None,
        headers: Some(h),
        body: Bytes::new(),
    }
}

/// Tell the node at `ctl` that this node's actor `local` exited with `reason`.
pub(crate) fn down(inner: &Inner, ctl: String, local: u64, reason: &ExitReason) -> Frame {
    let mut h = headers("down");
    h.insert(H_FROM, from_value(inner, local).as_str());
    Frame {
        subject: ctl.into(),
        reply: None,
        headers: Some(h),
        body: Bytes::from(wire::encode_reason(reason)),
    }
}

/// What an answer says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Status {
    Ok = 0,
    NoProc = 1,
    Exited = 2,
    Full = 3,
    Dropped = 4,
    Bad = 5,
}

/// An answer to a request: `status` and its body.
pub(crate) fn answer(reply: String, status: Status, body: &[u8]) -> Frame {
    let mut bytes = Vec::with_capacity(2 + body.len());
    bytes.extend_from_slice(&[ENVELOPE, status as u8]);
    bytes.extend_from_slice(body);
    Frame {
        subject: reply.into(),
        reply: None,
        headers: None,
        body: Bytes::from(bytes),
    }
}

/// An answer's status and body (`None`: not an answer of this version).
pub(crate) fn parse_answer(payload: &[u8]) -> Option<(Status, &[u8])> {
    let [ENVELOPE, status, body @ ..] = payload else {
        return None;
    };
    let status = match status {
        0 => Status::Ok,
        1 => Status::NoProc,
        2 => Status::Exited,
        3 => Status::Full,
        4 => Status::Dropped,
        5 => Status::Bad,
        _ => return None,
    };
    Some((status, body))
}

/// How much a thread's [`BODIES`] buffer takes at a time.
const BODIES_CHUNK: usize = 16 * 1024;

thread_local! {
    /// Where this thread writes the bodies of its messages to actors: each body is split off
    /// the buffer (and keeps its part alive until the connection has written it), and a used-up
    /// buffer is replaced by a fresh chunk. One allocation per chunk rather than one per
    /// message; what a thread keeps is at most one chunk plus the bodies in flight.
    static BODIES: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// The body of a message to an actor: the envelope, then the arguments.
pub(crate) fn actor_body(epoch: u64, timeout_ms: u32, tag: &str, op: &str, args: &[u8]) -> Bytes {
    let (tag, op) = (short(tag), short(op));
    let len = 15 + tag.len() + op.len() + args.len();
    let write = |bytes: &mut BytesMut| {
        if bytes.capacity() < len {
            bytes.reserve(len.max(BODIES_CHUNK));
        }
        bytes.put_u8(ENVELOPE);
        bytes.put_u64_le(epoch);
        bytes.put_u32_le(timeout_ms);
        bytes.put_u8(tag.len() as u8);
        bytes.put_slice(tag);
        bytes.put_u8(op.len() as u8);
        bytes.put_slice(op);
        bytes.put_slice(args);
        bytes.split().freeze()
    };
    BODIES
        .try_with(|bodies| write(&mut bodies.borrow_mut()))
        // A thread tearing down its locals: a buffer of its own.
        .unwrap_or_else(|_| write(&mut BytesMut::new()))
}

/// At most 255 bytes (a longer tag or name cannot be served: it fails to match).
fn short(s: &str) -> &[u8] {
    &s.as_bytes()[..s.len().min(255)]
}

/// A message to an actor, read back.
pub(crate) struct ActorMessage<'a> {
    pub(crate) epoch: u64,
    pub(crate) timeout_ms: u32,
    pub(crate) tag: &'a str,
    pub(crate) op: &'a str,
    pub(crate) args: &'a [u8],
}

pub(crate) fn parse_actor(payload: &[u8]) -> Option<ActorMessage<'_>> {
    let [ENVELOPE, rest @ ..] = payload else {
        return None;
    };
    let (epoch, rest) = rest.split_first_chunk::<8>()?;
    let (timeout, rest) = rest.split_first_chunk::<4>()?;
    let (tag_len, rest) = rest.split_first()?;
    let (tag, rest) = rest.split_at_checked(usize::from(*tag_len))?;
    let (op_len, rest) = rest.split_first()?;
    let (op, args) = rest.split_at_checked(usize::from(*op_len))?;
    Some(ActorMessage {
        epoch: u64::from_le_bytes(*epoch),
        timeout_ms: u32::from_le_bytes(*timeout),
        tag: std::str::from_utf8(tag).ok()?,
        op: std::str::from_utf8(op).ok()?,
        args,
    })
}

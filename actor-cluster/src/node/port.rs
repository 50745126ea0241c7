//! The way from a stand-in to the real actor: [`Port`], the runtime's `RemotePort`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use actor_core::__private::remote::{self, BoxFuture, Outbound, RemotePort};
use actor_core::__private::{ActorId, CallError, ExitReason, SendError};
use async_nats::StatusCode;
use bytes::Bytes;

use super::Inner;
use super::frames::{self, Frame, H_EPOCH, H_FROM, H_ID, H_LINK, H_SEQ, H_TAG, Status, Unsent};
use crate::peers::Peer;
use crate::wire;

pub(crate) struct Port {
    node: Weak<Inner>,
    peer: Arc<Peer>,
    local: u64,
    tag: Arc<str>,
    subject: async_nats::Subject,
    /// The membership change count at which `peer` was last found current (not superseded by
    /// a newer incarnation); `u64::MAX`: not yet. Casts look again only after a change.
    current_at: AtomicU64,
}

impl Port {
    pub(crate) fn new(inner: &Arc<Inner>, peer: Arc<Peer>, local: u64, tag: &str) -> Self {
        Port {
            node: Arc::downgrade(inner),
            subject: inner.actor_subject(&peer.name, local).into(),
            peer,
            local,
            tag: Arc::from(tag),
            current_at: AtomicU64::new(u64::MAX),
        }
    }

    /// Whether a newer incarnation of the peer is a member: the members' lock is taken only
    /// when they changed since the peer was last found current.
    fn superseded(&self, inner: &Inner) -> bool {
        let changes = inner.members.changes();
        if self.current_at.load(Ordering::Relaxed) == changes {
            return false;
        }
        let superseded = inner.superseded(&self.peer);
        if !superseded {
            self.current_at.store(changes, Ordering::Relaxed);
        }
        superseded
    }

    /// A message to the actor; `timeout`: the caller's, for a call.
    fn frame(&self, op: &str, args: &[u8], timeout: Option<Duration>) -> Frame {
        let millis = timeout.map_or(0, |t| u32::try_from(t.as_millis()).unwrap_or(u32::MAX));
        Frame {
            subject: self.subject.clone(),
            reply: None,
            headers: None,
            body: frames::actor_body(self.peer.epoch, millis, &self.tag, op, args),
        }
    }

    /// A body-less control frame about this node's local actor `from`.
    fn ctl_from(&self, verb: &str, from: ActorId) -> Option<(Arc<Inner>, Frame)> {
        let (inner, mut frame) = self.ctl(verb, Vec::new())?;
        if let Some(h) = &mut frame.headers {
            h.insert(H_FROM, frames::from_value(&inner, from.local_id()).as_str());
        }
        Some((inner, frame))
    }

    fn ctl(&self, verb: &str, body: Vec<u8>) -> Option<(Arc<Inner>, Frame)> {
        let inner = self.node.upgrade()?;
        let mut h = frames::headers(verb);
        h.insert(H_EPOCH, self.peer.epoch.to_string().as_str());
        h.insert(H_ID, self.local.to_string().as_str());
        let frame = Frame {
            subject: inner.ctl_subject(&self.peer.name).into(),
            reply: None,
            headers: Some(h),
            body: Bytes::from(body),
        };
        Some((inner, frame))
    }
}

/// The error for a node that is not there: `NoProc` if it left or was replaced by a newer
/// incarnation (its actors are gone for sure), `NodeDown` otherwise (a crash or a cut: whether
/// the message arrived is unknown).
fn absent(peer: &Peer, inner: &Inner) -> CallError {
    if peer.has_left() || inner.superseded(peer) {
        CallError::NoProc
    } else {
        CallError::NodeDown(peer.name.to_string())
    }
}

/// Sends `frame` as a request and waits for its answer: within `timeout`, and no longer than
/// the target node's membership.
async fn request(
    inner: &Arc<Inner>,
    peer: &Peer,
    frame: Frame,
    timeout: Duration,
) -> Result<async_nats::Message, Option<CallError>> {
    let sent = send_request(inner, frame).map_err(Some)?;
    answer(inner, peer, sent, timeout).await
}

/// A request on its way: its reply token and where the answer comes.
type Sent = (u64, tokio::sync::oneshot::Receiver<async_nats::Message>);

/// Sends `frame` as a request, now.
fn send_request(inner: &Inner, mut frame: Frame) -> Result<Sent, CallError> {
    let (reply, token, rx) = inner.reply_slot();
    frame.reply = Some(reply.into());
    match inner.send(frame) {
        Ok(()) => Ok((token, rx)),
        Err(unsent) => {
            inner.forget_reply(token);
            Err(match unsent {
                Unsent::Full => CallError::Full,
                Unsent::Refused(why) => CallError::Protocol(why),
            })
        }
    }
}

/// The answer to a request sent, within `timeout` and no longer than `peer`'s membership.
async fn answer(
    inner: &Inner,
    peer: &Peer,
    (token, rx): Sent,
    timeout: Duration,
) -> Result<async_nats::Message, Option<CallError>> {
    let outcome = tokio::select! {
        answer = rx => answer.map_err(|_| Some(CallError::Timeout)),
        () = tokio::time::sleep(timeout) => Err(Some(CallError::Timeout)),
        () = peer.gone() => Err(None),
    };
    inner.forget_reply(token);
    outcome
}

/// A request to `peer`'s node and its answer, or the caller's error.
async fn call_frame(
    node: Weak<Inner>,
    peer: Arc<Peer>,
    frame: Frame,
    timeout: Duration,
) -> Result<async_nats::Message, CallError> {
    let inner = node.upgrade().ok_or(CallError::NoProc)?;
    if peer.is_down() || inner.superseded(&peer) {
        return Err(absent(&peer, &inner));
    }
    match request(&inner, &peer, frame, timeout).await {
        Ok(msg) if msg.status == Some(StatusCode::NO_RESPONDERS) => Err(absent(&peer, &inner)),
        Ok(msg) => Ok(msg),
        Err(Some(e)) => Err(e),
        Err(None) => Err(absent(&peer, &inner)),
    }
}

/// The answer's value, or the caller's error.
fn answered(msg: &async_nats::Message) -> Result<&[u8], CallError> {
    let Some((status, body)) = frames::parse_answer(&msg.payload) else {
        return Err(CallError::Protocol(
            "not an answer of protocol version 1".into(),
        ));
    };
    match status {
        Status::Ok => Ok(body),
        Status::NoProc => Err(CallError::NoProc),
        Status::Exited => Err(match wire::decode_reason(body) {
            Ok(reason) => CallError::Exited(reason),
            Err(e) => CallError::Protocol(e.0),
        }),
        Status::Full => Err(CallError::Full),
        Status::Dropped => Err(CallError::Dropped),
        Status::Bad => Err(CallError::Protocol(
            String::from_utf8_lossy(body).into_owned(),
        )),
    }
}

/// How long a `kill` or exit signal waits for its acknowledgement before it is sent again.
const CTL_RETRY: Duration = Duration::from_millis(500);
/// How many times it is sent at most while its node lives (then it is logged as lost).
const CTL_ATTEMPTS: u32 = 20;

/// Sends a `kill`, a `link` or an exit signal as a request, and again each [`CTL_RETRY`] until
/// the target node answers (`then` gets the answer), is gone, or [`CTL_ATTEMPTS`] are spent: a
/// frame dropped by a node whose incoming queue was full is not lost. The receiver applies an
/// exit signal once however often it comes (`bm-seq`); a second kill finds nothing to kill, and
/// a second `link` the link already made.
fn send_until_answered(
    inner: Arc<Inner>,
    peer: Arc<Peer>,
    frame: Frame,
    then: impl FnOnce(&Inner, &async_nats::Message) + Send + 'static,
) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        // Outside a runtime there is nothing to wait with: sent once.
        let _ = inner.send(frame);
        return;
    };
    // The first attempt goes now, in order with what this task sends next.
    let mut first = Some(send_request(&inner, frame.clone()));
    runtime.spawn(async move {
        for _ in 0..CTL_ATTEMPTS {
            if peer.is_down() || inner.superseded(&peer) {
                return;
            }
            let sent = match first.take() {
                Some(sent) => sent,
                None => send_request(&inner, frame.clone()),
            };
            let outcome = match sent {
                Ok(sent) => answer(&inner, &peer, sent, CTL_RETRY).await,
                Err(e) => Err(Some(e)),
            };
            match outcome {
                Err(Some(CallError::Timeout)) => {}
                Err(Some(CallError::Full)) => tokio::time::sleep(CTL_RETRY).await,
                Ok(msg) if msg.status != Some(StatusCode::NO_RESPONDERS) => {
                    return then(&inner, &msg);
                }
                // No responders, refused, or node gone.
                _ => return,
            }
        }
        tracing::warn!(node = %peer.name, "a kill or exit signal was never acknowledged");
    });
}

impl RemotePort for Port {
    fn cast(&self, out: Outbound) -> Result<(), (SendError, Outbound)> {
        let Some(inner) = self.node.upgrade() else {
            return Err((SendError::NoProc, out));
        };
        if self.peer.is_down() || self.superseded(&inner) {
            return Err((SendError::NoProc, out));
        }
        match inner.send(self.frame(out.op, &out.body, None)) {
            Ok(()) => {
                crate::wire::recycle(out.body);
                Ok(())
            }
            Err(unsent) => Err((unsent.into(), out)),
        }
    }

    fn send(&self, out: Outbound, patience: Duration) -> BoxFuture<Result<(), SendError>> {
        let frame = self.frame(out.op, &out.body, None);
        let node = self.node.clone();
        Box::pin(async move {
            let inner = node.upgrade().ok_or(SendError::NoProc)?;
            match tokio::time::timeout(patience, inner.send_waiting(frame)).await {
                Ok(sent) => sent.map_err(SendError::from),
                Err(_) => Err(SendError::Full),
            }
        })
    }

    fn call(&self, out: Outbound, timeout: Duration) -> BoxFuture<Result<(), CallError>> {
        let frame = self.frame(out.op, &out.body, Some(timeout));
        crate::wire::recycle(out.body);
        let call = call_frame(self.node.clone(), self.peer.clone(), frame, timeout);
        let decoder = out.reply;
        let node = self.node.clone();
        Box::pin(async move {
            let msg = call.await?;
            let value = answered(&msg)?;
            match decoder {
                Some(decode) => crate::handles::in_scope(&node, || decode(value))
                    .map_err(|e| CallError::Protocol(e.0)),
                None => Ok(()),
            }
        })
    }

    fn stop(&self, reason: ExitReason, timeout: Duration) -> BoxFuture<Result<(), CallError>> {
        let Some((_, frame)) = self.ctl("stop", wire::encode_reason(&reason)) else {
            return Box::pin(async { Err(CallError::NoProc) });
        };
        let timeout = timeout.min(Duration::from_secs(3600));
        let call = call_frame(self.node.clone(), self.peer.clone(), frame, timeout);
        Box::pin(async move {
            let msg = call.await?;
            answered(&msg).map(|_| ())
        })
    }

    fn kill(&self) {
        if let Some((inner, frame)) = self.ctl("kill", Vec::new()) {
            send_until_answered(inner, self.peer.clone(), frame, |_, _| {});
        }
    }

    fn linked(&self, from: ActorId, tag: &str) {
        if let Some((inner, mut frame)) = self.ctl_from("link", from) {
            // Followed for the cluster, so that its exit is remembered: the other node, learning
            // of the link late (a frame retried), still gets the real reason when it watches.
            if let Some(linker) = inner.local_actor(from.local_id()) {
                inner.track(&linker, None);
            }
            if let Some(h) = &mut frame.headers {
                h.insert(H_TAG, tag);
            }
            let target = self.peer.actor_id(self.local);
            send_until_answered(inner, self.peer.clone(), frame, move |inner, answer| {
                if let Err(CallError::Exited(reason)) = answered(answer) {
                    inner.link_refused(from, target, &reason);
                }
            });
        }
    }

    fn unlinked(&self, from: ActorId) {
        if let Some((inner, frame)) = self.ctl_from("unlink", from) {
            send_until_answered(inner, self.peer.clone(), frame, |_, _| {});
        }
    }

    fn signal(&self, from: ActorId, reason: ExitReason) {
        // A local sender that is no longer alive is exiting: its links carry this signal.
        let carried = from.is_local() && remote::local_actor(from.local_id()).is_none();
        if let Some((inner, mut frame)) = self.ctl("exit", wire::encode_reason(&reason)) {
            // A local sender by its own id; a remote one (forwarded) by its node's.
            let from = if from.is_local() {
                frames::from_value(&inner, from.local_id())
            } else if let Some(peer) = crate::peers::by_index(from.node()) {
                format!("{}.{}.{}", peer.name, peer.epoch, from.local_id())
            } else {
                return;
            };
            if let Some(h) = &mut frame.headers {
                h.insert(H_FROM, from.as_str());
                // Offset by this node's random epoch: two nodes forwarding signals of the same
                // sender do not share numbers.
                let n = inner.next_signal.fetch_add(1, Ordering::Relaxed);
                let seq = inner
                    .epoch()
                    .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                h.insert(H_SEQ, seq.to_string().as_str());
                if carried {
                    h.insert(H_LINK, "1");
                }
            }
            send_until_answered(inner, self.peer.clone(), frame, |_, _| {});
        }
    }

    fn encoding(&self, encode: &mut dyn FnMut()) {
        crate::handles::in_scope(&self.node, encode);
    }

    fn released(&self) {
        if let Some(inner) = self.node.upgrade() {
            inner.forget_shadow(self.peer.actor_id(self.local));
        }
    }
}

//! The way from a stand-in to the real actor: [`Port`], the runtime's `RemotePort`.

use std::sync::{Arc, Weak};
use std::time::Duration;

use actor_core::__private::remote::{BoxFuture, Outbound, RemotePort};
use actor_core::__private::{ActorId, CallError, ExitReason, SendError};
use async_nats::StatusCode;
use bytes::Bytes;

use super::Inner;
use super::frames::{self, Frame, H_EPOCH, H_FROM, H_ID, H_STATUS, H_TIMEOUT};
use crate::peers::Peer;
use crate::wire;

pub(crate) struct Port {
    node: Weak<Inner>,
    peer: Arc<Peer>,
    local: u64,
    tag: Arc<str>,
    subject: String,
}

impl Port {
    pub(crate) fn new(inner: &Arc<Inner>, peer: Arc<Peer>, local: u64, tag: &str) -> Self {
        Port {
            node: Arc::downgrade(inner),
            subject: inner.actor_subject(&peer.name, local),
            peer,
            local,
            tag: Arc::from(tag),
        }
    }

    fn frame(&self, op: &str, body: Vec<u8>) -> Frame {
        let mut h = frames::headers(&format!("{}::{op}", self.tag));
        h.insert(H_EPOCH, self.peer.epoch.to_string().as_str());
        Frame {
            subject: self.subject.clone(),
            reply: None,
            headers: h,
            body: Bytes::from(body),
        }
    }

    fn ctl(&self, verb: &str, body: Vec<u8>) -> Option<(Arc<Inner>, Frame)> {
        let inner = self.node.upgrade()?;
        let mut h = frames::headers(verb);
        h.insert(H_EPOCH, self.peer.epoch.to_string().as_str());
        h.insert(H_ID, self.local.to_string().as_str());
        let frame = Frame {
            subject: inner.ctl_subject(&self.peer.name),
            reply: None,
            headers: h,
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
    mut frame: Frame,
    timeout: Duration,
) -> Result<async_nats::Message, Option<CallError>> {
    let (reply, token, rx) = inner.reply_slot();
    frame.reply = Some(reply);
    let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    frame.headers.insert(H_TIMEOUT, millis.to_string().as_str());
    if !inner.send(frame) {
        inner.forget_reply(token);
        return Err(Some(CallError::Full));
    }
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

/// The caller's error for an answer that is not `ok`.
fn failed(msg: &async_nats::Message) -> CallError {
    match frames::header(msg, H_STATUS) {
        Some("noproc") => CallError::NoProc,
        Some("exited") => match wire::decode_reason(&msg.payload) {
            Ok(reason) => CallError::Exited(reason),
            Err(e) => CallError::Protocol(e.0),
        },
        Some("full") => CallError::Full,
        Some("dropped") => CallError::Dropped,
        Some("bad") => CallError::Protocol(String::from_utf8_lossy(&msg.payload).into_owned()),
        other => CallError::Protocol(format!("unexpected answer status {other:?}")),
    }
}

impl RemotePort for Port {
    fn cast(&self, out: Outbound) -> Result<(), SendError> {
        let inner = self.node.upgrade().ok_or(SendError::NoProc)?;
        if self.peer.is_down() || inner.superseded(&self.peer) {
            return Err(SendError::NoProc);
        }
        if inner.send(self.frame(out.op, out.body)) {
            Ok(())
        } else {
            Err(SendError::Full)
        }
    }

    fn call(&self, out: Outbound, timeout: Duration) -> BoxFuture<Result<(), CallError>> {
        let frame = self.frame(out.op, out.body);
        let call = call_frame(self.node.clone(), self.peer.clone(), frame, timeout);
        let decoder = out.reply;
        Box::pin(async move {
            let msg = call.await?;
            if frames::header(&msg, H_STATUS) != Some("ok") {
                return Err(failed(&msg));
            }
            match decoder {
                Some(decode) => decode(&msg.payload).map_err(|e| CallError::Protocol(e.0)),
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
            match frames::header(&msg, H_STATUS) {
                Some("ok") => Ok(()),
                _ => Err(failed(&msg)),
            }
        })
    }

    fn kill(&self) {
        if let Some((inner, frame)) = self.ctl("kill", Vec::new()) {
            inner.send(frame);
        }
    }

    fn signal(&self, from: ActorId, reason: ExitReason) {
        if let Some((inner, mut frame)) = self.ctl("exit", wire::encode_reason(&reason)) {
            // A local sender by its own id; a remote one (forwarded) by its node's.
            let from = if from.is_local() {
                frames::from_value(&inner, from.local_id())
            } else if let Some(peer) = crate::peers::by_index(from.node()) {
                format!("{}.{}.{}", peer.name, peer.epoch, from.local_id())
            } else {
                return;
            };
            frame.headers.insert(H_FROM, from.as_str());
            inner.send(frame);
        }
    }

    fn released(&self) {
        if let Some(inner) = self.node.upgrade() {
            inner.forget_shadow(self.peer.actor_id(self.local));
        }
    }
}

//! Frames: what goes on the connection, and the one task that writes them in order.
//!
//! Headers: `bm-v` (envelope version), `bm-op` (`<tag>::<handler>` for an actor, a verb for
//! `ctl`), `bm-epoch` (the target node's epoch), `bm-id` (a target or subject actor's local id),
//! `bm-from` (`<node>.<epoch>.<local id>` of a sender); answers carry `bm-st`.

use async_nats::{HeaderMap, Subject};
use bytes::Bytes;
use tokio::sync::mpsc;

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
pub(crate) const H_STATUS: &str = "bm-st";
pub(crate) const H_TIMEOUT: &str = "bm-timeout-ms";

/// One frame to publish.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) subject: String,
    pub(crate) reply: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Writes frames to the connection in the order they were queued.
pub(crate) async fn send_loop(client: async_nats::Client, mut rx: mpsc::Receiver<Frame>) {
    while let Some(frame) = rx.recv().await {
        let subject = Subject::from(frame.subject);
        let sent = match frame.reply {
            Some(reply) => {
                client
                    .publish_with_reply_and_headers(
                        subject,
                        Subject::from(reply),
                        frame.headers,
                        frame.body,
                    )
                    .await
            }
            None => {
                client
                    .publish_with_headers(subject, frame.headers, frame.body)
                    .await
            }
        };
        if sent.is_err() {
            tracing::debug!("frame not sent: connection closed");
        }
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
    format!("{}.{}.{local}", inner.name, inner.epoch)
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
        subject: inner.ctl_subject(&peer.name),
        reply: None,
        headers: h,
        body: Bytes::new(),
    }
}

/// Tell the node at `ctl` that this node's actor `local` exited with `reason`.
pub(crate) fn down(inner: &Inner, ctl: String, local: u64, reason: &ExitReason) -> Frame {
    let mut h = headers("down");
    h.insert(H_FROM, from_value(inner, local).as_str());
    Frame {
        subject: ctl,
        reply: None,
        headers: h,
        body: Bytes::from(wire::encode_reason(reason)),
    }
}

/// An answer to a request: `status` and its body.
pub(crate) fn answer(reply: String, status: &str, body: Vec<u8>) -> Frame {
    let mut h = HeaderMap::new();
    h.insert(H_VERSION, VERSION);
    h.insert(H_STATUS, status);
    Frame {
        subject: reply,
        reply: None,
        headers: h,
        body: Bytes::from(body),
    }
}

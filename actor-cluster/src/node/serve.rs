//! What arrives on the node's subscription: frames for its actors, control frames, and answers
//! to its own requests.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use actor_core::__private::remote::{self, Answer, DeliverError, Delivered};
use actor_core::__private::{ActorHandle, AnyActor, CallError, ExitReason};
use futures_util::StreamExt;

use super::Inner;
use super::frames::{
    self, H_EPOCH, H_FROM, H_ID, H_LINK, H_OP, H_SEQ, H_TAG, Status, answer, header, header_u64,
};
use crate::wire;

/// Routes every message of the node's subscription, until the connection closes.
pub(crate) async fn receive_loop(inner: Arc<Inner>, mut sub: async_nats::Subscriber) {
    let own = format!("{}{}.", inner.prefix, inner.name);
    let mut recent = Recent {
        node: Arc::downgrade(&inner),
        actor: None,
        deliver: None,
    };
    while let Some(msg) = sub.next().await {
        let Some(tail) = msg.subject.as_str().strip_prefix(own.as_str()) else {
            continue;
        };
        if let Some(token) = tail.strip_prefix("r.") {
            if let Some(tx) = token.parse().ok().and_then(|t| inner.take_reply(t)) {
                let _ = tx.send(msg);
            }
        } else if tail == "ctl" {
            ctl(&inner, msg);
        } else if let Ok(local) = tail.parse::<u64>() {
            actor_frame(&inner, &mut recent, local, msg);
        }
    }
}

/// What the last actor frame reached. Frames mostly come in runs to one actor, so the receive
/// loop keeps that actor and its type's delivery function rather than looking both up in the
/// process-wide tables (a lock and a hash each) per frame. Local ids are never reused, and an
/// actor found dead is looked up again; the kept actor is let go at the next frame to another.
struct Recent {
    /// The node itself, for the scope frames are decoded in.
    node: Weak<Inner>,
    actor: Option<(u64, AnyActor)>,
    deliver: Option<(&'static str, remote::Deliver)>,
}

impl Recent {
    /// This node's live actor `local`, kept in `kept` (a field of its own: the borrow of the
    /// actor leaves the node free).
    fn actor<'a>(
        kept: &'a mut Option<(u64, AnyActor)>,
        inner: &Inner,
        local: u64,
    ) -> Option<&'a AnyActor> {
        if !matches!(kept, Some((id, actor)) if *id == local && actor.is_alive()) {
            *kept = inner.local_actor(local).map(|actor| (local, actor));
        }
        kept.as_ref().map(|(_, actor)| actor)
    }

    /// The delivery function of actor type `tag`.
    fn deliver(&mut self, tag: &str) -> Option<remote::Deliver> {
        match self.deliver {
            Some((kept, deliver)) if kept == tag => Some(deliver),
            _ => {
                self.deliver = remote::served_tag(tag);
                self.deliver.map(|(_, deliver)| deliver)
            }
        }
    }
}

/// Answers a request (if it is one) with `status`.
fn reply(inner: &Inner, msg: &async_nats::Message, status: Status, body: &[u8]) {
    if let Some(to) = &msg.reply {
        let _ = inner.send(answer(to.to_string(), status, body));
    }
}

/// The frame's target, if it is addressed to this incarnation and alive.
fn target(inner: &Inner, local: u64, msg: &async_nats::Message) -> Option<AnyActor> {
    if header_u64(msg, H_EPOCH) != Some(inner.epoch()) {
        return None;
    }
    inner.local_actor(local)
}

/// A call or cast for local actor `local`.
fn actor_frame(inner: &Arc<Inner>, recent: &mut Recent, local: u64, msg: async_nats::Message) {
    let Some(frame) = frames::parse_actor(&msg.payload) else {
        reply(
            inner,
            &msg,
            Status::Bad,
            b"not a frame of protocol version 1",
        );
        return;
    };
    let deliver = recent.deliver(frame.tag);
    let target = if frame.epoch == inner.epoch() {
        Recent::actor(&mut recent.actor, inner, local)
    } else {
        None
    };
    let delivered = match (target, deliver) {
        // In this node's scope: handles in the message become stand-ins of this node's.
        (Some(actor), Some(deliver)) => {
            crate::handles::in_scope(&recent.node, || deliver(actor, frame.op, frame.args))
                .map(|d| (d, actor))
        }
        _ => Err(DeliverError::NoProc),
    };
    match delivered {
        Ok((Delivered::Cast, _)) => {}
        Ok((Delivered::Call(pending), actor)) => {
            let Some(to) = msg.reply.as_ref().map(ToString::to_string) else {
                return;
            };
            let patience = Duration::from_millis(u64::from(frame.timeout_ms));
            let (inner, actor) = (inner.clone(), actor.clone());
            let reply_to = to.clone();
            tokio::spawn(async move {
                let answer = match pending.await {
                    Answer::Value(bytes) => frames::answer(to, Status::Ok, &bytes),
                    Answer::Codec(e) => frames::answer(to, Status::Bad, e.0.as_bytes()),
                    Answer::Dropped => frames::answer(to, Status::Dropped, &[]),
                    // The actor exited (or dropped the reply and runs on: the caller times out).
                    Answer::Closed => match tokio::time::timeout(patience, actor.wait()).await {
                        Ok(reason) => {
                            frames::answer(to, Status::Exited, &wire::encode_reason(&reason))
                        }
                        Err(_) => return,
                    },
                };
                // An answer over the server's max payload goes back as a refusal instead.
                if let Err(frames::Unsent::Refused(why)) = inner.send(answer) {
                    let _ = inner.send(frames::answer(reply_to, Status::Bad, why.as_bytes()));
                }
            });
        }
        Err(DeliverError::NoProc) => {
            if msg.reply.is_some() {
                reply(inner, &msg, Status::NoProc, &[]);
            } else {
                inner.dropped_casts.fetch_add(1, Ordering::Relaxed);
            }
        }
        Err(DeliverError::Full) if msg.reply.is_none() => cast_dropped(inner, "mailbox full"),
        Err(DeliverError::Full) => reply(inner, &msg, Status::Full, &[]),
        Err(DeliverError::Codec(e)) if msg.reply.is_none() => cast_dropped(inner, &e.0),
        Err(DeliverError::Codec(e)) => reply(inner, &msg, Status::Bad, e.0.as_bytes()),
    }
}

/// A cast that cannot be delivered has nobody to answer: it is counted and logged.
fn cast_dropped(inner: &Inner, why: &str) {
    inner.dropped_casts.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(why, "incoming cast dropped");
}

/// A control frame: `watch`, `down`, `audit`, `link`, `unlink`, `stop`, `kill`, `exit`.
fn ctl(inner: &Arc<Inner>, msg: async_nats::Message) {
    let local = header_u64(&msg, H_ID).unwrap_or(0);
    match header(&msg, H_OP) {
        Some("watch") => {
            let Some((node, _, _)) = header(&msg, H_FROM).and_then(frames::parse_from) else {
                return;
            };
            let watcher = inner.ctl_subject(node);
            let found = if header_u64(&msg, H_EPOCH) == Some(inner.epoch()) {
                inner.watch_target(local)
            } else {
                Err(None)
            };
            match found {
                Ok(actor) => inner.track(&actor, Some(watcher)),
                Err(reason) => {
                    let reason = reason.unwrap_or(ExitReason::NoProc);
                    let _ = inner.send(frames::down(inner, watcher, local, &reason));
                }
            }
        }
        Some("down") => {
            let Some((node, epoch, local)) = header(&msg, H_FROM).and_then(frames::parse_from)
            else {
                return;
            };
            let Ok(reason) = wire::decode_reason(&msg.payload) else {
                return;
            };
            if let Some(peer) = inner.peer(node, epoch)
                && let Some(proc) = inner.shadow(peer.actor_id(local))
            {
                proc.exited(reason);
            }
        }
        Some("audit") => {
            if let Some((node, epoch, _)) = header(&msg, H_FROM).and_then(frames::parse_from)
                && let Some(peer) = inner.peer(node, epoch)
            {
                inner.audit_asked(peer);
            }
        }
        Some(verb @ ("link" | "unlink")) => {
            let (Some(actor), Some((node, epoch, from))) = (
                target(inner, local, &msg),
                header(&msg, H_FROM).and_then(frames::parse_from),
            ) else {
                reply(inner, &msg, Status::NoProc, &[]);
                return;
            };
            if verb == "link" {
                let Some(peer) = inner
                    .peer(node, epoch)
                    .filter(|p| inner.admits_link(&actor, p, from))
                else {
                    // Refused (see `NodeOptions::peer_links`): nothing is made here, and the
                    // linker is told as if this actor had exited.
                    let reason = wire::encode_reason(&ExitReason::NoProc);
                    reply(inner, &msg, Status::Exited, &reason);
                    return;
                };
                // Followed for the cluster: its exit is remembered for late watches.
                inner.track(&actor, None);
                let tag = header(&msg, H_TAG).unwrap_or("");
                if let Some(stand_in) = inner.actor(&peer.name, peer.epoch, from, tag) {
                    remote::link_here(&actor, &stand_in);
                }
            } else if let Some(peer) = inner.peer(node, epoch)
                && let Some(stand_in) = inner.shadow(peer.actor_id(from))
            {
                remote::unlink_here(&actor, &stand_in.to_any());
            }
            reply(inner, &msg, Status::Ok, &[]);
        }
        Some("stop") => {
            let Some(actor) = target(inner, local, &msg) else {
                reply(inner, &msg, Status::NoProc, &[]);
                return;
            };
            let reason = wire::decode_reason(&msg.payload).unwrap_or(ExitReason::Normal);
            let inner = inner.clone();
            tokio::spawn(async move {
                match actor.stop(reason).await {
                    Ok(()) => reply(&inner, &msg, Status::Ok, &[]),
                    Err(CallError::Exited(other)) => {
                        reply(&inner, &msg, Status::Exited, &wire::encode_reason(&other));
                    }
                    Err(_) => reply(&inner, &msg, Status::NoProc, &[]),
                }
            });
        }
        // Acknowledged (a request since the sender retries until answered).
        Some("kill") => match target(inner, local, &msg) {
            Some(actor) => {
                actor.kill();
                reply(inner, &msg, Status::Ok, &[]);
            }
            None => reply(inner, &msg, Status::NoProc, &[]),
        },
        Some("exit") => {
            let (Some(actor), Some(sender)) = (target(inner, local, &msg), header(&msg, H_FROM))
            else {
                reply(inner, &msg, Status::NoProc, &[]);
                return;
            };
            let (Some((node, epoch, from)), Ok(reason)) = (
                frames::parse_from(sender),
                wire::decode_reason(&msg.payload),
            ) else {
                reply(inner, &msg, Status::Bad, b"malformed exit signal");
                return;
            };
            let first = header_u64(&msg, H_SEQ).is_none_or(|seq| inner.first_signal(sender, seq));
            reply(inner, &msg, Status::Ok, &[]);
            if !first {
                return;
            }
            let from = if node == inner.name && epoch == inner.epoch() {
                actor_core::__private::ActorId::local(from)
            } else if let Some(peer) = inner.peer(node, epoch) {
                peer.actor_id(from)
            } else {
                return;
            };
            // A link carried it: the link is gone, so the sender's stand-in here, ending when its
            // `down` comes, does not signal again.
            if header(&msg, H_LINK).is_some()
                && let Some(stand_in) = inner.shadow(from)
            {
                remote::unlink_here(&actor, &stand_in.to_any());
            }
            remote::signal_from(&actor, from, &reason);
        }
        _ => reply(inner, &msg, Status::Bad, b"unknown control verb"),
    }
}

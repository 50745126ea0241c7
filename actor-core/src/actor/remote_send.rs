//! Messages to an actor on another node through its handle: encoded in the context of the
//! stand-in's node (handles inside need one) and sent through its port.

use std::time::Duration;

use super::Actor;
use super::remote::{CodecError, Outbound, RemoteCodec, RemoteProc};
use super::reply::ReplyTo;
use crate::{CallError, SendError};

/// `ActorRef::cast` to an actor on another node: encoded and sent, at most once.
pub(super) fn remote_cast<A: Actor>(remote: &RemoteProc, msg: A::Message) -> Result<(), SendError> {
    if !remote.is_alive() {
        return Err(SendError::NoProc);
    }
    let codec = A::REMOTE.ok_or(SendError::NoProc)?;
    match encode_for(remote, codec, msg) {
        Some(Ok(out)) => remote.port().cast(out),
        Some(Err(_)) => Err(SendError::Unencodable),
        None => Err(SendError::NoProc),
    }
}

/// `msg` encoded by `codec` in the context of `remote`'s node (handles in it need one).
fn encode_for<M>(
    remote: &RemoteProc,
    codec: RemoteCodec<M>,
    msg: M,
) -> Option<Result<Outbound, CodecError>> {
    let (mut msg, mut out) = (Some(msg), None);
    remote.port().encoding(&mut || {
        if let Some(msg) = msg.take() {
            out = Some((codec.encode)(msg));
        }
    });
    out
}

/// `ActorRef::call` to an actor on another node: encoded, sent as a request, and the answer
/// decoded into the reply channel.
pub(super) async fn remote_call<A: Actor, R>(
    remote: &RemoteProc,
    make: impl FnOnce(ReplyTo<R>) -> A::Message,
    timeout: Duration,
) -> Result<R, CallError> {
    if !remote.is_alive() {
        return Err(CallError::NoProc);
    }
    let codec = A::REMOTE.ok_or(CallError::NoProc)?;
    let (tx, rx) = ReplyTo::channel();
    let out = encode_for(remote, codec, make(tx))
        .ok_or(CallError::NoProc)?
        .map_err(|e| CallError::Protocol(e.0))?;
    remote.port().call(out, timeout).await?;
    match rx.await {
        Ok(Ok(value)) => Ok(value),
        _ => Err(CallError::Protocol("the answer was not delivered".into())),
    }
}

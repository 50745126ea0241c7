//! Messages to an actor on another node through its handle: encoded in the context of the
//! stand-in's node (handles inside need one) and sent through its port.

use std::time::Duration;

use super::Actor;
use super::remote::{CodecError, Outbound, RemoteCodec, RemoteProc};
use super::reply::ReplyTo;
use crate::{CallError, SendError, TrySendError};

/// `ActorRef::cast` to an actor on another node: encoded and sent, at most once.
pub(super) fn remote_cast<A: Actor>(remote: &RemoteProc, msg: A::Message) -> Result<(), SendError> {
    encoded::<A>(remote, msg).and_then(|out| remote.port().cast(out).map_err(|(e, _)| e))
}

/// `ActorRef::send` to an actor on another node: as a cast, but a cast that finds no room on
/// the way out waits for room, up to `patience`.
pub(super) async fn remote_send<A: Actor>(
    remote: &RemoteProc,
    msg: A::Message,
    patience: Duration,
) -> Result<(), SendError> {
    let out = encoded::<A>(remote, msg)?;
    match remote.port().cast(out) {
        Err((SendError::Full, out)) => remote.port().send(out, patience).await,
        sent => sent.map_err(|(e, _)| e),
    }
}

/// `ActorRef::try_send` to an actor on another node: a cast that finds no room on the way out
/// comes back decoded from its own frame (what the actor would have received).
pub(super) fn remote_try_send<A: Actor>(
    remote: &RemoteProc,
    msg: A::Message,
) -> Result<(), TrySendError<A::Message>> {
    let Some(codec) = A::REMOTE.filter(|_| remote.is_alive()) else {
        return Err(TrySendError::NoProc(msg));
    };
    let decode = codec.decode;
    let out = match encode_for(remote, codec, msg) {
        Some(Ok(out)) => out,
        Some(Err(e)) => {
            // Consumed by the encoder: nothing to hand back (`cast` reports `Unencodable`).
            tracing::warn!(error = %e.0, "try_send: the message cannot be encoded; dropped");
            return Ok(());
        }
        None => return Ok(()),
    };
    let (error, out) = match remote.port().cast(out) {
        Ok(()) => return Ok(()),
        Err(refused) => refused,
    };
    let mut back = None;
    remote.port().encoding(&mut || {
        back = Some(decode(out.op, &out.body));
    });
    match back {
        Some(Ok(inbound)) if error == SendError::NoProc => Err(TrySendError::NoProc(inbound.msg)),
        Some(Ok(inbound)) => Err(TrySendError::Full(inbound.msg)),
        _ => {
            tracing::warn!(%error, "try_send: a refused message could not be decoded back; dropped");
            Ok(())
        }
    }
}

/// `msg` encoded for `remote`, or why not.
fn encoded<A: Actor>(remote: &RemoteProc, msg: A::Message) -> Result<Outbound, SendError> {
    if !remote.is_alive() {
        return Err(SendError::NoProc);
    }
    let codec = A::REMOTE.ok_or(SendError::NoProc)?;
    match encode_for(remote, codec, msg) {
        Some(Ok(out)) => Ok(out),
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

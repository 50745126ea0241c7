//! The wire format: how `#[actor(remote)]` messages, answers and exit reasons are encoded.
//!
//! Bodies are [postcard](https://docs.rs/postcard): serde's compact binary format with a
//! documented, stable wire format (varints, no field names), so a frame costs about what its
//! data weighs. It is not self-describing: a handler's argument and reply types are its schema.
//! Handlers are named on the wire (`bm-op`), so adding a handler, or a node that knows more
//! handlers than another, is compatible; changing a handler's argument or reply types is a
//! protocol change, answered with `CallError::Protocol` by a node that cannot decode it (add a
//! new handler instead, and retire the old one once no node sends it). Frames carry a version
//! header (`bm-v`) for changes of the envelope itself.
//!
//! The functions here are what generated code calls; they are public for it, not for users.

use actor_core::__private::remote::{self, CodecError, Outbound, PendingReply};
use actor_core::__private::{ExitReason, ReplyTo};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use crate::handles::{deserialize_handle, serialize_handle};
/// serde, for the `Serialize` and `Deserialize` impls of generated handles.
pub use serde;

fn codec_error(e: postcard::Error) -> CodecError {
    CodecError(e.to_string())
}

/// Encodes a value.
///
/// # Errors
/// The value's `Serialize` failed.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CodecError> {
    postcard::to_allocvec(value).map_err(codec_error)
}

/// Decodes a value.
///
/// # Errors
/// The bytes are not a `T`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    postcard::from_bytes(bytes).map_err(codec_error)
}

/// Appends one argument to a message body (the body is the arguments one after the other:
/// postcard's encoding of their tuple).
///
/// # Errors
/// The argument failed to serialise.
pub fn push<T: Serialize + DeserializeOwned>(
    body: &mut Vec<u8>,
    arg: &T,
) -> Result<(), CodecError> {
    let taken = std::mem::take(body);
    *body = postcard::to_extend(arg, taken).map_err(codec_error)?;
    Ok(())
}

/// Takes the next argument from a message body.
///
/// # Errors
/// The body does not hold a `T` next.
pub fn take<T: Serialize + DeserializeOwned>(body: &mut &[u8]) -> Result<T, CodecError> {
    let (value, rest) = postcard::take_from_bytes(body).map_err(codec_error)?;
    *body = rest;
    Ok(value)
}

/// Checks that a body held nothing past the handler's arguments.
///
/// # Errors
/// Bytes were left: the sender's handler has other arguments.
pub fn finish(body: &[u8]) -> Result<(), CodecError> {
    if body.is_empty() {
        Ok(())
    } else {
        Err(CodecError(
            "the frame has more arguments than the handler".into(),
        ))
    }
}

thread_local! {
    /// A spare body buffer: a thread that sends message after message encodes each into the
    /// same allocation (it comes back once the frame holds a copy).
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Bodies larger than this are not kept as the spare.
const SPARE_MAX: usize = 1024;

/// An empty body to encode a message's arguments into.
pub fn body() -> Vec<u8> {
    SPARE.try_with(std::cell::Cell::take).unwrap_or_default()
}

/// Gives back a body whose bytes were copied into a frame.
pub(crate) fn recycle(mut body: Vec<u8>) {
    if body.capacity() <= SPARE_MAX {
        body.clear();
        let _ = SPARE.try_with(|spare| spare.set(body));
    }
}

/// A cast of handler `op` with its encoded arguments.
pub fn cast(op: &'static str, body: Vec<u8>) -> Outbound {
    Outbound {
        op,
        body,
        reply: None,
    }
}

/// A call of handler `op` with its encoded arguments; its answer, once decoded, goes to
/// `reply`.
pub fn call<R: Serialize + DeserializeOwned + Send + 'static>(
    op: &'static str,
    body: Vec<u8>,
    reply: ReplyTo<R>,
) -> Outbound {
    Outbound {
        op,
        body,
        reply: Some(Box::new(move |bytes: &[u8]| {
            reply.send(decode::<R>(bytes)?);
            Ok(())
        })),
    }
}

/// The reply channel of a call that arrived, and its encoded answer to come.
pub fn reply_to<R: Serialize + DeserializeOwned + Send + 'static>() -> (ReplyTo<R>, PendingReply) {
    // Made while a frame is delivered, in the receiving node's scope: the answer is encoded in
    // it too (it may hold handles).
    let node = crate::handles::scope();
    remote::remote_reply(move |value: &R| match node {
        Some(node) => crate::handles::in_scope(&node, || encode(value)),
        None => encode(value),
    })
}

/// A frame named a handler this type does not have.
pub fn unknown_op(op: &str) -> CodecError {
    CodecError(format!("no handler `{op}`"))
}

/// [`ExitReason`] on the wire.
#[derive(Serialize, Deserialize)]
enum WireReason {
    Normal,
    Shutdown,
    ShutdownWith(String),
    Killed,
    Panic(String),
    Error(String),
    NoProc,
    MailboxOverflow,
    NoConnection,
    Other(String),
    NameConflict(String),
    Fenced,
}

pub(crate) fn encode_reason(reason: &ExitReason) -> Vec<u8> {
    let wire = match reason {
        ExitReason::Normal => WireReason::Normal,
        ExitReason::Shutdown => WireReason::Shutdown,
        ExitReason::ShutdownWith(s) => WireReason::ShutdownWith(s.clone()),
        ExitReason::Killed => WireReason::Killed,
        ExitReason::Panic(s) => WireReason::Panic(s.clone()),
        ExitReason::Error(s) => WireReason::Error(s.clone()),
        ExitReason::NoProc => WireReason::NoProc,
        ExitReason::MailboxOverflow => WireReason::MailboxOverflow,
        ExitReason::NoConnection => WireReason::NoConnection,
        ExitReason::NameConflict(s) => WireReason::NameConflict(s.clone()),
        ExitReason::Fenced => WireReason::Fenced,
    };
    encode(&wire).unwrap_or_default()
}

pub(crate) fn decode_reason(bytes: &[u8]) -> Result<ExitReason, CodecError> {
    Ok(match decode::<WireReason>(bytes)? {
        WireReason::Normal => ExitReason::Normal,
        WireReason::Shutdown => ExitReason::Shutdown,
        WireReason::ShutdownWith(s) => ExitReason::ShutdownWith(s),
        WireReason::Killed => ExitReason::Killed,
        WireReason::Panic(s) => ExitReason::Panic(s),
        WireReason::Error(s) | WireReason::Other(s) => ExitReason::Error(s),
        WireReason::NoProc => ExitReason::NoProc,
        WireReason::MailboxOverflow => ExitReason::MailboxOverflow,
        WireReason::NoConnection => ExitReason::NoConnection,
        WireReason::NameConflict(s) => ExitReason::NameConflict(s),
        WireReason::Fenced => ExitReason::Fenced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_reasons_round_trip() {
        for reason in [
            ExitReason::Normal,
            ExitReason::ShutdownWith("bye".into()),
            ExitReason::Panic("boom".into()),
            ExitReason::NoConnection,
            ExitReason::Fenced,
        ] {
            assert_eq!(decode_reason(&encode_reason(&reason)), Ok(reason));
        }
        assert!(decode_reason(&[0xff, 0xff]).is_err());
    }

    /// A body given back comes out again empty, with its room; one too large is not kept.
    #[test]
    fn a_recycled_body_comes_back_empty() {
        let mut first = body();
        push(&mut first, &u64::MAX).unwrap();
        push(&mut first, &String::from("a tail")).unwrap();
        let (bytes, room) = (first.clone(), first.capacity());
        recycle(first);
        let mut second = body();
        assert!(second.is_empty(), "stale bytes in a recycled body");
        assert_eq!(second.capacity(), room);
        push(&mut second, &7u64).unwrap();
        assert_ne!(second, bytes);
        assert_eq!(take::<u64>(&mut second.as_slice()).unwrap(), 7);

        recycle(Vec::with_capacity(SPARE_MAX + 1));
        assert!(body().capacity() <= SPARE_MAX);
    }
}

//! Waiting for an answer: the reply future of a call, and an orderly stop.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use super::cell::{self, Core, ProcRef};
use super::current::current_id;
use super::deadline::Deadline;
use super::mailbox::Sys;
use super::reply::{Evicted, ReplyRx};
use crate::{CallError, ExitReason};

/// The wait for a call's reply, written out by hand: the reply, or the callee's exit reason if it
/// dropped the reply channel (it exited), or `Timeout` at the deadline. One small `Unpin` future
/// per call instead of a timeout combinator around an `async` block; the timer is borrowed only
/// if the reply is not there at the first poll.
pub(crate) struct Reply<'a, R> {
    rx: ReplyRx<R>,
    core: &'a Core,
    deadline: Deadline,
    /// Set once the reply channel closed without an answer (rare, hence boxed).
    exited: Option<Pin<Box<dyn Future<Output = ExitReason> + Send + 'a>>>,
}

impl<'a, R> Reply<'a, R> {
    pub(crate) fn new(rx: ReplyRx<R>, core: &'a Core, deadline: Deadline) -> Self {
        Reply {
            rx,
            core,
            deadline,
            exited: None,
        }
    }
}

impl<R> Future for Reply<'_, R> {
    type Output = Result<R, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.exited.is_none() {
            match Pin::new(&mut this.rx).poll(cx) {
                Poll::Ready(Ok(Ok(value))) => return Poll::Ready(Ok(value)),
                Poll::Ready(Ok(Err(Evicted))) => return Poll::Ready(Err(CallError::Dropped)),
                Poll::Ready(Err(_)) => {
                    // Usually the exit is told already (the actor task drops the messages it
                    // did not handle after its exit): no wait to box.
                    if let Some(reason) = this.core.told_reason() {
                        return Poll::Ready(Err(CallError::Exited(reason)));
                    }
                    this.exited = Some(Box::pin(this.core.wait()));
                }
                Poll::Pending => {}
            }
        }
        if let Some(exited) = &mut this.exited
            && let Poll::Ready(reason) = exited.as_mut().poll(cx)
        {
            return Poll::Ready(Err(CallError::Exited(reason)));
        }
        this.deadline
            .poll_elapsed(cx)
            .map(|()| Err(CallError::Timeout))
    }
}

/// Stops `proc` in order and waits for its exit (GS-8): `Ok` if it exited with `reason`. Returns
/// only after its exit path has told its links and monitors, whatever the answer.
pub(crate) async fn stop_proc(proc: &ProcRef, reason: ExitReason) -> Result<(), CallError> {
    let core = proc.core();
    if current_id() == Some(core.id) {
        return Err(CallError::CallingSelf);
    }
    if let Some(port) = proc.remote() {
        if !core.is_alive() {
            return Err(CallError::NoProc);
        }
        return port.stop(reason, crate::DEFAULT_CALL_TIMEOUT).await;
    }
    if !core.is_alive() || !proc.send_sys(Sys::Stop(reason.clone())) {
        // Already dead, or in its exit path: still return only once its links and monitors were
        // told, as every other return of `stop` does.
        core.wait().await;
        return Err(CallError::NoProc);
    }
    let exited = core.wait().await;
    if exited == reason {
        Ok(())
    } else {
        Err(CallError::Exited(exited))
    }
}

/// A supervisor's orderly shutdown of `proc` with `reason` ([`cell::shutdown`]: a trapping actor
/// stops after the messages queued before, a non-trapping one at once, its running handler
/// dropped; `terminate` runs either way) and the wait for its exit reason.
pub(crate) async fn shutdown_proc(proc: &ProcRef, reason: ExitReason) -> ExitReason {
    cell::shutdown(proc, reason);
    proc.core().wait().await
}

/// The answer type of a `#[call(flatten)]` handler: `Result<T, E>` whose `E` can hold a
/// [`CallError`], so that the handle method returns `Result<T, E>` instead of
/// `Result<Result<T, E>, CallError>`.
#[diagnostic::on_unimplemented(
    message = "`#[call(flatten)]` needs a handler returning `Result<T, E>` with `E: From<CallError>`, not `{Self}`",
    note = "drop `flatten` to get `Result<{Self}, CallError>` from the handle instead"
)]
pub trait Flatten: Sized {
    /// The handler's answer, or the call's error converted into the handler's error type.
    fn flatten(call: Result<Self, CallError>) -> Self;
}

impl<T, E: From<CallError>> Flatten for Result<T, E> {
    fn flatten(call: Result<Self, CallError>) -> Self {
        call.unwrap_or_else(|e| Err(E::from(e)))
    }
}

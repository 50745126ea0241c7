//! Small runtime pieces that `#[actor]`-generated code relies on, reached through `__private`.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::InitError;
use crate::actor::Actor;

/// What an `#[init]` handler may return: the actor itself, or `Result<A, E>` with an error that
/// converts into [`InitError`] (any `std::error::Error + Send + Sync + 'static`, `String`, `&str`,
/// `Box<dyn Error + Send + Sync>`, or `InitError` itself).
#[diagnostic::on_unimplemented(
    message = "`#[init]` must return `Self` or `Result<Self, E>` with `E: Into<InitError>`, not `{Self}`",
    note = "`E` may be any `std::error::Error + Send + Sync + 'static`, `String`, `&str`, `Box<dyn Error + Send + Sync>` or `InitError`",
    note = "an `Err` makes the start fail with `StartError::Init`, whose `source()` is the error"
)]
pub trait InitResult<A> {
    /// The actor, or the init error.
    fn into_init(self) -> Result<A, InitError>;
}

impl<A: Actor> InitResult<A> for A {
    fn into_init(self) -> Result<A, InitError> {
        Ok(self)
    }
}

impl<A: Actor, E: Into<InitError>> InitResult<A> for Result<A, E> {
    fn into_init(self) -> Result<A, InitError> {
        self.map_err(Into::into)
    }
}

/// Named in hidden function signatures, spanned at the actor type and at each handler's argument
/// and reply type: the actor and its messages cross tasks, so they must be `Send`. rustc checks
/// item signatures in order before any body, and `#[actor]` emits these first, so a missing
/// `Send` is reported here, at the user's type, before the generated code trips over it.
#[derive(Debug)]
pub struct AssertSend<T: Send + ?Sized>(PhantomData<T>);

/// The output of a handler's future that cannot wait (`#[actor]` checked that its body has no
/// `.await` and calls no macro that could hide one): polled once, it is ready. An inline call
/// runs it this way, in the caller's task (`Actor::handle_inline`).
///
/// # Panics
/// If the future is not ready: a macro by one of the names `#[actor]` trusts (`println`,
/// `info`…) that awaits. The panic ends the actor, as a panicking handler does.
pub fn ready_now<F: Future>(fut: F) -> F::Output {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!(
            "a `#[call]` handler run inline awaited (inside a macro `#[actor]` trusts not to): rename the macro, or take `ctx` to keep the handler on the actor's task"
        ),
    }
}

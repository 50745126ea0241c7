//! Small runtime pieces that `#[actor]`-generated code relies on, reached through `__private`.

use std::marker::PhantomData;

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

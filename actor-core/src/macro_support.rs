//! Small runtime pieces that `#[actor]`-generated code relies on, reached through `__private`.

use std::fmt::Display;

use crate::InitError;
use crate::actor::Actor;

/// What an `#[init]` handler may return: the actor itself, or `Result<A, E: Display>`.
#[diagnostic::on_unimplemented(
    message = "`#[init]` must return `Self` or `Result<Self, E>` with `E: Display`, not `{Self}`",
    note = "an `Err` makes the start fail with `StartError::Init` carrying the error's message"
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

impl<A: Actor, E: Display> InitResult<A> for Result<A, E> {
    fn into_init(self) -> Result<A, InitError> {
        self.map_err(InitError::new)
    }
}

/// Spanned at a handler's argument or reply type: messages cross tasks, so they must be `Send`.
pub fn assert_send<T: Send + ?Sized>() {}

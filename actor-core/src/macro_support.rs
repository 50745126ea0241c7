//! Small runtime pieces that `#[actor]`-generated code relies on, reached through `__private`.

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

/// Spanned at a handler's argument or reply type: messages cross tasks, so they must be `Send`.
pub fn assert_send<T: Send + ?Sized>() {}

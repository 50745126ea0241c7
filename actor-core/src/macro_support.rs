//! Small runtime pieces that `#[actor]`-generated code relies on, reached through `__private`.

use std::fmt::Debug;
use std::hash::Hash;

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

/// What a registry key must be for via names and typed lookups.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a registry key for via names",
    note = "keys must be `Eq + Hash + Clone + Debug + Send + Sync + 'static`"
)]
pub trait RegistryKey: Eq + Hash + Clone + Debug + Send + Sync + 'static {}

impl<K: Eq + Hash + Clone + Debug + Send + Sync + 'static> RegistryKey for K {}

/// What a registry value must be for via names and typed lookups.
pub trait RegistryValue: Clone + Send + Sync + 'static {}

impl<V: Clone + Send + Sync + 'static> RegistryValue for V {}

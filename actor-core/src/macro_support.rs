//! Small runtime pieces that `#[actor]`-generated code relies on, reached through `__private`.

use std::fmt::{Debug, Display};
use std::hash::Hash;
use std::marker::PhantomData;

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

/// Named in hidden function signatures, spanned at the actor type and at each handler's argument
/// and reply type: the actor and its messages cross tasks, so they must be `Send`. rustc checks
/// item signatures in order before any body, and `#[actor]` emits these first, so a missing
/// `Send` is reported here, at the user's type, before the generated code trips over it.
#[derive(Debug)]
pub struct AssertSend<T: Send + ?Sized>(PhantomData<T>);

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

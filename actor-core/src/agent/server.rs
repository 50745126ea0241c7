//! The agent as an actor: its state, built by the start function's closure inside the new actor,
//! and the one message it handles, a closure to run on that state.
//!
//! All the code generic over the state type `S` is here and in the handle's one-line wrappers:
//! the closures arrive boxed, so an agent's `init` and `handle` are a call through a pointer each.

use crate::InitError;
use crate::actor::{Actor, Context};

/// What `init` runs inside the new actor to build the state.
pub(crate) type Init<S> = Box<dyn FnOnce() -> S + Send>;

/// One operation on the state: a client's closure, with the reply channel inside for a call.
pub(crate) type Op<S> = Box<dyn FnOnce(&mut S) + Send>;

/// The agent actor: nothing but its state.
pub(crate) struct AgentServer<S>(S);

impl<S: Send + 'static> Actor for AgentServer<S> {
    type Args = Init<S>;
    type Message = Op<S>;

    /// Runs the initial-state function; a panic in it fails the start with
    /// [`StartError::Panic`](crate::StartError::Panic), as any `init` does.
    async fn init(init: Init<S>, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(AgentServer(init()))
    }

    /// Runs one closure on the state; a panic in it is the agent's exit reason.
    async fn handle(&mut self, op: Op<S>, _ctx: &mut Context<Self>) {
        op(&mut self.0);
    }

    /// Every operation is a synchronous closure: a call to an idle agent runs it in the caller's
    /// task (see [`Actor::handle_inline`]).
    fn is_inline(_op: &Op<S>) -> bool {
        true
    }

    fn handle_inline(&mut self, op: Op<S>) -> Result<(), Op<S>> {
        op(&mut self.0);
        Ok(())
    }
}

//! Agents: an actor that is only its state, driven by closures its clients send (Elixir's
//! `Agent`).
//!
//! Two files, in the supervisors' vocabulary: `server` (the actor: its state, `init` running the
//! initial-state function, and the one message it handles — a closure to run on the state) and
//! `handle` (the public [`Agent`]: start functions, child specs, and `get`/`update`/`cast`).
//! `handle` imports `server`, never the other way round.

mod handle;
mod server;

pub use handle::Agent;

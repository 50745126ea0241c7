//! The static Supervisor and its restart strategies (SUP-1 … SUP-6, SUP-8).
//!
//! One file per concern, as for the `DynamicSupervisor`: `options` (strategy, intensity,
//! auto-shutdown), `message` (what the handle asks the supervisor actor), `children` (the children
//! in start order and their start, stop and restart bookkeeping), `server` (the actor: `init`, its
//! message and exit-signal dispatch) and `handle` (the public `Supervisor`: start functions and
//! client calls). Each imports only the ones listed before it.

mod children;
mod handle;
mod message;
mod options;
mod server;

pub use handle::Supervisor;
pub use options::{AutoShutdown, Strategy, SupervisorOptions};

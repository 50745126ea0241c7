//! The DynamicSupervisor: children started on demand, restarted one for one (DS-1 … DS-6).
//!
//! One file per concern, as for the static `Supervisor`: `options` (intensity, `max_children`,
//! the extra argument), `message` (what the handle asks the supervisor actor), `children` (the
//! children in start order and their start, stop and restart bookkeeping), `server` (the actor:
//! `init`, its message and exit-signal dispatch) and `handle` (the public `DynamicSupervisor`:
//! start functions and client calls). Each imports only the ones listed before it.

mod children;
mod handle;
mod message;
mod options;
mod server;

pub use handle::DynamicSupervisor;
pub use options::DynamicSupervisorOptions;

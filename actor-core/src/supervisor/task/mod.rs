//! The TaskSupervisor: a supervisor of one-shot tasks (Elixir's `Task.Supervisor`).
//!
//! It is a [`DynamicSupervisor`](crate::DynamicSupervisor) underneath, whose children are task
//! actors started from [`OnceSpec`](crate::OnceSpec)s: `options` (what it is started with) and
//! `handle` (the public `TaskSupervisor`: start functions, child spec, `start_child`,
//! `async_nolink` and the queries).

mod handle;
mod options;

pub use handle::TaskSupervisor;
pub use options::TaskSupervisorOptions;

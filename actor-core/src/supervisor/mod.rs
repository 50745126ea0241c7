//! Supervisors: [`DynamicSupervisor`] and [`Supervisor`], with declarative restart strategies.
//!
//! CONTRACT SKELETON — the supervisor work fills this in (dynamic.rs, strategy.rs, intensity.rs).

mod child_spec;

pub use child_spec::{ChildSpec, ChildType, Restart, Shutdown};

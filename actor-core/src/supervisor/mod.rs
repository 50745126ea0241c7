//! Supervisors: [`DynamicSupervisor`] and [`Supervisor`], with declarative restart strategies, and
//! [`TaskSupervisor`] for one-shot tasks; child specs, restartable ([`ChildSpec`]) or started once
//! ([`OnceSpec`]).
//!
//! The behaviour, in short, is in the facade's crate docs ("How it behaves"); the rules are OTP's
//! (`reference/otp-semantics.md` §3–§4), and where beamish differs the item's docs say so.

mod child_spec;
mod children;
mod dynamic;
mod follow;
mod handle;
mod intensity;
mod once_spec;
mod strategy;
mod task;

pub use child_spec::{ChildSpec, ChildType, Restart, Shutdown};
pub use children::{ChildCounts, ChildInfo, ChildState};
pub use dynamic::{DynamicSupervisor, DynamicSupervisorOptions};
pub use intensity::Backoff;
pub use once_spec::{IntoChildSpec, OnceSpec};
pub use strategy::{AutoShutdown, Strategy, Supervisor, SupervisorOptions};
pub use task::{TaskSupervisor, TaskSupervisorOptions};

//! Supervisors: [`DynamicSupervisor`] and [`Supervisor`], with declarative restart strategies.
//!
//! "Let it crash" works because something brings the crashed actor back. A supervisor is an actor
//! that traps exits, starts its children linked to itself from [`ChildSpec`]s, and when one exits
//! decides from the spec's [`Restart`] policy whether to start it again — and, for a static
//! [`Supervisor`], which siblings go with it ([`Strategy`]). Restarts are budgeted: more than
//! `max_restarts` attempts within `max_seconds` and the supervisor stops its children and exits
//! with `Shutdown`, handing the failure to its own supervisor (escalation up the tree).
//!
//! Stopping a child follows its [`Shutdown`] mode: `Timeout` and `Infinity` always run the
//! child's `terminate` with `Shutdown` (trapping or not), `BrutalKill` never does. A
//! [`DynamicSupervisor`] stops its children concurrently, a [`Supervisor`] one by one in reverse
//! start order.
//!
//! The rules are OTP's (`reference/otp-semantics.md` §3–§4); where beamish differs — exact
//! intensity windows, start-order `which_children`, a typed extra argument, optional [`Backoff`],
//! a restart counter in [`ChildCounts`] — the item's docs say so.

mod child_spec;
mod children;
mod dynamic;
mod intensity;
mod strategy;

pub use child_spec::{ChildSpec, ChildType, Restart, Shutdown};
pub use children::{ChildCounts, ChildInfo, ChildState};
pub use dynamic::{DynamicSupervisor, DynamicSupervisorOptions};
pub use intensity::Backoff;
pub use strategy::{AutoShutdown, Strategy, Supervisor, SupervisorOptions};

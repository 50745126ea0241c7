//! Introspection of the running system, after OTP's `sys` and `erlang:process_info`: every live
//! actor with its relations and mailbox ([`processes`], [`process`]), the supervision tree
//! ([`tree`](fn@tree)), the last crashes ([`crashes`](fn@crashes)), the registries and their entries
//! ([`registries`](fn@registries), [`registry_entries`]), and an actor's state if its type shows it
//! ([`get_state`]).
//!
//! What it costs while nobody looks: a spawn inserts the actor in a sharded table (one
//! uncontended lock, by id), its exit removes it, and a crash is written to a bounded log.
//! Messages cost nothing more: mailbox depth and intake are counted by the mailbox anyway
//! ([`MailboxStats`]). Reading takes each actor's lock once, briefly; actors are never stopped
//! or asked anything.
//!
//! ```
//! use beamish::prelude::*;
//!
//! struct Idle;
//!
//! #[actor]
//! impl Idle {
//!     #[init]
//!     async fn init(_: ()) -> Self {
//!         Idle
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let sup = DynamicSupervisor::start(DynamicSupervisorOptions::default()).await.unwrap();
//! let child = sup.start_child(Idle::child_spec(())).await.unwrap();
//! let info = beamish::sys::process(child.id()).expect("alive");
//! assert_eq!(info.parent, Some(sup.id()));
//! assert!(info.type_name.ends_with("Idle"));
//!
//! // The tree from its root: the supervisor with its child.
//! let root = beamish::sys::tree_of(sup.id()).expect("alive");
//! assert_eq!(root.children.len(), 1);
//! assert_eq!(root.children[0].info.id, child.id());
//! # }
//! ```

mod crashes;
mod registries;
mod table;
mod tree;

pub(crate) use crashes::exited_with;
pub use crashes::{CRASH_LOG, Crash, crashes};
pub(crate) use registries::{Listed, add as add_registry};
pub use registries::{RegistryEntry, RegistryInfo, registries, registry_entries};
pub(crate) use table::insert;
pub use table::{actor, process, processes};
pub use tree::{TreeNode, tree, tree_of};

use std::time::Duration;

use tokio::sync::oneshot;

use crate::actor::{Core, Sys};
use crate::{ActorId, CallError, ExitReason, MailboxStats};

/// One live actor at one moment (`erlang:process_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessInfo {
    /// Its id.
    pub id: ActorId,
    /// Its Rust type name (`"my_app::Counter"`).
    pub type_name: &'static str,
    /// The actor that started it linked (its supervisor, for a supervised child).
    pub parent: Option<ActorId>,
    /// Whether it traps exits (supervisors do).
    pub trap_exit: bool,
    /// The actors linked to it.
    pub links: Vec<ActorId>,
    /// The actors monitoring it.
    pub monitored_by: Vec<ActorId>,
    /// The actors it monitors.
    pub monitoring: Vec<ActorId>,
    /// How many restarts of its supervised child came before this incarnation.
    pub restarts: u32,
    /// Its mailbox: depth, bound, drops, messages taken.
    pub mailbox: MailboxStats,
    /// Whether it is one of beamish's supervisors (`DynamicSupervisor`, `Supervisor`,
    /// `TaskSupervisor`).
    pub supervisor: bool,
}

/// The state of actor `id` as text, taken between two of its messages (OTP's `sys:get_state`):
/// `Ok(None)` if its type keeps its state private (see
/// [`Actor::debug_state`](crate::Actor::debug_state), `#[actor(debug_state)]`).
///
/// # Errors
/// [`CallError::NoProc`] if `id` names no live actor, [`CallError::Exited`] if it exits before
/// answering, [`CallError::Timeout`] if it does not get to the request within `timeout` (a
/// handler that runs long, or a long queue ahead of it).
pub async fn get_state(id: ActorId, timeout: Duration) -> Result<Option<String>, CallError> {
    let proc = table::get(id).ok_or(CallError::NoProc)?;
    let (tx, rx) = oneshot::channel();
    if !proc.core().is_alive() || !proc.send_sys(Sys::Inspect(tx)) {
        return Err(CallError::NoProc);
    }
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(state)) => Ok(state),
        Ok(Err(_)) => Err(CallError::Exited(proc.core().wait().await)),
        Err(_) => Err(CallError::Timeout),
    }
}

/// An actor's relations at one moment, read under its lock (`Core::relations`).
pub(crate) struct Relations {
    pub(crate) parent: Option<ActorId>,
    pub(crate) trap_exit: bool,
    pub(crate) links: Vec<ActorId>,
    pub(crate) monitored_by: Vec<ActorId>,
    pub(crate) monitoring: Vec<ActorId>,
    pub(crate) restarts: u32,
}

/// Called in an actor's exit path: it leaves the table, and a crash is logged.
pub(crate) fn exited(core: &Core, parent: Option<ActorId>, reason: &ExitReason) {
    table::remove(core);
    if reason.is_crash() {
        exited_with(core.id, core.type_name, parent, reason);
    }
}

//! What both supervisors share: the query results (`which_children`, `count_children`) and the
//! protocol that stops one child (DS-6, SUP-5).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use super::child_spec::{ChildSpec, ChildType, Shutdown, StartFn};

use crate::SupervisorError;
use crate::actor::ActorHandle;
use crate::actor::{StartOptions, answered, catch, panic_message, shutdown_proc, starting_inline};
use crate::registry::{Registry, RegistryKey, RegistryValue, via_options};
use crate::{AnyActor, ExitReason, StartError};

/// The state of one child, as [`which_children`](crate::Supervisor::which_children) reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildState {
    /// The child runs; its current incarnation.
    Running(AnyActor),
    /// A restart is due: the last attempt failed and a retry is posted, or a backoff delay runs
    /// (OTP's `:restarting`). Counts in `specs` and by type, not in `active`.
    Restarting,
    /// A static supervisor keeps the spec but no process: stopped by `terminate_child`, or a
    /// `Transient` child that exited cleanly (OTP's `:undefined`).
    Stopped,
}

/// One child in [`which_children`](crate::Supervisor::which_children).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The spec's id. (A DynamicSupervisor reports the spec's id too, where OTP says `:undefined`.)
    pub id: String,
    /// Running (with the actor), restarting, or stopped.
    pub state: ChildState,
    /// Worker or supervisor.
    pub child_type: ChildType,
}

impl ChildInfo {
    /// The running actor, if any.
    pub fn actor(&self) -> Option<&AnyActor> {
        match &self.state {
            ChildState::Running(actor) => Some(actor),
            _ => None,
        }
    }
}

/// What [`count_children`](crate::Supervisor::count_children) reports (DS-4.2, SUP-6.6), plus the
/// supervisor's restart counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChildCounts {
    /// Every child spec held, running or not (restarting and stopped ones included).
    pub specs: usize,
    /// Children with a running actor.
    pub active: usize,
    /// Specs of type [`ChildType::Worker`], running or not.
    pub workers: usize,
    /// Specs of type [`ChildType::Supervisor`], running or not.
    pub supervisors: usize,
    /// Restart attempts since the supervisor started (beyond OTP): every automatic attempt counts,
    /// failed ones and retries included, exactly as intensity counts them; a group restart of
    /// `OneForAll`/`RestForOne` is one attempt. Manual `restart_child` does not count.
    pub restarts: u64,
}

/// Where a supervised child stands, as both supervisors keep it. (A DynamicSupervisor forgets a
/// child rather than keeping it `Stopped`.)
pub(crate) enum Slot {
    Running(AnyActor),
    Restarting,
    Stopped,
}

impl Slot {
    /// Whether the running child's state parks for inline calls: read as it leaves the slot, so
    /// that its restart parks from the start (see `run_start`).
    pub(crate) fn parks(&self) -> bool {
        matches!(self, Slot::Running(actor) if actor.parks())
    }
}

/// One [`ChildInfo`] per `(spec, slot)`, in the order given.
pub(crate) fn which<'a, E: 'a>(
    children: impl Iterator<Item = (&'a ChildSpec<AnyActor, E>, &'a Slot)>,
) -> Vec<ChildInfo> {
    children
        .map(|(spec, slot)| ChildInfo {
            id: spec.id.clone(),
            state: match slot {
                Slot::Running(actor) => ChildState::Running(actor.clone()),
                Slot::Restarting => ChildState::Restarting,
                Slot::Stopped => ChildState::Stopped,
            },
            child_type: spec.child_type,
        })
        .collect()
}

/// The [`ChildCounts`] of `children`, with the supervisor's `restarts` counter.
pub(crate) fn count<'a, E: 'a>(
    children: impl Iterator<Item = (&'a ChildSpec<AnyActor, E>, &'a Slot)>,
    restarts: u64,
) -> ChildCounts {
    let mut counts = ChildCounts {
        restarts,
        ..ChildCounts::default()
    };
    for (spec, slot) in children {
        counts.specs += 1;
        if matches!(slot, Slot::Running(a) if a.is_alive()) {
            counts.active += 1;
        }
        match spec.child_type {
            ChildType::Worker => counts.workers += 1,
            ChildType::Supervisor => counts.supervisors += 1,
        }
    }
    counts
}

/// Stops `child` following `mode` and returns the reason it exited with. The caller has already
/// unlinked it, so no exit signal comes back.
///
/// `Timeout` and `Infinity` are orderly: `terminate` runs with [`ExitReason::Shutdown`] whether or
/// not the child traps exits. A non-trapping child is stopped at once — its running handler is
/// dropped at its next await — so a busy child never holds the shutdown up; a trapping one stops
/// after its current handler and the messages queued before (DS-6). After a `Timeout` a child
/// still alive is killed. `BrutalKill` kills it, and `terminate` never runs.
pub(crate) async fn shutdown_child(child: &AnyActor, mode: Shutdown) -> ExitReason {
    let proc = child.view().to_proc();
    let orderly = || shutdown_proc(&proc, ExitReason::Shutdown);
    let reason = match mode {
        Shutdown::BrutalKill => {
            child.kill();
            child.wait().await
        }
        Shutdown::Timeout(limit) => match tokio::time::timeout(limit, orderly()).await {
            Ok(reason) => reason,
            Err(_) => {
                child.kill();
                child.wait().await
            }
        },
        Shutdown::Infinity => orderly().await,
    };
    let expected = match mode {
        Shutdown::BrutalKill => reason == ExitReason::Killed,
        _ => reason.is_clean(),
    };
    if !expected {
        tracing::warn!(child = %child.id(), %reason, "child exited with an unexpected reason during shutdown");
    }
    reason
}

/// Stops every child of `children` at the same time (DS-6) and waits for all of them.
pub(crate) async fn shutdown_concurrently(children: Vec<(AnyActor, Shutdown)>) {
    let tasks: Vec<_> = children
        .into_iter()
        .map(|(child, mode)| tokio::spawn(async move { shutdown_child(&child, mode).await }))
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

/// A call timeout that never fires: supervisor calls have no time limit (SUP-6).
pub(crate) const NO_TIMEOUT: Duration = Duration::MAX;

/// Runs `spec`'s start function with `extra`. A panic in it becomes [`StartError::Panic`]: the
/// supervisor survives whatever a start function does (DS-2.6). `park`: the child restarts, and
/// its last incarnation's callers ran their calls inline (see `starting_inline`).
pub(crate) async fn run_start<H, E>(
    spec: &ChildSpec<H, E>,
    extra: E,
    park: bool,
) -> Result<AnyActor, StartError> {
    let start = match &spec.start {
        StartFn::Future(start) => start,
        // Launched at once, `init` run in this task first, as a start future would have it.
        StartFn::Launch(launch) => {
            return match launching(launch, extra, park) {
                Ok(actor) => answered(actor).await,
                Err(error) => Err(error),
            };
        }
    };
    let fut = match catch_unwind(AssertUnwindSafe(|| start(extra))) {
        Ok(fut) => fut,
        Err(payload) => return Err(StartError::Panic(panic_message(payload.as_ref()))),
    };
    // Polled inline: the actors the start function starts run `init` in this task first.
    catch(starting_inline(fut, park))
        .await
        .unwrap_or_else(|panic| Err(StartError::Panic(panic)))
}

/// [`run_start`] without the wait, for a spec that launches its child (`ChildSpec::of`): the
/// new actor, its `init` run here until it first waits, its start answered or not
/// ([`answered`], `answered_now`); `None` for a spec whose start function is a future.
pub(crate) fn launch<H, E>(
    spec: &ChildSpec<H, E>,
    extra: E,
    park: bool,
) -> Option<Result<AnyActor, StartError>> {
    match &spec.start {
        StartFn::Launch(launch) => Some(launching(launch, extra, park)),
        StartFn::Future(_) => None,
    }
}

/// Runs a launching start function; a panic in it becomes [`StartError::Panic`].
fn launching<E>(
    launch: &Arc<dyn Fn(E, bool) -> AnyActor + Send + Sync>,
    extra: E,
    park: bool,
) -> Result<AnyActor, StartError> {
    catch_unwind(AssertUnwindSafe(|| launch(extra, park)))
        .map_err(|payload| StartError::Panic(panic_message(payload.as_ref())))
}

/// The start options of a via-named supervisor (`id` names it in the error); a registry with
/// duplicate keys is refused (REG-9.1) before anything starts.
pub(crate) fn via_start<K, V>(
    registry: &Registry<K, V>,
    key: K,
    start: StartOptions,
    id: &str,
) -> Result<StartOptions, SupervisorError>
where
    K: RegistryKey,
    V: RegistryValue + Default,
{
    via_options(registry, key, start).map_err(|error| SupervisorError::Start {
        id: id.to_owned(),
        error,
    })
}

/// A supervisor's start error as the [`StartError`] of the child spec that started it: the
/// failing child's own error, or [`StartError::Init`] with the message.
pub(crate) fn into_start_error(error: SupervisorError) -> StartError {
    match error {
        SupervisorError::Start { error, .. } => error,
        other => StartError::Init(crate::InitError::new(other)),
    }
}

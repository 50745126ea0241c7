//! The options of a static [`Supervisor`](crate::Supervisor): its [`Strategy`], restart
//! intensity, backoff and [`AutoShutdown`], and the spec checks they imply (SUP-7).

use std::time::Duration;

use crate::SupervisorError;
use crate::supervisor::child_spec::{ChildSpec, Restart};
use crate::supervisor::intensity::Backoff;

/// Which children a [`Supervisor`] restarts when one of them is due for a restart (SUP-4).
///
/// [`Supervisor`]: crate::Supervisor
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Only the child that exited.
    #[default]
    OneForOne,
    /// Every child: the others are stopped in reverse start order, then all are started again in
    /// start order — including children stopped with `terminate_child`, as OTP does.
    OneForAll,
    /// The child that exited and every child started after it: those are stopped in reverse start
    /// order, then all of them started again in start order.
    RestForOne,
}

/// When a [`Supervisor`] shuts itself down because significant children exited (SUP-7).
///
/// Only children marked [`significant`](ChildSpec::significant) count, and only when they exit
/// on their own and are not restarted: a `Transient` child exiting cleanly, a `Temporary` child
/// exiting for any reason. `terminate_child` and the supervisor's own restarts never trigger it.
///
/// [`Supervisor`]: crate::Supervisor
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AutoShutdown {
    /// Never (the default); significant children are refused.
    #[default]
    Never,
    /// As soon as one significant child exits that way, the supervisor stops its other children
    /// (reverse start order) and exits with [`ExitReason::Shutdown`].
    ///
    /// [`ExitReason::Shutdown`]: crate::ExitReason::Shutdown
    AnySignificant,
    /// The same, once no significant child has a running actor left.
    AllSignificant,
}

/// Options of a [`Supervisor`] (SUP-1.1): the strategy (required, as in OTP), restart intensity and
/// optional backoff.
///
/// ```
/// use std::time::Duration;
/// use beamish::{Strategy, SupervisorOptions};
///
/// let options = SupervisorOptions::new(Strategy::RestForOne)
///     .max_restarts(5)
///     .max_seconds(Duration::from_secs(10));
/// # drop(options);
/// ```
///
/// [`Supervisor`]: crate::Supervisor
#[derive(Clone, Debug)]
pub struct SupervisorOptions {
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) max_seconds: Duration,
    pub(super) backoff: Option<Backoff>,
    pub(super) auto_shutdown: AutoShutdown,
}

impl SupervisorOptions {
    /// `strategy` with OTP's defaults: 3 restarts within 5 s, no backoff.
    pub fn new(strategy: Strategy) -> Self {
        SupervisorOptions {
            strategy,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
            backoff: None,
            auto_shutdown: AutoShutdown::Never,
        }
    }

    /// More than this many restart attempts within [`max_seconds`](Self::max_seconds) make the
    /// supervisor give up: it stops its children in reverse start order and exits with
    /// [`ExitReason::Shutdown`] (SUP-3, SUP-8).
    ///
    /// `u32::MAX` is no limit: the supervisor never gives up, and keeps no record of when its
    /// restarts happened (its restarts read no clock).
    ///
    /// [`ExitReason::Shutdown`]: crate::ExitReason::Shutdown
    #[must_use]
    pub fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// The intensity window: an exact duration (OTP counts whole seconds); must not be zero.
    #[must_use]
    pub fn max_seconds(mut self, window: Duration) -> Self {
        self.max_seconds = window;
        self
    }

    /// Whether significant children shut the supervisor down (SUP-7); `Never` by default.
    #[must_use]
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// Waits between the restarts of a crash-looping child (see [`Backoff`]); off by default.
    /// With `OneForAll`/`RestForOne`, the affected siblings are stopped at once and the whole
    /// group starts after the delay.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }
}

/// Refuses the bad combinations of SUP-7.
pub(super) fn check_spec(
    spec: &ChildSpec,
    auto_shutdown: AutoShutdown,
) -> Result<(), SupervisorError> {
    let reason = match (spec.significant, spec.restart, auto_shutdown) {
        (false, _, _) => return Ok(()),
        (true, _, AutoShutdown::Never) => {
            "a significant child needs auto_shutdown other than Never"
        }
        (true, Restart::Permanent, _) => "a permanent child cannot be significant",
        (true, _, _) => return Ok(()),
    };
    Err(SupervisorError::InvalidSpec {
        id: spec.id.clone(),
        reason,
    })
}

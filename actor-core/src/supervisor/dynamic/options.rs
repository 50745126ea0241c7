//! The options of a [`DynamicSupervisor`](crate::DynamicSupervisor): restart intensity,
//! `max_children`, the extra argument and backoff.

use std::fmt;
use std::time::Duration;

use crate::SupervisorError;
use crate::supervisor::intensity::Backoff;

/// Options of a [`DynamicSupervisor`] (DS-1.1): restart intensity, `max_children`, the extra
/// argument handed to every start function, and optional backoff.
///
/// `E` is the type of the extra argument ([`extra_args`](Self::extra_args)); `()` when unused.
///
/// ```
/// use std::time::Duration;
/// use beamish::DynamicSupervisorOptions;
///
/// let options = DynamicSupervisorOptions::new()
///     .max_restarts(10)
///     .max_seconds(Duration::from_secs(1))
///     .max_children(1_000)
///     .extra_args("db-pool".to_string());
/// # drop(options);
/// ```
///
/// [`DynamicSupervisor`]: crate::DynamicSupervisor
#[derive(Clone)]
pub struct DynamicSupervisorOptions<E = ()> {
    pub(super) max_restarts: u32,
    pub(super) max_seconds: Duration,
    pub(super) max_children: Option<usize>,
    pub(super) extra: E,
    pub(super) backoff: Option<Backoff>,
}

impl DynamicSupervisorOptions<()> {
    /// OTP's defaults (DS-1.2): 3 restarts within 5 s, no child limit, no extra argument, no
    /// backoff.
    pub fn new() -> Self {
        DynamicSupervisorOptions {
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
            max_children: None,
            extra: (),
            backoff: None,
        }
    }
}

impl Default for DynamicSupervisorOptions<()> {
    fn default() -> Self {
        DynamicSupervisorOptions::new()
    }
}

impl<E> DynamicSupervisorOptions<E> {
    /// More than this many restart attempts within [`max_seconds`](Self::max_seconds) make the
    /// supervisor give up: it stops its children and exits with [`ExitReason::Shutdown`]
    /// (DS-5). `0` makes the first restart fatal.
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

    /// At most this many children, restarting ones included (DS-2.4); `start_child` beyond it
    /// fails with [`SupervisorError::MaxChildren`].
    #[must_use]
    pub fn max_children(mut self, max_children: usize) -> Self {
        self.max_children = Some(max_children);
        self
    }

    /// The extra argument (OTP's `extra_arguments`, DS-2.5): the supervisor hands a clone of
    /// `extra` to the start function of every child, on every start and every restart. The
    /// supervisor then takes `ChildSpec<_, E2>` specs, built with
    /// [`ChildSpec::with_extra`] or [`ChildSpec::of_extra`] (which prepends it to the actor's
    /// arguments); adapt other specs with [`ChildSpec::ignore_extra`].
    ///
    /// [`ChildSpec::with_extra`]: crate::ChildSpec::with_extra
    /// [`ChildSpec::of_extra`]: crate::ChildSpec::of_extra
    /// [`ChildSpec::ignore_extra`]: crate::ChildSpec::ignore_extra
    pub fn extra_args<E2>(self, extra: E2) -> DynamicSupervisorOptions<E2> {
        DynamicSupervisorOptions {
            max_restarts: self.max_restarts,
            max_seconds: self.max_seconds,
            max_children: self.max_children,
            extra,
            backoff: self.backoff,
        }
    }

    /// Waits between the restarts of a crash-looping child (see [`Backoff`]); off by default.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    pub(super) fn validate(&self) -> Result<(), SupervisorError> {
        if self.max_seconds.is_zero() {
            return Err(SupervisorError::InvalidOptions(
                "max_seconds must not be zero",
            ));
        }
        Ok(())
    }
}

impl<E> fmt::Debug for DynamicSupervisorOptions<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicSupervisorOptions")
            .field("max_restarts", &self.max_restarts)
            .field("max_seconds", &self.max_seconds)
            .field("max_children", &self.max_children)
            .field("extra", &std::any::type_name::<E>())
            .field("backoff", &self.backoff)
            .finish()
    }
}

//! System messages delivered to `Actor::handle_info` (GenServer's `handle_info`), and the values
//! that travel with timers and continuations.

use std::any::Any;
use std::fmt;

use super::id::{MonitorRef, TimerRef};
use crate::{ActorId, ExitReason};

/// A system message: a monitor's `Down`, a trapped exit signal, or a timer.
#[non_exhaustive]
pub enum Info {
    /// A monitored actor exited (EX-4). Exactly one per monitor; `reason` is the reason its
    /// `terminate`, links and supervisor saw, or [`ExitReason::NoProc`] if it was already dead
    /// when the monitor was set up.
    Down {
        /// The actor that exited.
        id: ActorId,
        /// The monitor this message answers.
        monitor: MonitorRef,
        /// Its exit reason.
        reason: ExitReason,
    },
    /// A linked actor exited while this actor traps exits (EX-3). Without trapping, the same
    /// signal would have killed this actor (or been ignored, for `Normal`).
    Exit {
        /// The linked actor that exited.
        id: ActorId,
        /// Its exit reason.
        reason: ExitReason,
    },
    /// A timer started with `Context::send_after` fired.
    Timer {
        /// The timer that fired.
        timer: TimerRef,
        /// The value given to `send_after`.
        payload: TimerPayload,
    },
}

impl fmt::Debug for Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Info::Down {
                id,
                monitor,
                reason,
            } => f
                .debug_struct("Down")
                .field("id", id)
                .field("monitor", monitor)
                .field("reason", reason)
                .finish(),
            Info::Exit { id, reason } => f
                .debug_struct("Exit")
                .field("id", id)
                .field("reason", reason)
                .finish(),
            Info::Timer { timer, .. } => f.debug_struct("Timer").field("timer", timer).finish(),
        }
    }
}

/// A boxed `Send + 'static` value of any type, taken out by type: the shape both
/// [`TimerPayload`] and [`Continuation`] have.
macro_rules! any_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(Box<dyn Any + Send>);

        impl $name {
            pub(crate) fn new<T: Any + Send>(value: T) -> Self {
                $name(Box::new(value))
            }

            /// `true` if the value is a `T`.
            pub fn is<T: Any>(&self) -> bool {
                self.0.is::<T>()
            }

            /// A reference to the value if it is a `T`.
            pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
                self.0.downcast_ref()
            }

            /// The value if it is a `T`, else this back.
            pub fn downcast<T: Any>(self) -> Result<T, Self> {
                self.0.downcast().map(|b| *b).map_err($name)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(..)"))
            }
        }
    };
}

any_value! {
    /// The value a timer carries: any `Send + 'static` value, taken out by type.
    ///
    /// ```
    /// # use beamish::TimerPayload;
    /// # #[allow(dead_code)] fn f(payload: TimerPayload) {
    /// match payload.downcast::<&'static str>() {
    ///     Ok(tick) => assert_eq!(tick, "tick"),
    ///     Err(other) => drop(other),
    /// }
    /// # }
    /// ```
    TimerPayload
}

any_value! {
    /// The value a callback asked to continue with
    /// ([`Context::continue_with`](crate::Context::continue_with)), handed to
    /// [`Actor::handle_continue`](crate::Actor::handle_continue): any `Send + 'static` value,
    /// taken out by type.
    ///
    /// ```
    /// # use beamish::Continuation;
    /// # #[allow(dead_code)] fn f(cont: Continuation) {
    /// struct Warm(u32);
    /// match cont.downcast::<Warm>() {
    ///     Ok(Warm(n)) => assert!(n > 0),
    ///     Err(other) => drop(other),
    /// }
    /// # }
    /// ```
    Continuation
}

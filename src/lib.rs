#![doc = include_str!("../README.md")]
#![doc(test(attr(deny(warnings))))]

#[allow(unused_extern_crates)]
extern crate self as beamish;

#[doc(inline)]
pub use actor_core::*;

#[cfg(feature = "macros")]
#[doc(inline)]
pub use actor_macros::actor;

/// Everything an actor author needs: `use beamish::prelude::*;`.
pub mod prelude {
    #[doc(no_inline)]
    pub use actor_core::{
        Actor, ActorHandle, ActorId, ActorRef, AnyActor, Backoff, CallError, ChildCounts,
        ChildInfo, ChildSpec, ChildState, ChildType, Context, DynamicSupervisor,
        DynamicSupervisorOptions, ExitReason, FromAnyActor, Info, InitError, Keys, MonitorRef,
        Named, Registry, RegistryError, ReplyTo, Restart, SendError, Shutdown, Start, StartError,
        StartOptions, Strategy, Supervisor, SupervisorError, SupervisorOptions, TrySendError,
        Whereis,
    };
    #[cfg(feature = "macros")]
    #[doc(no_inline)]
    pub use actor_macros::actor;
}

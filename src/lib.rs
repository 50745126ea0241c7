#![doc = include_str!("../README.md")]
#![doc(test(attr(deny(warnings))))]

#[allow(unused_extern_crates)]
extern crate self as beamish;

// The public surface, by name and by concern (a glob would hide what is exported).

// Actors: the trait, handles and what every handle can do, the context, exit reasons.
#[doc(inline)]
pub use actor_core::{
    Actor, ActorHandle, ActorId, ActorRef, ActorView, AnyActor, Context, Continuation,
    DEFAULT_CALL_TIMEOUT, ExitReason, FromAnyActor, Info, MonitorRef, ReplyTo, Start, StartOptions,
    TimerPayload, TimerRef, current_id, live_actors,
};

// Mailboxes: what a full bounded mailbox does, and what a mailbox reports about itself.
#[doc(inline)]
pub use actor_core::{MailboxStats, Overflow, ParseActorIdError};

// Agents: actors that are only their state, driven by closures (Elixir's `Agent`).
#[doc(inline)]
pub use actor_core::Agent;

// Tasks: one-shot futures run by actors of their own, linked (`Context::spawn_task`) or under a
// TaskSupervisor, and the handle that awaits their output.
#[doc(inline)]
pub use actor_core::{TaskHandle, TaskSupervisor, TaskSupervisorOptions};

// Errors, one enum per failure domain.
#[doc(inline)]
pub use actor_core::{
    CallError, InitError, NotInActor, SendError, StartError, SupervisorError, TaskError,
    TrySendError,
};

// The Registry: names, pub/sub, via names and named handles.
#[doc(inline)]
pub use actor_core::{
    Keys, Named, NamedRegistry, Registry, RegistryBuilder, RegistryError, RegistryEvent,
    RegistryKey, RegistryValue, ViaRegistry, Whereis,
};

// Supervisors and child specs (restartable, or started once).
#[doc(inline)]
pub use actor_core::{
    AutoShutdown, Backoff, ChildCounts, ChildInfo, ChildSpec, ChildState, ChildType,
    DynamicSupervisor, DynamicSupervisorOptions, IntoChildSpec, OnceSpec, Restart, Shutdown,
    Strategy, Supervisor, SupervisorOptions,
};

// Introspection: live actors, the supervision tree, the crash log.
pub use actor_core::sys;

/// The observer: the live system in a browser (`Observer::start`), its JSON + WebSocket API
/// and Prometheus metrics. Behind the `observer` feature.
#[cfg(feature = "observer")]
pub mod observer {
    #[doc(inline)]
    pub use actor_observer::*;
}

/// Clusters: nodes on NATS, remote handles, a cluster-wide Registry, remote monitors and
/// links. Behind the `cluster` feature.
#[cfg(feature = "cluster")]
pub mod cluster {
    #[doc(inline)]
    pub use actor_cluster::*;
}

/// The contract between `#[actor]`'s generated code and the runtime. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use actor_core::__private::*;

    /// The wire format of `#[actor(remote)]` messages.
    #[cfg(feature = "cluster")]
    pub use actor_cluster::wire;

    /// `#[actor(remote)]` needs the cluster layer.
    #[cfg(feature = "cluster")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __beamish_remote_needs_cluster_feature {
        () => {};
    }

    /// `#[actor(remote)]` needs the cluster layer.
    #[cfg(not(feature = "cluster"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __beamish_remote_needs_cluster_feature {
        () => {
            ::core::compile_error! {
                "`#[actor(remote)]` needs beamish's `cluster` feature: `beamish = { version = \"0.1\", features = [\"cluster\"] }`"
            }
        };
    }

    pub use crate::__beamish_remote_needs_cluster_feature as remote_needs_cluster_feature;
}

#[cfg(feature = "macros")]
#[doc(inline)]
pub use actor_macros::actor;

/// Everything an actor author needs: `use beamish::prelude::*;`.
pub mod prelude {
    #[doc(no_inline)]
    pub use actor_core::{
        Actor, ActorHandle, ActorId, ActorRef, ActorView, Agent, AnyActor, Backoff, CallError,
        ChildCounts, ChildInfo, ChildSpec, ChildState, ChildType, Context, Continuation,
        DynamicSupervisor, DynamicSupervisorOptions, ExitReason, FromAnyActor, Info, InitError,
        Keys, MailboxStats, MonitorRef, Named, OnceSpec, Overflow, Registry, RegistryError,
        ReplyTo, Restart, SendError, Shutdown, Start, StartError, StartOptions, Strategy,
        Supervisor, SupervisorError, SupervisorOptions, TaskError, TaskHandle, TaskSupervisor,
        TaskSupervisorOptions, TrySendError, Whereis,
    };
    #[cfg(feature = "macros")]
    #[doc(no_inline)]
    pub use actor_macros::actor;
}

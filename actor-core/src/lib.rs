//! Runtime of [beamish](https://docs.rs/beamish): actors with ids, links, monitors and exit
//! reasons, a Registry, and supervisors, on tokio. Users depend on the `beamish` facade.
#![doc(test(attr(deny(warnings))))]

mod actor;
mod agent;
mod error;
mod exit;
mod macro_support;
mod registry;
mod start;
mod supervisor;
mod sync;
pub mod sys;

#[doc(hidden)]
pub mod __private;

pub use actor::{
    Actor, ActorHandle, ActorId, ActorRef, ActorView, AnyActor, Context, Continuation,
    DEFAULT_CALL_TIMEOUT, FromAnyActor, Info, MailboxStats, MonitorRef, Overflow,
    ParseActorIdError, ReplyTo, StartOptions, TaskHandle, TimerPayload, TimerRef, current_id,
    live_actors,
};
pub use agent::Agent;
pub use error::{
    CallError, InitError, NotInActor, SendError, StartError, SupervisorError, TaskError,
    TrySendError,
};
pub use exit::ExitReason;
pub use registry::{
    Keys, Named, NamedRegistry, Registry, RegistryBuilder, RegistryError, RegistryEvent,
    RegistryKey, RegistryValue, ViaRegistry, Whereis,
};
pub use start::Start;
pub use supervisor::{
    AutoShutdown, Backoff, ChildCounts, ChildInfo, ChildSpec, ChildState, ChildType,
    DynamicSupervisor, DynamicSupervisorOptions, IntoChildSpec, OnceSpec, Restart, Shutdown,
    Strategy, Supervisor, SupervisorOptions, TaskSupervisor, TaskSupervisorOptions,
};

//! The whole contract between `#[actor]`-generated code and the runtime: generated code names
//! runtime items only through `::beamish::__private::…`. Not public API.

pub use crate::actor::{
    Actor, ActorHandle, ActorId, ActorRef, ActorView, AnyActor, Context, Continuation, Flatten,
    FromAnyActor, Info, MonitorRef, Overflow, ReplyTo, StartOptions, current_id,
};
pub use crate::macro_support::{AssertSend, InitResult, ready_now};
pub use crate::registry::{
    Keys, Named, NamedRegistry, Registry, RegistryKey, RegistryValue, ViaRegistry,
};
pub use crate::start::Start;
pub use crate::supervisor::{ChildSpec, ChildType, Restart, Shutdown};
pub use crate::{
    CallError, ExitReason, InitError, NotInActor, SendError, StartError, TrySendError,
};
pub use ::core::time::Duration;

/// What `#[actor(remote)]` code and the cluster layer share with the runtime.
pub use crate::actor::remote;

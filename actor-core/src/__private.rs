//! The whole contract between `#[actor]`-generated code and the runtime: generated code names
//! runtime items only through `::beamish::__private::…`. Not public API.

pub use crate::actor::{
    Actor, ActorId, ActorRef, AnyActor, Context, FromAnyActor, Info, MonitorRef, ReplyTo,
    StartOptions, ToAnyActor,
};
pub use crate::macro_support::{AssertSend, InitResult, RegistryKey, RegistryValue};
pub use crate::registry::{Named, Registry};
pub use crate::supervisor::{ChildSpec, ChildType, Restart, Shutdown};
pub use crate::{
    CallError, ExitReason, InitError, NotInActor, SendError, StartError, TrySendError,
};
pub use ::core::time::Duration;

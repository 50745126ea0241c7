//! What a [`DynamicSupervisor`](crate::DynamicSupervisor) handle asks its actor: one [`DynMsg`]
//! per client call, and the retries and restarts the actor posts to itself.

use crate::actor::{AnyActor, ReplyTo};
use crate::supervisor::child_spec::ChildSpec;
use crate::supervisor::children::{ChildCounts, ChildInfo};
use crate::{ActorId, SupervisorError};

type Reply<T> = ReplyTo<Result<T, SupervisorError>>;

pub(crate) enum DynMsg<E> {
    StartChild {
        spec: ChildSpec<AnyActor, E>,
        accepts: fn(&AnyActor) -> bool,
        /// Answer with a handle that follows the child across restarts.
        follow: bool,
        reply: Reply<AnyActor>,
    },
    TerminateChild {
        id: ActorId,
        reply: Reply<()>,
    },
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    Retry(u64),
    /// A restart of child `seq` made while handling its exit inline launched this incarnation,
    /// whose `init` had not returned yet: the restart ends once it has (see `exit_inline`).
    Answer(u64, AnyActor),
}

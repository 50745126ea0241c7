//! What a [`Supervisor`](crate::Supervisor) handle asks its actor: one [`SupMsg`] per client
//! call, and the retry the actor posts to itself.

use crate::SupervisorError;
use crate::actor::{AnyActor, ReplyTo};
use crate::supervisor::child_spec::ChildSpec;
use crate::supervisor::children::{ChildCounts, ChildInfo};

type Reply<T> = ReplyTo<Result<T, SupervisorError>>;

pub(crate) enum SupMsg {
    StartChild {
        spec: ChildSpec,
        accepts: fn(&AnyActor) -> bool,
        /// Answer with a handle that follows the child across restarts.
        follow: bool,
        reply: Reply<AnyActor>,
    },
    FollowChild {
        id: String,
        reply: Reply<AnyActor>,
    },
    TerminateChild {
        id: String,
        reply: Reply<()>,
    },
    RestartChild {
        id: String,
        reply: Reply<AnyActor>,
    },
    DeleteChild {
        id: String,
        reply: Reply<()>,
    },
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    Retry(String),
}

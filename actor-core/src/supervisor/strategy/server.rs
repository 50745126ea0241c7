//! The static supervisor as an actor: `init` starts the children in list order, and each message
//! and exit signal goes to the bookkeeping in [`children`](super::children).

use std::sync::{Arc, Mutex, PoisonError};

use super::children::{Child, SupActor, start};
use super::message::SupMsg;
use super::options::SupervisorOptions;
use crate::actor::{Actor, Context, Info};
use crate::supervisor::child_spec::ChildSpec;
use crate::supervisor::children::Slot;
use crate::supervisor::follow::Followers;
use crate::supervisor::intensity::{BackoffState, Intensity};
use crate::{ExitReason, InitError, SupervisorError};

pub(crate) struct SupArgs {
    pub(super) children: Vec<ChildSpec>,
    pub(super) options: SupervisorOptions,
    pub(super) failure: Arc<Mutex<Option<SupervisorError>>>,
}

impl Actor for SupActor {
    type Args = SupArgs;
    type Message = SupMsg;

    async fn init(args: SupArgs, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        ctx.trap_exit(true);
        let mut sup = SupActor {
            strategy: args.options.strategy,
            auto_shutdown: args.options.auto_shutdown,
            backoff: args.options.backoff,
            intensity: Intensity::new(args.options.max_restarts, args.options.max_seconds),
            children: Vec::with_capacity(args.children.len()),
        };
        for spec in args.children {
            match start(&spec, false, ctx).await {
                Ok(actor) => sup.children.push(Child {
                    spec,
                    slot: Slot::Running(actor),
                    backoff: BackoffState::default(),
                    followers: Followers::default(),
                    parks: false,
                }),
                Err(error) => {
                    sup.shutdown_all(ctx).await;
                    let failure = SupervisorError::Start { id: spec.id, error };
                    *args.failure.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(failure.clone());
                    return Err(InitError::new(failure));
                }
            }
        }
        Ok(sup)
    }

    async fn handle(&mut self, msg: SupMsg, ctx: &mut Context<Self>) {
        match msg {
            SupMsg::StartChild {
                spec,
                accepts,
                follow,
                reply,
            } => {
                reply.send(self.start_child(spec, accepts, follow, ctx).await);
            }
            SupMsg::FollowChild { id, reply } => {
                reply.send(self.follow_child(&id));
            }
            SupMsg::TerminateChild { id, reply } => {
                reply.send(self.terminate_child(&id, ctx).await);
            }
            SupMsg::RestartChild { id, reply } => {
                reply.send(self.restart_child(&id, ctx).await);
            }
            SupMsg::DeleteChild { id, reply } => {
                reply.send(self.delete_child(&id));
            }
            SupMsg::WhichChildren(reply) => {
                reply.send(self.which_children());
            }
            SupMsg::CountChildren(reply) => {
                reply.send(self.count_children());
            }
            SupMsg::Retry(id) => {
                if matches!(
                    self.find(&id).map(|i| &self.children[i].slot),
                    Some(Slot::Restarting)
                ) {
                    self.restart(&id, ctx).await;
                }
            }
        }
    }

    async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        if let Info::Exit { id, reason } = info {
            self.child_exited(id, reason, ctx).await;
        }
    }

    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        self.shutdown_all(ctx).await;
    }
}

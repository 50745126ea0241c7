//! The dynamic supervisor as an actor: `init` takes the options, and each message and exit signal
//! goes to the bookkeeping in [`children`](super::children).

use std::collections::{BTreeMap, HashMap};

use super::children::DynActor;
use super::message::DynMsg;
use super::options::DynamicSupervisorOptions;
use crate::actor::{Actor, Context, ExitInline, Info, Inlined, answered};
use crate::registry::hash::Seeds;
use crate::supervisor::children::Slot;
use crate::supervisor::intensity::Intensity;
use crate::{ActorId, ExitReason, InitError};

impl<E: Clone + Send + Sync + 'static> Actor for DynActor<E> {
    type Args = DynamicSupervisorOptions<E>;
    type Message = DynMsg<E>;

    async fn init(options: Self::Args, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        ctx.trap_exit(true);
        ctx.take_exits_inline();
        Ok(DynActor {
            extra: options.extra,
            max_children: options.max_children,
            backoff: options.backoff,
            intensity: Intensity::new(options.max_restarts, options.max_seconds),
            children: BTreeMap::new(),
            by_id: HashMap::with_hasher(Seeds::random()),
            next_seq: 0,
        })
    }

    async fn handle(&mut self, msg: DynMsg<E>, ctx: &mut Context<Self>) {
        match msg {
            DynMsg::StartChild {
                spec,
                accepts,
                follow,
                reply,
            } => {
                reply.send(self.start_child(spec, accepts, follow, ctx).await);
            }
            DynMsg::TerminateChild { id, reply } => {
                reply.send(self.terminate_child(id, ctx).await);
            }
            DynMsg::WhichChildren(reply) => {
                reply.send(self.which_children());
            }
            DynMsg::CountChildren(reply) => {
                reply.send(self.count_children());
            }
            DynMsg::Retry(seq) => {
                if matches!(
                    self.children.get(&seq).map(|c| &c.slot),
                    Some(Slot::Restarting)
                ) {
                    self.restart(seq, ctx).await;
                }
            }
            DynMsg::Answer(seq, actor) => {
                let started = answered(actor).await;
                self.started(seq, started, ctx);
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

impl<E: Clone + Send + Sync + 'static> ExitInline for DynActor<E> {
    fn exit_inline(&mut self, from: ActorId, reason: &ExitReason) -> Inlined<DynMsg<E>> {
        self.exit_now(from, reason)
    }
}

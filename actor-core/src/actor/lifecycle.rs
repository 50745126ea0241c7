//! The lifecycle surface every handle shares, written once: [`ActorHandle`]. A handle type
//! implements its one accessor, [`view`](ActorHandle::view), and gets the rest.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::any::AnyActor;
use super::call::stop_proc;
use super::cell::{self, Cell, Core, ProcRef};
use super::current::{current, current_id};
use super::follow::FollowRef;
use super::id::MonitorRef;
use super::overflow::MailboxStats;
use super::remote::RemoteProc;
use crate::{ActorId, CallError, ExitReason, NotInActor};

/// What a handle holds, typed (`Arc<Cell<M>>`) or not (`ProcRef`): borrowed as an
/// [`ActorView`] so that every handle shares one lifecycle without a second
/// reference count.
pub(crate) trait Held: Send + Sync {
    fn core(&self) -> &Core;
    fn to_proc(&self) -> ProcRef;
    fn mailbox_stats(&self) -> MailboxStats;
}

impl<M: Send + 'static> Held for Arc<Cell<M>> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn to_proc(&self) -> ProcRef {
        self.clone()
    }

    fn mailbox_stats(&self) -> MailboxStats {
        self.mailbox.stats()
    }
}

impl Held for Arc<RemoteProc> {
    fn core(&self) -> &Core {
        RemoteProc::core(self)
    }

    fn to_proc(&self) -> ProcRef {
        self.clone()
    }

    fn mailbox_stats(&self) -> MailboxStats {
        super::proc::Proc::mailbox_stats(&**self)
    }
}

impl Held for ProcRef {
    fn core(&self) -> &Core {
        (**self).core()
    }

    fn to_proc(&self) -> ProcRef {
        self.clone()
    }

    fn mailbox_stats(&self) -> MailboxStats {
        (**self).mailbox_stats()
    }
}

/// An untyped view of one actor: what a handle hands [`ActorHandle`] through its one accessor.
/// Cheap: it borrows the handle, it does not count as one — except for a handle that follows a
/// supervised child across restarts, whose view holds the incarnation current when it was taken
/// (and borrows what follows it).
#[derive(Clone)]
pub struct ActorView<'a>(Viewed<'a>);

#[derive(Clone)]
enum Viewed<'a> {
    Borrowed(&'a dyn Held),
    /// A followed child: its current incarnation, and what follows it.
    Followed(ProcRef, &'a dyn FollowRef),
}

impl<'a> ActorView<'a> {
    pub(crate) fn new(held: &'a dyn Held) -> Self {
        ActorView(Viewed::Borrowed(held))
    }

    pub(crate) fn followed(follow: &'a dyn FollowRef) -> Self {
        ActorView(Viewed::Followed(follow.current(), follow))
    }

    pub(crate) fn core(&self) -> &Core {
        match &self.0 {
            Viewed::Borrowed(held) => held.core(),
            Viewed::Followed(proc, _) => proc.core(),
        }
    }

    /// The actor's mailbox: depth, bound, drops.
    pub(crate) fn mailbox_stats(&self) -> MailboxStats {
        match &self.0 {
            Viewed::Borrowed(held) => held.mailbox_stats(),
            Viewed::Followed(proc, _) => proc.mailbox_stats(),
        }
    }

    pub(crate) fn to_proc(&self) -> ProcRef {
        match &self.0 {
            Viewed::Borrowed(held) => held.to_proc(),
            Viewed::Followed(proc, _) => proc.clone(),
        }
    }

    /// The untyped handle: one that follows the child, for a followed one.
    pub(crate) fn to_any(&self) -> AnyActor {
        match &self.0 {
            Viewed::Borrowed(held) => AnyActor::from_proc(held.to_proc()),
            Viewed::Followed(_, follow) => follow.to_any(),
        }
    }
}

impl fmt::Debug for ActorView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = self.core();
        f.debug_struct("ActorView")
            .field("id", &core.id)
            .field("actor", &core.type_name)
            .finish()
    }
}

/// What every handle to an actor can do, whatever its messages: its id, whether it is alive,
/// stopping, killing and waiting for it, monitoring and linking.
///
/// [`ActorRef`](crate::ActorRef), [`AnyActor`], the supervisor handles and the handles
/// `#[actor]` generates implement it by pointing at the untyped handle underneath
/// ([`view`](Self::view)); every other method has its one definition here. It is in
/// `beamish::prelude`, so these methods are there wherever a handle is.
///
/// # Ordering
///
/// By the time [`wait`](Self::wait) or [`stop`](Self::stop) returns, or a call fails with the
/// callee's exit reason ([`CallError::Exited`]), every [`Down`](crate::Info::Down) and
/// [`Exit`](crate::Info::Exit) that the death produces is already in its recipients' mailboxes
/// (or, for an idle dynamic supervisor, already handled: it may restart its child in the dying
/// child's task) and every registry entry of the actor is gone. Per pair of actors, messages
/// keep their send order, and system messages (`Down`, `Exit`, timers) share one queue with user
/// messages: so after "stop X, then call M", M has handled X's `Down` before it handles the call
/// (what Elixir code relies on). A `Down`'s or `Exit`'s recipient already sees the actor dead
/// ([`is_alive`](Self::is_alive) is `false`).
///
/// A handle of your own (a wrapper around a generated handle, say) gets the whole surface the
/// same way:
///
/// ```
/// use beamish::prelude::*;
///
/// /// A handle that only this module can make.
/// #[derive(Clone)]
/// pub struct Worker(AnyActor);
///
/// impl ActorHandle for Worker {
///     fn view(&self) -> ActorView<'_> {
///         self.0.view()
///     }
/// }
///
/// # struct Idle;
/// # impl Actor for Idle {
/// #     type Args = ();
/// #     type Message = ();
/// #     async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> { Ok(Idle) }
/// #     async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}
/// # }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let worker = Worker(ActorRef::<Idle>::start(()).await.unwrap().to_any());
/// assert!(worker.is_alive());
/// worker.stop(ExitReason::Normal).await.unwrap();
/// assert_eq!(worker.wait().await, ExitReason::Normal);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handle to an actor",
    note = "handles `#[actor]` generates, `ActorRef`, `AnyActor` and the supervisor handles implement `ActorHandle`"
)]
pub trait ActorHandle {
    /// The actor this handle names: the one method a handle type implements (by forwarding to
    /// the handle it wraps).
    fn view(&self) -> ActorView<'_>;

    /// The actor's id.
    fn id(&self) -> ActorId {
        self.view().core().id
    }

    /// The Rust type name of the actor (`"my_app::Counter"`).
    fn type_name(&self) -> &'static str {
        self.view().core().type_name
    }

    /// `true` until the actor's exit reason is known.
    fn is_alive(&self) -> bool {
        self.view().core().is_alive()
    }

    /// The exit reason, once the actor has exited.
    fn exit_reason(&self) -> Option<ExitReason> {
        self.view().core().exit_reason()
    }

    /// A snapshot of the actor's mailbox: how many messages wait ([`len`](MailboxStats::len)),
    /// its bound, and what its [`Overflow`](crate::Overflow) policy dropped. For a handle that
    /// follows a supervised child, the current incarnation's (each incarnation has a fresh
    /// mailbox). A dead actor's mailbox reads as it was when it exited, with `len` 0 once the
    /// queued messages were dropped.
    fn mailbox_stats(&self) -> MailboxStats {
        self.view().mailbox_stats()
    }

    /// Stops the actor in order: messages sent before the stop are handled first, then
    /// `terminate(reason)` runs, then it exits with `reason`; returns once it has (GS-8). A
    /// supervisor stops its children first, as its own docs say. The stop is sent at the
    /// future's first poll, and the actor it stops handles nothing sent after it, not even a call
    /// the caller would run inline: such a call fails with the exit reason (or
    /// [`CallError::NoProc`]) — unless the handle follows a supervised child that is restarted,
    /// whose next incarnation takes it.
    ///
    /// When it returns, with any answer, every `Down` and `Exit` the actor's death produces is
    /// already in its recipients' mailboxes and its registry entries are gone (see
    /// [Ordering](Self#ordering)).
    ///
    /// # Errors
    /// [`CallError::NoProc`] if it was already dead, [`CallError::Exited`] if it exited with
    /// another reason, [`CallError::CallingSelf`] from inside the actor itself (use
    /// `Context::stop` there).
    fn stop(&self, reason: ExitReason) -> impl Future<Output = Result<(), CallError>> + Send {
        let proc = self.view().to_proc();
        async move { stop_proc(&proc, reason).await }
    }

    /// Kills the actor at once: its running callback is abandoned, `terminate` does not run, and
    /// it exits with [`ExitReason::Killed`]. Returns immediately; [`wait`](Self::wait) sees it
    /// gone. A supervisor's children are linked to it: they get the exit signal `Killed`.
    fn kill(&self) {
        let view = self.view();
        match view.to_proc().remote() {
            Some(port) => port.kill(),
            None => view.core().kill(ExitReason::Killed),
        }
    }

    /// Sends the actor the exit signal `reason` as if a linked actor had exited with it (EX-3,
    /// `Process.exit/2`): a trapping actor gets [`Info::Exit`](crate::Info::Exit), a non-trapping
    /// one dies unless `reason` is [`ExitReason::Normal`].
    fn exit(&self, reason: ExitReason) {
        let target = self.view().to_proc();
        let from = current_id().unwrap_or(target.core().id);
        cell::signal_exit(&target, from, &reason);
    }

    /// Waits for the actor to exit and returns its exit reason; at once for a dead actor. Any
    /// number of tasks may wait.
    ///
    /// When it returns, every `Down` and `Exit` the actor's death produces is already in its
    /// recipients' mailboxes and its registry entries are gone (see [Ordering](Self#ordering)):
    /// after `x.kill(); x.wait().await`, a call to an actor monitoring `x` is handled after
    /// `x`'s `Down`.
    fn wait(&self) -> impl Future<Output = ExitReason> + Send {
        let view = self.view();
        async move { view.core().wait().await }
    }

    /// The calling actor monitors this one: its `handle_info` gets exactly one
    /// [`Info::Down`](crate::Info::Down) when this one exits (at once, with
    /// [`ExitReason::NoProc`], if it is already dead).
    ///
    /// The `Down` is queued before anyone's [`wait`](Self::wait) or [`stop`](Self::stop) on this
    /// actor returns, in the same queue as the monitoring actor's messages (see
    /// [Ordering](Self#ordering)).
    ///
    /// # Errors
    /// [`NotInActor`] when not called from inside an actor.
    fn monitor(&self) -> Result<MonitorRef, NotInActor> {
        let me = current().ok_or(NotInActor)?;
        Ok(cell::monitor(&me, &self.view().to_proc()))
    }

    /// Links the calling actor and this one (EX-3); linking to a dead actor sends the caller the
    /// exit signal [`ExitReason::NoProc`].
    ///
    /// When this actor exits, the exit signal reaches the caller before anyone's
    /// [`wait`](Self::wait) or [`stop`](Self::stop) on this actor returns: a trapping caller has
    /// the [`Info::Exit`](crate::Info::Exit) queued behind the messages sent to it earlier, a
    /// non-trapping one is already being killed (see [Ordering](Self#ordering)).
    ///
    /// # Errors
    /// [`NotInActor`] when not called from inside an actor.
    fn link(&self) -> Result<(), NotInActor> {
        let me = current().ok_or(NotInActor)?;
        cell::link(&me, &self.view().to_proc());
        Ok(())
    }

    /// Removes the link between the calling actor and this one, if any.
    ///
    /// # Errors
    /// [`NotInActor`] when not called from inside an actor.
    fn unlink(&self) -> Result<(), NotInActor> {
        let me = current().ok_or(NotInActor)?;
        cell::unlink(&me, &self.view().to_proc());
        Ok(())
    }

    /// This handle without its type (one that follows a supervised child across restarts
    /// still does).
    fn to_any(&self) -> AnyActor {
        self.view().to_any()
    }
}

impl FromAnyActor for AnyActor {
    fn from_any(actor: AnyActor) -> Option<Self> {
        Some(actor)
    }
}

/// A handle type that can be recovered from an [`AnyActor`]: [`ActorRef`](crate::ActorRef),
/// [`AnyActor`] itself, the supervisor handles and the handles `#[actor]` generates. Supervisors
/// and registries use it to hand back typed handles.
pub trait FromAnyActor: Sized {
    /// The typed handle, or `None` if `actor` is of another type.
    fn from_any(actor: AnyActor) -> Option<Self>;
}

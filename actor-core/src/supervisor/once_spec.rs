//! Child specs whose start arguments are moved into the one start: [`OnceSpec`], always
//! `Temporary`, and [`IntoChildSpec`], what `DynamicSupervisor::start_child` takes.

use std::fmt;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use super::child_spec::{ChildSpec, ChildType, Restart, Shutdown, StartFuture};
use crate::actor::{Actor, ActorHandle, ActorRef, AnyActor, FromAnyActor, StartOptions};
use crate::{InitError, StartError};

/// A child spec that starts its child **once**, with arguments moved in rather than cloned: for a
/// [`Temporary`](Restart::Temporary) child that owns what it was given (a `TcpStream`, a
/// channel's receiving half), started under a
/// [`DynamicSupervisor`](crate::DynamicSupervisor).
///
/// A supervisor restarts a `Permanent` or `Transient` child by calling its start function
/// again, which needs arguments it can start with again: [`ChildSpec::of`] clones them and so
/// asks for `Args: Clone`. A `OnceSpec` is always `Temporary` — never restarted, so its start
/// function runs once and may consume its arguments. That is in its type: it has no `restart`
/// setter, and asking for one is a compile error that says why (there is no run-time check to
/// trip). It is not `Clone` either. Build it with [`ChildSpec::once`] or [`OnceSpec::new`]; a
/// static [`Supervisor`](crate::Supervisor) takes [`ChildSpec`]s only.
///
/// ```
/// use beamish::prelude::*;
/// use tokio::sync::mpsc;
///
/// /// Works through one client's jobs; owns the receiving half of their channel.
/// struct Jobs { rx: mpsc::UnboundedReceiver<u32> }
///
/// enum JobsMsg { Next(ReplyTo<Option<u32>>) }
///
/// impl Actor for Jobs {
///     type Args = mpsc::UnboundedReceiver<u32>; // not `Clone`
///     type Message = JobsMsg;
///     async fn init(rx: Self::Args, _: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Jobs { rx })
///     }
///     async fn handle(&mut self, JobsMsg::Next(reply): JobsMsg, _: &mut Context<Self>) {
///         reply.send(self.rx.recv().await);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (tx, rx) = mpsc::unbounded_channel();
/// tx.send(7).unwrap();
///
/// let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await.unwrap();
/// let spec = ChildSpec::<ActorRef<Jobs>>::once(rx);
/// assert_eq!(spec.restart_policy(), Restart::Temporary);
/// let jobs = sup.start_child(spec).await.unwrap();
/// assert_eq!(jobs.call(JobsMsg::Next).await, Ok(Some(7)));
/// # sup.stop(ExitReason::Shutdown).await.unwrap();
/// # }
/// ```
///
/// Asking for it to be restarted does not compile:
///
/// ```compile_fail
/// use beamish::prelude::*;
/// use tokio::sync::mpsc;
/// # struct Jobs;
/// # impl Actor for Jobs {
/// #     type Args = mpsc::UnboundedReceiver<u32>;
/// #     type Message = ();
/// #     async fn init(_: Self::Args, _: &mut Context<Self>) -> Result<Self, InitError> { Ok(Jobs) }
/// #     async fn handle(&mut self, (): (), _: &mut Context<Self>) {}
/// # }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (_tx, rx) = mpsc::unbounded_channel();
/// let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await.unwrap();
/// let spec = ChildSpec::<ActorRef<Jobs>>::once(rx).restart(Restart::Permanent);
/// sup.start_child(spec).await.unwrap();
/// # }
/// ```
pub struct OnceSpec<H = AnyActor, E = ()> {
    /// A `Temporary` spec whose start function starts the child the first time it is called.
    spec: ChildSpec<H, E>,
}

impl OnceSpec<AnyActor> {
    /// A spec from an id and a start function that is called once, so it may consume what it
    /// captured. Like [`ChildSpec::new`]'s, the function must start the child **linked to the
    /// calling actor** (the supervisor), e.g. with [`StartOptions::link`].
    pub fn new<F, Fut>(id: impl Into<String>, start: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<AnyActor, StartError>> + Send + 'static,
    {
        OnceSpec::with_extra(id, move |()| start())
    }
}

impl<E: Send + 'static> OnceSpec<AnyActor, E> {
    /// A spec whose start function, called once, takes the supervisor's extra argument, as
    /// [`ChildSpec::with_extra`]'s does.
    pub fn with_extra<F, Fut>(id: impl Into<String>, start: F) -> Self
    where
        F: FnOnce(E) -> Fut + Send + 'static,
        Fut: Future<Output = Result<AnyActor, StartError>> + Send + 'static,
    {
        // A supervisor calls the start function of a `Temporary` child once, and a `OnceSpec`
        // is never anything else; a second call would find the function gone and fail, not panic.
        let start = Mutex::new(Some(start));
        let spec = ChildSpec::with_extra(id, move |extra: E| -> StartFuture {
            let start = start.lock().unwrap_or_else(PoisonError::into_inner).take();
            match start {
                Some(start) => Box::pin(start(extra)),
                None => Box::pin(async {
                    Err(StartError::Refused(InitError::msg(
                        "a `OnceSpec` child cannot be started twice",
                    )))
                }),
            }
        });
        OnceSpec {
            spec: spec.restart(Restart::Temporary),
        }
    }
}

impl<A: Actor> ChildSpec<ActorRef<A>> {
    /// A [`OnceSpec`] that starts an `A` with `args`, moved into its one start, linked to the
    /// supervisor: `Args` need not be `Clone` (compare [`of`](Self::of)), and the child is
    /// [`Temporary`](Restart::Temporary). Its id is the actor's type name.
    pub fn once(args: A::Args) -> OnceSpec<ActorRef<A>> {
        OnceSpec::new(std::any::type_name::<A>(), move || async move {
            ActorRef::<A>::start_with(args, StartOptions::new().link())
                .await
                .map(|r| r.to_any())
        })
        .typed()
    }
}

impl<H> OnceSpec<H, ()> {
    /// The same spec for a supervisor whose extra argument is an `E`, which the start function
    /// ignores (as [`ChildSpec::ignore_extra`]).
    pub fn ignore_extra<E>(self) -> OnceSpec<H, E> {
        OnceSpec {
            spec: self.spec.ignore_extra(),
        }
    }
}

impl<H, E> OnceSpec<H, E> {
    /// The child's id.
    pub fn id(&self) -> &str {
        self.spec.id()
    }

    /// Always [`Restart::Temporary`].
    pub fn restart_policy(&self) -> Restart {
        self.spec.restart_policy()
    }

    /// The shutdown mode: as set, else `Infinity` for a supervisor child and 5 s for a worker.
    pub fn shutdown_mode(&self) -> Shutdown {
        self.spec.shutdown_mode()
    }

    /// Whether the child is a worker or a supervisor.
    pub fn kind(&self) -> ChildType {
        self.spec.kind()
    }

    /// Replaces the id.
    #[must_use]
    pub fn with_id(self, id: impl Into<String>) -> Self {
        OnceSpec {
            spec: self.spec.with_id(id),
        }
    }

    /// Replaces the shutdown mode.
    #[must_use]
    pub fn shutdown(self, shutdown: Shutdown) -> Self {
        OnceSpec {
            spec: self.spec.shutdown(shutdown),
        }
    }

    /// Replaces the child type.
    #[must_use]
    pub fn child_type(self, child_type: ChildType) -> Self {
        OnceSpec {
            spec: self.spec.child_type(child_type),
        }
    }

    /// The same spec, handing back another handle type.
    pub fn typed<H2: FromAnyActor>(self) -> OnceSpec<H2, E> {
        OnceSpec {
            spec: self.spec.typed(),
        }
    }

    /// The same spec, untyped.
    pub fn untyped(self) -> OnceSpec<AnyActor, E> {
        self.typed()
    }

    /// Not available: a `OnceSpec` is always `Temporary`. Present only so that calling it is a
    /// compile error that says why, instead of "no method named `restart`".
    #[doc(hidden)]
    #[allow(
        private_bounds,
        reason = "the bound is never met: this method cannot be called"
    )]
    pub fn restart(self, restart: Restart) -> Self
    where
        Self: Restartable,
    {
        let _ = restart;
        self
    }
}

/// Never implemented: the bound of [`OnceSpec::restart`], which turns a call into this error.
#[diagnostic::on_unimplemented(
    message = "a `OnceSpec` starts its child once, so it cannot be restarted: it is always `Temporary`",
    label = "a `OnceSpec` has no restart policy to set",
    note = "a `Permanent` or `Transient` child needs arguments it can start again with: use `ChildSpec::of(args)` (it clones them, so `Args: Clone`) or `ChildSpec::new(id, start)`"
)]
pub(crate) trait Restartable {}

impl<H, E> fmt::Debug for OnceSpec<H, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceSpec")
            .field("id", &self.id())
            .field("shutdown", &self.shutdown_mode())
            .field("child_type", &self.kind())
            .finish_non_exhaustive()
    }
}

/// What [`DynamicSupervisor::start_child`](crate::DynamicSupervisor::start_child) takes: a
/// [`ChildSpec`] or a [`OnceSpec`], handing back an `H`, for a supervisor whose extra argument is
/// an `E`. Sealed: only those two implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a child spec",
    note = "`start_child` takes a `ChildSpec` (`ChildSpec::of(args)`, `Actor::child_spec(args)`) or a `OnceSpec` (`ChildSpec::once(args)`)"
)]
pub trait IntoChildSpec<H, E> {
    /// The spec as the supervisor keeps it. Only this crate can call it (or implement it): a
    /// `OnceSpec` must not become a `ChildSpec` whose restart policy can change.
    #[doc(hidden)]
    fn into_child_spec(self, token: sealed::Token) -> ChildSpec<H, E>;
}

impl<H, E> IntoChildSpec<H, E> for ChildSpec<H, E> {
    fn into_child_spec(self, _: sealed::Token) -> ChildSpec<H, E> {
        self
    }
}

impl<H, E> IntoChildSpec<H, E> for OnceSpec<H, E> {
    fn into_child_spec(self, _: sealed::Token) -> ChildSpec<H, E> {
        self.spec
    }
}

pub(crate) mod sealed {
    /// Seals [`IntoChildSpec`](super::IntoChildSpec): nobody outside this crate can name or
    /// make one.
    #[allow(
        unreachable_pub,
        reason = "named in a sealed trait method, never reachable"
    )]
    #[derive(Debug)]
    pub struct Token(pub(crate) ());
}

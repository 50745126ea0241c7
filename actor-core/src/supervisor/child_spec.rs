//! Child specifications: how a supervisor starts, restarts and stops one child (SUP-2).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::StartError;
use crate::actor::ActorHandle;
use crate::actor::{Actor, ActorRef, AnyActor, FromAnyActor};
use crate::registry::{Registry, RegistryKey, RegistryValue};

/// When a child is restarted (SUP-3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Restart {
    /// Always restarted, whatever its exit reason.
    #[default]
    Permanent,
    /// Restarted only after a crash: not after `Normal`, `Shutdown` or `ShutdownWith`.
    Transient,
    /// Never restarted.
    Temporary,
}

/// How a child is stopped by its supervisor (DS-6, SUP-5).
///
/// `Timeout` and `Infinity` are orderly stops, and an orderly stop always runs the child's
/// `terminate` with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), whether or not the
/// child traps exits — beamish keeps the promise that an orderly shutdown runs cleanup, where OTP
/// would let a non-trapping child die without it. How the child gets there depends on trapping:
///
/// - **A non-trapping child** stops at once: its running handler (or `handle_info`, or
///   continuation) is cancelled — its future is dropped at its next await point — messages still
///   in its mailbox are not handled, and `terminate` runs on the state as the cancelled handler
///   left it. A busy child never holds its supervisor's shutdown up.
/// - **A trapping child** stops in mailbox order, as OTP's exit signal from its parent does (GS-9):
///   its current handler and the messages queued before the stop are handled first, then
///   `terminate` runs.
///
/// Either way, a child still alive when its `Timeout` runs out is killed — in its handler or in
/// its `terminate` — and exits with [`ExitReason::Killed`](crate::ExitReason::Killed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Killed at once; `terminate` does not run.
    BrutalKill,
    /// Stopped in order (`terminate` runs with `Shutdown`; a non-trapping child's running
    /// handler is cancelled first), killed if still alive after the duration.
    Timeout(Duration),
    /// Stopped in order as with `Timeout`, waited for without limit (the default for supervisor
    /// children).
    Infinity,
}

impl Default for Shutdown {
    /// Five seconds, OTP's default for workers.
    fn default() -> Self {
        Shutdown::Timeout(Duration::from_secs(5))
    }
}

/// Whether a child is a worker or itself a supervisor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChildType {
    /// An ordinary actor.
    #[default]
    Worker,
    /// A supervisor; its default shutdown is [`Shutdown::Infinity`].
    Supervisor,
}

pub(crate) type StartFuture = Pin<Box<dyn Future<Output = Result<AnyActor, StartError>> + Send>>;
/// How a spec starts its child.
pub(crate) enum StartFn<E> {
    /// A start function: its future starts the child, and answers once it is started.
    Future(Arc<dyn Fn(E) -> StartFuture + Send + Sync>),
    /// `of`'s and `of_extra`'s start: launches the child linked to the caller, at once, with a
    /// `park` flag (see `launching_inline`); the caller waits for its start on the child itself
    /// (`answered`).
    Launch(Arc<dyn Fn(E, bool) -> AnyActor + Send + Sync>),
}

impl<E> Clone for StartFn<E> {
    fn clone(&self) -> Self {
        match self {
            StartFn::Future(start) => StartFn::Future(start.clone()),
            StartFn::Launch(launch) => StartFn::Launch(launch.clone()),
        }
    }
}

/// How to start one child, and how to treat it when it exits or must stop.
///
/// `H` is the handle type [`DynamicSupervisor::start_child`](crate::DynamicSupervisor::start_child)
/// hands back; a [`Supervisor`](crate::Supervisor) takes untyped specs (see
/// [`untyped`](Self::untyped)).
///
/// `E` is the type of the *extra argument* the start function receives (OTP's
/// `extra_arguments`, DS-2.5): a [`DynamicSupervisor<E>`](crate::DynamicSupervisor) hands a clone
/// of its [`extra_args`](crate::DynamicSupervisorOptions::extra_args) value to the start function
/// on every start and every restart. It is `()` for ordinary specs; build specs that take one with
/// [`with_extra`](ChildSpec::with_extra) or [`of_extra`](ChildSpec::of_extra), or adapt an
/// ordinary spec with [`ignore_extra`](ChildSpec::ignore_extra).
///
/// The constructors fix both parameters: [`new`](ChildSpec::new) is `ChildSpec<AnyActor, ()>`,
/// `ChildSpec::<ActorRef<A>>::of(args)` and [`of_via`](ChildSpec::of_via) are
/// `ChildSpec<ActorRef<A>, ()>`, [`with_extra`](ChildSpec::with_extra) takes `E` from its
/// closure, and `ChildSpec::<ActorRef<A>, _>::of_extra(args)` from `A::Args` (the `_` matters: a
/// turbofish that leaves `E` out means `E = ()`).
pub struct ChildSpec<H = AnyActor, E = ()> {
    pub(crate) id: String,
    pub(crate) start: StartFn<E>,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Option<Shutdown>,
    pub(crate) child_type: ChildType,
    pub(crate) significant: bool,
    /// The start function links the child to its caller (`of`, `of_via`): the supervisor need
    /// not link again.
    pub(crate) links_itself: bool,
    _handle: PhantomData<fn() -> H>,
}

impl ChildSpec<AnyActor> {
    /// A spec from an id and a start function. The function must start the child **linked to the
    /// calling actor** (the supervisor), e.g. with
    /// [`StartOptions::link`](crate::StartOptions::link).
    pub fn new<F, Fut>(id: impl Into<String>, start: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AnyActor, StartError>> + Send + 'static,
    {
        ChildSpec::starting(id, StartFn::Future(Arc::new(move |()| Box::pin(start()))))
    }
}

impl<E: Send + 'static> ChildSpec<AnyActor, E> {
    /// A spec whose start function takes the supervisor's extra argument (DS-2.5): a
    /// [`DynamicSupervisor<E>`](crate::DynamicSupervisor) calls `start` with a clone of its
    /// `extra_args` value on every start and every restart. Like [`new`](ChildSpec::new), `start`
    /// must link the child to the calling actor.
    pub fn with_extra<F, Fut>(id: impl Into<String>, start: F) -> Self
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<AnyActor, StartError>> + Send + 'static,
    {
        ChildSpec::starting(
            id,
            StartFn::Future(Arc::new(move |extra| Box::pin(start(extra)))),
        )
    }
}

impl<A: Actor, E: Send + 'static> ChildSpec<ActorRef<A>, E> {
    /// A spec that starts an `A` whose `Args` are `(extra, args)`: the supervisor's extra argument
    /// prepended to `args` (cloned for every restart), as OTP prepends `extra_arguments` (DS-2.5).
    ///
    /// Name the handle and leave `E` to inference: `ChildSpec::<ActorRef<A>, _>::of_extra(args)`
    /// (`E` is then the first element of `A::Args`). `ChildSpec::<ActorRef<A>>::of_extra` means
    /// `E = ()`, since a default applies to every parameter a turbofish leaves out.
    pub fn of_extra<T>(args: T) -> Self
    where
        A: Actor<Args = (E, T)>,
        T: Clone + Send + Sync + 'static,
    {
        let launch =
            move |extra, park| crate::actor::launching_inline::<A>((extra, args.clone()), park);
        ChildSpec::starting(
            std::any::type_name::<A>(),
            StartFn::Launch(Arc::new(launch)),
        )
        .self_linking()
    }
}

impl<H> ChildSpec<H, ()> {
    /// The same spec for a supervisor whose extra argument is an `E`: the start function ignores
    /// it. This is how an ordinary spec (a nested supervisor, an `#[actor]` child spec) is started
    /// under a [`DynamicSupervisor<E>`](crate::DynamicSupervisor).
    pub fn ignore_extra<E>(self) -> ChildSpec<H, E> {
        let start = match self.start {
            StartFn::Future(start) => StartFn::Future(Arc::new(move |_: E| start(()))),
            StartFn::Launch(launch) => {
                StartFn::Launch(Arc::new(move |_: E, park| launch((), park)))
            }
        };
        ChildSpec {
            id: self.id,
            start,
            restart: self.restart,
            shutdown: self.shutdown,
            child_type: self.child_type,
            significant: self.significant,
            links_itself: self.links_itself,
            _handle: PhantomData,
        }
    }
}

impl<A: Actor> ChildSpec<ActorRef<A>> {
    /// A spec that starts an `A` with `args` (cloned for every restart), linked to the supervisor.
    /// Its id is the actor's type name.
    pub fn of(args: A::Args) -> Self
    where
        A::Args: Clone + Sync,
    {
        let launch = move |(), park| crate::actor::launching_inline::<A>(args.clone(), park);
        ChildSpec::starting(
            std::any::type_name::<A>(),
            StartFn::Launch(Arc::new(launch)),
        )
        .self_linking()
    }

    /// Like [`of`](Self::of), registering the child under `key` in `registry` on every (re)start,
    /// so a [`Named`](crate::Named) handle keeps reaching it. The id is `key`'s `Debug` form.
    pub fn of_via<K, V>(registry: &Registry<K, V>, key: K, args: A::Args) -> Self
    where
        A::Args: Clone + Sync,
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let registry = registry.clone();
        ChildSpec::new(format!("{key:?}"), move || {
            let (registry, key, args) = (registry.clone(), key.clone(), args.clone());
            async move {
                ActorRef::<A>::start_link_via(&registry, key, args)
                    .await
                    .map(|r| r.to_any())
            }
        })
        .self_linking()
        .typed()
    }
}

impl<H, E> ChildSpec<H, E> {
    /// A spec with the defaults, started by `start`.
    fn starting(id: impl Into<String>, start: StartFn<E>) -> Self {
        ChildSpec {
            id: id.into(),
            start,
            restart: Restart::default(),
            shutdown: None,
            child_type: ChildType::default(),
            significant: false,
            links_itself: false,
            _handle: PhantomData,
        }
    }

    /// Marks the start function as one that links the child to its caller (the crate's own
    /// specs): the supervisor does not link it again.
    pub(crate) fn self_linking(mut self) -> Self {
        self.links_itself = true;
        self
    }

    /// The child's id, unique within its supervisor.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The restart policy.
    pub fn restart_policy(&self) -> Restart {
        self.restart
    }

    /// The shutdown mode: as set, else `Infinity` for a supervisor child and 5 s for a worker.
    pub fn shutdown_mode(&self) -> Shutdown {
        self.shutdown.unwrap_or(match self.child_type {
            ChildType::Supervisor => Shutdown::Infinity,
            ChildType::Worker => Shutdown::default(),
        })
    }

    /// Whether the child is a worker or a supervisor.
    pub fn kind(&self) -> ChildType {
        self.child_type
    }

    /// Replaces the id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Replaces the restart policy.
    #[must_use]
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Replaces the shutdown mode.
    #[must_use]
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Replaces the child type.
    #[must_use]
    pub fn child_type(mut self, child_type: ChildType) -> Self {
        self.child_type = child_type;
        self
    }

    /// Marks the child *significant* for a static [`Supervisor`](crate::Supervisor) with
    /// [`AutoShutdown`](crate::AutoShutdown) other than `Never` (SUP-7): when it exits on its own and
    /// is not restarted (a `Transient` child exiting cleanly, a `Temporary` child exiting), the
    /// supervisor may shut down. Refused for `Permanent` children, by supervisors whose
    /// auto-shutdown is `Never`, and by a [`DynamicSupervisor`](crate::DynamicSupervisor).
    #[must_use]
    pub fn significant(mut self, significant: bool) -> Self {
        self.significant = significant;
        self
    }

    /// Whether the child is significant (see [`significant`](Self::significant)).
    pub fn is_significant(&self) -> bool {
        self.significant
    }

    /// The same spec, handing back another handle type.
    pub fn typed<H2: FromAnyActor>(self) -> ChildSpec<H2, E> {
        ChildSpec {
            id: self.id,
            start: self.start,
            restart: self.restart,
            shutdown: self.shutdown,
            child_type: self.child_type,
            significant: self.significant,
            links_itself: self.links_itself,
            _handle: PhantomData,
        }
    }

    /// The same spec, untyped: what a static [`Supervisor`](crate::Supervisor) takes.
    pub fn untyped(self) -> ChildSpec<AnyActor, E> {
        self.typed()
    }
}

impl<H, E> Clone for ChildSpec<H, E> {
    fn clone(&self) -> Self {
        ChildSpec {
            id: self.id.clone(),
            start: self.start.clone(),
            restart: self.restart,
            shutdown: self.shutdown,
            child_type: self.child_type,
            significant: self.significant,
            links_itself: self.links_itself,
            _handle: PhantomData,
        }
    }
}

impl<H, E> fmt::Debug for ChildSpec<H, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown_mode())
            .field("child_type", &self.child_type)
            .field("significant", &self.significant)
            .finish_non_exhaustive()
    }
}

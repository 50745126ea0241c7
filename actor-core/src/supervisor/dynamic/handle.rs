//! The public handle of a dynamic supervisor, [`DynamicSupervisor`]: its start functions, its
//! child spec and the client calls that go to the supervisor actor as [`DynMsg`]s.

use std::borrow::Borrow;
use std::hash::Hash;

use super::children::DynActor;
use super::message::DynMsg;
use super::options::DynamicSupervisorOptions;
use crate::actor::{ActorHandle, ActorRef, AnyActor, FromAnyActor, StartOptions};
use crate::registry::{Registry, RegistryKey, RegistryValue, Whereis};
use crate::supervisor::child_spec::{ChildSpec, ChildType};
use crate::supervisor::children::{
    ChildCounts, ChildInfo, NO_TIMEOUT, into_start_error, via_start,
};
use crate::supervisor::handle::supervisor_handle;
use crate::supervisor::once_spec::{IntoChildSpec, sealed::Token};
use crate::{ActorId, SupervisorError};

/// A supervisor of children started on demand, all alike in how they are treated: each one is
/// restarted on its own when it exits, as its [`Restart`] policy says (OTP's `DynamicSupervisor`,
/// strategy `one_for_one`).
///
/// The supervisor is an actor that traps exits: it can be linked, monitored and nested under
/// another supervisor ([`child_spec`](Self::child_spec)). This handle is cheap to clone. Its calls
/// have no time limit, as in OTP; they fail with [`SupervisorError::Call`] once the supervisor is
/// gone.
///
/// - A child exits → `Permanent`: restarted; `Transient`: restarted only after a crash (not after
///   `Normal`, `Shutdown`, `ShutdownWith`), else removed; `Temporary`: removed (DS-3).
/// - Every restart attempt counts toward intensity; more than `max_restarts` within `max_seconds`
///   → the supervisor stops every child and exits with [`ExitReason::Shutdown`] (DS-5), which its
///   own supervisor sees.
/// - A failed restart leaves the child [`Restarting`](crate::ChildState::Restarting) and retries through
///   a message to itself, serving calls in between (DS-3).
/// - Shutdown (its own by [`ActorHandle::stop`] or its supervisor's,
///   or `terminate_child`) stops children **concurrently**, each by its
///   [`Shutdown`](crate::Shutdown) mode (DS-6); then the supervisor exits with the reason (DS-4.4).
///
/// Beyond OTP: the extra argument is a typed value `E`
/// ([`DynamicSupervisorOptions::extra_args`]); the intensity window is an exact duration;
/// [`Backoff`] is available; [`ChildCounts::restarts`] counts restart attempts; and
/// [`which_children`](Self::which_children) lists children in start order with their spec ids.
/// Register one by name with [`start_via`](Self::start_via), or under another supervisor with
/// [`child_spec_via`](Self::child_spec_via), and find it with
/// [`whereis`](Self::whereis).
///
/// ```
/// use beamish::prelude::*;
/// use tokio::sync::mpsc;
///
/// /// One actor per user session; tells `started` whenever it (re)starts.
/// struct Session { user: String }
///
/// impl Actor for Session {
///     type Args = (String, mpsc::UnboundedSender<ActorId>);
///     type Message = ReplyTo<String>;
///     async fn init((user, started): Self::Args, ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         let _ = started.send(ctx.id());
///         Ok(Session { user })
///     }
///     async fn handle(&mut self, reply: ReplyTo<String>, _: &mut Context<Self>) {
///         reply.send(self.user.clone());
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (started, mut restarts) = mpsc::unbounded_channel();
/// let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await.unwrap();
/// let spec = ChildSpec::<ActorRef<Session>>::of(("alice".to_string(), started));
/// let alice = sup.start_child(spec).await.unwrap();
/// assert_eq!(restarts.recv().await, Some(alice.id()));
/// assert_eq!(alice.call(|r| r).await.unwrap(), "alice");
///
/// alice.kill(); // a crash: the supervisor starts a new Session for alice
/// let again = restarts.recv().await.unwrap();
/// assert_ne!(again, alice.id());
/// let children = sup.which_children().await.unwrap();
/// let session = children[0].actor().unwrap().downcast::<Session>().unwrap();
/// assert_eq!(session.id(), again);
/// assert_eq!(session.call(|r| r).await.unwrap(), "alice");
/// assert_eq!(sup.count_children().await.unwrap().restarts, 1);
///
/// sup.stop(ExitReason::Shutdown).await.unwrap();
/// assert!(!session.is_alive());
/// # }
/// ```
///
/// # Naming `E`
///
/// `E` defaults to `()`, and without an extra argument nothing needs to name it:
/// `DynamicSupervisor::start(DynamicSupervisorOptions::new())`, `DynamicSupervisor::child_spec(…)`
/// and the other start functions take `E` from their options, and
/// [`DynamicSupervisor::from_any`](Self::from_any) and [`DynamicSupervisor::whereis`](Self::whereis)
/// are the `()` supervisor's. With an extra argument, the options still carry `E` to the start
/// functions; where nothing else says it, name it: `DynamicSupervisor::<E>::from_any(actor)`
/// ([`FromAnyActor`], in the prelude), `DynamicSupervisor::<E>::whereis(&registry, &key)`
/// ([`Whereis`]) and the type `DynamicSupervisor<E>`.
///
/// ```
/// use beamish::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let plain = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await.unwrap();
/// let found = DynamicSupervisor::from_any(plain.to_any()).unwrap();
/// assert_eq!(found.id(), plain.id());
///
/// let options = DynamicSupervisorOptions::new().extra_args("db-pool".to_string());
/// let pooled = DynamicSupervisor::start(options).await.unwrap();
/// let found = DynamicSupervisor::<String>::from_any(pooled.to_any()).unwrap();
/// assert_eq!(found.id(), pooled.id());
/// // Without the turbofish, `from_any` looks for a `DynamicSupervisor<()>`.
/// assert!(DynamicSupervisor::from_any(pooled.to_any()).is_none());
/// # }
/// ```
///
/// [`Restart`]: crate::Restart
/// [`ExitReason::Shutdown`]: crate::ExitReason::Shutdown
/// [`Backoff`]: crate::Backoff
pub struct DynamicSupervisor<E: Clone + Send + Sync + 'static = ()> {
    actor: ActorRef<DynActor<E>>,
}

impl<E: Clone + Send + Sync + 'static> DynamicSupervisor<E> {
    /// Starts a supervisor, not linked to the caller.
    pub async fn start(options: DynamicSupervisorOptions<E>) -> Result<Self, SupervisorError> {
        Self::start_with(options, StartOptions::new()).await
    }

    /// Starts a supervisor linked to the calling actor (DS-1.4): it stops (in order, stopping its
    /// children) when that actor exits, whatever the reason.
    pub async fn start_link(options: DynamicSupervisorOptions<E>) -> Result<Self, SupervisorError> {
        Self::start_with(options, StartOptions::new().link()).await
    }

    /// Starts a supervisor registered under `key` in `registry` (a via name, DS-1.4): the name
    /// is taken before the supervisor runs; if it is held, the start fails with
    /// [`SupervisorError::Start`] carrying [`StartError::AlreadyStarted`] with the holder's id.
    /// A registry with duplicate keys cannot hold via names (REG-9.1): [`StartError::Refused`].
    ///
    /// [`StartError::AlreadyStarted`]: crate::StartError::AlreadyStarted
    /// [`StartError::Refused`]: crate::StartError::Refused
    pub async fn start_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        options: DynamicSupervisorOptions<E>,
    ) -> Result<Self, SupervisorError>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let start = via_start(registry, key, StartOptions::new(), "DynamicSupervisor")?;
        Self::start_with(options, start).await
    }

    /// [`start_via`](Self::start_via), linked to the calling actor.
    pub async fn start_link_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        options: DynamicSupervisorOptions<E>,
    ) -> Result<Self, SupervisorError>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let start = via_start(
            registry,
            key,
            StartOptions::new().link(),
            "DynamicSupervisor",
        )?;
        Self::start_with(options, start).await
    }

    /// Starts a supervisor with explicit [`StartOptions`] (link, a `before_init` hook such as a
    /// via-name registration).
    pub async fn start_with(
        options: DynamicSupervisorOptions<E>,
        start: StartOptions,
    ) -> Result<Self, SupervisorError> {
        options.validate()?;
        ActorRef::<DynActor<E>>::start_with(options, start)
            .await
            .map(Self::from_ref)
            .map_err(|error| SupervisorError::Start {
                id: "DynamicSupervisor".to_owned(),
                error,
            })
    }

    /// A spec that starts this supervisor (linked) under another one: id `"DynamicSupervisor"`
    /// (rename with [`ChildSpec::with_id`]), [`ChildType::Supervisor`], so
    /// [`Shutdown::Infinity`](crate::Shutdown::Infinity) by default (DS-1.5, GS-11).
    pub fn child_spec(options: DynamicSupervisorOptions<E>) -> ChildSpec<Self> {
        Self::spec("DynamicSupervisor".to_owned(), options, || {
            Ok(StartOptions::new().link())
        })
    }

    /// Like [`child_spec`](Self::child_spec), registering the supervisor under `key` in
    /// `registry` on every (re)start (as [`start_link_via`](Self::start_link_via) does), so a tree
    /// can be built and its parts found by name: [`whereis`](Self::whereis) is the current
    /// incarnation. The id is `key`'s `Debug` form. If the key is held, the start fails with
    /// [`StartError::AlreadyStarted`] carrying the holder's id; with a registry of duplicate
    /// keys, with [`StartError::Refused`].
    ///
    /// [`StartError::AlreadyStarted`]: crate::StartError::AlreadyStarted
    /// [`StartError::Refused`]: crate::StartError::Refused
    pub fn child_spec_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        options: DynamicSupervisorOptions<E>,
    ) -> ChildSpec<Self>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let id = format!("{key:?}");
        let registry = registry.clone();
        Self::spec(id, options, move || {
            let start = StartOptions::new().link();
            via_start(&registry, key.clone(), start, "DynamicSupervisor")
        })
    }

    /// A supervisor child spec whose every (re)start takes fresh start options from `start`.
    fn spec(
        id: String,
        options: DynamicSupervisorOptions<E>,
        start: impl Fn() -> Result<StartOptions, SupervisorError> + Send + Sync + 'static,
    ) -> ChildSpec<Self> {
        ChildSpec::new(id, move || {
            let (options, start) = (options.clone(), start());
            async move {
                let started = match start {
                    Ok(start) => Self::start_with(options, start).await,
                    Err(error) => Err(error),
                };
                started.map(|sup| sup.to_any()).map_err(into_start_error)
            }
        })
        .child_type(ChildType::Supervisor)
        .self_linking()
        .typed()
    }

    fn from_ref(actor: ActorRef<DynActor<E>>) -> Self {
        DynamicSupervisor {
            actor: actor.with_timeout(NO_TIMEOUT),
        }
    }

    /// Starts a child from `spec` (DS-2) and returns its handle, typed as the spec says. The
    /// supervisor waits for the child's `init`. Fails with [`SupervisorError::MaxChildren`] when
    /// full, [`SupervisorError::Start`] when the start function fails (nothing is kept), and with
    /// [`SupervisorError::InvalidSpec`] for a significant spec, checked before the supervisor is
    /// asked (DS-2.2). The spec's id is not checked for uniqueness (DS-2.3).
    ///
    /// `spec` is a [`ChildSpec`], or a [`OnceSpec`](crate::OnceSpec) for a `Temporary` child
    /// whose arguments are moved into its one start ([`ChildSpec::once`]).
    pub async fn start_child<H: FromAnyActor>(
        &self,
        spec: impl IntoChildSpec<H, E>,
    ) -> Result<H, SupervisorError> {
        self.launch_child(spec.into_child_spec(Token(())), false)
            .await
    }

    /// [`start_child`](Self::start_child), returning a handle that **follows the child across
    /// restarts**: every call goes to the current incarnation, a call made while the child
    /// restarts waits for the new one within its own timeout, the calls and casts the dying
    /// incarnation had not started are carried over to the next one, and once the child is gone for
    /// good — not restarted after its exit, terminated, or this supervisor exited — calls fail
    /// at once with [`CallError::NoProc`](crate::CallError::NoProc). See
    /// [`ActorRef`'s docs](crate::ActorRef#following-a-supervised-child-across-restarts).
    ///
    /// ```
    /// use beamish::prelude::*;
    ///
    /// struct Counter(i64);
    ///
    /// #[actor]
    /// impl Counter {
    ///     #[init]
    ///     async fn init(start: i64) -> Self {
    ///         Counter(start)
    ///     }
    ///
    ///     #[call]
    ///     async fn add(&mut self, n: i64) -> i64 {
    ///         self.0 += n;
    ///         self.0
    ///     }
    ///
    ///     #[call]
    ///     async fn crash(&mut self) {
    ///         panic!("on purpose")
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await.unwrap();
    /// let counter: CounterHandle = sup
    ///     .start_child_followed(Counter::child_spec(10))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(counter.add(1).await, Ok(11));
    /// let first = counter.id();
    ///
    /// // The crash ends this incarnation; the call that caused it gets the exit reason.
    /// assert!(counter.crash().await.is_err());
    ///
    /// // The same handle reaches the restarted child (fresh state, new id).
    /// assert_eq!(counter.add(1).await, Ok(11));
    /// assert_ne!(counter.id(), first);
    /// # }
    /// ```
    pub async fn start_child_followed<H: FromAnyActor>(
        &self,
        spec: impl IntoChildSpec<H, E>,
    ) -> Result<H, SupervisorError> {
        self.launch_child(spec.into_child_spec(Token(())), true)
            .await
    }

    async fn launch_child<H: FromAnyActor>(
        &self,
        spec: ChildSpec<H, E>,
        follow: bool,
    ) -> Result<H, SupervisorError> {
        // DS-2.2: the spec is checked here, before the supervisor is asked.
        if spec.significant {
            return Err(SupervisorError::InvalidSpec {
                id: spec.id,
                reason: "a DynamicSupervisor has no significant children (SUP-7)",
            });
        }
        let accepts: fn(&AnyActor) -> bool = |actor| H::from_any(actor.clone()).is_some();
        let spec = spec.untyped();
        let child = self
            .actor
            .call(|reply| DynMsg::StartChild {
                spec,
                accepts,
                follow,
                reply,
            })
            .await??;
        let actual = child.type_name();
        H::from_any(child).ok_or(SupervisorError::WrongHandle { actual })
    }

    /// Stops the child whose current (or, while restarting, last) actor id is `id`, following its
    /// [`Shutdown`](crate::Shutdown) mode, and removes it; it is not restarted (DS-4.3). Unknown
    /// ids, and a second call for the same child, give [`SupervisorError::NotFound`].
    pub async fn terminate_child(&self, id: ActorId) -> Result<(), SupervisorError> {
        self.actor
            .call(|reply| DynMsg::TerminateChild { id, reply })
            .await?
    }

    /// Every child in the order it was first started (a restarted child keeps its place). OTP
    /// leaves this order unspecified (DS-4.1) and reports no ids; beamish gives the spec's id.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        Ok(self.actor.call(DynMsg::WhichChildren).await?)
    }

    /// The child counts (DS-4.2) and the number of restart attempts so far.
    pub async fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        Ok(self.actor.call(DynMsg::CountChildren).await?)
    }
}

impl DynamicSupervisor<()> {
    /// The supervisor `actor` is, if it is a `DynamicSupervisor` without an extra argument
    /// (`E = ()`): [`FromAnyActor::from_any`], callable as `DynamicSupervisor::from_any(actor)`
    /// without naming `E`. For another `E`, write `DynamicSupervisor::<E>::from_any(actor)`.
    pub fn from_any(actor: AnyActor) -> Option<Self> {
        <Self as FromAnyActor>::from_any(actor)
    }

    /// The live supervisor registered under `key` in `registry`, if it is a `DynamicSupervisor`
    /// without an extra argument: [`Whereis::whereis`], callable as
    /// `DynamicSupervisor::whereis(&registry, &key)` without naming `E`. For another `E`, write
    /// `DynamicSupervisor::<E>::whereis(&registry, &key)`.
    pub fn whereis<K, V, Q>(registry: &Registry<K, V>, key: &Q) -> Option<Self>
    where
        K: RegistryKey + Borrow<Q>,
        V: RegistryValue,
        Q: Hash + Eq + ?Sized,
    {
        <Self as Whereis>::whereis(registry, key)
    }
}

impl<E: Clone + Send + Sync + 'static> Clone for DynamicSupervisor<E> {
    fn clone(&self) -> Self {
        DynamicSupervisor {
            actor: self.actor.clone(),
        }
    }
}

supervisor_handle!(impl[E: Clone + Send + Sync + 'static] DynamicSupervisor<E>, "DynamicSupervisor");

impl<E: Clone + Send + Sync + 'static> FromAnyActor for DynamicSupervisor<E> {
    fn from_any(actor: AnyActor) -> Option<Self> {
        actor.downcast::<DynActor<E>>().map(Self::from_ref)
    }
}

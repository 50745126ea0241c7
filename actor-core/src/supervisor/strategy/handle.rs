//! The public handle of a static supervisor, [`Supervisor`]: its start functions, its child spec
//! and the client calls that go to the supervisor actor as [`SupMsg`]s.

use std::sync::{Arc, Mutex, PoisonError};

use super::children::SupActor;
use super::message::SupMsg;
use super::options::{SupervisorOptions, check_spec};
use super::server::SupArgs;
use crate::actor::{ActorHandle, ActorRef, AnyActor, FromAnyActor, StartOptions};
use crate::registry::{Registry, RegistryKey, RegistryValue, via_options};
use crate::supervisor::child_spec::{ChildSpec, ChildType};
use crate::supervisor::children::{ChildCounts, ChildInfo, NO_TIMEOUT, via_start};
use crate::supervisor::handle::supervisor_handle;
use crate::{InitError, StartError, SupervisorError};

/// A supervisor of a fixed list of children (OTP's `Supervisor`): started one at a time in list
/// order, restarted by a [`Strategy`], stopped one at a time in reverse start order.
///
/// The supervisor is an actor that traps exits: it can be linked, monitored and nested
/// ([`child_spec`](Self::child_spec)). This handle is cheap to clone; its calls have no time limit
/// (SUP-6) and fail with [`SupervisorError::Call`] once the supervisor is gone.
///
/// - Restart decision per child (SUP-3): `Permanent` always; `Transient` only after a crash (after
///   a clean exit its spec is kept, [`Stopped`](crate::ChildState::Stopped)); `Temporary` never (its spec
///   is dropped).
/// - A restart (of one child or of a strategy's whole group) is one attempt for intensity; more
///   than `max_restarts` within `max_seconds` → every child is stopped in reverse start order and
///   the supervisor exits with [`ExitReason::Shutdown`], which its own supervisor sees (SUP-8).
/// - A failed restart leaves the child [`Restarting`](crate::ChildState::Restarting) and retries through
///   a message to itself, each retry counting toward intensity.
/// - Shutdown ([`ActorHandle::stop`] on this handle, or its own
///   supervisor's) stops children one by one in reverse start order, each by its
///   [`Shutdown`](crate::Shutdown) mode, the next only once the previous is gone (SUP-5); then the
///   supervisor exits with the reason (SUP-6.7).
/// - [`which_children`](Self::which_children) lists children in **start order**; OTP lists the
///   newest first (SUP-6.5).
///
/// Beyond OTP: the intensity window is an exact duration; [`Backoff`] is available;
/// [`ChildCounts::restarts`] counts restart attempts. Children marked
/// [`significant`](ChildSpec::significant) can shut the supervisor down ([`AutoShutdown`],
/// SUP-7). A start function cannot return OTP's `:ignore`: it starts a child or fails. Register
/// one by name with [`start_via`](Self::start_via), or under another supervisor with
/// [`child_spec_via`](Self::child_spec_via).
///
/// ```
/// use beamish::prelude::*;
///
/// struct Cache;
///
/// impl Actor for Cache {
///     type Args = ();
///     type Message = ReplyTo<&'static str>;
///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Cache)
///     }
///     async fn handle(&mut self, reply: ReplyTo<&'static str>, _: &mut Context<Self>) {
///         reply.send("hit");
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let children = vec![
///     ChildSpec::<ActorRef<Cache>>::of(()).with_id("cache-a").untyped(),
///     ChildSpec::<ActorRef<Cache>>::of(()).with_id("cache-b").untyped(),
/// ];
/// let sup = Supervisor::start(children, SupervisorOptions::new(Strategy::OneForAll))
///     .await
///     .unwrap();
/// let ids: Vec<String> = sup.which_children().await.unwrap().into_iter().map(|c| c.id).collect();
/// assert_eq!(ids, ["cache-a", "cache-b"]);
///
/// // one_for_all: a crash of cache-a restarts cache-b too.
/// let before = sup.which_children().await.unwrap();
/// before[0].actor().unwrap().kill();
/// before[1].actor().unwrap().wait().await;
/// let after = sup.which_children().await.unwrap();
/// let b = after[1].actor().unwrap().downcast::<Cache>().unwrap();
/// assert_eq!(b.call(|r| r).await.unwrap(), "hit");
/// assert_eq!(sup.count_children().await.unwrap().restarts, 1);
///
/// sup.stop(ExitReason::Shutdown).await.unwrap();
/// # }
/// ```
///
/// [`Strategy`]: crate::Strategy
/// [`ExitReason::Shutdown`]: crate::ExitReason::Shutdown
/// [`Backoff`]: crate::Backoff
/// [`AutoShutdown`]: crate::AutoShutdown
#[derive(Clone)]
pub struct Supervisor {
    actor: ActorRef<SupActor>,
}

impl Supervisor {
    /// Starts a supervisor and its children, one at a time in list order (SUP-1.5); returns once
    /// all have started. Duplicate ids fail with [`SupervisorError::DuplicateId`] before anything
    /// starts (SUP-1.4); a child that fails to start makes the supervisor stop the ones already
    /// started (reverse order) and fail with [`SupervisorError::Start`]. Not linked to the caller.
    pub async fn start(
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> Result<Self, SupervisorError> {
        Self::start_with(children, options, StartOptions::new()).await
    }

    /// [`start`](Self::start), linked to the calling actor.
    pub async fn start_link(
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> Result<Self, SupervisorError> {
        Self::start_with(children, options, StartOptions::new().link()).await
    }

    /// [`start`](Self::start), registered under `key` in `registry` (a via name): the name is
    /// taken before any child starts; if it is held, the start fails with
    /// [`SupervisorError::Start`] carrying [`StartError::AlreadyStarted`] with the holder's id.
    /// A registry with duplicate keys cannot hold via names (REG-9.1): [`StartError::Refused`].
    pub async fn start_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> Result<Self, SupervisorError>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let start = via_start(registry, key, StartOptions::new(), "Supervisor")?;
        Self::start_with(children, options, start).await
    }

    /// [`start_via`](Self::start_via), linked to the calling actor.
    pub async fn start_link_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> Result<Self, SupervisorError>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let start = via_start(registry, key, StartOptions::new().link(), "Supervisor")?;
        Self::start_with(children, options, start).await
    }

    /// [`start`](Self::start) with explicit [`StartOptions`] (link, a `before_init` hook such as a
    /// via-name registration).
    pub async fn start_with(
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
        start: StartOptions,
    ) -> Result<Self, SupervisorError> {
        match Self::launch(children.into_iter().collect(), options, start).await {
            Ok(sup) => Ok(sup),
            Err(Failed::Children(error)) => Err(error),
            Err(Failed::Own(error)) => Err(SupervisorError::Start {
                id: "Supervisor".to_owned(),
                error,
            }),
        }
    }

    /// A spec that starts this supervisor (linked) with `children` under another one: id
    /// `"Supervisor"` (rename with [`ChildSpec::with_id`]), [`ChildType::Supervisor`], so
    /// [`Shutdown::Infinity`](crate::Shutdown::Infinity) by default (GS-11, SUP-2). If a child
    /// fails to start (or a spec or the options are refused), the start error is
    /// [`StartError::Init`] whose source is the [`SupervisorError`]: for a child that failed,
    /// [`SupervisorError::Start`] with that child's id and start error. If the supervisor actor's
    /// own start fails (killed while starting), the error is that start error, as for any actor.
    pub fn child_spec(
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> ChildSpec<Supervisor> {
        Self::spec("Supervisor".to_owned(), children, options, || {
            Ok(StartOptions::new().link())
        })
    }

    /// Like [`child_spec`](Self::child_spec), registering the supervisor under `key` in
    /// `registry` on every (re)start (as [`start_link_via`](Self::start_link_via) does), so a tree
    /// can be built and its parts found by name: `Supervisor::whereis(&registry, &key)`
    /// ([`Whereis`](crate::Whereis)) is the current incarnation. The id is `key`'s `Debug` form.
    /// If the key is held, the start fails with [`StartError::AlreadyStarted`] carrying the
    /// holder's id; with a registry of duplicate keys, with [`StartError::Refused`].
    pub fn child_spec_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> ChildSpec<Supervisor>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let id = format!("{key:?}");
        let registry = registry.clone();
        Self::spec(id, children, options, move || {
            via_options(&registry, key.clone(), StartOptions::new().link())
        })
    }

    /// A supervisor child spec whose every (re)start takes fresh start options from `start`.
    fn spec(
        id: String,
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
        start: impl Fn() -> Result<StartOptions, StartError> + Send + Sync + 'static,
    ) -> ChildSpec<Supervisor> {
        let children: Vec<ChildSpec> = children.into_iter().collect();
        ChildSpec::new(id, move || {
            let (children, options, start) = (children.clone(), options.clone(), start());
            async move {
                match Supervisor::launch(children, options, start?).await {
                    Ok(sup) => Ok(sup.to_any()),
                    // Its own start failed (a via name held, say): that error, as for any actor.
                    Err(Failed::Own(error)) => Err(error),
                    // OTP's `{:shutdown, {:failed_to_start_child, id, reason}}`: the supervisor
                    // error (the failed child's id and start error) is the source.
                    Err(Failed::Children(error)) => Err(StartError::Init(InitError::new(error))),
                }
            }
        })
        .child_type(ChildType::Supervisor)
        .self_linking()
        .typed()
    }

    /// Checks the specs and options, then starts the supervisor actor, which starts the children.
    async fn launch(
        children: Vec<ChildSpec>,
        options: SupervisorOptions,
        start: StartOptions,
    ) -> Result<Self, Failed> {
        if options.max_seconds.is_zero() {
            return Err(Failed::Children(SupervisorError::InvalidOptions(
                "max_seconds must not be zero",
            )));
        }
        for (i, spec) in children.iter().enumerate() {
            if children[..i].iter().any(|s| s.id == spec.id) {
                return Err(Failed::Children(SupervisorError::DuplicateId(
                    spec.id.clone(),
                )));
            }
            check_spec(spec, options.auto_shutdown).map_err(Failed::Children)?;
        }
        let failure = Arc::new(Mutex::new(None));
        let args = SupArgs {
            children,
            options,
            failure: failure.clone(),
        };
        match ActorRef::<SupActor>::start_with(args, start).await {
            Ok(actor) => Ok(Supervisor::from_ref(actor)),
            Err(error) => {
                let failure = failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                Err(failure.map_or(Failed::Own(error), Failed::Children))
            }
        }
    }

    fn from_ref(actor: ActorRef<SupActor>) -> Self {
        Supervisor {
            actor: actor.with_timeout(NO_TIMEOUT),
        }
    }

    /// Starts a child from `spec` and appends it: it is the last in start order, the first to stop
    /// (SUP-6.1). An id already held gives [`SupervisorError::AlreadyStarted`] (running) or
    /// [`SupervisorError::AlreadyPresent`] (kept but not running); a failing start gives
    /// [`SupervisorError::Start`] and the spec is not kept.
    pub async fn start_child<H: FromAnyActor>(
        &self,
        spec: ChildSpec<H>,
    ) -> Result<H, SupervisorError> {
        self.launch_child(spec, false).await
    }

    /// [`start_child`](Self::start_child), returning a handle that **follows the child across
    /// restarts** (see [`follow_child`](Self::follow_child)).
    pub async fn start_child_followed<H: FromAnyActor>(
        &self,
        spec: ChildSpec<H>,
    ) -> Result<H, SupervisorError> {
        self.launch_child(spec, true).await
    }

    /// A handle to the running child `id` that **follows it across restarts**, whichever
    /// strategy restarts it: every call goes to the current incarnation, a call made while the
    /// child restarts waits for the new one within its own timeout, the calls and casts the
    /// dying incarnation had not started are carried over to the next one. Once the child is stopped by
    /// [`terminate_child`](Self::terminate_child) or not restarted after its exit, removed, or
    /// this supervisor exited, calls fail at once with [`CallError::NoProc`](crate::CallError::NoProc)
    /// (after [`restart_child`](Self::restart_child) they reach it again). See
    /// [`ActorRef`'s docs](crate::ActorRef#following-a-supervised-child-across-restarts).
    ///
    /// Errors: [`SupervisorError::NotFound`], [`SupervisorError::NotRunning`],
    /// [`SupervisorError::Restarting`], and [`SupervisorError::WrongHandle`] when the child is
    /// not of `H`'s actor type.
    pub async fn follow_child<H: FromAnyActor>(&self, id: &str) -> Result<H, SupervisorError> {
        let id = id.to_owned();
        let child = self
            .actor
            .call(|reply| SupMsg::FollowChild { id, reply })
            .await??;
        let actual = child.type_name();
        H::from_any(child).ok_or(SupervisorError::WrongHandle { actual })
    }

    async fn launch_child<H: FromAnyActor>(
        &self,
        spec: ChildSpec<H>,
        follow: bool,
    ) -> Result<H, SupervisorError> {
        let accepts: fn(&AnyActor) -> bool = |actor| H::from_any(actor.clone()).is_some();
        let spec = spec.untyped();
        let child = self
            .actor
            .call(|reply| SupMsg::StartChild {
                spec,
                accepts,
                follow,
                reply,
            })
            .await??;
        let actual = child.type_name();
        H::from_any(child).ok_or(SupervisorError::WrongHandle { actual })
    }

    /// Stops child `id` following its [`Shutdown`](crate::Shutdown) mode and keeps its spec,
    /// [`Stopped`](crate::ChildState::Stopped) (a `Temporary` child's spec is dropped); it is not
    /// restarted (SUP-6.2). `Ok` for a child already stopped; [`SupervisorError::NotFound`] for an
    /// unknown id.
    pub async fn terminate_child(&self, id: &str) -> Result<(), SupervisorError> {
        let id = id.to_owned();
        self.actor
            .call(|reply| SupMsg::TerminateChild { id, reply })
            .await?
    }

    /// Starts a stopped child again (SUP-6.3); does not count toward intensity. Errors:
    /// [`SupervisorError::Running`], [`SupervisorError::Restarting`],
    /// [`SupervisorError::NotFound`], [`SupervisorError::Start`] (the spec is kept).
    pub async fn restart_child(&self, id: &str) -> Result<AnyActor, SupervisorError> {
        let id = id.to_owned();
        self.actor
            .call(|reply| SupMsg::RestartChild { id, reply })
            .await?
    }

    /// Removes the spec of a stopped child (SUP-6.4). Errors: [`SupervisorError::Running`],
    /// [`SupervisorError::Restarting`], [`SupervisorError::NotFound`].
    pub async fn delete_child(&self, id: &str) -> Result<(), SupervisorError> {
        let id = id.to_owned();
        self.actor
            .call(|reply| SupMsg::DeleteChild { id, reply })
            .await?
    }

    /// Every child spec in **start order** (OTP lists the newest first, SUP-6.5).
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        Ok(self.actor.call(SupMsg::WhichChildren).await?)
    }

    /// The child counts (SUP-6.6) and the number of restart attempts so far.
    pub async fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        Ok(self.actor.call(SupMsg::CountChildren).await?)
    }
}

/// Why [`Supervisor::launch`] failed: the children (their specs, the options, or a child's
/// start), or the supervisor actor's own start (a via name held, killed while starting).
enum Failed {
    Children(SupervisorError),
    Own(StartError),
}

supervisor_handle!(impl[] Supervisor, "Supervisor");

impl FromAnyActor for Supervisor {
    fn from_any(actor: AnyActor) -> Option<Self> {
        actor.downcast::<SupActor>().map(Supervisor::from_ref)
    }
}

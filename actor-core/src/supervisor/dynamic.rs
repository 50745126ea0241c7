//! The DynamicSupervisor: children started on demand, restarted one for one (DS-1 … DS-6).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::Hash;
use std::time::Duration;

use super::child_spec::{ChildSpec, ChildType, Restart};
use super::children::{
    self, ChildCounts, ChildInfo, NO_TIMEOUT, Slot, run_start, shutdown_child,
    shutdown_concurrently, via_start,
};
use super::handle::supervisor_handle;
use super::intensity::{Backoff, BackoffState, Intensity};
use crate::actor::{
    Actor, ActorRef, AnyActor, Context, FromAnyActor, Info, ReplyTo, StartOptions, ToAnyActor,
};
use crate::registry::Registry;
use crate::{ActorId, CallError, ExitReason, InitError, StartError, SupervisorError};

/// Options of a [`DynamicSupervisor`] (DS-1.1): restart intensity, `max_children`, the extra
/// argument handed to every start function, and optional backoff.
///
/// `E` is the type of the extra argument ([`extra_args`](Self::extra_args)); `()` when unused.
///
/// ```
/// use std::time::Duration;
/// use actor_core::DynamicSupervisorOptions;
///
/// let options = DynamicSupervisorOptions::new()
///     .max_restarts(10)
///     .max_seconds(Duration::from_secs(1))
///     .max_children(1_000)
///     .extra_args("db-pool".to_string());
/// # drop(options);
/// ```
#[derive(Clone)]
pub struct DynamicSupervisorOptions<E = ()> {
    max_restarts: u32,
    max_seconds: Duration,
    max_children: Option<usize>,
    extra: E,
    backoff: Option<Backoff>,
}

impl DynamicSupervisorOptions<()> {
    /// OTP's defaults (DS-1.2): 3 restarts within 5 s, no child limit, no extra argument, no
    /// backoff.
    pub fn new() -> Self {
        DynamicSupervisorOptions {
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
            max_children: None,
            extra: (),
            backoff: None,
        }
    }
}

impl Default for DynamicSupervisorOptions<()> {
    fn default() -> Self {
        DynamicSupervisorOptions::new()
    }
}

impl<E> DynamicSupervisorOptions<E> {
    /// More than this many restart attempts within [`max_seconds`](Self::max_seconds) make the
    /// supervisor give up: it stops its children and exits with [`ExitReason::Shutdown`]
    /// (DS-5). `0` makes the first restart fatal.
    #[must_use]
    pub fn max_restarts(mut self, max_restarts: u32) -> Self {
        self.max_restarts = max_restarts;
        self
    }

    /// The intensity window: an exact duration (OTP counts whole seconds); must not be zero.
    #[must_use]
    pub fn max_seconds(mut self, window: Duration) -> Self {
        self.max_seconds = window;
        self
    }

    /// At most this many children, restarting ones included (DS-2.4); `start_child` beyond it
    /// fails with [`SupervisorError::MaxChildren`].
    #[must_use]
    pub fn max_children(mut self, max_children: usize) -> Self {
        self.max_children = Some(max_children);
        self
    }

    /// The extra argument (OTP's `extra_arguments`, DS-2.5): the supervisor hands a clone of
    /// `extra` to the start function of every child, on every start and every restart. The
    /// supervisor then takes `ChildSpec<_, E2>` specs, built with
    /// [`ChildSpec::with_extra`] or [`ChildSpec::of_extra`] (which prepends it to the actor's
    /// arguments); adapt other specs with [`ChildSpec::ignore_extra`].
    pub fn extra_args<E2>(self, extra: E2) -> DynamicSupervisorOptions<E2> {
        DynamicSupervisorOptions {
            max_restarts: self.max_restarts,
            max_seconds: self.max_seconds,
            max_children: self.max_children,
            extra,
            backoff: self.backoff,
        }
    }

    /// Waits between the restarts of a crash-looping child (see [`Backoff`]); off by default.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    fn validate(&self) -> Result<(), SupervisorError> {
        if self.max_seconds.is_zero() {
            return Err(SupervisorError::InvalidOptions(
                "max_seconds must not be zero",
            ));
        }
        Ok(())
    }
}

impl<E> fmt::Debug for DynamicSupervisorOptions<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicSupervisorOptions")
            .field("max_restarts", &self.max_restarts)
            .field("max_seconds", &self.max_seconds)
            .field("max_children", &self.max_children)
            .field("extra", &std::any::type_name::<E>())
            .field("backoff", &self.backoff)
            .finish()
    }
}

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
/// - Shutdown (its own, or `terminate_child`) stops children **concurrently**, each by its
///   [`Shutdown`](crate::Shutdown) mode (DS-6).
///
/// Beyond OTP: the extra argument is a typed value `E`
/// ([`DynamicSupervisorOptions::extra_args`]); the intensity window is an exact duration;
/// [`Backoff`] is available; [`ChildCounts::restarts`] counts restart attempts; and
/// [`which_children`](Self::which_children) lists children in start order with their spec ids.
/// Register one by name with [`start_via`](Self::start_via).
///
/// ```
/// use actor_core::{Actor, ActorId, ActorRef, ChildSpec, Context, DynamicSupervisor,
///                  DynamicSupervisorOptions, ExitReason, InitError, ReplyTo};
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
    pub async fn start_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        options: DynamicSupervisorOptions<E>,
    ) -> Result<Self, SupervisorError>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
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
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
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
        ChildSpec::new("DynamicSupervisor", move || {
            let options = options.clone();
            async move {
                Self::start_link(options)
                    .await
                    .map(|sup| sup.to_any())
                    .map_err(into_start_error)
            }
        })
        .child_type(ChildType::Supervisor)
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
    pub async fn start_child<H: FromAnyActor>(
        &self,
        spec: ChildSpec<H, E>,
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

    /// Stops the supervisor: its children are stopped concurrently (DS-6), then it exits with
    /// `reason`; returns once it has (DS-4.4).
    pub async fn stop(&self, reason: ExitReason) -> Result<(), CallError> {
        self.actor.stop(reason).await
    }
}

/// A failed start of a dynamic supervisor as a child's start error: the supervisor's own start
/// error, or (invalid options) the supervisor error as the source of [`StartError::Init`].
fn into_start_error(error: SupervisorError) -> StartError {
    match error {
        SupervisorError::Start { error, .. } => error,
        other => StartError::Init(InitError::new(other)),
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

type Reply<T> = ReplyTo<Result<T, SupervisorError>>;

pub(crate) enum DynMsg<E> {
    StartChild {
        spec: ChildSpec<AnyActor, E>,
        accepts: fn(&AnyActor) -> bool,
        reply: Reply<AnyActor>,
    },
    TerminateChild {
        id: ActorId,
        reply: Reply<()>,
    },
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    Retry(u64),
}

struct DynChild<E> {
    spec: ChildSpec<AnyActor, E>,
    slot: Slot,
    /// The current actor id, or the last one while restarting (DS-4.3 finds it by that id).
    last_id: ActorId,
    backoff: BackoffState,
}

pub(crate) struct DynActor<E> {
    extra: E,
    max_children: Option<usize>,
    backoff: Option<Backoff>,
    intensity: Intensity,
    /// Children by first-start sequence number: iteration order is start order.
    children: BTreeMap<u64, DynChild<E>>,
    by_id: HashMap<ActorId, u64>,
    next_seq: u64,
}

impl<E: Clone + Send + Sync + 'static> Actor for DynActor<E> {
    type Args = DynamicSupervisorOptions<E>;
    type Message = DynMsg<E>;

    async fn init(options: Self::Args, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        ctx.trap_exit(true);
        Ok(DynActor {
            extra: options.extra,
            max_children: options.max_children,
            backoff: options.backoff,
            intensity: Intensity::new(options.max_restarts, options.max_seconds),
            children: BTreeMap::new(),
            by_id: HashMap::new(),
            next_seq: 0,
        })
    }

    async fn handle(&mut self, msg: DynMsg<E>, ctx: &mut Context<Self>) {
        match msg {
            DynMsg::StartChild {
                spec,
                accepts,
                reply,
            } => {
                reply.send(self.start_child(spec, accepts, ctx).await);
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

impl<E: Clone + Send + Sync + 'static> DynActor<E> {
    async fn start_child(
        &mut self,
        spec: ChildSpec<AnyActor, E>,
        accepts: fn(&AnyActor) -> bool,
        ctx: &mut Context<Self>,
    ) -> Result<AnyActor, SupervisorError> {
        if self
            .max_children
            .is_some_and(|max| self.children.len() >= max)
        {
            return Err(SupervisorError::MaxChildren);
        }
        let child = run_start(&spec, self.extra.clone())
            .await
            .map_err(|error| SupervisorError::Start {
                id: spec.id.clone(),
                error,
            })?;
        // The start function should have linked it; linking again is a no-op, and makes sure a
        // start function that forgot still gets the child supervised.
        ctx.link(&child);
        if !accepts(&child) {
            ctx.unlink(&child);
            shutdown_child(&child, spec.shutdown_mode()).await;
            return Err(SupervisorError::WrongHandle {
                actual: child.type_name(),
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(child.id(), seq);
        self.children.insert(
            seq,
            DynChild {
                spec,
                last_id: child.id(),
                slot: Slot::Running(child.clone()),
                backoff: BackoffState::default(),
            },
        );
        Ok(child)
    }

    async fn terminate_child(
        &mut self,
        id: ActorId,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let seq = self.by_id.remove(&id).ok_or(SupervisorError::NotFound)?;
        let Some(child) = self.children.remove(&seq) else {
            return Err(SupervisorError::NotFound);
        };
        if let Slot::Running(actor) = &child.slot {
            ctx.unlink(actor);
            shutdown_child(actor, child.spec.shutdown_mode()).await;
        }
        Ok(())
    }

    fn which_children(&self) -> Vec<ChildInfo> {
        children::which(self.children.values().map(|c| (&c.spec, &c.slot)))
    }

    fn count_children(&self) -> ChildCounts {
        let children = self.children.values().map(|c| (&c.spec, &c.slot));
        children::count(children, self.intensity.total())
    }

    async fn child_exited(&mut self, id: ActorId, reason: ExitReason, ctx: &mut Context<Self>) {
        let Some(&seq) = self.by_id.get(&id) else {
            return; // not a child (SUP-6.8), or one already removed
        };
        let Some(child) = self.children.get_mut(&seq) else {
            return;
        };
        if !matches!(&child.slot, Slot::Running(a) if a.id() == id) {
            return;
        }
        let restart = match child.spec.restart {
            Restart::Permanent => true,
            Restart::Transient => reason.is_crash(),
            Restart::Temporary => false,
        };
        if reason.is_crash() {
            tracing::error!(child = %id, %reason, "child crashed");
        }
        if !restart {
            self.by_id.remove(&id);
            self.children.remove(&seq);
            return;
        }
        child.slot = Slot::Restarting;
        match &self.backoff {
            Some(backoff) => {
                let delay = child.backoff.next_delay(backoff);
                ctx.cast_after(delay, DynMsg::Retry(seq));
            }
            None => self.restart(seq, ctx).await,
        }
    }

    /// One restart attempt of child `seq` (DS-3): counts toward intensity first.
    async fn restart(&mut self, seq: u64, ctx: &mut Context<Self>) {
        if !self.intensity.add_restart() {
            tracing::error!("reached max restart intensity; shutting down");
            if let Some(child) = self.children.remove(&seq) {
                self.by_id.remove(&child.last_id);
            }
            self.shutdown_all(ctx).await;
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let Some(child) = self.children.get_mut(&seq) else {
            return;
        };
        match run_start(&child.spec, self.extra.clone()).await {
            Ok(actor) => {
                ctx.link(&actor);
                self.by_id.remove(&child.last_id);
                self.by_id.insert(actor.id(), seq);
                child.last_id = actor.id();
                child.slot = Slot::Running(actor);
                child.backoff.started();
            }
            Err(error) => {
                tracing::error!(child = %child.spec.id, %error, "restart failed; retrying");
                child.slot = Slot::Restarting;
                match &self.backoff {
                    Some(backoff) => {
                        let delay = child.backoff.next_delay(backoff);
                        ctx.cast_after(delay, DynMsg::Retry(seq));
                    }
                    None => {
                        let _ = ctx.actor_ref().cast(DynMsg::Retry(seq));
                    }
                }
            }
        }
    }

    /// Stops every child concurrently (DS-6) and forgets them all.
    async fn shutdown_all(&mut self, ctx: &mut Context<Self>) {
        self.by_id.clear();
        let running: Vec<_> = std::mem::take(&mut self.children)
            .into_values()
            .filter_map(|c| match c.slot {
                Slot::Running(actor) => {
                    ctx.unlink(&actor);
                    Some((actor, c.spec.shutdown_mode()))
                }
                Slot::Restarting | Slot::Stopped => None,
            })
            .collect();
        shutdown_concurrently(running).await;
    }
}

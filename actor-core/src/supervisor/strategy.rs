//! The static Supervisor and its restart strategies (SUP-1 … SUP-6, SUP-8).

use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::child_spec::{ChildSpec, ChildType, Restart};
use super::children::{
    self, ChildCounts, ChildInfo, NO_TIMEOUT, Slot, run_start, shutdown_child, via_start,
};
use super::handle::supervisor_handle;
use super::intensity::{Backoff, BackoffState, Intensity};
use crate::actor::{
    Actor, ActorRef, AnyActor, Context, FromAnyActor, Info, ReplyTo, StartOptions, ToAnyActor,
};
use crate::registry::Registry;
use crate::{ActorId, CallError, ExitReason, InitError, StartError, SupervisorError};

/// Which children a [`Supervisor`] restarts when one of them is due for a restart (SUP-4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Only the child that exited.
    #[default]
    OneForOne,
    /// Every child: the others are stopped in reverse start order, then all are started again in
    /// start order — including children stopped with `terminate_child`, as OTP does.
    OneForAll,
    /// The child that exited and every child started after it: those are stopped in reverse start
    /// order, then all of them started again in start order.
    RestForOne,
}

/// When a [`Supervisor`] shuts itself down because significant children exited (SUP-7).
///
/// Only children marked [`significant`](ChildSpec::significant) count, and only when they exit
/// on their own and are not restarted: a `Transient` child exiting cleanly, a `Temporary` child
/// exiting for any reason. `terminate_child` and the supervisor's own restarts never trigger it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AutoShutdown {
    /// Never (the default); significant children are refused.
    #[default]
    Never,
    /// As soon as one significant child exits that way, the supervisor stops its other children
    /// (reverse start order) and exits with [`ExitReason::Shutdown`].
    AnySignificant,
    /// The same, once no significant child has a running actor left.
    AllSignificant,
}

/// Options of a [`Supervisor`] (SUP-1.1): the strategy (required, as in OTP), restart intensity and
/// optional backoff.
///
/// ```
/// use std::time::Duration;
/// use actor_core::{Strategy, SupervisorOptions};
///
/// let options = SupervisorOptions::new(Strategy::RestForOne)
///     .max_restarts(5)
///     .max_seconds(Duration::from_secs(10));
/// # drop(options);
/// ```
#[derive(Clone, Debug)]
pub struct SupervisorOptions {
    strategy: Strategy,
    max_restarts: u32,
    max_seconds: Duration,
    backoff: Option<Backoff>,
    auto_shutdown: AutoShutdown,
}

impl SupervisorOptions {
    /// `strategy` with OTP's defaults: 3 restarts within 5 s, no backoff.
    pub fn new(strategy: Strategy) -> Self {
        SupervisorOptions {
            strategy,
            max_restarts: 3,
            max_seconds: Duration::from_secs(5),
            backoff: None,
            auto_shutdown: AutoShutdown::Never,
        }
    }

    /// More than this many restart attempts within [`max_seconds`](Self::max_seconds) make the
    /// supervisor give up: it stops its children in reverse start order and exits with
    /// [`ExitReason::Shutdown`] (SUP-3, SUP-8).
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

    /// Whether significant children shut the supervisor down (SUP-7); `Never` by default.
    #[must_use]
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// Waits between the restarts of a crash-looping child (see [`Backoff`]); off by default.
    /// With `OneForAll`/`RestForOne`, the affected siblings are stopped at once and the whole
    /// group starts after the delay.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }
}

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
/// - Shutdown stops children one by one in reverse start order, each by its
///   [`Shutdown`](crate::Shutdown) mode, the next only once the previous is gone (SUP-5).
/// - [`which_children`](Self::which_children) lists children in **start order**; OTP lists the
///   newest first (SUP-6.5).
///
/// Beyond OTP: the intensity window is an exact duration; [`Backoff`] is available;
/// [`ChildCounts::restarts`] counts restart attempts. Children marked
/// [`significant`](ChildSpec::significant) can shut the supervisor down ([`AutoShutdown`],
/// SUP-7). A start function cannot return OTP's `:ignore`: it starts a child or fails. Register
/// one by name with [`start_via`](Self::start_via).
///
/// ```
/// use actor_core::{Actor, ActorRef, ChildSpec, Context, ExitReason, InitError, ReplyTo,
///                  Strategy, Supervisor, SupervisorOptions};
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
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
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
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Default + Send + Sync + 'static,
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
        if options.max_seconds.is_zero() {
            return Err(SupervisorError::InvalidOptions(
                "max_seconds must not be zero",
            ));
        }
        let children: Vec<ChildSpec> = children.into_iter().collect();
        for (i, spec) in children.iter().enumerate() {
            if children[..i].iter().any(|s| s.id == spec.id) {
                return Err(SupervisorError::DuplicateId(spec.id.clone()));
            }
            check_spec(spec, options.auto_shutdown)?;
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
                Err(failure.unwrap_or(SupervisorError::Start {
                    id: "Supervisor".to_owned(),
                    error,
                }))
            }
        }
    }

    /// A spec that starts this supervisor (linked) with `children` under another one: id
    /// `"Supervisor"` (rename with [`ChildSpec::with_id`]), [`ChildType::Supervisor`], so
    /// [`Shutdown::Infinity`](crate::Shutdown::Infinity) by default (GS-11, SUP-2). If it fails to
    /// start, its start error is [`StartError::Init`] whose source is the [`SupervisorError`]: for
    /// a child that failed, [`SupervisorError::Start`] with that child's id and start error.
    pub fn child_spec(
        children: impl IntoIterator<Item = ChildSpec>,
        options: SupervisorOptions,
    ) -> ChildSpec<Supervisor> {
        let children: Vec<ChildSpec> = children.into_iter().collect();
        ChildSpec::new("Supervisor", move || {
            let (children, options) = (children.clone(), options.clone());
            async move {
                Supervisor::start_link(children, options)
                    .await
                    .map(|sup| sup.to_any())
                    // OTP's `{:shutdown, {:failed_to_start_child, id, reason}}`: the supervisor
                    // error (the failed child's id and start error) is the source.
                    .map_err(|e| StartError::Init(InitError::new(e)))
            }
        })
        .child_type(ChildType::Supervisor)
        .typed()
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
        let accepts: fn(&AnyActor) -> bool = |actor| H::from_any(actor.clone()).is_some();
        let spec = spec.untyped();
        let child = self
            .actor
            .call(|reply| SupMsg::StartChild {
                spec,
                accepts,
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

    /// Stops the supervisor: its children are stopped one by one in reverse start order (SUP-5),
    /// then it exits with `reason`; returns once it has (SUP-6.7).
    pub async fn stop(&self, reason: ExitReason) -> Result<(), CallError> {
        self.actor.stop(reason).await
    }
}

supervisor_handle!(impl[] Supervisor, "Supervisor");

impl FromAnyActor for Supervisor {
    fn from_any(actor: AnyActor) -> Option<Self> {
        actor.downcast::<SupActor>().map(Supervisor::from_ref)
    }
}

type Reply<T> = ReplyTo<Result<T, SupervisorError>>;

pub(crate) enum SupMsg {
    StartChild {
        spec: ChildSpec,
        accepts: fn(&AnyActor) -> bool,
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

pub(crate) struct SupArgs {
    children: Vec<ChildSpec>,
    options: SupervisorOptions,
    failure: Arc<Mutex<Option<SupervisorError>>>,
}

struct Child {
    spec: ChildSpec,
    slot: Slot,
    backoff: BackoffState,
}

pub(crate) struct SupActor {
    strategy: Strategy,
    auto_shutdown: AutoShutdown,
    backoff: Option<Backoff>,
    intensity: Intensity,
    /// In start order.
    children: Vec<Child>,
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
            match start(&spec, ctx).await {
                Ok(actor) => sup.children.push(Child {
                    spec,
                    slot: Slot::Running(actor),
                    backoff: BackoffState::default(),
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
                reply,
            } => {
                reply.send(self.start_child(spec, accepts, ctx).await);
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

/// Refuses the bad combinations of SUP-7.
fn check_spec(spec: &ChildSpec, auto_shutdown: AutoShutdown) -> Result<(), SupervisorError> {
    let reason = match (spec.significant, spec.restart, auto_shutdown) {
        (false, _, _) => return Ok(()),
        (true, _, AutoShutdown::Never) => {
            "a significant child needs auto_shutdown other than Never"
        }
        (true, Restart::Permanent, _) => "a permanent child cannot be significant",
        (true, _, _) => return Ok(()),
    };
    Err(SupervisorError::InvalidSpec {
        id: spec.id.clone(),
        reason,
    })
}

/// Runs `spec`'s start function as the supervisor and makes sure the child is linked to it.
async fn start(spec: &ChildSpec, ctx: &mut Context<SupActor>) -> Result<AnyActor, StartError> {
    let actor = run_start(spec, ()).await?;
    ctx.link(&actor);
    Ok(actor)
}

impl SupActor {
    fn find(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.spec.id == id)
    }

    async fn start_child(
        &mut self,
        spec: ChildSpec,
        accepts: fn(&AnyActor) -> bool,
        ctx: &mut Context<Self>,
    ) -> Result<AnyActor, SupervisorError> {
        check_spec(&spec, self.auto_shutdown)?;
        if let Some(i) = self.find(&spec.id) {
            return Err(match &self.children[i].slot {
                Slot::Running(actor) => SupervisorError::AlreadyStarted(actor.id()),
                _ => SupervisorError::AlreadyPresent,
            });
        }
        let actor = start(&spec, ctx)
            .await
            .map_err(|error| SupervisorError::Start {
                id: spec.id.clone(),
                error,
            })?;
        if !accepts(&actor) {
            ctx.unlink(&actor);
            shutdown_child(&actor, spec.shutdown_mode()).await;
            return Err(SupervisorError::WrongHandle {
                actual: actor.type_name(),
            });
        }
        self.children.push(Child {
            spec,
            slot: Slot::Running(actor.clone()),
            backoff: BackoffState::default(),
        });
        Ok(actor)
    }

    async fn terminate_child(
        &mut self,
        id: &str,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        self.stop_child(i, ctx).await;
        // A child waiting for a restart is stopped too: its pending retry is then ignored.
        self.children[i].slot = Slot::Stopped;
        if self.children[i].spec.restart == Restart::Temporary {
            self.children.remove(i);
        }
        Ok(())
    }

    async fn restart_child(
        &mut self,
        id: &str,
        ctx: &mut Context<Self>,
    ) -> Result<AnyActor, SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        match &self.children[i].slot {
            Slot::Running(_) => return Err(SupervisorError::Running),
            Slot::Restarting => return Err(SupervisorError::Restarting),
            Slot::Stopped => {}
        }
        let actor =
            start(&self.children[i].spec, ctx)
                .await
                .map_err(|error| SupervisorError::Start {
                    id: id.to_owned(),
                    error,
                })?;
        self.children[i].slot = Slot::Running(actor.clone());
        Ok(actor)
    }

    fn delete_child(&mut self, id: &str) -> Result<(), SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        match &self.children[i].slot {
            Slot::Running(_) => Err(SupervisorError::Running),
            Slot::Restarting => Err(SupervisorError::Restarting),
            Slot::Stopped => {
                self.children.remove(i);
                Ok(())
            }
        }
    }

    fn which_children(&self) -> Vec<ChildInfo> {
        children::which(self.children.iter().map(|c| (&c.spec, &c.slot)))
    }

    fn count_children(&self) -> ChildCounts {
        let children = self.children.iter().map(|c| (&c.spec, &c.slot));
        children::count(children, self.intensity.total())
    }

    /// Stops child `i` if it runs (unlinked first, so its exit does not come back as a crash) and
    /// marks it stopped.
    async fn stop_child(&mut self, i: usize, ctx: &mut Context<Self>) {
        let child = &mut self.children[i];
        if let Slot::Running(actor) = &child.slot {
            let actor = actor.clone();
            child.slot = Slot::Stopped;
            ctx.unlink(&actor);
            shutdown_child(&actor, child.spec.shutdown_mode()).await;
        }
    }

    async fn child_exited(&mut self, id: ActorId, reason: ExitReason, ctx: &mut Context<Self>) {
        let Some(i) = self
            .children
            .iter()
            .position(|c| matches!(&c.slot, Slot::Running(a) if a.id() == id))
        else {
            return; // not a child (SUP-6.8), or one already stopped
        };
        if reason.is_crash() {
            tracing::error!(child = %self.children[i].spec.id, %reason, "child crashed");
        }
        let child = &mut self.children[i];
        let significant = child.spec.significant;
        match child.spec.restart {
            Restart::Temporary => {
                self.children.remove(i);
                self.significant_exited(significant, ctx).await;
                return;
            }
            Restart::Transient if reason.is_clean() => {
                child.slot = Slot::Stopped;
                self.significant_exited(significant, ctx).await;
                return;
            }
            Restart::Permanent | Restart::Transient => {}
        }
        child.slot = Slot::Restarting;
        let spec_id = child.spec.id.clone();
        match self.backoff {
            Some(backoff) => {
                let delay = self.children[i].backoff.next_delay(&backoff);
                // The group goes down now, and comes back together after the delay.
                self.stop_group(&spec_id, ctx).await;
                ctx.cast_after(delay, SupMsg::Retry(spec_id));
            }
            None => self.restart(&spec_id, ctx).await,
        }
    }

    /// A child exited on its own and is not restarted: auto-shutdown, if it was significant (SUP-7).
    async fn significant_exited(&mut self, significant: bool, ctx: &mut Context<Self>) {
        if !significant {
            return;
        }
        let shut_down = match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            AutoShutdown::AllSignificant => !self
                .children
                .iter()
                .any(|c| c.spec.significant && matches!(c.slot, Slot::Running(_))),
        };
        if shut_down {
            self.shutdown_all(ctx).await;
            ctx.stop(ExitReason::Shutdown);
        }
    }

    /// The ids of the children a restart of `id` involves, in start order (SUP-4).
    fn group(&self, id: &str) -> Vec<String> {
        let Some(i) = self.find(id) else {
            return Vec::new();
        };
        let range = match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => i..self.children.len(),
        };
        self.children[range]
            .iter()
            .map(|c| c.spec.id.clone())
            .collect()
    }

    /// Stops the running members of `id`'s group in reverse start order; temporary ones are
    /// dropped for good (SUP-4).
    async fn stop_group(&mut self, id: &str, ctx: &mut Context<Self>) {
        for member in self.group(id).iter().rev() {
            let Some(i) = self.find(member) else { continue };
            self.stop_child(i, ctx).await;
            if member != id && self.children[i].spec.restart == Restart::Temporary {
                self.children.remove(i);
            }
        }
    }

    /// One restart attempt for child `id` and its group: counts toward intensity first, stops
    /// the group, then starts every member that is not running, in start order (SUP-3, SUP-4).
    async fn restart(&mut self, id: &str, ctx: &mut Context<Self>) {
        if !self.intensity.add_restart() {
            tracing::error!("reached max restart intensity; shutting down");
            self.shutdown_all(ctx).await;
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let group = self.group(id);
        self.stop_group(id, ctx).await;
        for member in &group {
            let Some(i) = self.find(member) else { continue };
            if matches!(self.children[i].slot, Slot::Running(_)) {
                continue;
            }
            match start(&self.children[i].spec, ctx).await {
                Ok(actor) => {
                    let child = &mut self.children[i];
                    child.slot = Slot::Running(actor);
                    child.backoff.started();
                }
                Err(error) => {
                    tracing::error!(child = %member, %error, "restart failed; retrying");
                    self.children[i].slot = Slot::Restarting;
                    match self.backoff {
                        Some(backoff) => {
                            let delay = self.children[i].backoff.next_delay(&backoff);
                            ctx.cast_after(delay, SupMsg::Retry(member.clone()));
                        }
                        None => {
                            let _ = ctx.actor_ref().cast(SupMsg::Retry(member.clone()));
                        }
                    }
                    return;
                }
            }
        }
    }

    /// Stops every child, one at a time in reverse start order (SUP-5), and forgets them all.
    async fn shutdown_all(&mut self, ctx: &mut Context<Self>) {
        while let Some(child) = self.children.pop() {
            if let Slot::Running(actor) = child.slot {
                ctx.unlink(&actor);
                shutdown_child(&actor, child.spec.shutdown_mode()).await;
            }
        }
    }
}

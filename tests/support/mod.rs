//! Shared helpers of the actor tests.
//!
//! - [`Probe`]/[`Events`]: a channel the actors under test report to ([`Event`]), so tests
//!   synchronise on what actors did instead of sleeping.
//! - [`Worker`]: a hand-written `impl Actor` (no macro) with calls, casts, a deferred reply and a
//!   slow `terminate`; [`Subject`] is the contract it shares with the `#[actor]` worker, and
//!   [`contract`] holds the checks written once, generic over both.
//! - [`Agent`]: a hand-written actor that runs closures against its own [`Context`] (link, monitor,
//!   trap exits, timers) and futures inside itself (start_link), and reports every `Info`.
//!
//! Each test binary uses a different part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

pub(crate) mod contract;
pub(crate) mod macro_worker;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use beamish::prelude::*;
use beamish::{InitError, MonitorRef, TimerRef, current_id};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Where actors under test report what they did.
pub(crate) type Probe = mpsc::UnboundedSender<Event>;
/// What the test reads the reports from.
pub(crate) type Events = mpsc::UnboundedReceiver<Event>;

/// A new probe channel.
pub(crate) fn probe() -> (Probe, Events) {
    mpsc::unbounded_channel()
}

/// Something an actor under test did.
#[derive(Debug, PartialEq)]
pub(crate) enum Event {
    /// `init` ran: `id` is the actor's own id, `current` what `current_id()` said inside `init`.
    Init {
        id: ActorId,
        current: Option<ActorId>,
    },
    /// The actor's own handle, sent from `init` (so a failed start can still be inspected).
    Handle(AnyActor),
    /// `terminate` ran with `reason`.
    Terminated { id: ActorId, reason: ExitReason },
    /// A call was parked: its reply is kept for later.
    Parked { id: ActorId },
    /// The parked call was answered; `delivered` is what `ReplyTo::send` returned.
    Replied { delivered: bool },
    /// `watcher` got `Info::Down`.
    Down {
        watcher: ActorId,
        id: ActorId,
        monitor: MonitorRef,
        reason: ExitReason,
    },
    /// `watcher` got `Info::Exit` (it traps exits).
    Exit {
        watcher: ActorId,
        id: ActorId,
        reason: ExitReason,
    },
    /// `watcher` got `Info::Timer` carrying `tag`, at (virtual) time `at`.
    Timer {
        watcher: ActorId,
        timer: TimerRef,
        tag: u32,
        at: Instant,
    },
    /// A marker a test's closure sent from inside an actor.
    Mark(u32),
    /// A value the test gave away was dropped, at time `at`.
    Dropped { tag: u32, at: Instant },
}

/// Upper bound on waiting for an event: a missing event fails the test instead of hanging it. Under
/// paused time it costs nothing.
pub(crate) const PATIENCE: Duration = Duration::from_secs(30);

/// The next event, or a test failure if none arrives within [`PATIENCE`].
pub(crate) async fn next(events: &mut Events) -> Event {
    match tokio::time::timeout(PATIENCE, events.recv()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("every probe sender was dropped"),
        Err(_) => panic!("no event within {PATIENCE:?}"),
    }
}

/// Awaits `fut`, or fails the test if it has not finished within [`PATIENCE`]: a bug that would
/// make a test hang fails it instead.
pub(crate) async fn within<F: Future>(fut: F) -> F::Output {
    match tokio::time::timeout(PATIENCE, fut).await {
        Ok(out) => out,
        Err(_) => panic!("not finished within {PATIENCE:?}"),
    }
}

/// Asserts that no event is waiting right now.
#[track_caller]
pub(crate) fn assert_no_event(events: &mut Events) {
    if let Ok(event) = events.try_recv() {
        panic!("unexpected event: {event:?}");
    }
}

/// A value that reports its own drop: lets a test see when the runtime let go of something.
#[derive(Debug)]
pub(crate) struct DropGuard {
    pub(crate) tag: u32,
    pub(crate) probe: Probe,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let _ = self.probe.send(Event::Dropped {
            tag: self.tag,
            at: Instant::now(),
        });
    }
}

/// Lets the runtime run the tasks that are ready (on a current-thread runtime: all of them).
pub(crate) async fn settle() {
    for _ in 0..64 {
        tokio::task::yield_now().await;
    }
}

/// Generates, for each named check of [`contract`], a module with one test per worker: the
/// hand-written one and the `#[actor]` one. The first argument is the test attribute.
///
/// ```ignore
/// contract_tests!(tokio::test(start_paused = true); calls_and_casts_in_order, kill_skips_terminate);
/// ```
#[allow(unused_macros)] // not every test binary runs contract checks
macro_rules! contract_tests {
    ($test:meta; $($check:ident),+ $(,)?) => {
        $(
            mod $check {
                #[$test]
                async fn hand_written() {
                    crate::support::contract::$check::<crate::support::WorkerRef>().await
                }
                #[$test]
                async fn with_macro() {
                    crate::support::contract::$check::<crate::support::macro_worker::MacroWorkerHandle>().await
                }
            }
        )+
    };
}

// ---------------------------------------------------------------------------------------------
// The contract shared by the hand-written and the `#[actor]` worker.

/// What the contract checks need from a worker handle. Implemented by [`WorkerRef`] (hand-written
/// `impl Actor`) and [`MacroWorkerHandle`](macro_worker::MacroWorkerHandle) (`#[actor]`), with the same behaviour:
///
/// - `add(n)` (call): adds `n`, logs it, returns the new total;
/// - `push(n)` (cast): logs `n`;
/// - `log()` (call): everything logged, in handling order;
/// - `panic_call(msg)` / `panic_cast(msg)`: the handler panics with `msg`;
/// - `stop_with(reason, v)` (call): `ctx.stop(reason)`, returns `v` (delivered after terminate);
/// - `park()` (call): keeps the reply (reports `Event::Parked`); `release(v)` (cast) answers it;
/// - `call_self()` / `stop_self()` (calls): the actor calls / stops itself;
/// - `terminate` waits a little, then reports `Event::Terminated`.
pub(crate) trait Subject:
    ActorHandle + Clone + Send + Sync + std::fmt::Debug + 'static
{
    fn start(probe: Probe) -> impl Future<Output = Result<Self, StartError>> + Send;
    fn with_timeout(&self, timeout: Duration) -> Self;
    fn add(&self, n: i64) -> impl Future<Output = Result<i64, CallError>> + Send;
    fn push(&self, n: i64) -> Result<(), SendError>;
    fn log(&self) -> impl Future<Output = Result<Vec<i64>, CallError>> + Send;
    fn panic_call(&self, msg: &str) -> impl Future<Output = Result<(), CallError>> + Send;
    fn panic_cast(&self, msg: &str) -> Result<(), SendError>;
    fn stop_with(
        &self,
        reason: ExitReason,
        value: i64,
    ) -> impl Future<Output = Result<i64, CallError>> + Send;
    fn park(&self) -> impl Future<Output = Result<i64, CallError>> + Send;
    fn release(&self, value: i64) -> Result<(), SendError>;
    fn call_self(&self) -> impl Future<Output = Result<Result<i64, CallError>, CallError>> + Send;
    fn stop_self(&self) -> impl Future<Output = Result<Result<(), CallError>, CallError>> + Send;
}

/// How long a worker's `terminate` takes before it reports: long enough that a reply or a `stop`
/// that did not wait for it would be seen before the report.
pub(crate) const TERMINATE_TIME: Duration = Duration::from_millis(20);

/// The hand-written worker: a plain `impl Actor`, no macro.
#[derive(Debug)]
pub(crate) struct Worker {
    probe: Probe,
    total: i64,
    log: Vec<i64>,
    parked: Option<ReplyTo<i64>>,
}

/// The hand-written worker's messages.
#[derive(Debug)]
pub(crate) enum WorkerMsg {
    Add(i64, ReplyTo<i64>),
    Push(i64),
    Log(ReplyTo<Vec<i64>>),
    PanicCall(String, ReplyTo<()>),
    PanicCast(String),
    StopWith(ExitReason, i64, ReplyTo<i64>),
    Park(ReplyTo<i64>),
    Release(i64),
    CallSelf(ReplyTo<Result<i64, CallError>>),
    StopSelf(ReplyTo<Result<(), CallError>>),
}

impl Actor for Worker {
    type Args = Probe;
    type Message = WorkerMsg;

    async fn init(probe: Probe, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        let _ = probe.send(Event::Init {
            id: ctx.id(),
            current: current_id(),
        });
        Ok(Worker {
            probe,
            total: 0,
            log: Vec::new(),
            parked: None,
        })
    }

    async fn handle(&mut self, msg: WorkerMsg, ctx: &mut Context<Self>) {
        match msg {
            WorkerMsg::Add(n, reply) => {
                self.total += n;
                self.log.push(n);
                reply.send(self.total);
            }
            WorkerMsg::Push(n) => self.log.push(n),
            WorkerMsg::Log(reply) => {
                reply.send(self.log.clone());
            }
            WorkerMsg::PanicCall(msg, _reply) => panic!("{msg}"),
            WorkerMsg::PanicCast(msg) => panic!("{msg}"),
            WorkerMsg::StopWith(reason, value, reply) => {
                ctx.stop(reason);
                ctx.reply(reply, value);
            }
            WorkerMsg::Park(reply) => {
                self.parked = Some(reply);
                let _ = self.probe.send(Event::Parked { id: ctx.id() });
            }
            WorkerMsg::Release(value) => {
                if let Some(reply) = self.parked.take() {
                    let delivered = reply.send(value);
                    let _ = self.probe.send(Event::Replied { delivered });
                }
            }
            WorkerMsg::CallSelf(reply) => {
                let me = ctx.actor_ref().clone();
                reply.send(me.call(|r| WorkerMsg::Add(1, r)).await);
            }
            WorkerMsg::StopSelf(reply) => {
                let me = ctx.actor_ref().clone();
                reply.send(me.stop(ExitReason::Normal).await);
            }
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        tokio::time::sleep(TERMINATE_TIME).await;
        let _ = self.probe.send(Event::Terminated {
            id: ctx.id(),
            reason: reason.clone(),
        });
    }
}

/// The hand-written worker's handle, as a user would wrap `ActorRef<Worker>`.
pub(crate) type WorkerRef = ActorRef<Worker>;

impl Subject for WorkerRef {
    async fn start(probe: Probe) -> Result<Self, StartError> {
        ActorRef::start(probe).await
    }
    fn with_timeout(&self, timeout: Duration) -> Self {
        ActorRef::with_timeout(self, timeout)
    }
    async fn add(&self, n: i64) -> Result<i64, CallError> {
        self.call(|r| WorkerMsg::Add(n, r)).await
    }
    fn push(&self, n: i64) -> Result<(), SendError> {
        self.cast(WorkerMsg::Push(n))
    }
    async fn log(&self) -> Result<Vec<i64>, CallError> {
        self.call(WorkerMsg::Log).await
    }
    async fn panic_call(&self, msg: &str) -> Result<(), CallError> {
        let msg = msg.to_owned();
        self.call(|r| WorkerMsg::PanicCall(msg, r)).await
    }
    fn panic_cast(&self, msg: &str) -> Result<(), SendError> {
        self.cast(WorkerMsg::PanicCast(msg.to_owned()))
    }
    async fn stop_with(&self, reason: ExitReason, value: i64) -> Result<i64, CallError> {
        self.call(|r| WorkerMsg::StopWith(reason, value, r)).await
    }
    async fn park(&self) -> Result<i64, CallError> {
        self.call(WorkerMsg::Park).await
    }
    fn release(&self, value: i64) -> Result<(), SendError> {
        self.cast(WorkerMsg::Release(value))
    }
    async fn call_self(&self) -> Result<Result<i64, CallError>, CallError> {
        self.call(WorkerMsg::CallSelf).await
    }
    async fn stop_self(&self) -> Result<Result<(), CallError>, CallError> {
        self.call(WorkerMsg::StopSelf).await
    }
}

// ---------------------------------------------------------------------------------------------
// The agent: an actor a test drives through closures over its context.

/// What the agent's `init` does.
#[derive(Debug)]
pub(crate) enum InitPlan {
    /// Succeeds.
    Ok,
    /// Returns `Err` with this message.
    Fail(String),
    /// Panics with this message.
    Panic(String),
    /// Waits for the sender to be dropped or to send, then succeeds.
    Wait(oneshot::Receiver<()>),
}

/// A failed start as `("init" | "panic", message)`, to compare with `assert_eq!`: `StartError` is
/// not `PartialEq`, as it holds the error `init` failed with.
#[track_caller]
pub(crate) fn init_failure(err: &StartError) -> (&'static str, String) {
    match err {
        StartError::Init(e) => ("init", e.to_string()),
        StartError::Panic(m) => ("panic", m.clone()),
        other => panic!("expected an init error or panic, got {other:?}"),
    }
}

/// The agent's start argument.
#[derive(Debug)]
pub(crate) struct AgentArgs {
    pub(crate) probe: Probe,
    pub(crate) init: InitPlan,
    pub(crate) trap_exit: bool,
    /// `terminate` panics with this message after reporting.
    pub(crate) terminate_panic: Option<String>,
    /// `init` links to this actor first, whatever its plan.
    pub(crate) link_in_init: Option<AnyActor>,
}

impl AgentArgs {
    /// An agent that starts normally and reports to `probe`.
    pub(crate) fn new(probe: &Probe) -> Self {
        AgentArgs {
            probe: probe.clone(),
            init: InitPlan::Ok,
            trap_exit: false,
            terminate_panic: None,
            link_in_init: None,
        }
    }

    /// An agent whose `init` follows `plan`.
    pub(crate) fn init(probe: &Probe, plan: InitPlan) -> Self {
        AgentArgs {
            init: plan,
            ..AgentArgs::new(probe)
        }
    }

    /// An agent that traps exits from `init` on.
    pub(crate) fn trapping(probe: &Probe) -> Self {
        AgentArgs {
            trap_exit: true,
            ..AgentArgs::new(probe)
        }
    }
}

type CtxFn = Box<dyn FnOnce(&mut Context<Agent>) + Send>;
type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// A future borrowing the agent's context.
pub(crate) type CtxFuture<'a, R> = Pin<Box<dyn Future<Output = R> + Send + 'a>>;
type CtxAsyncFn = Box<dyn for<'a> FnOnce(&'a mut Context<Agent>) -> CtxFuture<'a, ()> + Send>;

/// A hand-written actor that does what the test tells it to, inside itself.
#[derive(Debug)]
pub(crate) struct Agent {
    probe: Probe,
    terminate_panic: Option<String>,
}

/// The agent's messages.
pub(crate) enum AgentMsg {
    /// Runs a closure against the agent's context (replies travel inside the closure).
    Ctx(CtxFn),
    /// Runs a future inside the agent (so it acts as the agent: `start_link`, `monitor`…).
    Run(BoxFuture),
    /// Runs a future that borrows the agent's context.
    CtxAsync(CtxAsyncFn),
}

impl std::fmt::Debug for AgentMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentMsg::Ctx(_) => f.write_str("Ctx(..)"),
            AgentMsg::Run(_) => f.write_str("Run(..)"),
            AgentMsg::CtxAsync(_) => f.write_str("CtxAsync(..)"),
        }
    }
}

impl Actor for Agent {
    type Args = AgentArgs;
    type Message = AgentMsg;

    async fn init(args: AgentArgs, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        let probe = args.probe;
        let _ = probe.send(Event::Init {
            id: ctx.id(),
            current: current_id(),
        });
        let _ = probe.send(Event::Handle(ctx.actor_ref().to_any()));
        ctx.trap_exit(args.trap_exit);
        if let Some(other) = &args.link_in_init {
            ctx.link(other);
        }
        match args.init {
            InitPlan::Ok => {}
            InitPlan::Fail(msg) => return Err(msg.into()),
            InitPlan::Panic(msg) => panic!("{msg}"),
            InitPlan::Wait(rx) => {
                let _ = rx.await;
            }
        }
        Ok(Agent {
            probe,
            terminate_panic: args.terminate_panic,
        })
    }

    async fn handle(&mut self, msg: AgentMsg, ctx: &mut Context<Self>) {
        match msg {
            AgentMsg::Ctx(f) => f(ctx),
            AgentMsg::Run(fut) => fut.await,
            AgentMsg::CtxAsync(f) => f(ctx).await,
        }
    }

    async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        let watcher = ctx.id();
        let event = match info {
            Info::Down {
                id,
                monitor,
                reason,
            } => Event::Down {
                watcher,
                id,
                monitor,
                reason,
            },
            Info::Exit { id, reason } => Event::Exit {
                watcher,
                id,
                reason,
            },
            Info::Timer { timer, payload } => match payload.downcast::<u32>() {
                Ok(tag) => Event::Timer {
                    watcher,
                    timer,
                    tag,
                    at: Instant::now(),
                },
                Err(payload) => match payload.downcast::<&'static str>() {
                    Ok(msg) => panic!("{msg}"),
                    // A `DropGuard` or other payload: dropped here, reporting itself.
                    Err(_) => return,
                },
            },
            other => panic!("unexpected info {other:?}"),
        };
        let _ = self.probe.send(event);
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = self.probe.send(Event::Terminated {
            id: ctx.id(),
            reason: reason.clone(),
        });
        if let Some(msg) = &self.terminate_panic {
            panic!("{msg}");
        }
    }
}

/// Starts an agent reporting to `probe`.
pub(crate) async fn agent(probe: &Probe) -> ActorRef<Agent> {
    ActorRef::start(AgentArgs::new(probe))
        .await
        .expect("agent starts")
}

/// Starts an agent that traps exits.
pub(crate) async fn trapping_agent(probe: &Probe) -> ActorRef<Agent> {
    ActorRef::start(AgentArgs::trapping(probe))
        .await
        .expect("agent starts")
}

/// Driving an agent.
pub(crate) trait AgentExt {
    /// Calls the agent to run `f` against its context; returns what `f` returned.
    fn with_ctx<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Context<Agent>) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send;

    /// Casts `f` to the agent: it runs against its context when the agent gets to it.
    fn cast_ctx(
        &self,
        f: impl FnOnce(&mut Context<Agent>) + Send + 'static,
    ) -> Result<(), SendError>;

    /// Calls the agent to run `fut` inside itself; returns its output.
    fn run<R: Send + 'static>(
        &self,
        fut: impl Future<Output = R> + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send;

    /// Calls the agent to run the future `f` makes from its context; returns its output.
    fn with_ctx_async<R: Send + 'static>(
        &self,
        f: impl for<'a> FnOnce(&'a mut Context<Agent>) -> CtxFuture<'a, R> + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send;

    /// A round trip: returns once the agent handled everything sent before.
    fn ping(&self) -> impl Future<Output = Result<ActorId, CallError>> + Send;
}

impl AgentExt for ActorRef<Agent> {
    fn with_ctx<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Context<Agent>) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send {
        self.call(move |reply| {
            AgentMsg::Ctx(Box::new(move |ctx| {
                let value = f(ctx);
                ctx.reply(reply, value);
            }))
        })
    }

    fn cast_ctx(
        &self,
        f: impl FnOnce(&mut Context<Agent>) + Send + 'static,
    ) -> Result<(), SendError> {
        self.cast(AgentMsg::Ctx(Box::new(f)))
    }

    fn run<R: Send + 'static>(
        &self,
        fut: impl Future<Output = R> + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send {
        self.call(move |reply| {
            AgentMsg::Run(Box::pin(async move {
                reply.send(fut.await);
            }))
        })
    }

    fn with_ctx_async<R: Send + 'static>(
        &self,
        f: impl for<'a> FnOnce(&'a mut Context<Agent>) -> CtxFuture<'a, R> + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send {
        self.call(move |reply| {
            AgentMsg::CtxAsync(Box::new(move |ctx| {
                Box::pin(async move {
                    let value = f(ctx).await;
                    ctx.reply(reply, value);
                })
            }))
        })
    }

    fn ping(&self) -> impl Future<Output = Result<ActorId, CallError>> + Send {
        self.with_ctx(|ctx| ctx.id())
    }
}

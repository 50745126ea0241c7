//! Shared by the `supervisor_*` tests: a worker actor that reports every start and terminate
//! into a channel, so tests synchronise on events instead of sleeping.
#![allow(dead_code, unreachable_pub)]

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{ChildSpec, Restart, Shutdown};
use tokio::sync::{Barrier, mpsc};

/// What a [`Worker`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// `init` succeeded.
    Started(String, ActorId),
    /// `init` refused to start (see [`WorkerArgs::fail_inits`]).
    InitFailed(String),
    /// `terminate` ran with this reason.
    Terminated(String, ExitReason),
}

/// The receiving end tests read events from.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Event>,
    tx: mpsc::UnboundedSender<Event>,
}

impl Events {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Events { rx, tx }
    }

    pub fn sender(&self) -> mpsc::UnboundedSender<Event> {
        self.tx.clone()
    }

    /// The next event; fails the test if none comes within a minute (of tokio time).
    pub async fn next(&mut self) -> Event {
        tokio::time::timeout(Duration::from_secs(60), self.rx.recv())
            .await
            .expect("an event within the timeout")
            .expect("the channel stays open")
    }

    /// The next `Started` event: the name and the new actor's id.
    pub async fn started(&mut self) -> (String, ActorId) {
        match self.next().await {
            Event::Started(name, id) => (name, id),
            other => panic!("expected a start, got {other:?}"),
        }
    }

    /// The next `n` events.
    pub async fn take(&mut self, n: usize) -> Vec<Event> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next().await);
        }
        out
    }

    /// No event is waiting right now.
    pub fn is_empty(&mut self) -> bool {
        self.rx.try_recv().is_err()
    }
}

/// How a worker behaves.
#[derive(Clone)]
pub struct WorkerArgs {
    pub name: String,
    pub events: mpsc::UnboundedSender<Event>,
    /// Trap exits (so only an orderly stop runs `terminate` on a supervisor's exit).
    pub trap: bool,
    /// `terminate` never returns: only a kill ends the worker.
    pub hang_in_terminate: bool,
    /// `terminate` waits at this barrier (proves children stop concurrently).
    pub terminate_barrier: Option<Arc<Barrier>>,
    /// The next this-many `init`s fail.
    pub fail_inits: Arc<AtomicUsize>,
    /// The extra argument a DynamicSupervisor handed over, if any.
    pub extra: Option<String>,
}

impl WorkerArgs {
    pub fn new(name: &str, events: &Events) -> Self {
        WorkerArgs {
            name: name.to_owned(),
            events: events.sender(),
            trap: false,
            hang_in_terminate: false,
            terminate_barrier: None,
            fail_inits: Arc::new(AtomicUsize::new(0)),
            extra: None,
        }
    }
}

/// A worker that reports its life into [`Events`].
pub struct Worker {
    args: WorkerArgs,
}

#[actor]
impl Worker {
    #[init]
    async fn init(args: WorkerArgs, ctx: &mut Context<Self>) -> Result<Self, String> {
        let failing = args
            .fail_inits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            let _ = args.events.send(Event::InitFailed(args.name.clone()));
            return Err(format!("{} refused to start", args.name));
        }
        if args.trap {
            ctx.trap_exit(true);
        }
        let _ = args
            .events
            .send(Event::Started(args.name.clone(), ctx.id()));
        Ok(Worker { args })
    }

    /// The worker's name.
    #[call]
    async fn name(&self) -> String {
        self.args.name.clone()
    }

    /// The extra argument it was started with.
    #[call]
    async fn extra(&self) -> Option<String> {
        self.args.extra.clone()
    }

    /// Panics.
    #[cast]
    async fn crash(&mut self) {
        panic!("{} crashed on purpose", self.args.name);
    }

    /// Stops itself with `reason` (terminate runs).
    #[cast]
    async fn exit_with(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        let _ = self
            .args
            .events
            .send(Event::Terminated(self.args.name.clone(), reason.clone()));
        if let Some(barrier) = &self.args.terminate_barrier {
            barrier.wait().await;
        }
        if self.args.hang_in_terminate {
            pending::<()>().await;
        }
    }
}

/// A worker spec with id `name`.
pub fn worker(name: &str, events: &Events) -> ChildSpec<WorkerHandle> {
    worker_with(WorkerArgs::new(name, events))
}

/// A worker spec from explicit args; the id is the worker's name.
pub fn worker_with(args: WorkerArgs) -> ChildSpec<WorkerHandle> {
    let name = args.name.clone();
    Worker::child_spec(args).with_id(name)
}

/// A worker spec with a restart policy and a shutdown mode.
pub fn worker_as(
    name: &str,
    events: &Events,
    restart: Restart,
    shutdown: Shutdown,
) -> ChildSpec<WorkerHandle> {
    worker(name, events).restart(restart).shutdown(shutdown)
}

/// The names in a list of events of one kind.
pub fn terminated_names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Terminated(name, _) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The names in `Started` events, in order.
pub fn started_names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Started(name, _) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// An actor that monitors others for the test and forwards their `Down`s. A `Down` is sent after
/// the exited actor's links were signalled, so once the test has it, the supervisor already has
/// the child's exit in its mailbox: the next supervisor call is answered after it was handled.
pub struct Watcher {
    downs: mpsc::UnboundedSender<(ActorId, ExitReason)>,
}

#[actor]
impl Watcher {
    #[init]
    async fn init(downs: mpsc::UnboundedSender<(ActorId, ExitReason)>) -> Self {
        Watcher { downs }
    }

    /// Monitors `target`.
    #[call]
    async fn watch(&mut self, target: AnyActor, ctx: &mut Context<Self>) {
        ctx.monitor(&target);
    }

    /// Links to `target` (the watcher then dies with it unless it is `Normal`).
    #[call]
    async fn link_to(&mut self, target: AnyActor, ctx: &mut Context<Self>) {
        ctx.link(&target);
    }

    /// Panics.
    #[cast]
    async fn crash(&mut self) {
        panic!("watcher crashed on purpose");
    }

    #[info]
    async fn on_info(&mut self, info: Info) {
        if let Info::Down { id, reason, .. } = info {
            let _ = self.downs.send((id, reason));
        }
    }
}

/// A [`Watcher`] with the receiving end of its `Down`s.
pub struct Watch {
    pub watcher: WatcherHandle,
    downs: mpsc::UnboundedReceiver<(ActorId, ExitReason)>,
}

impl Watch {
    pub async fn new() -> Self {
        let (tx, downs) = mpsc::unbounded_channel();
        let watcher = Watcher::start(tx).await.expect("watcher starts");
        Watch { watcher, downs }
    }

    /// Monitors `target`.
    pub async fn watch(&self, target: &impl ActorHandle) {
        self.watcher
            .watch(target.to_any())
            .await
            .expect("watcher alive");
    }

    /// The next `Down`: who exited and why.
    pub async fn down(&mut self) -> (ActorId, ExitReason) {
        tokio::time::timeout(Duration::from_secs(60), self.downs.recv())
            .await
            .expect("a Down within the timeout")
            .expect("watcher alive")
    }

    /// Monitors `target` and waits for its exit reason (`NoProc` if it is already dead: watch
    /// before making it exit).
    pub async fn exit_of(&mut self, target: &impl ActorHandle) -> ExitReason {
        self.watch(target).await;
        let (id, reason) = self.down().await;
        assert_eq!(id, target.to_any().id());
        reason
    }
}

//! Starting an actor and its task: init, the message loop, terminate, and the exit path.

use std::fmt;
use std::sync::Arc;

use tokio::sync::oneshot;
use tracing::Instrument;

use super::Actor;
use super::cell::{self, Cell, Core};
use super::context::Context;
use super::current::{CURRENT, current};
use super::handle::ActorRef;
use super::info::Info;
use super::mailbox::{self, Envelope, MailboxRx, Sys};
use super::panic::catch;
use crate::{ExitReason, StartError};

type BeforeInit = Box<dyn FnOnce() -> Result<(), StartError> + Send>;

/// How to start an actor: linked or not, a hook that runs inside the new actor before `init`,
/// a mailbox bound.
///
/// ```
/// # use actor_core::StartOptions;
/// let options = StartOptions::new().link().mailbox(64);
/// # drop(options);
/// ```
#[derive(Default)]
pub struct StartOptions {
    link: bool,
    mailbox: Option<usize>,
    before_init: Option<BeforeInit>,
}

impl StartOptions {
    /// Not linked, mailbox as the actor type declares, no hook.
    pub fn new() -> Self {
        StartOptions::default()
    }

    /// Link the new actor to the calling actor before `init` runs (GS-1.1). Outside any actor this
    /// does nothing. A failed start never kills the linked caller: the failure is the start error.
    #[must_use]
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }

    /// Bound the mailbox to `capacity` user messages (overrides [`Actor::MAILBOX_CAPACITY`]).
    /// A mailbox holds at least one message: a `capacity` of `0` means `1`.
    #[must_use]
    pub fn mailbox(mut self, capacity: usize) -> Self {
        self.mailbox = Some(capacity);
        self
    }

    /// Run `hook` inside the new actor before `init` (so it acts as the new actor, e.g. a via-name
    /// registration, GS-1.5). If it fails, `init` never runs, the actor exits `Normal` and the start
    /// returns the hook's error. Hooks compose: each runs in the order given.
    #[must_use]
    pub fn before_init(
        mut self,
        hook: impl FnOnce() -> Result<(), StartError> + Send + 'static,
    ) -> Self {
        self.before_init = Some(match self.before_init.take() {
            None => Box::new(hook),
            Some(first) => Box::new(move || {
                first()?;
                hook()
            }),
        });
        self
    }
}

impl fmt::Debug for StartOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartOptions")
            .field("link", &self.link)
            .field("mailbox", &self.mailbox)
            .field("before_init", &self.before_init.is_some())
            .finish()
    }
}

struct Outcome {
    reason: ExitReason,
    signal_links: bool,
    start_error: Option<StartError>,
}

impl Outcome {
    fn failed_start(reason: ExitReason, error: StartError) -> Self {
        Outcome {
            reason,
            signal_links: false,
            start_error: Some(error),
        }
    }
}

/// Starts an actor of type `A` and waits until its `init` has returned.
pub(crate) async fn start<A: Actor>(
    args: A::Args,
    options: StartOptions,
) -> Result<ActorRef<A>, StartError> {
    let (tx, rx) = mailbox::channel(options.mailbox.or(A::MAILBOX_CAPACITY));
    let (kill_tx, kill_rx) = oneshot::channel();
    let cell = Arc::new(Cell {
        core: Core::new(std::any::type_name::<A>(), kill_tx),
        mailbox: tx,
    });
    let me = ActorRef::<A>::from_cell(cell);
    let proc = me.proc();
    let caller = current();
    // The parent is the linking caller only (OTP's `gen:start` with `nolink` records none): a
    // trapping actor is stopped in order by its parent's exit signal (GS-9.4, GS-10), and gets an
    // `Info::Exit` for any other linked actor, including one that started it without a link.
    if let (Some(caller), true) = (&caller, options.link) {
        proc.core().set_parent(caller.core().id);
        cell::link(&proc, caller);
    }
    let (started_tx, started_rx) = oneshot::channel();
    let span = tracing::debug_span!("actor", id = %me.id(), actor = proc.core().type_name);
    let task = actor_task(
        me.clone(),
        rx,
        kill_rx,
        args,
        options.before_init,
        started_tx,
    );
    tokio::spawn(CURRENT.scope(proc, task).instrument(span));
    match started_rx.await {
        Ok(Ok(())) => Ok(me),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(StartError::Exited(
            me.exit_reason().unwrap_or(ExitReason::Killed),
        )),
    }
}

async fn actor_task<A: Actor>(
    me: ActorRef<A>,
    rx: MailboxRx<A::Message>,
    kill_rx: oneshot::Receiver<ExitReason>,
    args: A::Args,
    before_init: Option<BeforeInit>,
    started: oneshot::Sender<Result<(), StartError>>,
) {
    let proc = me.proc();
    let mut started = Some(started);
    let outcome = {
        let run = run(me, rx, args, before_init, &mut started);
        tokio::select! {
            biased;
            killed = kill_rx => Outcome {
                reason: killed.unwrap_or(ExitReason::Killed),
                signal_links: true,
                start_error: None,
            },
            outcome = run => outcome,
        }
    };
    if outcome.reason.is_crash() {
        tracing::error!(reason = %outcome.reason, "actor crashed");
    }
    cell::exit(&proc, outcome.reason.clone(), outcome.signal_links);
    if let Some(started) = started.take() {
        let error = outcome
            .start_error
            .unwrap_or(StartError::Exited(outcome.reason));
        let _ = started.send(Err(error));
    }
}

async fn run<A: Actor>(
    me: ActorRef<A>,
    mut rx: MailboxRx<A::Message>,
    args: A::Args,
    before_init: Option<BeforeInit>,
    started: &mut Option<oneshot::Sender<Result<(), StartError>>>,
) -> Outcome {
    let mut ctx = Context::new(me);
    if let Some(hook) = before_init {
        match catch(async { hook() }).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Outcome::failed_start(ExitReason::Normal, e),
            Err(panic) => {
                return Outcome::failed_start(
                    ExitReason::Panic(panic.clone()),
                    StartError::Panic(panic),
                );
            }
        }
    }
    let mut state = match catch(A::init(args, &mut ctx)).await {
        Ok(Ok(state)) => state,
        Ok(Err(e)) => {
            let msg = e.message().to_owned();
            return Outcome::failed_start(ExitReason::Error(msg.clone()), StartError::Init(msg));
        }
        Err(panic) => {
            return Outcome::failed_start(
                ExitReason::Panic(panic.clone()),
                StartError::Panic(panic),
            );
        }
    };
    if let Some(started) = started.take() {
        let _ = started.send(Ok(()));
    }
    let reason = loop {
        if let Some(reason) = &ctx.stop {
            break reason.clone();
        }
        let handled = match rx.recv().await {
            Envelope::Msg(msg) => catch(state.handle(msg, &mut ctx)).await,
            Envelope::Sys(Sys::Info(info)) => {
                if let Info::Down { monitor, .. } = &info {
                    if !ctx.take_down(*monitor) {
                        continue;
                    }
                }
                catch(state.handle_info(info, &mut ctx)).await
            }
            Envelope::Sys(Sys::Stop(reason)) => break reason,
        };
        if let Err(panic) = handled {
            break ExitReason::Panic(panic);
        }
    };
    ctx.stop.get_or_insert_with(|| reason.clone());
    if let Err(panic) = catch(state.terminate(&reason, &mut ctx)).await {
        tracing::error!(panic = %panic, "terminate panicked");
    }
    ctx.flush_deferred();
    drop(state);
    drop(rx);
    Outcome {
        reason,
        signal_links: true,
        start_error: None,
    }
}

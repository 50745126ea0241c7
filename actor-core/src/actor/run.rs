//! An actor's task: init, the message loop, terminate, and the exit path.

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::{Poll, RawWakerVTable, Waker};

use super::Actor;
use super::cell::{self, Core, ProcRef};
use super::context::Context;
use super::info::Info;
use super::launch::FIRST_POLL;
use super::mailbox::{Envelope, Home, Sys};
use super::options::BeforeInit;
use super::panic::{self, catch};
use super::proc::CellRx;
use super::relay::ActorTask;
use super::wait;
use crate::{ExitReason, StartError};

struct Outcome {
    reason: ExitReason,
    start_error: Option<StartError>,
}

impl Outcome {
    fn failed_start(reason: ExitReason, error: StartError) -> Self {
        Outcome {
            reason,
            start_error: Some(error),
        }
    }
}

/// The actor's task: `run` inside the kill check, then the exit path.
///
/// Written as a function returning an `async move` block, not as an `async fn`, and with the
/// context, mailbox and start sender borrowed by [`run`] rather than moved into it: an `async fn`
/// keeps each argument twice in its state (as an argument and as the local it is moved to), and
/// every word here is held by every idle actor for its whole life.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep each argument twice in every actor's task"
)]
pub(super) fn actor_task<A: Actor>(
    mut ctx: Context<A>,
    mut rx: CellRx<A::Message>,
    args: A::Args,
    before_init: Option<BeforeInit>,
) -> impl Future<Output = Option<ActorTask>> + Send {
    async move {
        // The actor's cell, held apart from the context and the mailbox (which `run` borrows):
        // its core for the kill check, its mailbox for a killed actor's parked state.
        let cell = rx.owner().clone();
        let mut owed = Owed(Some(&cell.core));
        // In an `Option` so that a kill can drop the actor's state (inside `run`) in place, where
        // a panicking `Drop` cannot unwind past the exit path. A kill is checked before every
        // poll of the actor (one atomic load) and wakes the task wherever it waits, through the
        // waker the task registers with its core (again only if it changes).
        let outcome = {
            let mut running = pin!(Some(run(
                &mut ctx,
                &mut rx,
                &cell.core,
                args,
                before_init,
                &mut owed,
            )));
            // The registered waker, known by its identity (the core keeps it; a clone here
            // would take one more count on the task).
            let mut task: Option<WakerId> = None;
            let outcome = poll_fn(|cx| {
                // (Not the starter's first poll's waker, which wakes nothing: the spawned task
                // polls again straight away, with its own.)
                if task != Some(WakerId::of(cx.waker())) && !cx.waker().will_wake(FIRST_POLL) {
                    cell.core.set_task(cx.waker());
                    task = Some(WakerId::of(cx.waker()));
                }
                if cell.core.kill_requested() {
                    if running.is_some() {
                        drop_quietly("the actor's state", || running.set(None));
                    }
                    // The state may be parked in the mailbox, or lent to an inline call (which
                    // cannot be cut short: it is waited for). It is dropped here, before the
                    // exit. (Here, not after an await of its own, and the kill's reason taken
                    // only then: every idle actor's task would hold that await and the reason.)
                    let parked = std::task::ready!(cell.mailbox.poll_reclaim(cx));
                    drop_quietly("the actor's state", move || drop(parked));
                    return Poll::Ready(Outcome {
                        reason: cell.core.take_kill().unwrap_or(ExitReason::Killed),
                        start_error: None,
                    });
                }
                match running.as_mut().as_pin_mut() {
                    Some(run) => run.poll(cx),
                    None => unreachable!("the run future is dropped only after it returned"),
                }
            })
            .await;
            drop_quietly("the actor's state", || running.set(None));
            outcome
        };
        // Closed now, so that no send succeeds once the exit is told; the messages it still
        // holds are dropped after the exit (below), so that a caller waiting on one of them
        // wakes once, to the exit reason.
        let unhandled = rx.close();
        drop_quietly("the actor's context", move || drop(ctx));
        if outcome.reason.is_crash() {
            tracing::error!(reason = %outcome.reason, "actor crashed");
        }
        // A start that did not complete (init failed or panicked, a start hook refused, or a kill
        // during init) is reported to the linked starter as the start error, not as an exit
        // signal: it is spared. Every other link — made by `init` itself — hears the exit as
        // usual (EX-3).
        let spare = if owed.is_owed() {
            // Read by the starter once the exit path has told the exit.
            owed.failed(match outcome.start_error {
                Some(error) => error,
                None => StartError::Exited(outcome.reason.clone()),
            });
            cell.core.parent()
        } else {
            None
        };
        drop(owed);
        let proc: ProcRef = cell;
        // A supervisor restarting this actor here may leave the new incarnation for this task to
        // run on (see `relay`).
        let next = cell::exit_relaying(&proc, outcome.reason, spare);
        drop_quietly("the actor's unhandled messages", move || {
            drop(unhandled);
            drop(rx);
        });
        next
    }
}

/// The answer its start is owed, until the task gives it: once `init` returned, or, for a start
/// that failed, left in the actor's state for the exit path to tell (see
/// [`Core::started`](super::cell::Core::started)). A task dropped still owing it (its runtime shut
/// down under it) tells the start it was abandoned: it fails, as if the actor had been killed.
struct Owed<'a>(Option<&'a Core>);

impl Owed<'_> {
    fn is_owed(&self) -> bool {
        self.0.is_some()
    }

    /// `init` returned.
    fn started(&mut self) {
        if let Some(core) = self.0.take() {
            wait::tell_started(core);
        }
    }

    /// The start failed with `error`, which the starter takes once the exit is told.
    fn failed(&mut self, error: StartError) {
        if let Some(core) = self.0.take() {
            core.lock().start_error = Some(Box::new(error));
        }
    }
}

impl Drop for Owed<'_> {
    fn drop(&mut self) {
        if let Some(core) = self.0.take() {
            wait::tell_abandoned(core);
        }
    }
}

/// The actor's life up to its exit: the start hook, `init`, the message loop and `terminate`.
/// The state is dropped here; the mailbox and the context are the task's to drop.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep each argument twice in every actor's task"
)]
fn run<'a, 'c: 'a, A: Actor>(
    ctx: &'a mut Context<A>,
    rx: &'a mut CellRx<A::Message>,
    core: &'a Core,
    args: A::Args,
    before_init: Option<BeforeInit>,
    owed: &'a mut Owed<'c>,
) -> impl Future<Output = Outcome> + Send + 'a {
    async move {
        if let Some(hook) = before_init {
            match catch(async { hook().await }).await {
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
        let state = match catch(A::init(args, ctx)).await {
            Ok(Ok(state)) => state,
            Ok(Err(e)) => {
                // The exit reason crosses links and monitors as text; the start error keeps the
                // error.
                let reason = ExitReason::Error(e.to_string());
                return Outcome::failed_start(reason, StartError::Init(e));
            }
            Err(panic) => {
                return Outcome::failed_start(
                    ExitReason::Panic(panic.clone()),
                    StartError::Panic(panic),
                );
            }
        };
        if let Some(reason) = ctx.stop.as_deref().cloned() {
            // `ctx.stop` inside `init` is GenServer's `{:stop, reason}` from init (GS-1.2): the
            // start fails with that reason and `terminate` does not run.
            drop_quietly("the actor's state", move || drop(state));
            return Outcome::failed_start(reason.clone(), StartError::Exited(reason));
        }
        // Boxed once a caller asks for an inline call, so that it can wait in the mailbox while
        // the actor does (see `recv_parking`).
        let mut state = Home::Here(state);
        owed.started();
        // A supervisor's first poll of its new child (see `launch`) ends here, with the start
        // answered: the spawned task polls again straight away, and takes the messages. Taken
        // here, the mailbox would be locked once more, to register a waker that wakes nothing.
        // (Unless the state parks from the start: then the first poll goes on to park it.)
        let ends_first_poll = !rx.parks_from_start();
        poll_fn(|cx| {
            if ends_first_poll && cx.waker().will_wake(FIRST_POLL) {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        let reason = {
            // One future for the whole message loop, built once: a halt drops it (and with it
            // the running callback, at the await it is parked on) and keeps the state for
            // `terminate`.
            let mut messages = pin!(messages(&mut state, ctx, rx, core));
            poll_fn(|cx| {
                if core.interrupted() {
                    if core.kill_requested() {
                        // The actor task checks the kill before it polls again.
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    if let Some(reason) = core.take_halt() {
                        return Poll::Ready(reason);
                    }
                }
                messages.as_mut().poll(cx)
            })
            .await
        };
        // A halt drops the loop where it waits, with the state parked (or lent to an inline call,
        // which is waited for).
        if state.is_away()
            && let Some(parked) = rx.reclaim().await.and_then(|p| p.downcast().ok())
        {
            state = Home::Boxed(parked);
        }
        let Some(home) = state.get() else {
            debug_assert!(false, "an actor's state is home, parked or lent");
            return Outcome {
                reason,
                start_error: None,
            };
        };
        if A::TERMINATES {
            // Stopping, for `terminate`'s replies (held back until it returns) and `is_stopping`.
            ctx.terminating = true;
            if let Err(panic) = catch(home.terminate(&reason, ctx)).await {
                tracing::error!(panic = %panic, "terminate panicked");
            }
        }
        ctx.flush_deferred();
        drop_quietly("the actor's state", move || drop(state));
        Outcome {
            reason,
            start_error: None,
        }
    }
}

/// The message loop: continuations and messages, each handled in turn, until the actor stops
/// (its stop reason, or the panic of a callback).
///
/// A kill or a halt is checked before every poll, by the caller (one atomic load), and here
/// before each turn and once a message was taken, so that such an actor handles nothing more
/// even when its task never waits. A guard is asked once per message or continuation, right
/// before it runs. A message taken after either is dropped unhandled (a kill and
/// then a stop from one task end the actor with the kill), and the loop waits for the caller to
/// take the signal:
///
/// - a kill is left to the task, which takes it and drops everything in place (`actor_task`);
/// - a halt ([`Core::halt`], a supervisor's shutdown of a non-trapping child) drops this future
///   — the running handler's future, at the await it is parked on — and stops the actor with the
///   halt's reason: the state stays, and `terminate` runs.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep each argument twice in every actor's task"
)]
fn messages<'a, A: Actor>(
    state: &'a mut Home<A>,
    ctx: &'a mut Context<A>,
    rx: &'a mut CellRx<A::Message>,
    core: &'a Core,
) -> impl Future<Output = ExitReason> + Send + 'a {
    async move {
        loop {
            if let Some(reason) = &ctx.stop {
                return ExitReason::clone(reason);
            }
            // Continuations first: each runs right after the callback that asked for it (GS-7).
            if let Some(cont) = ctx.next_continuation() {
                if core.interrupted() && core.must_stop() {
                    interrupted().await;
                }
                if let Err(panic) = catch(home(state).handle_continue(cont, ctx)).await {
                    return ExitReason::Panic(panic);
                }
                continue;
            }
            // A kill or halt before taking a message; the guard is asked once one was taken.
            if core.signalled() {
                interrupted().await;
            }
            let envelope = rx.recv_parking(state).await;
            if core.interrupted() && core.must_stop() {
                interrupted().await;
            }
            let state = home(state);
            let handled = match envelope {
                Envelope::Msg(msg) => catch(state.handle(msg, ctx)).await,
                Envelope::Stop(stop) => return stop.into(),
                Envelope::Sys(sys) => match *sys {
                    Sys::Info(info) => {
                        if let Info::Down { monitor, .. } = &info
                            && !ctx.take_down(*monitor)
                        {
                            continue;
                        }
                        catch(state.handle_info(info, ctx)).await
                    }
                    Sys::Stop(reason) => return reason,
                    Sys::Inspect(reply) => {
                        let _ = reply.send(state.debug_state());
                        continue;
                    }
                    Sys::Crashed(panic) => return ExitReason::Panic(panic),
                },
            };
            if let Err(panic) = handled {
                return ExitReason::Panic(panic);
            }
        }
    }
}

/// The actor's state, home between taking a message and waiting for the next one (it is parked
/// only while [`recv_parking`](super::mailbox::MailboxRx::recv_parking) waits, and back when
/// that returns).
fn home<A>(state: &mut Home<A>) -> &mut A {
    state
        .get()
        .expect("an actor's state is home while it runs a callback")
}

/// Yields to the caller of [`messages`] for good: it takes the kill or halt that was seen, and
/// never polls again.
async fn interrupted() {
    poll_fn(|cx| {
        cx.waker().wake_by_ref();
        Poll::<()>::Pending
    })
    .await;
}

/// What tells wakers apart, as [`Waker::will_wake`] does (its data and vtable addresses), kept
/// without a clone of the waker (and as small as an `Option<Waker>`, the vtable being a
/// reference).
#[derive(Clone, Copy)]
struct WakerId(usize, &'static RawWakerVTable);

impl WakerId {
    fn of(waker: &Waker) -> Self {
        WakerId(waker.data() as usize, waker.vtable())
    }
}

impl PartialEq for WakerId {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 && std::ptr::eq(self.1, other.1)
    }
}

/// Runs `f`, which drops user values, logging a panic instead of letting it skip the exit path
/// (which would leave the actor's waiters, callers, links and monitors without an exit).
fn drop_quietly(what: &str, f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        let panic = panic::message(payload.as_ref());
        tracing::error!(panic = %panic, "dropping {what} panicked");
    }
}

//! One-shot tasks: a future run once by an actor of its own, [`TaskActor`], so that panics,
//! links, monitors, exit reasons and `live_actors` work for a task as for any actor; and the
//! handle that awaits its output, [`TaskHandle`].
//!
//! One actor type runs every task (the future is boxed, its output sent through a channel), so
//! the runtime is compiled once for tasks, whatever their output types.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use tokio::sync::oneshot;

use super::Actor;
use super::any::AnyActor;
use super::context::Context;
use super::launch::spawn;
use super::lifecycle::{ActorHandle, ActorView};
use super::options::StartOptions;
use crate::{ExitReason, InitError, TaskError};

/// A task's future, its output already wired to its [`TaskHandle`].
pub(crate) type TaskFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The actor that runs one task: `init` posts the future to the actor itself, so that a start
/// (and a supervisor's `start_child`) waits for the task to exist, not for it to finish; the one
/// message runs the future and stops the actor with [`ExitReason::Normal`]. A panic in the future
/// is the actor's panic: it exits with [`ExitReason::Panic`].
pub(crate) struct TaskActor;

impl Actor for TaskActor {
    type Args = TaskFuture;
    type Message = TaskFuture;

    async fn init(task: TaskFuture, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        ctx.actor_ref().cast(task).map_err(InitError::new)?;
        Ok(TaskActor)
    }

    async fn handle(&mut self, task: TaskFuture, ctx: &mut Context<Self>) {
        task.await;
        ctx.stop(ExitReason::Normal);
    }
}

/// `future` boxed for a [`TaskActor`], and the receiver of its output.
pub(crate) fn task<F>(future: F) -> (TaskFuture, oneshot::Receiver<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let task = Box::pin(async move {
        // The receiver may be gone: the output of a task nobody awaits is dropped.
        let _ = tx.send(future.await);
    });
    (task, rx)
}

/// Spawns `future` as a task linked to the calling actor (`ctx.spawn_task`), without waiting.
pub(crate) fn spawn_linked<F>(future: F) -> TaskHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (task, output) = task(future);
    // The link is made before the task's actor runs, so even a task that panics at once is
    // reported through it with its own reason. Its `init` cannot fail, so nothing waits for it.
    let actor = spawn::<TaskActor>(task, StartOptions::new().link());
    TaskHandle::new(actor.to_any(), output)
}

/// The handle of a task started with [`Context::spawn_task`](crate::Context::spawn_task) or
/// [`TaskSupervisor::async_nolink`](crate::TaskSupervisor::async_nolink): `.await` it for the
/// future's output, or [`join`](Self::join) it with a timeout.
///
/// A task is an actor of its own (its lifecycle comes from [`ActorHandle`]: `id`, `wait`,
/// `kill`, `monitor`…) that runs the future once and exits with
/// [`ExitReason::Normal`]. When it exits without an output — its
/// future panicked, it was killed, or its supervisor shut it down — awaiting the handle gives
/// [`TaskError::Exited`] with that exit reason; the awaiting code
/// itself is never hurt (unless it is an actor linked to the task: see `spawn_task`).
///
/// Dropping the handle detaches the task: it runs on, and its output is dropped.
///
/// ```
/// use std::time::Duration;
/// use beamish::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let tasks = TaskSupervisor::start(TaskSupervisorOptions::new()).await.unwrap();
/// let sum = tasks.async_nolink(async { 2 + 2 }).await.unwrap();
/// assert_eq!(sum.await, Ok(4));
///
/// let mut stuck = tasks.async_nolink(std::future::pending::<()>()).await.unwrap();
/// assert_eq!(stuck.join(Duration::from_millis(10)).await, Err(TaskError::Timeout));
/// assert!(stuck.is_alive()); // a timeout leaves the task running
/// stuck.kill();
/// assert_eq!(stuck.await, Err(TaskError::Exited(ExitReason::Killed)));
/// # }
/// ```
pub struct TaskHandle<T> {
    actor: AnyActor,
    /// `None` once the output was taken or the task dropped its sender.
    output: Option<oneshot::Receiver<T>>,
    /// The wait for the exit reason, once it is known there will be no output.
    exited: Option<Pin<Box<dyn Future<Output = ExitReason> + Send + Sync>>>,
}

impl<T> TaskHandle<T> {
    pub(crate) fn new(actor: AnyActor, output: oneshot::Receiver<T>) -> Self {
        TaskHandle {
            actor,
            output: Some(output),
            exited: None,
        }
    }

    /// Waits at most `timeout` for the task's output (Elixir's `Task.yield`). On
    /// [`TaskError::Timeout`] the task keeps running, and the handle
    /// can be joined or awaited again (or the task stopped: [`ActorHandle::kill`]).
    ///
    /// Once the output was returned, the handle is spent: joining it again gives
    /// `TaskError::Exited(ExitReason::Normal)`, the exit of a task whose output was delivered.
    ///
    /// # Errors
    /// [`TaskError::Timeout`] if the task is still running after
    /// `timeout`, [`TaskError::Exited`] with its exit reason if it
    /// exited without an output.
    pub async fn join(&mut self, timeout: Duration) -> Result<T, TaskError> {
        tokio::time::timeout(timeout, self)
            .await
            .unwrap_or(Err(TaskError::Timeout))
    }
}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(output) = &mut this.output {
            match Pin::new(output).poll(cx) {
                Poll::Ready(Ok(value)) => {
                    this.output = None;
                    return Poll::Ready(Ok(value));
                }
                // The future was dropped without an output: the exit reason says why.
                Poll::Ready(Err(_)) => this.output = None,
                Poll::Pending => return Poll::Pending,
            }
        }
        let actor = &this.actor;
        let exited = this.exited.get_or_insert_with(|| {
            let actor = actor.clone();
            Box::pin(async move { actor.view().core().wait().await })
        });
        let reason = std::task::ready!(exited.as_mut().poll(cx));
        this.exited = None;
        Poll::Ready(Err(TaskError::Exited(reason)))
    }
}

// The handle is polled through `&mut`; nothing in it is pinned in place.
impl<T> Unpin for TaskHandle<T> {}

impl<T> ActorHandle for TaskHandle<T> {
    fn view(&self) -> ActorView<'_> {
        self.actor.view()
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.actor.id())
            .field("output", &std::any::type_name::<T>())
            .finish()
    }
}

impl<A: Actor> Context<A> {
    /// Runs `future` as a task linked to this actor (Elixir's `Task.async`), and returns its
    /// handle at once: `.await` it — from anywhere, the handle can be sent — for the output, or
    /// drop it to ignore the task's completion.
    ///
    /// The task is an actor of its own, which runs `future` once and exits with
    /// [`ExitReason::Normal`]; code in `future` runs as the task (its [`current_id`] is the
    /// task's). The link works both ways, as any link (EX-3): if the task crashes (its future
    /// panics, it is killed), this actor dies with the same reason — or, if it traps exits, gets
    /// [`Info::Exit`](crate::Info::Exit) with the task's id and reason; if this actor crashes, the task dies with
    /// it. A normal exit on either side leaves the other alone (a trapping actor still gets an
    /// `Info::Exit` with [`ExitReason::Normal`] for each task that finished, as in OTP). Killing
    /// the task is a crash too: to cancel one without being hit, unlink it first
    /// (`task.unlink()`, then `task.kill()`). For a task whose crash must not touch the caller,
    /// use [`TaskSupervisor::async_nolink`](crate::TaskSupervisor::async_nolink).
    ///
    /// ```
    /// use beamish::prelude::*;
    ///
    /// /// Fetches in the background; a fetch that panics arrives as an `Exit`, which it keeps.
    /// struct Fetcher { failures: Vec<ExitReason> }
    ///
    /// enum FetcherMsg {
    ///     Fetch(u32, ReplyTo<TaskHandle<u32>>),
    ///     Failures(ReplyTo<Vec<ExitReason>>),
    /// }
    ///
    /// impl Actor for Fetcher {
    ///     type Args = ();
    ///     type Message = FetcherMsg;
    ///
    ///     async fn init((): (), ctx: &mut Context<Self>) -> Result<Self, InitError> {
    ///         ctx.trap_exit(true);
    ///         Ok(Fetcher { failures: Vec::new() })
    ///     }
    ///
    ///     async fn handle(&mut self, msg: FetcherMsg, ctx: &mut Context<Self>) {
    ///         match msg {
    ///             FetcherMsg::Fetch(n, reply) => {
    ///                 reply.send(ctx.spawn_task(async move {
    ///                     assert!(n != 0, "nothing to fetch");
    ///                     n * 10
    ///                 }));
    ///             }
    ///             FetcherMsg::Failures(reply) => {
    ///                 reply.send(self.failures.clone());
    ///             }
    ///         }
    ///     }
    ///
    ///     async fn handle_info(&mut self, info: Info, _ctx: &mut Context<Self>) {
    ///         // Trapping, it hears every task's exit: `Normal` ones too.
    ///         if let Info::Exit { reason, .. } = info
    ///             && reason.is_crash()
    ///         {
    ///             self.failures.push(reason);
    ///         }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fetcher = ActorRef::<Fetcher>::start(()).await.unwrap();
    /// let task = fetcher.call(|r| FetcherMsg::Fetch(4, r)).await.unwrap();
    /// assert_eq!(task.await, Ok(40));
    ///
    /// let task = fetcher.call(|r| FetcherMsg::Fetch(0, r)).await.unwrap();
    /// let crash = ExitReason::Panic("nothing to fetch".into());
    /// assert_eq!(task.await, Err(TaskError::Exited(crash.clone())));
    /// // The fetcher traps exits: the crash arrived as a message, and it lives on.
    /// assert_eq!(fetcher.call(FetcherMsg::Failures).await, Ok(vec![crash]));
    /// # }
    /// ```
    ///
    /// [`current_id`]: crate::current_id
    pub fn spawn_task<F>(&mut self, future: F) -> TaskHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_linked(future)
    }
}

//! The public handle of a task supervisor, [`TaskSupervisor`]: a [`DynamicSupervisor`] whose
//! children are task actors, each started once from a [`OnceSpec`].

use std::future::Future;

use super::options::TaskSupervisorOptions;
use crate::actor::{
    ActorHandle, ActorRef, AnyActor, FromAnyActor, StartOptions, TaskActor, TaskFuture, TaskHandle,
    task,
};
use crate::supervisor::child_spec::{ChildSpec, ChildType};
use crate::supervisor::children::{ChildCounts, ChildInfo, into_start_error};
use crate::supervisor::dynamic::DynamicSupervisor;
use crate::supervisor::handle::supervisor_handle;
use crate::supervisor::once_spec::OnceSpec;
use crate::{ActorId, SupervisorError};

/// The extra argument of a task supervisor's `DynamicSupervisor`: it makes the supervisor's actor
/// a type of its own, so that a [`TaskSupervisor`] is never mistaken for a plain
/// `DynamicSupervisor` (and the other way round).
#[derive(Clone, Copy)]
struct Tasks;

/// A supervisor of one-shot tasks (Elixir's `Task.Supervisor`): futures run to completion, each
/// by an actor of its own, that are never restarted.
///
/// - [`start_child`](Self::start_child) runs a future and forgets it (fire and forget);
///   [`async_nolink`](Self::async_nolink) runs one and hands back a [`TaskHandle`] to await its
///   output. The future is **moved** into its task: nothing needs to be `Clone` (a `TcpStream`,
///   a channel's receiving half), because a task starts exactly once.
/// - A task that panics or is killed is logged as a crash and removed; it is not restarted, and
///   neither the supervisor nor the caller is hurt. An `async_nolink` caller gets the exit reason
///   from the handle: [`TaskError::Exited`](crate::TaskError::Exited).
/// - Every task is a real actor: it has an id, it can be monitored or linked, it counts in
///   [`live_actors`](crate::live_actors), and it is listed by [`children`](Self::children) and
///   [`which_children`](Self::which_children) while it runs. Code in the future runs as the task
///   (`current_id()` is the task's), so it can link, monitor and register on its own behalf.
/// - The supervisor is an actor too (a [`DynamicSupervisor`] underneath): it can sit under
///   another supervisor ([`child_spec`](Self::child_spec)), be linked, monitored, stopped. When
///   it stops, it stops every running task concurrently, each within the default shutdown budget
///   of a worker (5 s, [`Shutdown::default`](crate::Shutdown::default)) and killed after it.
///
/// ```
/// use beamish::prelude::*;
/// use tokio::sync::oneshot;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let tasks = TaskSupervisor::start(TaskSupervisorOptions::new()).await.unwrap();
///
/// // Fire and forget: the receiving half is moved into the task.
/// let (tx, rx) = oneshot::channel::<String>();
/// let listener = tasks
///     .start_child(async move {
///         let _greeting = rx.await;
///     })
///     .await
///     .unwrap();
/// assert_eq!(tasks.children().await.unwrap(), vec![listener.clone()]);
/// tx.send("hello".into()).unwrap();
/// assert_eq!(listener.wait().await, ExitReason::Normal);
///
/// // An awaited task; its panic comes back as an error, not as a crash of the caller.
/// let answer = tasks.async_nolink(async { 6 * 7 }).await.unwrap();
/// assert_eq!(answer.await, Ok(42));
/// let broken = tasks.async_nolink(async { panic!("out of cheese") }).await.unwrap();
/// let error = broken.await.unwrap_err();
/// assert!(error.is_panic());
/// assert_eq!(error, TaskError::Exited(ExitReason::Panic("out of cheese".into())));
///
/// tasks.stop(ExitReason::Shutdown).await.unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct TaskSupervisor {
    actor: DynamicSupervisor<Tasks>,
}

impl TaskSupervisor {
    /// Starts a task supervisor, not linked to the caller.
    ///
    /// # Errors
    /// [`SupervisorError::Start`] if the supervisor actor could not start (it was killed while
    /// starting).
    pub async fn start(options: TaskSupervisorOptions) -> Result<Self, SupervisorError> {
        Self::start_with(options, StartOptions::new()).await
    }

    /// Starts a task supervisor linked to the calling actor: it stops (stopping its tasks) when
    /// that actor exits, whatever the reason.
    ///
    /// # Errors
    /// Those of [`start`](Self::start).
    pub async fn start_link(options: TaskSupervisorOptions) -> Result<Self, SupervisorError> {
        Self::start_with(options, StartOptions::new().link()).await
    }

    async fn start_with(
        options: TaskSupervisorOptions,
        start: StartOptions,
    ) -> Result<Self, SupervisorError> {
        let actor = DynamicSupervisor::start_with(options.dynamic(Tasks), start).await?;
        Ok(TaskSupervisor { actor })
    }

    /// A spec that starts a task supervisor (linked) under another supervisor: id
    /// `"TaskSupervisor"` (rename with [`ChildSpec::with_id`]), [`ChildType::Supervisor`], so
    /// [`Shutdown::Infinity`](crate::Shutdown::Infinity) by default: its own tasks' shutdown
    /// budgets bound its shutdown.
    pub fn child_spec(options: TaskSupervisorOptions) -> ChildSpec<Self> {
        ChildSpec::new("TaskSupervisor", move || {
            let options = options.clone();
            async move {
                Self::start_link(options)
                    .await
                    .map(|sup| sup.to_any())
                    .map_err(into_start_error)
            }
        })
        .child_type(ChildType::Supervisor)
        .self_linking()
        .typed()
    }

    /// Runs `future` as a task of this supervisor and returns the task's actor once it runs
    /// (Elixir's `Task.Supervisor.start_child`): fire and forget. The task is not linked to the
    /// caller; [`wait`](ActorHandle::wait) or [`monitor`](ActorHandle::monitor) it to learn how it
    /// ended. A panic in `future` is logged and ends the task with
    /// [`ExitReason::Panic`](crate::ExitReason::Panic); nothing is restarted.
    ///
    /// # Errors
    /// [`SupervisorError::MaxChildren`] when the supervisor already runs `max_children` tasks,
    /// [`SupervisorError::Call`] when it is gone (in both cases `future` is dropped unrun).
    pub async fn start_child<F>(&self, future: F) -> Result<AnyActor, SupervisorError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.actor.start_child(spec(Box::pin(future))).await
    }

    /// Runs `future` as a task of this supervisor, not linked to the caller, and returns a
    /// [`TaskHandle`] to await its output (Elixir's `Task.Supervisor.async_nolink`): `.await` it,
    /// or [`join`](TaskHandle::join) it with a timeout. If the task panics or is stopped, the
    /// handle gives [`TaskError::Exited`](crate::TaskError::Exited) with its exit reason; the
    /// caller is never hurt.
    ///
    /// # Errors
    /// Those of [`start_child`](Self::start_child).
    pub async fn async_nolink<F>(&self, future: F) -> Result<TaskHandle<F::Output>, SupervisorError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, output) = task(future);
        let actor = self.actor.start_child(spec(task)).await?;
        Ok(TaskHandle::new(actor, output))
    }

    /// The running tasks, in start order (Elixir's `Task.Supervisor.children`).
    ///
    /// # Errors
    /// [`SupervisorError::Call`] when the supervisor is gone.
    pub async fn children(&self) -> Result<Vec<AnyActor>, SupervisorError> {
        let children = self.actor.which_children().await?;
        Ok(children
            .iter()
            .filter_map(|child| child.actor().cloned())
            .collect())
    }

    /// The running tasks as a supervisor lists its children, in start order; each has the id
    /// `"Task"`.
    ///
    /// # Errors
    /// [`SupervisorError::Call`] when the supervisor is gone.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        self.actor.which_children().await
    }

    /// The child counts: every task is an active worker.
    ///
    /// # Errors
    /// [`SupervisorError::Call`] when the supervisor is gone.
    pub async fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        self.actor.count_children().await
    }

    /// Stops the task whose actor id is `id` within its shutdown budget (Elixir's
    /// `Task.Supervisor.terminate_child`).
    ///
    /// # Errors
    /// [`SupervisorError::NotFound`] if no running task has this id, [`SupervisorError::Call`]
    /// when the supervisor is gone.
    pub async fn terminate_child(&self, id: ActorId) -> Result<(), SupervisorError> {
        self.actor.terminate_child(id).await
    }
}

/// The spec of one task: its future moved into its one start, a `Temporary` worker with the
/// default shutdown.
fn spec(task: TaskFuture) -> OnceSpec<AnyActor, Tasks> {
    OnceSpec::with_extra("Task", move |Tasks| async move {
        ActorRef::<TaskActor>::start_with(task, StartOptions::new().link())
            .await
            .map(|task| task.to_any())
    })
}

supervisor_handle!(impl[] TaskSupervisor, "TaskSupervisor");

impl FromAnyActor for TaskSupervisor {
    fn from_any(actor: AnyActor) -> Option<Self> {
        DynamicSupervisor::<Tasks>::from_any(actor).map(|actor| TaskSupervisor { actor })
    }
}

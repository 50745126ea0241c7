//! Tasks: `ctx.spawn_task` (linked), `TaskSupervisor` (`start_child`, `async_nolink`), and
//! `OnceSpec` children whose arguments are moved into their one start.
//!
//! Every test synchronises on task outputs, exit reasons and reports from actors; timeouts run
//! on the paused clock.

use std::sync::Arc;
use std::time::Duration;

use beamish::current_id;
use beamish::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// What a gated task does once its gate opens.
#[derive(Debug)]
enum Then {
    Return(u32),
    Panic(&'static str),
}

/// A task that waits for its gate, then returns or panics.
async fn gated(gate: oneshot::Receiver<Then>) -> u32 {
    match gate.await {
        Ok(Then::Return(n)) => n,
        Ok(Then::Panic(msg)) => panic!("{msg}"),
        Err(_) => std::future::pending().await,
    }
}

/// An actor that spawns linked tasks; with `trap`, it reports the `Exit`s it gets to `exits`.
pub(crate) struct Spawner {
    exits: mpsc::UnboundedSender<(ActorId, ExitReason)>,
}

#[actor]
impl Spawner {
    #[init]
    async fn init(
        args: (bool, mpsc::UnboundedSender<(ActorId, ExitReason)>),
        ctx: &mut Context<Self>,
    ) -> Self {
        ctx.trap_exit(args.0);
        Spawner { exits: args.1 }
    }

    /// Spawns a linked task behind `gate`; hands its handle back to the caller.
    #[call]
    async fn spawn(
        &mut self,
        gate: oneshot::Receiver<Then>,
        ctx: &mut Context<Self>,
    ) -> TaskHandle<u32> {
        ctx.spawn_task(gated(gate))
    }

    /// Spawns a linked task that reports the id it runs as; the handle is dropped here.
    #[call]
    async fn spawn_detached(
        &mut self,
        report: oneshot::Sender<Option<ActorId>>,
        ctx: &mut Context<Self>,
    ) {
        let _ignored = ctx.spawn_task(async move {
            let _ = report.send(current_id());
        });
    }

    /// Asks `tasks` for a task that panics, from inside this actor, and returns what came back.
    #[call]
    async fn ask_panicking(&self, tasks: TaskSupervisor) -> Result<(), TaskError> {
        match tasks.async_nolink(async { panic!("no luck") }).await {
            Ok(task) => task.await,
            Err(error) => panic!("the task did not start: {error}"),
        }
    }

    #[call]
    async fn ping(&self) -> &'static str {
        "pong"
    }

    #[info]
    async fn on_info(&mut self, info: Info) {
        if let Info::Exit { id, reason } = info {
            let _ = self.exits.send((id, reason));
        }
    }
}

async fn spawner(
    trap: bool,
) -> (
    SpawnerHandle,
    mpsc::UnboundedReceiver<(ActorId, ExitReason)>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let spawner = Spawner::start((trap, tx)).await.expect("spawner starts");
    (spawner, rx)
}

async fn task_sup() -> TaskSupervisor {
    TaskSupervisor::start(TaskSupervisorOptions::new())
        .await
        .expect("task supervisor starts")
}

#[tokio::test]
async fn linked_task_output_is_awaited_from_outside_the_actor() {
    let (spawner, _exits) = spawner(false).await;
    let (open, gate) = oneshot::channel();
    let task = spawner.spawn(gate).await.unwrap();
    assert_ne!(task.id(), spawner.id());
    assert!(task.is_alive());
    open.send(Then::Return(7)).unwrap();
    assert_eq!(task.await, Ok(7));
    // The task's normal exit leaves the linked actor alone.
    assert_eq!(spawner.ping().await, Ok("pong"));

    // A task whose handle was dropped still runs, as itself.
    let (report, reported) = oneshot::channel();
    spawner.spawn_detached(report).await.unwrap();
    let ran_as = reported.await.unwrap();
    assert!(ran_as.is_some() && ran_as != Some(spawner.id()));
    spawner.stop(ExitReason::Normal).await.unwrap();
}

#[tokio::test]
async fn crash_of_a_linked_task_crashes_the_actor() {
    let (spawner, _exits) = spawner(false).await;
    let (open, gate) = oneshot::channel();
    let task = spawner.spawn(gate).await.unwrap();
    open.send(Then::Panic("task failed")).unwrap();
    let crash = ExitReason::Panic("task failed".into());
    assert_eq!(task.await, Err(TaskError::Exited(crash.clone())));
    assert_eq!(spawner.wait().await, crash);
}

#[tokio::test]
async fn crash_of_a_linked_task_arrives_as_exit_when_trapping() {
    let (spawner, mut exits) = spawner(true).await;
    let (open, gate) = oneshot::channel();
    let task = spawner.spawn(gate).await.unwrap();
    let task_id = task.id();
    open.send(Then::Panic("task failed")).unwrap();
    let crash = ExitReason::Panic("task failed".into());
    assert_eq!(exits.recv().await, Some((task_id, crash.clone())));
    assert_eq!(task.await, Err(TaskError::Exited(crash)));
    assert_eq!(spawner.ping().await, Ok("pong"));
    spawner.stop(ExitReason::Normal).await.unwrap();
}

#[tokio::test]
async fn crash_of_the_actor_kills_its_linked_task() {
    let (spawner, _exits) = spawner(false).await;
    let (_open, gate) = oneshot::channel();
    let task = spawner.spawn(gate).await.unwrap();
    spawner.kill();
    assert_eq!(task.await, Err(TaskError::Exited(ExitReason::Killed)));
}

#[tokio::test]
async fn async_nolink_panic_comes_back_as_an_error_not_a_crash_of_the_caller() {
    let tasks = task_sup().await;
    let (spawner, _exits) = spawner(false).await;
    let got = spawner.ask_panicking(tasks.clone()).await.unwrap();
    assert_eq!(
        got,
        Err(TaskError::Exited(ExitReason::Panic("no luck".into())))
    );
    assert!(got.unwrap_err().is_panic());
    // The calling actor and the supervisor live on; nothing is restarted.
    assert_eq!(spawner.ping().await, Ok("pong"));
    assert!(tasks.children().await.unwrap().is_empty());
    assert_eq!(tasks.count_children().await.unwrap().restarts, 0);
    spawner.stop(ExitReason::Normal).await.unwrap();
    tasks.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test]
async fn start_child_runs_a_task_whose_panic_is_contained() {
    let tasks = task_sup().await;
    let (open, gate) = oneshot::channel();
    let task = tasks
        .start_child(async move {
            gated(gate).await;
        })
        .await
        .unwrap();
    open.send(Then::Panic("fire and forget")).unwrap();
    assert_eq!(
        task.wait().await,
        ExitReason::Panic("fire and forget".into())
    );
    assert!(tasks.is_alive());
    assert!(tasks.children().await.unwrap().is_empty());
    tasks.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test]
async fn a_tcp_stream_is_moved_into_a_task() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();

    let tasks = task_sup().await;
    // `server` is not `Clone`: it is moved into the task, which owns it from then on.
    let echo = tasks
        .async_nolink(async move {
            let mut line = [0; 4];
            server.read_exact(&mut line).await?;
            server.write_all(&line).await?;
            Ok::<_, std::io::Error>(line)
        })
        .await
        .unwrap();
    client.write_all(b"ping").await.unwrap();
    let mut back = [0; 4];
    client.read_exact(&mut back).await.unwrap();
    assert_eq!(&back, b"ping");
    assert_eq!(echo.await.unwrap().unwrap(), *b"ping");
    tasks.stop(ExitReason::Shutdown).await.unwrap();
}

/// Serves one connection; started from a `OnceSpec`, since a `TcpStream` cannot be cloned.
pub(crate) struct Conn {
    stream: TcpStream,
}

#[actor]
impl Conn {
    #[init]
    async fn init(stream: TcpStream) -> Self {
        Conn { stream }
    }

    #[call]
    async fn send(&mut self, bytes: Vec<u8>) -> bool {
        self.stream.write_all(&bytes).await.is_ok()
    }
}

#[tokio::test]
async fn a_tcp_stream_is_moved_into_a_once_spec_child() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();

    let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new())
        .await
        .unwrap();
    let spec = Conn::child_spec_once(server);
    assert_eq!(spec.restart_policy(), Restart::Temporary);
    let conn: ConnHandle = sup.start_child(spec).await.unwrap();
    assert_eq!(conn.send(b"hey".to_vec()).await, Ok(true));
    let mut got = [0; 3];
    client.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"hey");

    // Temporary: a crash removes it, nothing restarts it.
    conn.kill();
    conn.wait().await;
    assert!(sup.which_children().await.unwrap().is_empty());
    assert_eq!(sup.count_children().await.unwrap().restarts, 0);
    sup.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn tasks_appear_in_which_children_while_they_run() {
    let tasks = task_sup().await;
    let (open_a, gate_a) = oneshot::channel();
    let (_open_b, gate_b) = oneshot::channel();
    let a = tasks.async_nolink(gated(gate_a)).await.unwrap();
    let b = tasks.async_nolink(gated(gate_b)).await.unwrap();
    assert_eq!(
        tasks.children().await.unwrap(),
        vec![a.to_any(), b.to_any()]
    );
    let listed = tasks.which_children().await.unwrap();
    assert!(
        listed
            .iter()
            .all(|c| c.id == "Task" && c.child_type == ChildType::Worker)
    );
    let counts = tasks.count_children().await.unwrap();
    assert_eq!((counts.active, counts.workers), (2, 2));

    open_a.send(Then::Return(1)).unwrap();
    assert_eq!(a.await, Ok(1));
    assert_eq!(tasks.children().await.unwrap(), vec![b.to_any()]);

    tasks.terminate_child(b.id()).await.unwrap();
    assert!(!b.is_alive());
    assert!(tasks.children().await.unwrap().is_empty());
    tasks.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn stopping_the_task_supervisor_stops_running_tasks() {
    let tasks = task_sup().await;
    let held = Arc::new(());
    let mut running = Vec::new();
    for _ in 0..3 {
        let held = held.clone();
        let task = tasks
            .async_nolink(async move {
                let _held = held;
                std::future::pending::<()>().await;
            })
            .await
            .unwrap();
        running.push(task);
    }
    let fire_and_forget = tasks.start_child(std::future::pending()).await.unwrap();
    tasks.stop(ExitReason::Shutdown).await.unwrap();

    assert!(!fire_and_forget.is_alive());
    for task in running {
        // Stopped within the shutdown budget, or killed at its end: either way, not run on.
        match task.await {
            Err(TaskError::Exited(ExitReason::Shutdown | ExitReason::Killed)) => {}
            other => panic!("expected the task to be stopped, got {other:?}"),
        }
    }
    // Every task's future was dropped.
    assert_eq!(Arc::strong_count(&held), 1);
}

#[tokio::test(start_paused = true)]
async fn async_nolink_join_times_out_and_can_be_joined_again() {
    let tasks = task_sup().await;
    let mut slow = tasks
        .async_nolink(async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "done"
        })
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        slow.join(Duration::from_secs(1)).await,
        Err(TaskError::Timeout)
    );
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert!(slow.is_alive(), "a timeout leaves the task running");

    assert_eq!(slow.join(Duration::from_secs(60)).await, Ok("done"));
    assert_eq!(started.elapsed(), Duration::from_secs(10));
    // Spent: the output was delivered, and the task exited normally.
    assert_eq!(
        slow.join(Duration::from_secs(1)).await,
        Err(TaskError::Exited(ExitReason::Normal))
    );
    tasks.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test]
async fn max_children_bounds_the_running_tasks() {
    let tasks = TaskSupervisor::start(TaskSupervisorOptions::new().max_children(1))
        .await
        .unwrap();
    let (open, gate) = oneshot::channel();
    let first = tasks.async_nolink(gated(gate)).await.unwrap();
    let refused = tasks.start_child(async {}).await;
    assert!(matches!(refused, Err(SupervisorError::MaxChildren)));
    open.send(Then::Return(0)).unwrap();
    assert_eq!(first.await, Ok(0));
    // The slot is free again once the supervisor has seen the task exit.
    assert!(tasks.children().await.unwrap().is_empty());
    let second = tasks.async_nolink(async { 2 }).await.unwrap();
    assert_eq!(second.await, Ok(2));
    tasks.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_task_supervisor_runs_under_a_supervisor() {
    let sup = Supervisor::start(
        [TaskSupervisor::child_spec(TaskSupervisorOptions::new()).untyped()],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[0].id, "TaskSupervisor");
    assert_eq!(children[0].child_type, ChildType::Supervisor);
    let child = children[0].actor().unwrap().clone();
    assert!(DynamicSupervisor::from_any(child.clone()).is_none());
    let tasks = TaskSupervisor::from_any(child).unwrap();
    let task = tasks
        .async_nolink(async { "under a supervisor" })
        .await
        .unwrap();
    assert_eq!(task.await, Ok("under a supervisor"));

    // A task that outlives nothing: stopping the tree stops it.
    let pending = tasks.start_child(std::future::pending()).await.unwrap();
    sup.stop(ExitReason::Shutdown).await.unwrap();
    assert!(!tasks.is_alive());
    assert!(!pending.is_alive());
}

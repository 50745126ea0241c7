//! An actor's task as the runtime runs it: the actor's future, then the successor its exit path
//! may have launched ([`Relay`]).
//!
//! When a child crashes, its idle dynamic supervisor restarts it in the dying child's task (see
//! `inline::exit`), and the new incarnation's first poll runs there too (see `launch`). If that
//! poll ends waiting, the new incarnation's future needs a task: rather than a new one (a spawn,
//! which also puts the new task in the worker's LIFO slot, pushing out whatever the first poll
//! woke — the caller waiting for the new handle — to the run queue, and waking the other worker
//! to steal it), it waits in a slot opened while the supervisor handles the exit, goes back up
//! the exit path ([`exit_relaying`](super::cell::exit_relaying)), and the dying task runs it
//! once the old future has ended. A restart then takes no spawn and no task hand-off at all;
//! the tokio task stays the same, as `tokio::task::id()` shows.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An actor's future, boxed once (see `Launch::launch`): it ends with the successor its exit
/// path launched, if any, for the same task to run on.
pub(super) struct ActorTask(Pin<Box<dyn Future<Output = Option<ActorTask>> + Send>>);

impl ActorTask {
    pub(super) fn new(future: impl Future<Output = Option<ActorTask>> + Send + 'static) -> Self {
        ActorTask(Box::pin(future))
    }

    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<ActorTask>> {
        self.0.as_mut().poll(cx)
    }
}

/// How many successors one poll of a task runs on before it spawns the next: a child that
/// crashes at each message of a long queue would otherwise restart again and again in one poll,
/// starving the worker's other tasks.
const RELAYS_PER_POLL: u32 = 4;

thread_local! {
    /// While an idle supervisor handles a dying actor's exit in the dying actor's task: `Some`,
    /// the slot where one task launched meanwhile waits to run in that task (see the module
    /// docs).
    static SLOT: RefCell<Option<Option<ActorTask>>> = const { RefCell::new(None) };
}

/// Runs `task` in a task of its own.
pub(super) fn spawn(task: ActorTask) {
    drop(tokio::spawn(Relay(task)));
}

/// Runs `task` (polled once already) in the dying actor's task whose exit is being handled, if
/// the slot is open and free; otherwise in a task of its own.
pub(super) fn run_on(task: ActorTask) {
    let task = SLOT.with_borrow_mut(|slot| match slot {
        Some(free @ None) => {
            *free = Some(task);
            None
        }
        Some(Some(_)) | None => Some(task),
    });
    if let Some(task) = task {
        spawn(task);
    }
}

/// Keeps `task` in `next` for the dying task to run on, unless it has one already: then `task`
/// runs in a task of its own.
pub(super) fn keep(next: &mut Option<ActorTask>, task: ActorTask) {
    match next {
        None => *next = Some(task),
        Some(_) => spawn(task),
    }
}

/// The slot, open while an exit is handled in the dying actor's task ([`open`]): what it was
/// before (`Some` when this nests in another such handling), put back when it closes.
pub(super) struct Handoff {
    before: Option<Option<ActorTask>>,
    open: bool,
}

/// Opens the slot (a nested handling, in a first poll inside this one, opens its own).
pub(super) fn open() -> Handoff {
    Handoff {
        before: SLOT.replace(Some(None)),
        open: true,
    }
}

impl Handoff {
    /// Closes the slot: the task that waits in it, for the dying task to run on.
    pub(super) fn close(mut self) -> Option<ActorTask> {
        self.restore()
    }

    fn restore(&mut self) -> Option<ActorTask> {
        self.open = false;
        SLOT.replace(self.before.take()).flatten()
    }
}

impl Drop for Handoff {
    /// Not closed: the handling unwound. A task waiting in the slot runs in its own.
    fn drop(&mut self) {
        if self.open
            && let Some(task) = self.restore()
        {
            spawn(task);
        }
    }
}

/// The future the runtime runs for an actor: its task, then each successor it ends with.
struct Relay(ActorTask);

impl Future for Relay {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut relays = 0;
        loop {
            let Some(next) = std::task::ready!(self.0.poll(cx)) else {
                return Poll::Ready(());
            };
            relays += 1;
            if relays == RELAYS_PER_POLL {
                // Past the bound, the successor goes on in a task of its own.
                spawn(next);
                return Poll::Ready(());
            }
            self.0 = next;
        }
    }
}

//! Links (EX-2, EX-3, GS-10): abnormal exits travel along chains of links, `Normal` does not,
//! `Shutdown` does; a trapping actor gets `Info::Exit` and survives; linking to a dead actor is the
//! exit signal `NoProc`; `start_link` inside an actor links the two.

mod support;

use beamish::prelude::*;
use support::macro_worker::MacroWorker;
use support::{
    Agent, AgentArgs, AgentExt, Event, Events, Probe, assert_no_event, next, probe, settle, within,
};

/// Starts an agent (trapping exits or not) and consumes its start reports.
async fn start(probe: &Probe, events: &mut Events, trap: bool) -> ActorRef<Agent> {
    let args = if trap {
        AgentArgs::trapping(probe)
    } else {
        AgentArgs::new(probe)
    };
    let a = ActorRef::<Agent>::start(args).await.unwrap();
    assert!(matches!(next(events).await, Event::Init { .. }));
    assert!(matches!(next(events).await, Event::Handle(_)));
    a
}

/// `from` links itself to `to`.
async fn link(from: &ActorRef<Agent>, to: &ActorRef<Agent>) {
    let to = to.clone();
    from.with_ctx(move |ctx| ctx.link(&to)).await.unwrap();
}

/// Three agents linked in a chain a — b — c; `trap_b` makes the middle one trap exits.
async fn chain(probe: &Probe, events: &mut Events, trap_b: bool) -> [ActorRef<Agent>; 3] {
    let a = start(probe, events, false).await;
    let b = start(probe, events, trap_b).await;
    let c = start(probe, events, false).await;
    link(&b, &a).await;
    link(&c, &b).await;
    [a, b, c]
}

fn terminated(a: &ActorRef<Agent>, reason: ExitReason) -> Event {
    Event::Terminated { id: a.id(), reason }
}

// EX-3.3, point 6: a crash kills the whole chain with the same reason; the actors killed through
// links do not run terminate.
#[tokio::test(start_paused = true)]
async fn abnormal_exit_kills_a_chain_of_three() {
    let (probe, mut events) = probe();
    let [a, b, c] = chain(&probe, &mut events, false).await;
    a.cast_ctx(|_| panic!("chain boom")).unwrap();
    let panic = ExitReason::Panic("chain boom".into());
    assert_eq!(within(a.wait()).await, panic);
    assert_eq!(within(b.wait()).await, panic);
    assert_eq!(within(c.wait()).await, panic);
    assert_eq!(next(&mut events).await, terminated(&a, panic));
    settle().await;
    assert_no_event(&mut events);
}

// The same from the other end and through a kill: links are two-way, and `Killed` travels as an
// ordinary reason (EX-3).
#[tokio::test(start_paused = true)]
async fn kill_travels_both_ways_along_the_chain() {
    let (probe, mut events) = probe();
    let [a, b, c] = chain(&probe, &mut events, false).await;
    c.kill();
    for x in [&a, &b, &c] {
        assert_eq!(within(x.wait()).await, ExitReason::Killed);
    }
    settle().await;
    assert_no_event(&mut events);
}

// EX-2, EX-3.2: a `Normal` exit leaves linked actors alone.
#[tokio::test(start_paused = true)]
async fn normal_exit_does_not_propagate() {
    let (probe, mut events) = probe();
    let [a, b, c] = chain(&probe, &mut events, false).await;
    a.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(next(&mut events).await, terminated(&a, ExitReason::Normal));
    // Round trips after the exit: a signal would have been handled before them.
    assert_eq!(b.ping().await, Ok(b.id()));
    assert_eq!(c.ping().await, Ok(c.id()));
    // b is still linked to c: b's crash still reaches c.
    b.kill();
    assert_eq!(within(c.wait()).await, ExitReason::Killed);
}

// EX-2: `Shutdown` and `ShutdownWith` travel along links like crashes.
#[tokio::test(start_paused = true)]
async fn shutdown_propagates() {
    for reason in [ExitReason::Shutdown, ExitReason::ShutdownWith("bye".into())] {
        let (probe, mut events) = probe();
        let [a, b, c] = chain(&probe, &mut events, false).await;
        a.stop(reason.clone()).await.unwrap();
        assert_eq!(within(b.wait()).await, reason);
        assert_eq!(within(c.wait()).await, reason);
        assert_eq!(next(&mut events).await, terminated(&a, reason));
        settle().await;
        assert_no_event(&mut events);
    }
}

// EX-3.1, point 6: a trapping actor gets `Info::Exit` for every reason, `Normal` included, and
// survives; so the chain behind it survives too.
#[tokio::test(start_paused = true)]
async fn trapping_actor_gets_exit_info_and_survives() {
    let (probe, mut events) = probe();
    let [a, b, c] = chain(&probe, &mut events, true).await;
    a.cast_ctx(|_| panic!("trapped boom")).unwrap();
    let panic = ExitReason::Panic("trapped boom".into());
    assert_eq!(within(a.wait()).await, panic);
    assert_eq!(next(&mut events).await, terminated(&a, panic.clone()));
    assert_eq!(
        next(&mut events).await,
        Event::Exit {
            watcher: b.id(),
            id: a.id(),
            reason: panic
        }
    );
    assert_eq!(b.ping().await, Ok(b.id()));
    assert_eq!(c.ping().await, Ok(c.id()));

    // A normal exit is delivered too, when trapping.
    let d = start(&probe, &mut events, false).await;
    link(&b, &d).await;
    d.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(next(&mut events).await, terminated(&d, ExitReason::Normal));
    assert_eq!(
        next(&mut events).await,
        Event::Exit {
            watcher: b.id(),
            id: d.id(),
            reason: ExitReason::Normal
        }
    );
    assert!(b.is_alive());
}

// EX-3: linking to a dead actor is the exit signal `NoProc`: it kills a non-trapping linker and is
// an `Info::Exit` for a trapping one.
#[tokio::test(start_paused = true)]
async fn linking_to_a_dead_actor_delivers_noproc() {
    let (probe, mut events) = probe();
    let dead = start(&probe, &mut events, false).await;
    dead.kill();
    within(dead.wait()).await;

    let trapping = start(&probe, &mut events, true).await;
    link(&trapping, &dead).await;
    assert_eq!(
        next(&mut events).await,
        Event::Exit {
            watcher: trapping.id(),
            id: dead.id(),
            reason: ExitReason::NoProc
        }
    );
    assert!(trapping.is_alive());

    let plain = start(&probe, &mut events, false).await;
    link(&plain, &dead).await;
    assert_eq!(within(plain.wait()).await, ExitReason::NoProc);
}

// EX-3: a link is set up once however often it is asked for, and `unlink` removes it.
#[tokio::test(start_paused = true)]
async fn link_is_once_and_unlink_removes_it() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events, false).await;
    let b = start(&probe, &mut events, false).await;
    link(&b, &a).await;
    link(&a, &b).await;
    link(&b, &a).await;
    let a2 = a.clone();
    b.with_ctx(move |ctx| ctx.unlink(&a2)).await.unwrap();
    a.kill();
    within(a.wait()).await;
    assert_eq!(b.ping().await, Ok(b.id()));
    assert!(b.is_alive());
}

// `ActorRef::link` links the calling actor (found from the task) with the target.
#[tokio::test(start_paused = true)]
async fn handle_link_uses_the_calling_actor() {
    let (probe, mut events) = probe();
    let a = start(&probe, &mut events, false).await;
    let b = start(&probe, &mut events, false).await;
    let target = a.clone();
    assert_eq!(b.run(async move { target.link() }).await, Ok(Ok(())));
    a.kill();
    assert_eq!(within(b.wait()).await, ExitReason::Killed);
}

// GS-1.1, point 6: `start_link` inside an actor links parent and child: each one's crash kills the
// other. `start` inside an actor does not link.
#[tokio::test(start_paused = true)]
async fn start_link_inside_an_actor_links_the_two() {
    let (probe, mut events) = probe();

    // The child's crash kills the parent.
    let parent = start(&probe, &mut events, false).await;
    let child = spawn_child(&parent, &probe, &mut events, true).await;
    child.cast_ctx(|_| panic!("child boom")).unwrap();
    let panic = ExitReason::Panic("child boom".into());
    assert_eq!(within(parent.wait()).await, panic);
    assert_eq!(next(&mut events).await, terminated(&child, panic));

    // The parent's crash kills the child.
    let parent = start(&probe, &mut events, false).await;
    let child = spawn_child(&parent, &probe, &mut events, true).await;
    parent.kill();
    assert_eq!(within(child.wait()).await, ExitReason::Killed);

    // Not linked with `start`.
    let parent = start(&probe, &mut events, false).await;
    let child = spawn_child(&parent, &probe, &mut events, false).await;
    child.kill();
    within(child.wait()).await;
    assert_eq!(parent.ping().await, Ok(parent.id()));
}

async fn spawn_child(
    parent: &ActorRef<Agent>,
    probe: &Probe,
    events: &mut Events,
    linked: bool,
) -> ActorRef<Agent> {
    let args = AgentArgs::new(probe);
    let child = parent
        .run(async move {
            if linked {
                ActorRef::<Agent>::start_link(args).await
            } else {
                ActorRef::<Agent>::start(args).await
            }
        })
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(next(events).await, Event::Init { .. }));
    assert!(matches!(next(events).await, Event::Handle(_)));
    child
}

// GS-10: a trapping child started with start_link stops in order — terminate runs — when its
// parent exits, `Normal` included; it does not get an `Info::Exit` for its parent.
#[tokio::test(start_paused = true)]
async fn trapping_child_stops_with_its_parent() {
    let (probe, mut events) = probe();
    let parent = start(&probe, &mut events, false).await;
    let args = AgentArgs::trapping(&probe);
    let child = parent
        .run(async move { ActorRef::<Agent>::start_link(args).await })
        .await
        .unwrap()
        .unwrap();
    next(&mut events).await;
    next(&mut events).await;
    parent.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(
        next(&mut events).await,
        terminated(&parent, ExitReason::Normal)
    );
    assert_eq!(within(child.wait()).await, ExitReason::Normal);
    assert_eq!(
        next(&mut events).await,
        terminated(&child, ExitReason::Normal)
    );
}

// A trapping actor linked to an actor it did not start (not its parent) gets `Info::Exit` even
// when that actor had started it unlinked: only the linking parent stops it (GS-9.4, GS-10).
#[tokio::test(start_paused = true)]
async fn trapping_actor_started_unlinked_gets_exit_info() {
    let (probe, mut events) = probe();
    let starter = start(&probe, &mut events, false).await;
    let args = AgentArgs::trapping(&probe);
    let started = starter
        .run(async move { ActorRef::<Agent>::start(args).await })
        .await
        .unwrap()
        .unwrap();
    next(&mut events).await;
    next(&mut events).await;
    link(&started, &starter).await;
    starter.kill();
    assert_eq!(
        next(&mut events).await,
        Event::Exit {
            watcher: started.id(),
            id: starter.id(),
            reason: ExitReason::Killed
        }
    );
    assert!(started.is_alive());
}

// `AnyActor::exit` sends an exit signal as a linked actor's exit would (EX-3): ignored for
// `Normal`, fatal otherwise, an `Info::Exit` for a trapping target.
#[tokio::test(start_paused = true)]
async fn exit_signal_by_hand() {
    let (probe, mut events) = probe();
    let plain = start(&probe, &mut events, false).await;
    plain.to_any().exit(ExitReason::Normal);
    assert_eq!(plain.ping().await, Ok(plain.id()));
    plain.to_any().exit(ExitReason::Error("bad".into()));
    assert_eq!(within(plain.wait()).await, ExitReason::Error("bad".into()));

    let trapping = start(&probe, &mut events, true).await;
    trapping.to_any().exit(ExitReason::Shutdown);
    assert!(matches!(
        next(&mut events).await,
        Event::Exit {
            reason: ExitReason::Shutdown,
            ..
        }
    ));
    assert!(trapping.is_alive());
    settle().await;
    assert_no_event(&mut events);
}

// Through `#[actor]`: `X::start_link` inside an actor links the two, and the generated handle's
// `link()` links the calling actor.
#[tokio::test(start_paused = true)]
async fn macro_start_link_and_handle_link() {
    let (probe, mut events) = probe();
    let parent = start(&probe, &mut events, false).await;
    let p = probe.clone();
    let child = parent
        .run(async move { MacroWorker::start_link(p).await })
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(next(&mut events).await, Event::Init { .. }));
    child.kill();
    assert_eq!(within(parent.wait()).await, ExitReason::Killed);

    let worker = MacroWorker::start(probe.clone()).await.unwrap();
    assert!(matches!(next(&mut events).await, Event::Init { .. }));
    let linker = start(&probe, &mut events, false).await;
    let w = worker.clone();
    assert_eq!(linker.run(async move { w.link() }).await, Ok(Ok(())));
    worker.panic_cast("linked boom".into()).unwrap();
    let panic = ExitReason::Panic("linked boom".into());
    assert_eq!(within(linker.wait()).await, panic);
}

// ---------------------------------------------------------------------------------------------
// Many links: a hand-written hub linked to more children than fit the short list.

/// Does nothing; linked to the hub below.
struct Child;

impl Actor for Child {
    type Args = ();
    type Message = ();

    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Child)
    }

    async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}
}

/// Traps exits and links to more children than `Links` keeps in a list.
struct Hub {
    children: Vec<ActorRef<Child>>,
    exits: Vec<ExitReason>,
}

enum HubMsg {
    Children(ReplyTo<Vec<ActorRef<Child>>>),
    Exits(ReplyTo<Vec<ExitReason>>),
}

impl Actor for Hub {
    type Args = usize;
    type Message = HubMsg;

    async fn init(n: usize, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        ctx.trap_exit(true);
        let mut children = Vec::new();
        for _ in 0..n {
            children.push(ActorRef::<Child>::start_link(()).await.unwrap());
        }
        // Linking again is a no-op, in the map as in the list.
        for child in &children {
            ctx.link(child);
        }
        Ok(Hub {
            children,
            exits: Vec::new(),
        })
    }

    async fn handle(&mut self, msg: HubMsg, _ctx: &mut Context<Self>) {
        match msg {
            HubMsg::Children(reply) => {
                reply.send(self.children.clone());
            }
            HubMsg::Exits(reply) => {
                reply.send(self.exits.clone());
            }
        }
    }

    async fn handle_info(&mut self, info: Info, _ctx: &mut Context<Self>) {
        if let Info::Exit { reason, .. } = info {
            self.exits.push(reason);
        }
    }
}

/// More links than an actor keeps in a list (it moves them to a map): linking, exits and
/// signals work both ways, and linking twice is a no-op.
#[tokio::test]
async fn many_links_signal_both_ways() {
    let hub = ActorRef::<Hub>::start(40).await.unwrap();
    let children = hub.call(HubMsg::Children).await.unwrap();
    children[3].kill();
    children[30].stop(ExitReason::Normal).await.unwrap();
    assert_eq!(children[3].wait().await, ExitReason::Killed);
    // The `Exit`s arrive before the answer to a later call.
    let exits = hub.call(HubMsg::Exits).await.unwrap();
    assert_eq!(exits.len(), 2, "{exits:?}");
    assert!(exits.contains(&ExitReason::Killed) && exits.contains(&ExitReason::Normal));
    hub.kill();
    for (i, child) in children.iter().enumerate() {
        let expected = match i {
            3 => ExitReason::Killed,
            30 => ExitReason::Normal,
            _ => ExitReason::Killed,
        };
        assert_eq!(child.wait().await, expected, "child {i}");
    }
}

//! Starting actors (GS-1): `init` runs inside the new actor before `start` returns; a failing or
//! panicking `init` is a typed start error, leaves nothing running, and does not kill a linked
//! caller.

mod support;

use beamish::prelude::*;
use beamish::{NotInActor, current_id};
use support::{
    AgentArgs, AgentExt, Event, InitPlan, agent, assert_no_event, init_failure, next, probe,
    settle, trapping_agent, within,
};
use tokio::sync::oneshot;

/// The tasks alive on this test's runtime (each `#[tokio::test]` has its own runtime, so other
/// tests do not count).
fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Expects the `Init` and `Handle` reports of a new agent; returns its handle.
async fn expect_init(events: &mut support::Events) -> AnyActor {
    let Event::Init { id, current } = next(events).await else {
        panic!("expected the init report")
    };
    assert_eq!(current, Some(id), "init did not run inside the new actor");
    let Event::Handle(handle) = next(events).await else {
        panic!("expected the handle report")
    };
    assert_eq!(handle.id(), id);
    handle
}

// GS-1.1: init runs inside the new actor, and start returns only after init returned.
#[tokio::test(start_paused = true)]
async fn init_runs_inside_the_actor_before_start_returns() {
    let (probe, mut events) = probe();
    let (release, gate) = oneshot::channel();
    let start = tokio::spawn(ActorRef::<support::Agent>::start(AgentArgs::init(
        &probe,
        InitPlan::Wait(gate),
    )));
    // init is running (it reported from inside the new actor) and waits: start has not returned.
    let inside = expect_init(&mut events).await;
    assert!(inside.is_alive());
    settle().await;
    assert!(
        !start.is_finished(),
        "start returned while init was still running"
    );
    assert_eq!(current_id(), None, "the test itself is not an actor");
    release.send(()).unwrap();
    let started = start
        .await
        .unwrap()
        .expect("start succeeds once init returns");
    assert_eq!(started.id(), inside.id());
    assert_eq!(started.ping().await, Ok(inside.id()));
    started.stop(ExitReason::Normal).await.unwrap();
}

// GS-1.2: init returning Err is `StartError::Init` with its message; the actor exits with
// `Error(msg)`, terminate does not run (GS-9), and nothing of it stays running.
#[tokio::test(start_paused = true)]
async fn init_error_is_a_start_error_and_leaves_nothing_running() {
    let (probe, mut events) = probe();
    let tasks_before = alive_tasks();
    let result = ActorRef::<support::Agent>::start(AgentArgs::init(
        &probe,
        InitPlan::Fail("no database".into()),
    ))
    .await;
    assert_eq!(
        init_failure(&result.unwrap_err()),
        ("init", "no database".into())
    );
    let failed = expect_init(&mut events).await;
    assert!(!failed.is_alive());
    assert_eq!(failed.wait().await, ExitReason::Error("no database".into()));
    let typed = failed.downcast::<support::Agent>().unwrap();
    assert_eq!(typed.ping().await, Err(CallError::NoProc));
    assert_eq!(typed.cast_ctx(|_| {}), Err(SendError::NoProc));
    settle().await;
    assert_eq!(
        alive_tasks(),
        tasks_before,
        "the failed actor's task is still running"
    );
    assert_no_event(&mut events); // no terminate
}

// GS-1.2: a panicking init is `StartError::Panic` carrying the panic message; the actor exits with
// `Panic(msg)`, and nothing of it stays running.
#[tokio::test(start_paused = true)]
async fn init_panic_is_a_start_error_with_the_message() {
    let (probe, mut events) = probe();
    let tasks_before = alive_tasks();
    let err = ActorRef::<support::Agent>::start(AgentArgs::init(
        &probe,
        InitPlan::Panic("config missing".into()),
    ))
    .await
    .unwrap_err();
    assert_eq!(init_failure(&err), ("panic", "config missing".into()));
    assert!(err.to_string().contains("config missing"));
    let failed = expect_init(&mut events).await;
    assert_eq!(
        failed.wait().await,
        ExitReason::Panic("config missing".into())
    );
    settle().await;
    assert_eq!(
        alive_tasks(),
        tasks_before,
        "the failed actor's task is still running"
    );
    assert_no_event(&mut events);
}

// GS-1.2 with a link: a failed start_link from inside an actor is only an error for the caller,
// which survives and hears no exit signal, trapping or not.
#[tokio::test(start_paused = true)]
async fn failed_start_link_does_not_kill_the_linked_caller() {
    let (probe, mut events) = probe();
    for trapping in [false, true] {
        let parent = if trapping {
            trapping_agent(&probe).await
        } else {
            agent(&probe).await
        };
        expect_init(&mut events).await;
        for plan in [
            InitPlan::Fail("refused".into()),
            InitPlan::Panic("exploded".into()),
        ] {
            let expected = match &plan {
                InitPlan::Fail(m) => ("init", m.clone()),
                InitPlan::Panic(m) => ("panic", m.clone()),
                _ => unreachable!(),
            };
            let args = AgentArgs::init(&probe, plan);
            let result = parent
                .run(async move { ActorRef::<support::Agent>::start_link(args).await })
                .await
                .expect("the parent answers");
            assert_eq!(init_failure(&result.unwrap_err()), expected);
            let child = expect_init(&mut events).await;
            assert!(!within(child.wait()).await.is_normal());
            // Round trip: any exit signal would have reached the parent before this reply.
            assert_eq!(parent.ping().await, Ok(parent.id()));
            assert!(parent.is_alive());
            assert_no_event(&mut events);
        }
        parent.stop(ExitReason::Normal).await.unwrap();
        assert!(matches!(next(&mut events).await, Event::Terminated { .. }));
    }
}

// A failed start spares only the linked starter: actors that init itself linked to hear the
// exit as from any linked actor (EX-3) — killed if they do not trap, `Info::Exit` if they do.
#[tokio::test(start_paused = true)]
async fn failed_init_still_signals_links_made_by_init() {
    let (probe, mut events) = probe();
    let plain = agent(&probe).await;
    expect_init(&mut events).await;
    let trapping = trapping_agent(&probe).await;
    expect_init(&mut events).await;

    let args = AgentArgs {
        link_in_init: Some(plain.to_any()),
        ..AgentArgs::init(&probe, InitPlan::Fail("gave up".into()))
    };
    let err = ActorRef::<support::Agent>::start(args).await.unwrap_err();
    assert_eq!(init_failure(&err), ("init", "gave up".into()));
    expect_init(&mut events).await;
    assert_eq!(
        within(plain.wait()).await,
        ExitReason::Error("gave up".into())
    );

    let args = AgentArgs {
        link_in_init: Some(trapping.to_any()),
        ..AgentArgs::init(&probe, InitPlan::Panic("init boom".into()))
    };
    ActorRef::<support::Agent>::start(args).await.unwrap_err();
    let child = expect_init(&mut events).await;
    assert_eq!(
        next(&mut events).await,
        Event::Exit {
            watcher: trapping.id(),
            id: child.id(),
            reason: ExitReason::Panic("init boom".into())
        }
    );
    assert!(trapping.is_alive());
}

// A child killed during a `start_link` is a start error for its caller, not its death.
#[tokio::test(start_paused = true)]
async fn killed_during_start_link_spares_the_caller() {
    let (probe, mut events) = probe();
    let parent = agent(&probe).await;
    expect_init(&mut events).await;
    let (_release, gate) = oneshot::channel();
    let args = AgentArgs::init(&probe, InitPlan::Wait(gate));
    let start = tokio::spawn({
        let parent = parent.clone();
        async move {
            parent
                .run(async move {
                    ActorRef::<support::Agent>::start_link(args)
                        .await
                        .map(|_| ())
                })
                .await
        }
    });
    let child = expect_init(&mut events).await;
    child.kill();
    let started = within(start).await.unwrap();
    assert!(
        matches!(started, Ok(Err(StartError::Exited(ExitReason::Killed)))),
        "{started:?}"
    );
    assert_eq!(parent.ping().await, Ok(parent.id()));
    assert!(parent.is_alive());
}

// An actor killed while its init runs: the start fails with `Exited(Killed)`.
#[tokio::test(start_paused = true)]
async fn killed_during_init_is_a_start_error() {
    let (probe, mut events) = probe();
    let (_release, gate) = oneshot::channel();
    let start = tokio::spawn(ActorRef::<support::Agent>::start(AgentArgs::init(
        &probe,
        InitPlan::Wait(gate),
    )));
    let starting = expect_init(&mut events).await;
    starting.kill();
    let err = start.await.unwrap().unwrap_err();
    assert!(
        matches!(err, StartError::Exited(ExitReason::Killed)),
        "{err:?}"
    );
    assert_eq!(starting.wait().await, ExitReason::Killed);
}

// GS-1.1: start_link outside any actor behaves as start (there is nobody to link to), and the
// operations that act for the calling actor say so with a typed error.
#[tokio::test(start_paused = true)]
async fn outside_any_actor_start_link_is_start() {
    let (probe, mut events) = probe();
    let lone = ActorRef::<support::Agent>::start_link(AgentArgs::new(&probe))
        .await
        .unwrap();
    expect_init(&mut events).await;
    assert_eq!(lone.link(), Err(NotInActor));
    assert_eq!(lone.monitor(), Err(NotInActor));
    assert_eq!(lone.to_any().link(), Err(NotInActor));
    lone.cast_ctx(|_| panic!("crash")).unwrap();
    assert_eq!(lone.wait().await, ExitReason::Panic("crash".into()));
}

/// What the `#[actor]` starter's init does.
#[derive(Debug)]
pub(crate) enum Plan {
    Succeed,
    Fail(String),
    Panic(String),
}

/// An `#[actor]` whose init may fail (returns `Result<Self, String>`) and takes `ctx`.
#[derive(Debug)]
pub(crate) struct Starter;

#[actor(vis = pub(crate))]
impl Starter {
    #[init]
    async fn init(args: (support::Probe, Plan), ctx: &mut Context<Self>) -> Result<Self, String> {
        let (probe, plan) = args;
        let _ = probe.send(Event::Init {
            id: ctx.id(),
            current: current_id(),
        });
        let _ = probe.send(Event::Handle(ctx.actor_ref().to_any()));
        match plan {
            Plan::Succeed => Ok(Starter),
            Plan::Fail(why) => Err(why),
            Plan::Panic(why) => panic!("{why}"),
        }
    }

    /// The actor this handler runs as.
    #[call]
    async fn whoami(&self) -> Option<ActorId> {
        current_id()
    }
}

// GS-1 through `#[actor]`: init runs inside the actor; `Err(e)` from init is `StartError::Init`
// with `e`'s text, a panic is `StartError::Panic`; a failed `start_link` inside an actor leaves
// the caller alive.
#[tokio::test(start_paused = true)]
async fn macro_init_results() {
    let (probe, mut events) = probe();
    let ok = Starter::start((probe.clone(), Plan::Succeed))
        .await
        .unwrap();
    let inside = expect_init(&mut events).await;
    assert_eq!(inside.id(), ok.id());
    assert_eq!(ok.whoami().await, Ok(Some(ok.id())));

    let parent = agent(&probe).await;
    expect_init(&mut events).await;
    for (plan, expected, reason) in [
        (
            Plan::Fail("bad config".into()),
            ("init", "bad config".to_string()),
            ExitReason::Error("bad config".into()),
        ),
        (
            Plan::Panic("init exploded".into()),
            ("panic", "init exploded".to_string()),
            ExitReason::Panic("init exploded".into()),
        ),
    ] {
        let args = (probe.clone(), plan);
        let result = parent
            .run(async move { Starter::start_link(args).await.map(|h| h.id()) })
            .await
            .unwrap();
        assert_eq!(init_failure(&result.unwrap_err()), expected);
        let failed = expect_init(&mut events).await;
        assert_eq!(within(failed.wait()).await, reason);
        assert_eq!(parent.ping().await, Ok(parent.id()));
    }
    settle().await;
    assert_no_event(&mut events);
}

// GS-1.3: a start abandoned before it returned (here by a timeout around it) kills the
// half-started actor instead of leaving it running unreachable; a linked caller is unlinked
// first, so it survives.
#[tokio::test(start_paused = true)]
async fn abandoned_start_kills_the_half_started_actor() {
    let (probe, mut events) = probe();
    let (_release, gate) = oneshot::channel();
    let start = ActorRef::<support::Agent>::start(AgentArgs::init(&probe, InitPlan::Wait(gate)));
    let abandoned = tokio::time::timeout(std::time::Duration::from_secs(1), start).await;
    assert!(abandoned.is_err(), "init cannot have finished");
    let orphan = expect_init(&mut events).await;
    assert_eq!(within(orphan.wait()).await, ExitReason::Killed);

    let parent = agent(&probe).await;
    expect_init(&mut events).await;
    let (_release, gate) = oneshot::channel();
    let args = AgentArgs::init(&probe, InitPlan::Wait(gate));
    let abandoned = parent
        .run(async move {
            let start = ActorRef::<support::Agent>::start_link(args);
            tokio::time::timeout(std::time::Duration::from_secs(1), start)
                .await
                .is_err()
        })
        .await;
    assert_eq!(abandoned, Ok(true));
    let orphan = expect_init(&mut events).await;
    assert_eq!(within(orphan.wait()).await, ExitReason::Killed);
    assert_eq!(parent.ping().await, Ok(parent.id()));
}

/// How many times a `Quitter`'s `terminate` ran.
static QUITTER_TERMINATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Stops itself from `init` when asked to.
#[derive(Debug)]
pub(crate) struct Quitter;

#[actor]
impl Quitter {
    #[init]
    async fn init(ctx: &mut Context<Self>, quit: bool) -> Self {
        if quit {
            ctx.stop(ExitReason::ShutdownWith("not today".into()));
        }
        Quitter
    }

    #[terminate]
    async fn terminate(&mut self, _reason: &ExitReason) {
        QUITTER_TERMINATED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    #[call]
    async fn ping(&self) -> bool {
        true
    }
}

// GS-1.2: `{:stop, reason}` from init — `ctx.stop` inside `init` fails the start with that
// reason, nothing keeps running, and a linked caller is not hit.
#[tokio::test]
async fn ctx_stop_in_init_fails_the_start_with_its_reason() {
    let before = alive_tasks();
    let reason = ExitReason::ShutdownWith("not today".into());
    let started = Quitter::start_link(true).await.map(|h| h.id());
    assert!(
        matches!(&started, Err(StartError::Exited(r)) if *r == reason),
        "{started:?}"
    );
    assert_eq!(alive_tasks(), before, "the stopped actor's task is gone");
    assert_eq!(
        QUITTER_TERMINATED.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "terminate does not run when init stops"
    );
    let ok = Quitter::start(false)
        .await
        .expect("starts when not asked to quit");
    assert_eq!(ok.ping().await, Ok(true));
}

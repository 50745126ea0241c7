//! Via names: `start_via`, `whereis`, `Named` handles (otp-semantics REG-9, GS-1.5).

mod registry_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{Keys, Named, Registry, StartOptions};
use registry_support::{Agent, AgentMsg, Setup, agent, run_async, run_ctx};

fn name(s: &str) -> String {
    s.to_string()
}

fn setup(
    f: impl FnOnce(&mut Context<Agent>) -> Result<(), String> + Send + 'static,
) -> Option<Setup> {
    Some(Box::new(f))
}

// REG-9.2, GS-1.5: the name is taken inside the new actor before init runs (init already finds
// itself registered); whereis finds the live actor, typed.
#[tokio::test]
async fn start_via_registers_before_init() {
    let reg = Registry::<String>::new(Keys::Unique);
    let seen_in_init = Arc::new(Mutex::new(None));
    let (r, seen) = (reg.clone(), seen_in_init.clone());
    let a = ActorRef::<Agent>::start_via(
        &reg,
        name("w"),
        setup(move |ctx| {
            *seen.lock().unwrap() = Some((r.whereis(&name("w")).map(|x| x.id()), ctx.id()));
            Ok(())
        }),
    )
    .await
    .unwrap();
    assert_eq!(*seen_in_init.lock().unwrap(), Some((Some(a.id()), a.id())));
    assert_eq!(
        ActorRef::<Agent>::whereis(&reg, &name("w")),
        Some(a.clone())
    );
    assert_eq!(reg.keys(a.id()), vec![name("w")]);
}

// REG-9.2: a taken name fails the start with AlreadyStarted(holder); init never runs.
#[tokio::test]
async fn a_taken_name_fails_the_start_with_the_holder() {
    let reg = Registry::<String>::new(Keys::Unique);
    let first = ActorRef::<Agent>::start_via(&reg, name("w"), None)
        .await
        .unwrap();
    let init_ran = Arc::new(Mutex::new(false));
    let flag = init_ran.clone();
    let second = ActorRef::<Agent>::start_via(
        &reg,
        name("w"),
        setup(move |_| {
            *flag.lock().unwrap() = true;
            Ok(())
        }),
    )
    .await;
    assert!(matches!(
        second.unwrap_err(),
        StartError::AlreadyStarted(holder) if holder == first.id()
    ));
    assert!(!*init_ran.lock().unwrap());
    assert_eq!(reg.count(), 1);
    assert!(first.is_alive());
}

// GS-1.5: if init fails the name is free again before start returns.
#[tokio::test]
async fn a_failed_init_releases_the_name() {
    let reg = Registry::<String>::new(Keys::Unique);
    let err = ActorRef::<Agent>::start_via(&reg, name("w"), setup(|_| Err("no".into())))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StartError::Init(e) if e.to_string() == "no"),
        "{err:?}"
    );
    assert!(reg.whereis(&name("w")).is_none());
    assert_eq!(reg.count(), 0);
    // A panicking init too.
    let err = ActorRef::<Agent>::start_via(&reg, name("w"), setup(|_| panic!("init blew up")))
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::Panic(_)));
    assert_eq!(reg.count(), 0);
    let ok = ActorRef::<Agent>::start_via(&reg, name("w"), None)
        .await
        .unwrap();
    assert_eq!(reg.whereis(&name("w")).map(|x| x.id()), Some(ok.id()));
}

// REG-9.3: whereis returns only a live holder; absent or dead is None; a holder of another
// actor type is None for the typed lookup but found untyped.
#[tokio::test]
async fn whereis_never_returns_a_dead_or_foreign_actor() {
    struct Other;
    impl Actor for Other {
        type Args = ();
        type Message = ();
        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, beamish::InitError> {
            Ok(Other)
        }
        async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }
    let reg = Registry::<String>::new(Keys::Unique);
    assert!(ActorRef::<Agent>::whereis(&reg, &name("nobody")).is_none());
    let other = ActorRef::<Other>::start_via(&reg, name("o"), ())
        .await
        .unwrap();
    assert!(ActorRef::<Agent>::whereis(&reg, &name("o")).is_none());
    assert_eq!(reg.whereis(&name("o")).map(|x| x.id()), Some(other.id()));
    assert_eq!(
        ActorRef::<Other>::whereis(&reg, &name("o")),
        Some(other.clone())
    );
    other.kill();
    other.wait().await;
    assert!(ActorRef::<Other>::whereis(&reg, &name("o")).is_none());
}

// REG-9.3, REG-9.4: a Named handle resolves at every call: no holder → NoProc; a new holder under
// the same name (as after a restart) is reached by the same handle.
#[tokio::test]
async fn named_handles_resolve_at_every_call() {
    let reg = Registry::<String>::new(Keys::Unique);
    let named = Named::<Agent>::new(&reg, name("svc"));
    let ping = |n: &Named<Agent>| {
        let n = n.clone();
        async move {
            n.call(|reply| {
                AgentMsg::Run(Box::new(move |ctx: &mut Context<Agent>| {
                    reply.send(ctx.id());
                }))
            })
            .await
        }
    };
    assert_eq!(ping(&named).await, Err(CallError::NoProc));
    assert_eq!(
        named.cast(AgentMsg::Panic("x".into())),
        Err(SendError::NoProc)
    );
    let first = ActorRef::<Agent>::start_via(&reg, name("svc"), None)
        .await
        .unwrap();
    assert_eq!(ping(&named).await, Ok(first.id()));
    first.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(ping(&named).await, Err(CallError::NoProc));
    let second = ActorRef::<Agent>::start_via(&reg, name("svc"), None)
        .await
        .unwrap();
    assert_eq!(
        ping(&named.with_timeout(Duration::from_secs(1))).await,
        Ok(second.id())
    );
}

// REG-9.5: a via registration with a value, through `register_on_start` and `StartOptions`.
#[tokio::test]
async fn a_via_name_with_a_value() {
    let reg = Registry::<String, u32>::new(Keys::Unique);
    let a = ActorRef::<Agent>::start_with(
        None,
        StartOptions::new().before_init(reg.register_on_start(name("w"), 42)),
    )
    .await
    .unwrap();
    assert_eq!(reg.values(&name("w"), a.id()), vec![42]);
    // The same hook on a taken name reports the holder, as start_via does.
    let err = ActorRef::<Agent>::start_with(
        None,
        StartOptions::new().before_init(reg.register_on_start(name("w"), 1)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StartError::AlreadyStarted(holder) if holder == a.id()),
        "{err:?}"
    );
}

// GS-1.5 with a link: start_link_via links the new actor to the calling actor, and the child's
// name is free before the (trapping) parent hears of its death.
#[tokio::test]
async fn start_link_via_links_to_the_caller() {
    let reg = Registry::<String>::new(Keys::Unique);
    let parent = agent().await;
    run_ctx(&parent, |ctx| ctx.trap_exit(true)).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let r = reg.clone();
    registry_support::on_info(&parent, move |info, _| {
        if let Info::Exit { id, reason } = info {
            let _ = tx.send((id, reason, r.whereis(&name("child")).is_none()));
        }
    })
    .await;
    let r = reg.clone();
    let child = run_async(&parent, move || async move {
        ActorRef::<Agent>::start_link_via(&r, name("child"), None).await
    })
    .await
    .unwrap();
    assert_eq!(
        reg.whereis(&name("child")).map(|x| x.id()),
        Some(child.id())
    );
    child.kill();
    let (id, reason, free) = rx.recv().await.unwrap();
    assert_eq!((id, reason, free), (child.id(), ExitReason::Killed, true));
}

// REG-9.3, typed lookups: two actor types with the same message type are still different types;
// a typed whereis (and a downcast) never hands back the other one.
#[tokio::test]
async fn typed_lookups_tell_apart_actors_that_share_a_message_type() {
    struct Left;
    struct Right;
    impl Actor for Left {
        type Args = ();
        type Message = u8;
        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, beamish::InitError> {
            Ok(Left)
        }
        async fn handle(&mut self, _: u8, _: &mut Context<Self>) {}
    }
    impl Actor for Right {
        type Args = ();
        type Message = u8;
        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, beamish::InitError> {
            Ok(Right)
        }
        async fn handle(&mut self, _: u8, _: &mut Context<Self>) {}
    }
    let reg = Registry::<String>::new(Keys::Unique);
    let left = ActorRef::<Left>::start_via(&reg, name("l"), ())
        .await
        .unwrap();
    assert_eq!(
        ActorRef::<Left>::whereis(&reg, &name("l")),
        Some(left.clone())
    );
    assert!(ActorRef::<Right>::whereis(&reg, &name("l")).is_none());
    assert!(left.to_any().downcast::<Right>().is_none());
    assert!(left.to_any().downcast::<Left>().is_some());
}

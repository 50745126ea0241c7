//! A start's answer: the starter gets it whichever way `init` ends and whenever it ends
//! (before the starter first waits for it, or while it waits), and a start
//! whose actor's task is dropped before answering (its runtime shut down) fails instead of
//! waiting for ever.

use std::time::Duration;

use beamish::prelude::*;
use beamish::{ExitReason, InitError, StartError};

/// How `init` ends: after `yields` yields, it returns, fails, panics or stops.
#[derive(Clone, Copy)]
enum Ending {
    Ok,
    Fail,
    Panic,
    Stop,
}

struct Starts;

impl Actor for Starts {
    type Args = (Ending, u32);
    type Message = ();

    async fn init(
        (ending, yields): (Ending, u32),
        ctx: &mut Context<Self>,
    ) -> Result<Self, InitError> {
        for _ in 0..yields {
            tokio::task::yield_now().await;
        }
        match ending {
            Ending::Ok => Ok(Starts),
            Ending::Fail => Err(InitError::msg("refused")),
            Ending::Panic => panic!("init panicked"),
            Ending::Stop => {
                ctx.stop(ExitReason::Normal);
                Ok(Starts)
            }
        }
    }

    async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}
}

/// Thousands of starts from tasks on four workers, each `init` ending one of four ways after
/// 0–2 yields (so that the answer may be there before the starter first waits for it, or come
/// while it waits): every starter gets its own answer, none waits for ever (each start is
/// bounded, so that a lost wake-up fails the test instead of hanging it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_start_gets_its_answer_however_and_whenever_init_ends() {
    let starters: Vec<_> = (0..2_000u32)
        .map(|i| {
            let ending = [Ending::Ok, Ending::Fail, Ending::Panic, Ending::Stop][(i % 4) as usize];
            tokio::spawn(async move {
                let start = ActorRef::<Starts>::start((ending, i % 3));
                let answer = tokio::time::timeout(Duration::from_secs(10), start)
                    .await
                    .expect("a start answered");
                match (ending, answer) {
                    (Ending::Ok, Ok(actor)) => {
                        actor.stop(ExitReason::Normal).await.expect("stopped");
                    }
                    (Ending::Fail, Err(StartError::Init(e))) => {
                        assert_eq!(e.to_string(), "refused")
                    }
                    (Ending::Panic, Err(StartError::Panic(p))) => assert_eq!(p, "init panicked"),
                    (Ending::Stop, Err(StartError::Exited(ExitReason::Normal))) => {}
                    (_, other) => panic!("start {i}: unexpected answer {other:?}"),
                }
            })
        })
        .collect();
    for starter in starters {
        starter.await.expect("a starter");
    }
}

/// An actor whose `init` never ends, on a runtime that shuts down: its task is dropped without
/// an answer, and the start, awaited from a thread outside that runtime, fails as a kill
/// instead of waiting for ever.
#[test]
fn a_start_whose_runtime_shuts_down_during_init_fails_as_a_kill() {
    struct Stuck;
    impl Actor for Stuck {
        type Args = std::sync::mpsc::Sender<()>;
        type Message = ();
        async fn init(entered: Self::Args, _ctx: &mut Context<Self>) -> Result<Self, InitError> {
            let _ = entered.send(());
            std::future::pending().await
        }
        async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let handle = rt.handle().clone();
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let (answer_tx, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let answer = handle.block_on(ActorRef::<Stuck>::start(entered_tx));
        let _ = answer_tx.send(answer.map(|_| ()));
    });
    entered.recv().expect("init runs");
    rt.shutdown_background();
    let answer = answer
        .recv_timeout(Duration::from_secs(10))
        .expect("the start answered once its task was dropped");
    assert!(
        matches!(answer, Err(StartError::Exited(ExitReason::Killed))),
        "{answer:?}"
    );
}

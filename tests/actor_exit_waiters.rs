//! Waiters racing an exit: every `wait` returns with the exit reason, whether it began long
//! before the exit, while the exit path ran, or after it; and waits given up on before the exit
//! leave nothing behind that would make a later one miss it.

use std::time::Duration;

use beamish::ExitReason;
use beamish::prelude::*;

struct Idle;

impl Actor for Idle {
    type Args = ();
    type Message = ();

    async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
        Ok(Idle)
    }

    async fn handle(&mut self, (): (), _ctx: &mut Context<Self>) {}
}

/// A wait bounded at 10 s, so that a lost wake-up fails the test instead of hanging it.
async fn wait_bounded(actor: &ActorRef<Idle>) -> ExitReason {
    tokio::time::timeout(Duration::from_secs(10), actor.wait())
        .await
        .expect("a waiter woken by the exit")
}

/// Thousands of actors on four workers, each with waiters spawned before it is stopped and
/// while it stops (so that some count themselves while the exit path runs), and one more wait
/// that was given up on before the exit: every waiter gets the stop's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_wait_gets_the_exit_whenever_it_began() {
    let reason = ExitReason::ShutdownWith("done".into());
    let rounds: Vec<_> = (0..2_000u32)
        .map(|i| {
            let reason = reason.clone();
            tokio::spawn(async move {
                let actor = ActorRef::<Idle>::start(()).await.expect("start");
                // Given up on before the exit: counted, then uncounted.
                let abandoned = tokio::time::timeout(Duration::ZERO, actor.wait()).await;
                assert!(abandoned.is_err(), "the actor is alive");
                let early: Vec<_> = (0..i % 3)
                    .map(|_| {
                        let actor = actor.clone();
                        tokio::spawn(async move { wait_bounded(&actor).await })
                    })
                    .collect();
                let stopper = {
                    let (actor, reason) = (actor.clone(), reason.clone());
                    tokio::spawn(async move {
                        tokio::time::timeout(Duration::from_secs(10), actor.stop(reason))
                            .await
                            .expect("a stop woken by the exit")
                    })
                };
                let racing: Vec<_> = (0..2)
                    .map(|_| {
                        let actor = actor.clone();
                        tokio::spawn(async move { wait_bounded(&actor).await })
                    })
                    .collect();
                assert_eq!(stopper.await.expect("stopper"), Ok(()));
                for waiter in early.into_iter().chain(racing) {
                    assert_eq!(waiter.await.expect("waiter"), reason);
                }
                assert_eq!(wait_bounded(&actor).await, reason);
            })
        })
        .collect();
    for round in rounds {
        round.await.expect("round");
    }
}

/// Two waits in one task share its waker: giving one up leaves the other registered (a waker
/// list that told waiters apart by their wakers would drop both), on a multi-thread runtime,
/// against a stop from another task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn giving_up_one_of_two_waits_in_a_task_keeps_the_other() {
    for _ in 0..2_000 {
        let actor = ActorRef::<Idle>::start(()).await.expect("start");
        let mut kept = std::pin::pin!(actor.wait());
        {
            let given_up = actor.wait();
            // Both polled once (registered, the actor being alive), then one dropped.
            tokio::select! {
                biased;
                r = &mut kept => panic!("the actor is alive, yet the wait returned {r:?}"),
                r = given_up => panic!("the actor is alive, yet the wait returned {r:?}"),
                () = std::future::ready(()) => {}
            }
        }
        let stopper = {
            let actor = actor.clone();
            tokio::spawn(async move { actor.stop(ExitReason::Normal).await })
        };
        let reason = tokio::time::timeout(Duration::from_secs(10), kept)
            .await
            .expect("the kept wait woken by the exit");
        assert_eq!(reason, ExitReason::Normal);
        assert_eq!(stopper.await.expect("stopper"), Ok(()));
    }
}

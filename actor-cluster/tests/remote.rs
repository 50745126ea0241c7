//! Remote calls and casts through the same generated handle type, against a real nats-server:
//! answers, ordering, `NoProc` for a dead actor, `Exited` for one dying mid-call, timeouts.

mod support;

use std::time::{Duration, Instant};

use beamish::prelude::*;
use support::{Counter, CounterHandle, Entry, node, server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_handle_type_calls_and_casts_across_nodes() {
    let server = server();
    let a = node(&server, "t1", "a").await;
    let b = node(&server, "t1", "b").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();

    let local: CounterHandle = Counter::start_via(&names_a, "c1", 10).await.unwrap();
    assert!(!local.actor_ref().is_remote());

    // Node b sees the name through its cache (one watch delivery after the create).
    let remote: CounterHandle = wait_for(|| names_b.whereis("c1")).await;
    assert!(remote.actor_ref().is_remote());
    assert!(remote.is_alive());
    assert_ne!(remote.id(), local.id(), "a remote id carries its node part");

    assert_eq!(remote.add(5).await, Ok(15));
    let entry = Entry {
        key: "k".into(),
        hits: 3,
    };
    assert_eq!(
        remote.echo(entry.clone(), 3).await,
        Ok(vec![entry.clone(), entry.clone(), entry])
    );
    // Casts and calls from one node keep their order.
    for _ in 0..100 {
        remote.bump().unwrap();
    }
    assert_eq!(remote.get().await, Ok(115));
    assert_eq!(local.get().await, Ok(115));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_remote_actor_answers_noproc_at_once() {
    let server = server();
    let a = node(&server, "t2", "a").await;
    let b = node(&server, "t2", "b").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();
    let local: CounterHandle = Counter::start_via(&names_a, "c", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("c")).await;
    assert_eq!(remote.get().await, Ok(0));

    local.stop(ExitReason::Normal).await.unwrap();
    // The stand-in learns of the exit from a's `down` frame: then calls fail without a trip.
    assert_eq!(remote.wait().await, ExitReason::Normal);
    let started = Instant::now();
    assert_eq!(remote.get().await, Err(CallError::NoProc));
    assert!(started.elapsed() < Duration::from_millis(50));

    // A fresh handle to the dead actor (made before the stand-in knew): a's node answers
    // `noproc` itself.
    let fresh = remote.with_timeout(Duration::from_secs(5));
    assert_eq!(fresh.add(1).await, Err(CallError::NoProc));
    // And the name is gone everywhere.
    wait_until(|| names_b.whereis::<CounterHandle>("c").is_none()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_actor_dying_mid_call_gives_its_exit_reason_and_timeouts_hold() {
    let server = server();
    let a = node(&server, "t3", "a").await;
    let b = node(&server, "t3", "b").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();
    Counter::start_via(&names_a, "c", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("c")).await;

    assert_eq!(
        remote
            .with_timeout(Duration::from_millis(100))
            .stall(2_000)
            .await,
        Err(CallError::Timeout)
    );
    match remote.crash().await {
        Err(CallError::Exited(ExitReason::Panic(msg))) => assert!(msg.contains("asked to crash")),
        other => panic!("expected the panic as the exit reason, got {other:?}"),
    }
    assert!(matches!(remote.wait().await, ExitReason::Panic(_)));
}

/// Polls `f` until it gives a value (a cache filled by a watch), at most 5 s.
async fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "not seen within 5 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_until(mut f: impl FnMut() -> bool) {
    wait_for(|| f().then_some(())).await;
}

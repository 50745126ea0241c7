//! `Registry::lock` (REG-11): a FIFO lock per key, released however its holder ends.

mod registry_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use beamish::prelude::*;
use beamish::{Keys, Registry};
use registry_support::{AgentMsg, agent, run};
use tokio::sync::oneshot;

/// A guard against a hang turning into a stuck test run: a broken lock fails here instead.
async fn soon<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("the lock was released")
}

/// Lets every other task on this current-thread runtime run until it blocks.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

// REG-11: the same key is served in FIFO order while a holder keeps it.
#[tokio::test(flavor = "current_thread")]
async fn one_key_is_served_first_come_first_served() {
    let reg = Registry::<String>::new(Keys::Unique);
    let order = Arc::new(Mutex::new(Vec::new()));
    let (release, released) = oneshot::channel::<()>();
    let r = reg.clone();
    let holder = tokio::spawn(async move {
        r.lock("k".into(), async {
            let _ = released.await;
        })
        .await;
    });
    settle().await;
    let mut waiters = Vec::new();
    for i in 0..3 {
        let (r, order) = (reg.clone(), order.clone());
        waiters.push(tokio::spawn(async move {
            r.lock("k".into(), async { order.lock().unwrap().push(i) })
                .await;
        }));
        settle().await;
    }
    assert!(order.lock().unwrap().is_empty(), "nobody passed the holder");
    release.send(()).unwrap();
    holder.await.unwrap();
    for w in waiters {
        soon(w).await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2]);
}

// REG-11: different lock keys never block each other; lock keys are not registrations.
#[tokio::test(flavor = "current_thread")]
async fn different_keys_do_not_block_and_locks_are_not_registrations() {
    let reg = Registry::<String>::new(Keys::Unique);
    let (release, released) = oneshot::channel::<()>();
    let r = reg.clone();
    let holder = tokio::spawn(async move {
        r.lock("a".into(), async {
            let _ = released.await;
        })
        .await;
    });
    settle().await;
    assert_eq!(soon(reg.lock("b".into(), async { 7 })).await, 7);
    assert_eq!(reg.count(), 0);
    assert!(reg.whereis(&"a".to_string()).is_none());
    // A registered key can be locked by anyone; the registration is untouched.
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || r.register("b".into(), ())).await.unwrap();
    assert_eq!(soon(reg.lock("b".into(), async { 8 })).await, 8);
    assert_eq!(reg.whereis(&"b".to_string()).map(|x| x.id()), Some(a.id()));
    release.send(()).unwrap();
    holder.await.unwrap();
}

// REG-11: a panic inside the locked function reaches the holder and releases the lock.
#[tokio::test]
async fn a_panic_releases_the_lock() {
    let reg = Registry::<String>::new(Keys::Duplicate);
    let a = agent().await;
    let r = reg.clone();
    a.cast(AgentMsg::RunAsync(Box::new(move || {
        Box::pin(async move {
            r.lock("k".into(), async { panic!("inside the lock") })
                .await;
        })
    })))
    .unwrap();
    assert!(matches!(a.wait().await, ExitReason::Panic(m) if m.contains("inside the lock")));
    assert_eq!(soon(reg.lock("k".into(), async { 1 })).await, 1);
}

// REG-11: killing the holder releases the lock (its future is dropped), and the next waiter runs.
#[tokio::test]
async fn killing_the_holder_releases_the_lock() {
    let reg = Registry::<String>::new(Keys::Unique);
    let holder = agent().await;
    let (locked, is_locked) = oneshot::channel::<()>();
    let r = reg.clone();
    holder
        .cast(AgentMsg::RunAsync(Box::new(move || {
            Box::pin(async move {
                r.lock("k".into(), async move {
                    let _ = locked.send(());
                    std::future::pending::<()>().await;
                })
                .await;
            })
        })))
        .unwrap();
    is_locked.await.unwrap();
    let r = reg.clone();
    let waiter = tokio::spawn(async move { r.lock("k".into(), async { "mine" }).await });
    holder.kill();
    assert_eq!(holder.wait().await, ExitReason::Killed);
    assert_eq!(soon(waiter).await.unwrap(), "mine");
}

// REG-11: a waiter that goes away (its task aborted) leaves the queue; the lock still works.
#[tokio::test(flavor = "current_thread")]
async fn a_waiter_that_goes_away_leaves_the_queue() {
    let reg = Registry::<u32>::new(Keys::Unique);
    let (release, released) = oneshot::channel::<()>();
    let r = reg.clone();
    let holder = tokio::spawn(async move {
        r.lock(1, async {
            let _ = released.await;
        })
        .await;
    });
    settle().await;
    let r = reg.clone();
    let quitter = tokio::spawn(async move { r.lock(1, async {}).await });
    settle().await;
    quitter.abort();
    assert!(quitter.await.unwrap_err().is_cancelled());
    release.send(()).unwrap();
    holder.await.unwrap();
    assert_eq!(soon(reg.lock(1, async { 2 })).await, 2);
    // And again, so the tidied-up entry is recreated correctly.
    assert_eq!(soon(reg.lock(1, async { 3 })).await, 3);
}

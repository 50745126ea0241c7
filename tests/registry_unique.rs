//! Unique-key registries: register, unregister, lookup, update_value, meta, listeners, and the
//! errors of bad input (otp-semantics §2).

mod registry_support;

use std::sync::{Arc, Mutex};

use beamish::prelude::*;
use beamish::{Keys, Registry, RegistryError, RegistryEvent};
use registry_support::{Agent, agent, run, run_ctx};

fn key(s: &str) -> String {
    s.to_string()
}

// REG-2.1: `register` registers the calling actor; lookup, whereis and keys see it.
#[tokio::test]
async fn register_registers_the_calling_actor() {
    let reg = Registry::<String, u32>::new(Keys::Unique);
    let a = agent().await;
    let r = reg.clone();
    assert_eq!(run(&a, move || r.register(key("a"), 7)).await, Ok(()));
    let found = reg.lookup(&key("a"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0.id(), a.id());
    assert_eq!(found[0].1, 7);
    assert_eq!(reg.whereis(&key("a")).map(|x| x.id()), Some(a.id()));
    assert_eq!(reg.keys(a.id()), vec![key("a")]);
    assert_eq!(reg.count(), 1);
}

// REG-2.2: a key held by a live actor cannot be taken, not even by the holder itself; the error
// names the holder.
#[tokio::test]
async fn a_held_key_is_refused_with_the_holder() {
    let reg = Registry::<String>::new(Keys::Unique);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || r.register(key("k"), ())).await.unwrap();
    let r = reg.clone();
    let err = run(&b, move || r.register(key("k"), ())).await;
    assert_eq!(err, Err(RegistryError::AlreadyRegistered(a.id())));
    let r = reg.clone();
    let again = run(&a, move || r.register(key("k"), ())).await;
    assert_eq!(again, Err(RegistryError::AlreadyRegistered(a.id())));
    // REG-2.4: the failed attempts left nothing behind.
    assert_eq!(reg.count(), 1);
    assert!(reg.keys(b.id()).is_empty());
    assert_eq!(reg.keys(a.id()), vec![key("k")]);
}

// REG-2.2, REG-3.3 (beamish's stronger promise): once the holder's exit can be observed, the key
// is free; no read returns the dead holder.
#[tokio::test]
async fn a_dead_holders_key_is_free_as_soon_as_its_exit_is_seen() {
    let reg = Registry::<String>::new(Keys::Unique);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || r.register(key("k"), ())).await.unwrap();
    a.kill();
    assert_eq!(a.wait().await, ExitReason::Killed);
    assert!(reg.whereis(&key("k")).is_none());
    assert!(reg.lookup(&key("k")).is_empty());
    assert!(reg.keys(a.id()).is_empty());
    assert_eq!(reg.count(), 0);
    let r = reg.clone();
    assert_eq!(run(&b, move || r.register(key("k"), ())).await, Ok(()));
}

// REG-2.4: a failed registration changes nothing: count, keys, the holder's value.
#[tokio::test]
async fn a_failed_registration_leaves_nothing_behind() {
    let reg = Registry::<String, &'static str>::new(Keys::Unique);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || r.register(key("k"), "first"))
        .await
        .unwrap();
    let r = reg.clone();
    run(&b, move || r.register(key("k"), "second"))
        .await
        .unwrap_err();
    assert_eq!(reg.count(), 1);
    assert_eq!(reg.lookup(&key("k"))[0].1, "first");
    assert!(reg.keys(b.id()).is_empty());
    // b's exit must not disturb a's entry either.
    b.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(reg.whereis(&key("k")).map(|x| x.id()), Some(a.id()));
}

// REG-2.5: keys compare by equality, never as patterns: a key that looks like a wildcard is an
// ordinary key, and a tuple key matches only an equal tuple.
#[tokio::test]
async fn keys_are_compared_exactly_never_as_patterns() {
    let reg = Registry::<(String, u32)>::new(Keys::Unique);
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || {
        r.register((key("_"), 1), ()).unwrap();
        r.register((key("$1"), 2), ()).unwrap();
    })
    .await;
    assert_eq!(reg.lookup(&(key("_"), 1)).len(), 1);
    assert!(reg.lookup(&(key("_"), 2)).is_empty());
    assert!(reg.lookup(&(key("x"), 1)).is_empty());
    assert!(reg.whereis(&(key("$1"), 1)).is_none());
    assert_eq!(reg.count(), 2);
}

// REG-3.1: unregister removes the caller's entry and answers how many it removed; removing
// nothing is fine. Another actor's entry is never touched.
#[tokio::test]
async fn unregister_removes_only_the_callers_entry() {
    let reg = Registry::<String>::new(Keys::Unique);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || r.register(key("k"), ())).await.unwrap();
    let r = reg.clone();
    assert_eq!(run(&b, move || r.unregister(&key("k"))).await, Ok(0));
    assert_eq!(reg.whereis(&key("k")).map(|x| x.id()), Some(a.id()));
    let r = reg.clone();
    assert_eq!(run(&a, move || r.unregister(&key("k"))).await, Ok(1));
    assert!(reg.whereis(&key("k")).is_none());
    assert!(reg.keys(a.id()).is_empty());
    let r = reg.clone();
    assert_eq!(run(&a, move || r.unregister(&key("k"))).await, Ok(0));
    let r = reg.clone();
    assert_eq!(run(&b, move || r.register(key("k"), ())).await, Ok(()));
}

// REG-4.2, REG-4.3: keys and values per actor.
#[tokio::test]
async fn keys_and_values_of_an_actor() {
    let reg = Registry::<String, u32>::new(Keys::Unique);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || {
        r.register(key("x"), 1).unwrap();
        r.register(key("y"), 2).unwrap();
    })
    .await;
    let mut keys = reg.keys(a.id());
    keys.sort();
    assert_eq!(keys, vec![key("x"), key("y")]);
    assert!(reg.keys(b.id()).is_empty());
    assert_eq!(reg.values(&key("x"), a.id()), vec![1]);
    assert!(reg.values(&key("x"), b.id()).is_empty());
    assert!(reg.values(&key("z"), a.id()).is_empty());
}

// REG-4.4, REG-5: count, match_, count_match, select, count_select on a unique registry.
#[tokio::test]
async fn queries_over_a_unique_registry() {
    let reg = Registry::<String, u32>::new(Keys::Unique);
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || {
        for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
            r.register(key(k), i as u32).unwrap();
        }
    })
    .await;
    assert_eq!(reg.count(), 3);
    assert_eq!(reg.match_(&key("b"), |v| *v == 1).len(), 1);
    assert!(reg.match_(&key("b"), |v| *v == 2).is_empty());
    assert_eq!(reg.count_match(&key("c"), |v| *v > 1), 1);
    assert_eq!(reg.count_match(&key("nope"), |_| true), 0);
    let mut big: Vec<String> = reg.select(|k, _, v| (*v >= 1).then(|| k.clone()));
    big.sort();
    assert_eq!(big, vec![key("b"), key("c")]);
    assert_eq!(reg.count_select(|_, actor, _| actor.id() == a.id()), 3);
    // An empty registry gives nothing.
    let empty = Registry::<String, u32>::new(Keys::Unique);
    assert!(empty.select(|_, _, v| Some(*v)).is_empty());
    assert_eq!(empty.count(), 0);
}

// REG-7: update_value changes the caller's own value and returns (new, old); a key the caller
// does not hold is an error and the function is not called.
#[tokio::test]
async fn update_value_only_for_the_holder() {
    let reg = Registry::<String, u32>::new(Keys::Unique);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || r.register(key("k"), 1)).await.unwrap();
    let r = reg.clone();
    assert_eq!(
        run(&a, move || r.update_value(&key("k"), |v| v + 10)).await,
        Ok((11, 1))
    );
    assert_eq!(reg.lookup(&key("k"))[0].1, 11);
    let called = Arc::new(Mutex::new(false));
    let (r, c) = (reg.clone(), called.clone());
    let res = run(&b, move || {
        r.update_value(&key("k"), |v| {
            *c.lock().unwrap() = true;
            *v
        })
    })
    .await;
    assert_eq!(res, Err(RegistryError::NotHeld));
    let (r, c) = (reg.clone(), called.clone());
    let res = run(&a, move || {
        r.update_value(&key("missing"), |v| {
            *c.lock().unwrap() = true;
            *v
        })
    })
    .await;
    assert_eq!(res, Err(RegistryError::NotHeld));
    assert!(!*called.lock().unwrap());
    assert_eq!(reg.lookup(&key("k"))[0].1, 11);
}

// REG-8: metadata is a separate namespace, typed, with initial values from the builder.
#[tokio::test]
async fn metadata_is_separate_and_typed() {
    let reg = Registry::<String>::builder(Keys::Unique)
        .meta("region", key("eu-west"))
        .build()
        .unwrap();
    assert_eq!(reg.meta::<String>("region"), Some(key("eu-west")));
    assert_eq!(reg.meta::<u32>("region"), None, "another type is not found");
    assert_eq!(reg.meta::<u32>("limit"), None);
    reg.put_meta("limit", 5u32);
    assert_eq!(reg.meta::<u32>("limit"), Some(5));
    reg.put_meta("limit", 6u32);
    assert_eq!(reg.meta::<u32>("limit"), Some(6));
    assert!(reg.delete_meta("limit"));
    assert!(!reg.delete_meta("limit"));
    assert_eq!(reg.meta::<u32>("limit"), None);
    // Metadata never shows up as a registration, and registrations never as metadata.
    assert_eq!(reg.count(), 0);
    assert!(reg.whereis(&key("region")).is_none());
}

// REG-2.6, REG-3.1, REG-10: listeners hear register and unregister, before the call returns,
// with the registering actor; not a no-op unregister, not update_value, not an exit.
#[tokio::test]
async fn listeners_hear_register_and_unregister_only() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let reg = Registry::<String, u32>::builder(Keys::Unique)
        .listener(move |e: &RegistryEvent<String, u32>| sink.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    let a = agent().await;
    let (r, ev) = (reg.clone(), events.clone());
    // Heard before `register` returns, inside the caller.
    let seen_at_return = run(&a, move || {
        r.register(key("k"), 1).unwrap();
        ev.lock().unwrap().len()
    })
    .await;
    assert_eq!(seen_at_return, 1);
    let r = reg.clone();
    run(&a, move || {
        r.update_value(&key("k"), |v| v + 1).unwrap();
        r.unregister(&key("nothing-here")).unwrap();
        r.unregister(&key("k")).unwrap();
        r.register(key("k2"), 3).unwrap();
    })
    .await;
    a.kill();
    a.wait().await;
    assert!(reg.whereis(&key("k2")).is_none());
    let got = events.lock().unwrap().clone();
    assert_eq!(
        got,
        vec![
            RegistryEvent::Registered {
                key: key("k"),
                actor: a.to_any(),
                value: 1
            },
            RegistryEvent::Unregistered {
                key: key("k"),
                actor: a.to_any()
            },
            RegistryEvent::Registered {
                key: key("k2"),
                actor: a.to_any(),
                value: 3
            },
        ]
    );
}

// REG-1.1: bad options are a typed error, not a panic.
#[test]
fn zero_partitions_is_an_error() {
    let err = Registry::<String>::builder(Keys::Unique)
        .partitions(0)
        .build()
        .unwrap_err();
    assert_eq!(err, RegistryError::ZeroPartitions);
    let err = Registry::<String>::builder(Keys::Unique)
        .partitions(usize::MAX)
        .build()
        .unwrap_err();
    assert_eq!(err, RegistryError::TooManyPartitions(usize::MAX));
    let ok = Registry::<String>::builder(Keys::Duplicate)
        .partitions(3)
        .build()
        .unwrap();
    assert_eq!(ok.partitions(), 3);
    assert_eq!(ok.kind(), Keys::Duplicate);
}

// Bad input: registering outside any actor is a typed error, not a panic; so is update_value
// and unregister.
#[tokio::test]
async fn registering_outside_an_actor_is_a_typed_error() {
    let reg = Registry::<String, u32>::new(Keys::Unique);
    assert_eq!(reg.register(key("k"), 1), Err(RegistryError::NotInActor));
    assert_eq!(reg.unregister(&key("k")), Err(RegistryError::NotInActor));
    assert_eq!(
        reg.unregister_match(&key("k"), |_| true),
        Err(RegistryError::NotInActor)
    );
    assert_eq!(
        reg.update_value(&key("k"), |v| *v),
        Err(RegistryError::NotInActor)
    );
    // A task spawned from an actor is not that actor.
    let a = agent().await;
    let r = reg.clone();
    let from_spawned = run(&a, move || {
        tokio::spawn(async move { r.register(key("k"), 1) })
    })
    .await;
    assert_eq!(from_spawned.await.unwrap(), Err(RegistryError::NotInActor));
    assert_eq!(reg.count(), 0);
}

// REG-1.5, REG-6.2: everything runs in the caller: a dispatch callback and a listener run inside
// the calling actor.
#[tokio::test]
async fn callbacks_run_in_the_calling_actor() {
    let heard_in = Arc::new(Mutex::new(None));
    let sink = heard_in.clone();
    let reg = Registry::<String>::builder(Keys::Unique)
        .listener(move |_| *sink.lock().unwrap() = beamish::current_id())
        .build()
        .unwrap();
    let a = agent().await;
    let r = reg.clone();
    let dispatched_in = run(&a, move || {
        r.register(key("k"), ()).unwrap();
        r.dispatch(&key("k"), |_| beamish::current_id())
    })
    .await;
    assert_eq!(dispatched_in, Some(Some(a.id())));
    assert_eq!(*heard_in.lock().unwrap(), Some(a.id()));
}

// REG-12 (beamish): a registry is a value, not a process. Dropping every handle to it drops its
// entries and never touches the registrants, which keep running.
#[tokio::test]
async fn dropping_the_registry_leaves_registrants_running() {
    let reg = Registry::<String>::new(Keys::Unique);
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || r.register(key("k"), ())).await.unwrap();
    drop(reg);
    // The agent still answers, and its exit (which runs the registry's exit hook) is clean.
    assert_eq!(run(&a, || 42).await, 42);
    a.stop(ExitReason::Normal).await.unwrap();
}

// Many registries may exist: an actor's entries in one do not leak into another, and its exit
// clears every registry it is in.
#[tokio::test]
async fn registries_are_independent_values() {
    let (r1, r2) = (
        Registry::<String>::new(Keys::Unique),
        Registry::<String>::new(Keys::Unique),
    );
    let (a, b) = (agent().await, agent().await);
    let (x1, x2) = (r1.clone(), r2.clone());
    run(&a, move || {
        x1.register(key("k"), ()).unwrap();
        x2.register(key("k"), ()).unwrap();
    })
    .await;
    assert_eq!(r1.count() + r2.count(), 2);
    let x2 = r2.clone();
    assert_eq!(
        run(&b, move || x2.register(key("k"), ())).await,
        Err(RegistryError::AlreadyRegistered(a.id()))
    );
    a.stop(ExitReason::Normal).await.unwrap();
    assert_eq!(r1.count() + r2.count(), 0);
}

// The registering actor's context sees its own registrations (a handler registering itself).
#[tokio::test]
async fn an_actor_registers_itself_from_a_handler() {
    let reg = Registry::<String>::new(Keys::Unique);
    let a: ActorRef<Agent> = agent().await;
    let r = reg.clone();
    let me = run_ctx(&a, move |ctx| {
        r.register(key("me"), ()).unwrap();
        ctx.id()
    })
    .await;
    assert_eq!(
        ActorRef::<Agent>::whereis(&reg, &key("me")),
        Some(a.clone())
    );
    assert_eq!(me, a.id());
}

// REG-10: a listener runs after the registry's locks are released: it may read the registry,
// and already sees the new entry.
#[tokio::test]
async fn a_listener_may_use_the_registry() {
    let slot: Arc<std::sync::OnceLock<Registry<String>>> = Arc::new(std::sync::OnceLock::new());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (s, out) = (slot.clone(), seen.clone());
    let reg = Registry::<String>::builder(Keys::Unique)
        .listener(move |e: &RegistryEvent<String, ()>| {
            if let (Some(reg), RegistryEvent::Registered { key, .. }) = (s.get(), e) {
                let holder = reg.whereis(key).map(|a| a.id());
                out.lock().unwrap().push((holder, reg.count()));
            }
        })
        .build()
        .unwrap();
    slot.set(reg.clone()).unwrap();
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || r.register(key("k"), ())).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![(Some(a.id()), 1)]);
}

//! Duplicate-key registries: many entries per key, registration order, unregister_match, pattern
//! queries, dispatch, and the operations a duplicate registry refuses (otp-semantics §2).

mod registry_support;

use std::sync::{Arc, Mutex};

use beamish::prelude::*;
use beamish::{Keys, Registry, RegistryError, RegistryEvent};
use registry_support::{Agent, AgentMsg, agent, run};

fn topic(s: &str) -> String {
    s.to_string()
}

// REG-2.3, REG-4.1: duplicate keys always register, even the same actor and value twice; each
// registration is its own entry; lookup returns them in registration order.
#[tokio::test]
async fn duplicate_entries_in_registration_order() {
    let reg = Registry::<String, u32>::new(Keys::Duplicate);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&a, move || {
        r.register(topic("t"), 1).unwrap();
        r.register(topic("t"), 1).unwrap();
    })
    .await;
    let r = reg.clone();
    run(&b, move || r.register(topic("t"), 2)).await.unwrap();
    let r = reg.clone();
    run(&a, move || r.register(topic("t"), 3)).await.unwrap();
    let got: Vec<_> = reg
        .lookup(&topic("t"))
        .into_iter()
        .map(|(actor, v)| (actor.id(), v))
        .collect();
    assert_eq!(
        got,
        vec![(a.id(), 1), (a.id(), 1), (b.id(), 2), (a.id(), 3)]
    );
    assert_eq!(reg.count(), 4);
    // REG-4.2: a key appears once per registration.
    assert_eq!(reg.keys(a.id()), vec![topic("t"); 3]);
    // REG-4.3: values filter by actor, in order.
    assert_eq!(reg.values(&topic("t"), a.id()), vec![1, 1, 3]);
    assert_eq!(reg.values(&topic("t"), b.id()), vec![2]);
}

// REG-3.3 (beamish): an exiting actor's entries go, the others stay in order.
#[tokio::test]
async fn an_exit_removes_only_that_actors_entries() {
    let reg = Registry::<String, u32>::new(Keys::Duplicate);
    let (a, b, c) = (agent().await, agent().await, agent().await);
    for (actor, v) in [(&a, 1), (&b, 2), (&a, 3), (&c, 4)] {
        let r = reg.clone();
        run(actor, move || r.register(topic("t"), v)).await.unwrap();
    }
    a.cast(AgentMsg::Panic("boom".into())).unwrap();
    assert!(matches!(a.wait().await, ExitReason::Panic(_)));
    let got: Vec<u32> = reg
        .lookup(&topic("t"))
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(got, vec![2, 4]);
    assert_eq!(reg.count(), 2);
    assert!(reg.keys(a.id()).is_empty());
}

// REG-3.1: unregister removes all of the caller's entries under the key, none of the others'.
#[tokio::test]
async fn unregister_removes_all_of_the_callers_entries() {
    let reg = Registry::<String, u32>::new(Keys::Duplicate);
    let (a, b) = (agent().await, agent().await);
    for (actor, v) in [(&a, 1), (&b, 2), (&a, 3)] {
        let r = reg.clone();
        run(actor, move || r.register(topic("t"), v)).await.unwrap();
    }
    let r = reg.clone();
    assert_eq!(run(&a, move || r.unregister(&topic("t"))).await, Ok(2));
    assert_eq!(reg.lookup(&topic("t")).len(), 1);
    assert_eq!(reg.values(&topic("t"), b.id()), vec![2]);
    assert!(reg.keys(a.id()).is_empty());
}

// REG-3.2: unregister_match removes only the caller's entries whose value matches; listeners
// hear it only when all of the caller's entries under the key went (and at least one did).
#[tokio::test]
async fn unregister_match_removes_matching_entries_of_the_caller() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let reg = Registry::<String, u32>::builder(Keys::Duplicate)
        .listener(move |e: &RegistryEvent<String, u32>| {
            if let RegistryEvent::Unregistered { key, .. } = e {
                sink.lock().unwrap().push(key.clone());
            }
        })
        .build()
        .unwrap();
    let (a, b) = (agent().await, agent().await);
    for (actor, v) in [(&a, 1), (&a, 2), (&b, 1), (&a, 3)] {
        let r = reg.clone();
        run(actor, move || r.register(topic("t"), v)).await.unwrap();
    }
    // Some of a's entries match: they go, no notification, b's `1` stays.
    let r = reg.clone();
    let removed = run(&a, move || r.unregister_match(&topic("t"), |v| *v < 3)).await;
    assert_eq!(removed, Ok(2));
    let left: Vec<(ActorId, u32)> = reg
        .lookup(&topic("t"))
        .into_iter()
        .map(|(x, v)| (x.id(), v))
        .collect();
    assert_eq!(left, vec![(b.id(), 1), (a.id(), 3)]);
    assert_eq!(reg.keys(a.id()), vec![topic("t")]);
    assert!(events.lock().unwrap().is_empty());
    // Nothing matches: nothing removed, no notification.
    let r = reg.clone();
    let removed = run(&a, move || r.unregister_match(&topic("t"), |v| *v == 99)).await;
    assert_eq!(removed, Ok(0));
    assert!(events.lock().unwrap().is_empty());
    // The last of a's entries matches: removed, and now listeners hear it.
    let r = reg.clone();
    let removed = run(&a, move || r.unregister_match(&topic("t"), |_| true)).await;
    assert_eq!(removed, Ok(1));
    assert_eq!(*events.lock().unwrap(), vec![topic("t")]);
    assert!(reg.keys(a.id()).is_empty());
    assert_eq!(reg.count(), 1);
}

// REG-5.1, REG-5.2: match_ and count_match filter the entries under a key by value, in order.
#[tokio::test]
async fn match_and_count_match_over_values() {
    let reg = Registry::<String, (String, u32)>::new(Keys::Duplicate);
    let (a, b) = (agent().await, agent().await);
    for (actor, v) in [(&a, ("x", 1)), (&b, ("y", 2)), (&a, ("x", 3))] {
        let r = reg.clone();
        let v = (v.0.to_string(), v.1);
        run(actor, move || r.register(topic("t"), v)).await.unwrap();
    }
    let xs = reg.match_(&topic("t"), |(tag, _)| tag == "x");
    assert_eq!(xs.iter().map(|(_, v)| v.1).collect::<Vec<_>>(), vec![1, 3]);
    assert!(xs.iter().all(|(actor, _)| actor.id() == a.id()));
    assert_eq!(reg.count_match(&topic("t"), |(_, n)| *n > 1), 2);
    assert!(reg.match_(&topic("other"), |_| true).is_empty());
}

// REG-5.3, REG-5.4: select and count_select see (key, actor, value) of every entry.
#[tokio::test]
async fn select_sees_every_entry() {
    let reg = Registry::<String, u32>::builder(Keys::Duplicate)
        .partitions(4)
        .build()
        .unwrap();
    let (a, b) = (agent().await, agent().await);
    for (actor, k, v) in [(&a, "p", 1), (&b, "q", 2), (&a, "q", 3), (&b, "r", 4)] {
        let r = reg.clone();
        run(actor, move || r.register(topic(k), v)).await.unwrap();
    }
    let mut of_b: Vec<(String, u32)> =
        reg.select(|k, actor, v| (actor.id() == b.id()).then(|| (k.clone(), *v)));
    of_b.sort();
    assert_eq!(of_b, vec![(topic("q"), 2), (topic("r"), 4)]);
    assert_eq!(reg.count_select(|k, _, _| k == "q"), 2);
    assert_eq!(reg.count_select(|_, _, _| true), reg.count());
}

// REG-6.1, REG-1.4: dispatch calls its callback once with all entries under the key (entries are
// placed by key, as Elixir's `{:duplicate, :key}`, so one partition holds them all), and never
// when there are none.
#[tokio::test]
async fn dispatch_calls_back_once_with_all_entries() {
    let reg = Registry::<String, u32>::builder(Keys::Duplicate)
        .partitions(8)
        .build()
        .unwrap();
    let subs: Vec<ActorRef<Agent>> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(agent().await);
        }
        v
    };
    for (i, s) in subs.iter().enumerate() {
        let r = reg.clone();
        run(s, move || r.register(topic("news"), i as u32))
            .await
            .unwrap();
    }
    let mut calls = 0;
    let seen = reg.dispatch(&topic("news"), |entries| {
        calls += 1;
        entries.iter().map(|(_, v)| *v).collect::<Vec<_>>()
    });
    assert_eq!(calls, 1);
    assert_eq!(seen, Some(vec![0, 1, 2, 3, 4]));
    let mut called = false;
    assert_eq!(reg.dispatch(&topic("empty"), |_| called = true), None);
    assert!(!called);
}

// REG-6.3: the registered actors take part only if the callback contacts them; here it casts to
// each, and each one really gets the message.
#[tokio::test]
async fn dispatch_reaches_the_subscribers_it_contacts() {
    let reg = Registry::<String>::new(Keys::Duplicate);
    let (a, b) = (agent().await, agent().await);
    let got = Arc::new(Mutex::new(Vec::new()));
    for s in [&a, &b] {
        let r = reg.clone();
        run(s, move || r.register(topic("t"), ())).await.unwrap();
    }
    reg.dispatch(&topic("t"), |entries| {
        for (actor, ()) in entries {
            let sub = actor.downcast::<Agent>().expect("an Agent");
            let (got, id) = (got.clone(), sub.id());
            sub.cast(AgentMsg::Run(Box::new(move |_| {
                got.lock().unwrap().push(id)
            })))
            .unwrap();
        }
    });
    // A round trip through each subscriber: its cast was handled before this reply.
    run(&a, || ()).await;
    run(&b, || ()).await;
    let mut got = got.lock().unwrap().clone();
    got.sort();
    let mut want = vec![a.id(), b.id()];
    want.sort();
    assert_eq!(got, want);
}

// REG-6.3: a callback that panics takes down the caller (as it raises in Elixir), and the
// registry is unharmed: the callback ran without any registry lock held.
#[tokio::test]
async fn a_panicking_dispatch_callback_does_not_poison_the_registry() {
    let reg = Registry::<String>::new(Keys::Duplicate);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    run(&b, move || r.register(topic("t"), ())).await.unwrap();
    let r = reg.clone();
    let job = move |_: &mut Context<Agent>| {
        r.dispatch(&topic("t"), |_| panic!("callback failed"));
    };
    a.cast(AgentMsg::Run(Box::new(job))).unwrap();
    assert!(matches!(a.wait().await, ExitReason::Panic(m) if m.contains("callback failed")));
    // The registry still works for readers and writers.
    assert_eq!(reg.lookup(&topic("t")).len(), 1);
    let r = reg.clone();
    run(&b, move || r.register(topic("t"), ())).await.unwrap();
    assert_eq!(reg.count(), 2);
}

// A dispatch callback may use the registry, even write to the very key it dispatches on: it runs
// on a snapshot, with no lock held, so it cannot deadlock.
#[tokio::test]
async fn a_dispatch_callback_may_write_to_the_registry() {
    let reg = Registry::<String, u32>::new(Keys::Duplicate);
    let a = agent().await;
    let r = reg.clone();
    let seen = run(&a, move || {
        r.register(topic("t"), 1).unwrap();
        r.dispatch(&topic("t"), |entries| {
            r.register(topic("t"), 2).unwrap();
            entries.len()
        })
    })
    .await;
    assert_eq!(seen, Some(1), "the callback saw the snapshot");
    assert_eq!(reg.values(&topic("t"), a.id()), vec![1, 2]);
}

// REG-7, bad input: update_value on a duplicate registry is a typed error.
#[tokio::test]
async fn update_value_needs_unique_keys() {
    let reg = Registry::<String, u32>::new(Keys::Duplicate);
    let a = agent().await;
    let r = reg.clone();
    let res = run(&a, move || {
        r.register(topic("t"), 1).unwrap();
        r.update_value(&topic("t"), |v| v + 1)
    })
    .await;
    assert_eq!(res, Err(RegistryError::NotUnique));
    assert_eq!(reg.values(&topic("t"), a.id()), vec![1]);
}

// REG-9.1, bad input: a duplicate registry cannot hold via names: the start is refused and no
// actor is spawned; whereis finds nothing there.
#[tokio::test]
async fn via_names_need_unique_keys() {
    let reg = Registry::<String>::new(Keys::Duplicate);
    let err = ActorRef::<Agent>::start_via(&reg, topic("name"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StartError::Refused(e) if matches!(e.downcast_ref(), Some(RegistryError::NotUnique))
        ),
        "{err}"
    );
    assert!(err.to_string().contains("Keys::Unique"), "{err}");
    let err = ActorRef::<Agent>::start_link_via(&reg, topic("name"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StartError::Refused(e) if e.is::<RegistryError>()),
        "{err}"
    );
    assert_eq!(reg.count(), 0);
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || r.register(topic("name"), ()))
        .await
        .unwrap();
    assert!(reg.whereis(&topic("name")).is_none());
    assert!(ActorRef::<Agent>::whereis(&reg, &topic("name")).is_none());
}

// REG-4.1 with typed handles: lookup_as keeps the entries of one actor type, in order.
#[tokio::test]
async fn lookup_as_returns_typed_handles_of_one_type() {
    struct Other;
    impl Actor for Other {
        type Args = ();
        type Message = ();
        async fn init(_: (), _: &mut Context<Self>) -> Result<Self, beamish::InitError> {
            Ok(Other)
        }
        async fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }
    let reg = Registry::<String, u32>::new(Keys::Duplicate);
    let (a, b) = (agent().await, agent().await);
    let r = reg.clone();
    let other = ActorRef::<Other>::start_with(
        (),
        beamish::StartOptions::new().before_init(r.register_on_start(topic("t"), 0)),
    )
    .await
    .unwrap();
    for (actor, v) in [(&a, 1), (&b, 2)] {
        let r = reg.clone();
        run(actor, move || r.register(topic("t"), v)).await.unwrap();
    }
    let agents: Vec<(ActorRef<Agent>, u32)> = reg.lookup_as(&topic("t"));
    assert_eq!(agents, vec![(a.clone(), 1), (b.clone(), 2)]);
    let others: Vec<(ActorRef<Other>, u32)> = reg.lookup_as(&topic("t"));
    assert_eq!(others, vec![(other, 0)]);
    let untyped: Vec<(AnyActor, u32)> = reg.lookup_as(&topic("t"));
    assert_eq!(untyped.len(), 3);
}

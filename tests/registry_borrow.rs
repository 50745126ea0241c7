//! Borrowed keys: a `Registry<String>` is read and unregistered with a `&str`, as `HashMap::get`
//! takes a borrowed form of its key, and a borrowed key finds its entry in the same partition
//! as the owned key it was registered with. (Metadata keys were `&str` already:
//! `registry_unique.rs`.)

mod registry_support;

use std::sync::{Arc, Mutex};

use beamish::prelude::*;
use beamish::{Keys, Registry, RegistryEvent};
use registry_support::{Agent, agent, run};

type Events = Arc<Mutex<Vec<RegistryEvent<String, u32>>>>;

/// A registry of `String` keys whose listener records every event.
fn recorded(keys: Keys) -> (Registry<String, u32>, Events) {
    let events = Events::default();
    let sink = events.clone();
    let reg = Registry::<String, u32>::builder(keys)
        .partitions(8)
        .listener(move |e: &RegistryEvent<String, u32>| sink.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    (reg, events)
}

// Every read by key of a unique registry takes the `&str` of a `String` key, and so does the
// typed `ActorRef::whereis`.
#[tokio::test]
async fn a_unique_string_key_is_read_with_a_str() {
    let (reg, _) = recorded(Keys::Unique);
    let a = agent().await;
    let r = reg.clone();
    run(&a, move || r.register("room:1".to_string(), 7))
        .await
        .unwrap();

    let found = reg.lookup("room:1");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0.id(), found[0].1), (a.id(), 7));
    assert_eq!(reg.whereis("room:1").map(|x| x.id()), Some(a.id()));
    assert_eq!(ActorRef::<Agent>::whereis(&reg, "room:1"), Some(a.clone()));
    let typed: Vec<(ActorRef<Agent>, u32)> = reg.lookup_as("room:1");
    assert_eq!(typed, vec![(a.clone(), 7)]);
    assert_eq!(reg.lookup_as::<ActorRef<Agent>, _>("room:1").len(), 1);
    assert_eq!(reg.values("room:1", a.id()), vec![7]);
    assert_eq!(reg.match_("room:1", |v| *v == 7).len(), 1);
    assert_eq!(reg.count_match("room:1", |v| *v == 7), 1);
    // A different borrowed key finds nothing.
    assert!(reg.lookup("room:2").is_empty());
    assert!(reg.whereis("room:2").is_none());
    assert!(ActorRef::<Agent>::whereis(&reg, "room:2").is_none());
    // The owned form still works, through the same generic parameter.
    assert_eq!(
        reg.whereis(&"room:1".to_string()).map(|x| x.id()),
        Some(a.id())
    );

    let r = reg.clone();
    let updated = run(&a, move || r.update_value("room:1", |v| v + 1)).await;
    assert_eq!(updated, Ok((8, 7)));
    assert_eq!(reg.lookup("room:1")[0].1, 8);
}

// `unregister` by `&str` removes the `String` entry; the listener still hears the owned key.
#[tokio::test]
async fn a_unique_string_key_is_unregistered_with_a_str() {
    let (reg, events) = recorded(Keys::Unique);
    let a = agent().await;
    let r = reg.clone();
    let removed = run(&a, move || {
        r.register("room:1".to_string(), 1).unwrap();
        (r.unregister("room:2"), r.unregister("room:1"))
    })
    .await;
    assert_eq!(removed, (Ok(0), Ok(1)));
    assert!(reg.whereis("room:1").is_none());
    assert!(reg.keys(a.id()).is_empty());
    assert_eq!(reg.count(), 0);
    assert_eq!(
        *events.lock().unwrap(),
        vec![
            RegistryEvent::Registered {
                key: "room:1".to_string(),
                actor: a.to_any(),
                value: 1
            },
            RegistryEvent::Unregistered {
                key: "room:1".to_string(),
                actor: a.to_any()
            },
        ]
    );
    // The key is free again: another actor takes it.
    let b = agent().await;
    let r = reg.clone();
    run(&b, move || r.register("room:1".to_string(), 2))
        .await
        .unwrap();
    assert_eq!(ActorRef::<Agent>::whereis(&reg, "room:1"), Some(b));
}

// Duplicate keys: dispatch, match_ and unregister_match by `&str` see every entry of the
// `String` key, in registration order.
#[tokio::test]
async fn a_duplicate_string_key_is_dispatched_with_a_str() {
    let (reg, events) = recorded(Keys::Duplicate);
    let subs = [agent().await, agent().await, agent().await];
    for (i, s) in subs.iter().enumerate() {
        let r = reg.clone();
        run(s, move || r.register("news".to_string(), i as u32))
            .await
            .unwrap();
    }
    let mut calls = 0;
    let seen = reg.dispatch("news", |entries| {
        calls += 1;
        entries
            .iter()
            .map(|(a, v)| (a.id(), *v))
            .collect::<Vec<_>>()
    });
    assert_eq!(calls, 1);
    let expected: Vec<(ActorId, u32)> = subs.iter().map(|s| s.id()).zip(0..).collect();
    assert_eq!(seen, Some(expected));
    assert_eq!(reg.dispatch("sports", |_| ()), None);
    assert_eq!(reg.match_("news", |v| *v >= 1).len(), 2);
    assert_eq!(reg.lookup("news").len(), 3);

    let r = reg.clone();
    let removed = run(&subs[1], move || r.unregister_match("news", |v| *v == 1)).await;
    assert_eq!(removed, Ok(1));
    let left: Vec<u32> = reg.lookup("news").into_iter().map(|(_, v)| v).collect();
    assert_eq!(left, vec![0, 2]);
    let last = events.lock().unwrap().last().cloned();
    assert_eq!(
        last,
        Some(RegistryEvent::Unregistered {
            key: "news".to_string(),
            actor: subs[1].to_any()
        })
    );
}

// Entries are placed by hashing the key; a read by `&str` hashes the borrowed form. Over 1,000
// keys in 8 partitions (128 lock stripes) every read by `&str` lands where the `String` went,
// and so does every unregister.
#[tokio::test]
async fn borrowed_keys_pick_the_same_partition_as_owned_ones() {
    const N: u32 = 1_000;
    for kind in [Keys::Unique, Keys::Duplicate] {
        let reg = Registry::<String, u32>::builder(kind)
            .partitions(8)
            .build()
            .unwrap();
        assert_eq!(reg.partitions(), 8);
        let a = agent().await;
        let r = reg.clone();
        run(&a, move || {
            for i in 0..N {
                r.register(format!("key-{i}"), i).unwrap();
            }
        })
        .await;
        assert_eq!(reg.count(), N as usize);

        for i in 0..N {
            let name = format!("key-{i}");
            let key: &str = &name;
            let found: Vec<u32> = reg.lookup(key).into_iter().map(|(_, v)| v).collect();
            assert_eq!(found, vec![i], "lookup({key:?}) in a {kind:?} registry");
            assert_eq!(reg.dispatch(key, |entries| entries.len()), Some(1));
            if kind == Keys::Unique {
                assert_eq!(ActorRef::<Agent>::whereis(&reg, key), Some(a.clone()));
            }
        }
        assert!(reg.lookup("key-1000").is_empty());

        let r = reg.clone();
        let removed: Vec<usize> = run(&a, move || {
            (0..N)
                .map(|i| r.unregister(format!("key-{i}").as_str()).unwrap())
                .collect()
        })
        .await;
        assert!(
            removed.iter().all(|&n| n == 1),
            "every unregister found its entry"
        );
        assert_eq!(reg.count(), 0);
        assert!(reg.keys(a.id()).is_empty());
    }
}

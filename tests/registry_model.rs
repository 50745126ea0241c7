//! Property test: random sequences of registry operations, by a few actors, against a simple
//! model (a list of `(key, actor, value)` in registration order). After every step every read —
//! lookup, whereis, count, keys, values, match_, select — must agree with the model (REG-2 to
//! REG-7, REG-3.3).

mod registry_support;

use beamish::prelude::*;
use beamish::{Keys, Registry, RegistryError};
use proptest::prelude::*;
use proptest::strategy::Strategy;
use registry_support::{Agent, agent, run};

const AGENTS: usize = 3;
const KEYS: u8 = 4;

#[derive(Clone, Debug)]
enum Op {
    Register(usize, u8, u32),
    Unregister(usize, u8),
    UnregisterBelow(usize, u8, u32),
    Update(usize, u8, u32),
    Crash(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let a = 0..AGENTS;
    let k = 0..KEYS;
    prop_oneof![
        4 => (a.clone(), k.clone(), 0..10u32).prop_map(|(a, k, v)| Op::Register(a, k, v)),
        2 => (a.clone(), k.clone()).prop_map(|(a, k)| Op::Unregister(a, k)),
        2 => (a.clone(), k.clone(), 0..10u32).prop_map(|(a, k, v)| Op::UnregisterBelow(a, k, v)),
        1 => (a.clone(), k.clone(), 0..10u32).prop_map(|(a, k, v)| Op::Update(a, k, v)),
        1 => a.prop_map(Op::Crash),
    ]
}

/// The model: entries in registration order.
#[derive(Default)]
struct Model {
    entries: Vec<(u8, ActorId, u32)>,
}

impl Model {
    fn holder(&self, key: u8) -> Option<ActorId> {
        self.entries.iter().find(|e| e.0 == key).map(|e| e.1)
    }

    fn of(&self, key: u8, id: ActorId) -> Vec<u32> {
        self.entries
            .iter()
            .filter(|e| e.0 == key && e.1 == id)
            .map(|e| e.2)
            .collect()
    }
}

async fn check(reg: &Registry<u8, u32>, model: &Model, agents: &[ActorRef<Agent>]) {
    assert_eq!(reg.count(), model.entries.len());
    for key in 0..KEYS {
        let got: Vec<(ActorId, u32)> = reg
            .lookup(&key)
            .into_iter()
            .map(|(a, v)| (a.id(), v))
            .collect();
        let want: Vec<(ActorId, u32)> = model
            .entries
            .iter()
            .filter(|e| e.0 == key)
            .map(|e| (e.1, e.2))
            .collect();
        assert_eq!(got, want, "lookup {key}");
        let even: Vec<u32> = reg
            .match_(&key, |v| v % 2 == 0)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        let want_even: Vec<u32> = want.iter().map(|e| e.1).filter(|v| v % 2 == 0).collect();
        assert_eq!(even, want_even, "match_ {key}");
        assert_eq!(reg.count_match(&key, |v| v % 2 == 0), want_even.len());
        if reg.kind() == Keys::Unique {
            assert_eq!(reg.whereis(&key).map(|a| a.id()), model.holder(key));
        }
        for a in agents {
            assert_eq!(reg.values(&key, a.id()), model.of(key, a.id()));
        }
    }
    for a in agents {
        let mut keys = reg.keys(a.id());
        keys.sort();
        let mut want: Vec<u8> = model
            .entries
            .iter()
            .filter(|e| e.1 == a.id())
            .map(|e| e.0)
            .collect();
        want.sort();
        assert_eq!(keys, want, "keys of {}", a.id());
    }
    let mut all = reg.select(|k, a, v| Some((*k, a.id(), *v)));
    let mut want = model.entries.clone();
    all.sort();
    want.sort();
    assert_eq!(all, want, "select");
}

async fn apply(reg: &Registry<u8, u32>, model: &mut Model, agents: &mut [ActorRef<Agent>], op: Op) {
    let unique = reg.kind() == Keys::Unique;
    match op {
        Op::Register(i, key, value) => {
            let id = agents[i].id();
            let r = reg.clone();
            let got = run(&agents[i], move || r.register(key, value)).await;
            match (unique, model.holder(key)) {
                (true, Some(holder)) => {
                    assert_eq!(got, Err(RegistryError::AlreadyRegistered(holder)));
                }
                _ => {
                    assert_eq!(got, Ok(()));
                    model.entries.push((key, id, value));
                }
            }
        }
        Op::Unregister(i, key) => {
            let id = agents[i].id();
            let r = reg.clone();
            let got = run(&agents[i], move || r.unregister(&key)).await;
            let before = model.entries.len();
            model.entries.retain(|e| !(e.0 == key && e.1 == id));
            assert_eq!(got, Ok(before - model.entries.len()));
        }
        Op::UnregisterBelow(i, key, limit) => {
            let id = agents[i].id();
            let r = reg.clone();
            let got = run(&agents[i], move || r.unregister_match(&key, |v| *v < limit)).await;
            let before = model.entries.len();
            model
                .entries
                .retain(|e| !(e.0 == key && e.1 == id && e.2 < limit));
            assert_eq!(got, Ok(before - model.entries.len()));
        }
        Op::Update(i, key, value) => {
            let id = agents[i].id();
            let r = reg.clone();
            let got = run(&agents[i], move || r.update_value(&key, |old| old + value)).await;
            if !unique {
                assert_eq!(got, Err(RegistryError::NotUnique));
            } else if let Some(e) = model.entries.iter_mut().find(|e| e.0 == key && e.1 == id) {
                let old = e.2;
                e.2 = old + value;
                assert_eq!(got, Ok((old + value, old)));
            } else {
                assert_eq!(got, Err(RegistryError::NotHeld));
            }
        }
        Op::Crash(i) => {
            let id = agents[i].id();
            agents[i].kill();
            agents[i].wait().await;
            model.entries.retain(|e| e.1 != id);
            agents[i] = agent().await;
        }
    }
}

fn scenario(keys: Keys, partitions: usize, ops: Vec<Op>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let reg = Registry::<u8, u32>::builder(keys)
            .partitions(partitions)
            .build()
            .unwrap();
        let mut agents = Vec::new();
        for _ in 0..AGENTS {
            agents.push(agent().await);
        }
        let mut model = Model::default();
        for op in ops {
            apply(&reg, &mut model, &mut agents, op).await;
            check(&reg, &model, &agents).await;
        }
        for a in &agents {
            a.stop(ExitReason::Normal).await.unwrap();
        }
        assert_eq!(reg.count(), 0);
    });
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn unique_registry_matches_the_model(
        partitions in 1..5usize,
        ops in prop::collection::vec(op(), 1..40),
    ) {
        scenario(Keys::Unique, partitions, ops);
    }

    #[test]
    fn duplicate_registry_matches_the_model(
        partitions in 1..5usize,
        ops in prop::collection::vec(op(), 1..40),
    ) {
        scenario(Keys::Duplicate, partitions, ops);
    }
}

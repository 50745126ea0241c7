//! Concurrency: 8 tasks × 10,000 register / lookup / unregister operations on shared keys, with
//! owners crashing at random; every answer must agree with each task's model, and at the end the
//! registry must hold exactly the entries of the live actors (REG-2, REG-3, REG-3.3).

mod registry_support;

use std::collections::BTreeMap;

use beamish::prelude::*;
use beamish::{Keys, Registry, RegistryError};
use registry_support::{Agent, AgentMsg, agent, run};

const TASKS: usize = 8;
const OPS: usize = 10_000;
const KEYS: u64 = 32;
const AGENTS_PER_TASK: usize = 3;

/// xorshift64*: deterministic per task, no extra dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// One task's view: its live agents and, per agent, the values it holds under each key in
/// registration order.
type Model = Vec<(ActorRef<Agent>, BTreeMap<u64, Vec<u64>>)>;

async fn crash(agent: &ActorRef<Agent>, how: u64) {
    if how == 0 {
        agent.kill();
    } else {
        agent.cast(AgentMsg::Panic("random crash".into())).unwrap();
    }
    agent.wait().await;
}

async fn worker(reg: Registry<u64, u64>, seed: u64) -> Model {
    let unique = reg.kind() == Keys::Unique;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut model: Model = Vec::new();
    for _ in 0..AGENTS_PER_TASK {
        model.push((agent().await, BTreeMap::new()));
    }
    for op in 0..OPS {
        let i = rng.below(AGENTS_PER_TASK as u64) as usize;
        let key = rng.below(KEYS);
        let value = op as u64;
        let (actor, held) = &mut model[i];
        match rng.below(100) {
            0..=39 => {
                let r = reg.clone();
                let res = run(actor, move || r.register(key, value)).await;
                match res {
                    Ok(()) => held.entry(key).or_default().push(value),
                    Err(RegistryError::AlreadyRegistered(holder)) => {
                        assert!(unique, "a duplicate registration failed");
                        // Refused: either this agent holds it (per the model) or someone else.
                        assert_eq!(holder == actor.id(), held.contains_key(&key));
                    }
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            40..=64 => {
                let r = reg.clone();
                let removed = run(actor, move || r.unregister(&key)).await.unwrap();
                let expected = held.remove(&key).map_or(0, |v| v.len());
                assert_eq!(removed, expected);
            }
            65..=96 => {
                // What this agent holds is visible to all, exactly: no other task can touch it.
                let mine: Vec<u64> = reg.values(&key, actor.id());
                assert_eq!(&mine, held.get(&key).unwrap_or(&Vec::new()));
                if unique {
                    let holder = reg.whereis(&key);
                    if held.contains_key(&key) {
                        assert_eq!(holder.map(|h| h.id()), Some(actor.id()));
                    }
                }
                // An actor found by a read may die right after it; but once its exit reason is
                // set its entries are already gone (they go first, REG-3.3 as beamish does it).
                for (found, _) in reg.lookup(&key) {
                    if found.exit_reason().is_some() {
                        assert!(reg.values(&key, found.id()).is_empty());
                    }
                }
            }
            _ => {
                crash(actor, rng.below(2)).await;
                assert!(reg.keys(actor.id()).is_empty());
                *actor = agent().await;
                held.clear();
            }
        }
    }
    model
}

async fn hammer(keys: Keys) {
    let reg = Registry::<u64, u64>::builder(keys)
        .partitions(4)
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..TASKS as u64)
        .map(|seed| tokio::spawn(worker(reg.clone(), seed)))
        .collect();
    let mut expected: Vec<(u64, ActorId, u64)> = Vec::new();
    let mut agents = Vec::new();
    for task in tasks {
        for (actor, held) in task.await.unwrap() {
            for (key, values) in held {
                expected.extend(values.into_iter().map(|v| (key, actor.id(), v)));
            }
            agents.push(actor);
        }
    }
    let mut actual: Vec<(u64, ActorId, u64)> = reg.select(|k, a, v| Some((*k, a.id(), *v)));
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected);
    assert_eq!(reg.count(), expected.len());
    // Every entry belongs to a live actor; stopping them all empties the registry.
    for a in &agents {
        assert!(a.is_alive());
    }
    for a in agents {
        a.stop(ExitReason::Shutdown).await.unwrap();
    }
    assert_eq!(reg.count(), 0);
    assert!(reg.select(|k, _, _| Some(*k)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_registry_under_concurrent_use_and_crashes() {
    hammer(Keys::Unique).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_registry_under_concurrent_use_and_crashes() {
    hammer(Keys::Duplicate).await;
}

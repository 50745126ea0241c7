//! A static `Supervisor` against a pure model of its rules: sequences of crashes, normal stops,
//! `terminate_child`, `restart_child` and `delete_child` on children of every restart kind under
//! every strategy, with a small restart budget.
//!
//! After every step the real supervisor must agree with the model on: whether it is alive (it
//! gives up when a restart would pass `max_restarts`), which specs it keeps and in what order,
//! which children run, the restart counter, and exactly which children were started again (a
//! new actor id) and which kept their incarnation.

use std::time::Duration;

use beamish::prelude::*;
use beamish::{Strategy as RestartStrategy, Supervisor, SupervisorError, SupervisorOptions};
use proptest::prelude::{
    Just, ProptestConfig, TestCaseError, prop_assert, prop_assert_eq, prop_oneof, proptest,
};
use proptest::strategy::Strategy as _;

struct Worker;

#[actor]
impl Worker {
    #[init]
    async fn init() -> Self {
        Worker
    }

    #[call]
    async fn ping(&self) -> bool {
        true
    }

    #[call]
    async fn crash(&self) {
        panic!("crash on purpose")
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Crash(usize),
    StopNormally(usize),
    Terminate(usize),
    Restart(usize),
    Delete(usize),
}

/// One child as the model sees it.
#[derive(Clone, Debug)]
struct Child {
    id: String,
    restart: Restart,
    running: bool,
    /// Bumped on every start: the real child must have a new actor id exactly when this moved.
    incarnation: u32,
}

/// The supervisor as OTP's rules (and beamish's documented choices) say it behaves.
#[derive(Debug)]
struct Model {
    strategy: RestartStrategy,
    max_restarts: u32,
    alive: bool,
    restarts: u64,
    children: Vec<Child>,
}

impl Model {
    fn find(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.id == id)
    }

    /// Child `id` exited on its own with a crash (`crashed`) or `Normal`.
    fn exited(&mut self, id: &str, crashed: bool) {
        let Some(i) = self.find(id) else { return };
        match self.children[i].restart {
            Restart::Temporary => {
                self.children.remove(i);
                return;
            }
            Restart::Transient if !crashed => {
                self.children[i].running = false;
                return;
            }
            Restart::Transient | Restart::Permanent => {}
        }
        // One restart attempt: intensity first (every attempt in the window counts).
        self.restarts += 1;
        if self.restarts > u64::from(self.max_restarts) {
            self.alive = false;
            self.children.clear();
            return;
        }
        let range = match self.strategy {
            RestartStrategy::OneForOne => i..i + 1,
            RestartStrategy::OneForAll => 0..self.children.len(),
            RestartStrategy::RestForOne => i..self.children.len(),
        };
        let group: Vec<String> = self.children[range].iter().map(|c| c.id.clone()).collect();
        // The group stops (temporary members other than the one that failed are dropped), then
        // every member that is not running starts again, in start order.
        self.children[i].running = false;
        for member in group.iter().rev() {
            let Some(j) = self.find(member) else { continue };
            self.children[j].running = false;
            if member != id && self.children[j].restart == Restart::Temporary {
                self.children.remove(j);
            }
        }
        for member in &group {
            if let Some(j) = self.find(member) {
                self.children[j].running = true;
                self.children[j].incarnation += 1;
            }
        }
    }
}

/// What the real supervisor reports: `(id, actor if running)` in start order.
async fn observe(sup: &Supervisor) -> Vec<(String, Option<AnyActor>)> {
    sup.which_children()
        .await
        .expect("the supervisor answers")
        .into_iter()
        .map(|c| (c.id.clone(), c.actor().cloned()))
        .collect()
}

async fn run_case(
    strategy: RestartStrategy,
    max_restarts: u32,
    kinds: Vec<Restart>,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let specs: Vec<ChildSpec> = kinds
        .iter()
        .enumerate()
        .map(|(i, &kind)| {
            Worker::child_spec(())
                .with_id(format!("c{i}"))
                .restart(kind)
                .untyped()
        })
        .collect();
    let options = SupervisorOptions::new(strategy)
        .max_restarts(max_restarts)
        .max_seconds(Duration::from_secs(3_600));
    let sup = Supervisor::start(specs, options).await.expect("starts");
    let mut model = Model {
        strategy,
        max_restarts,
        alive: true,
        restarts: 0,
        children: kinds
            .iter()
            .enumerate()
            .map(|(i, &restart)| Child {
                id: format!("c{i}"),
                restart,
                running: true,
                incarnation: 0,
            })
            .collect(),
    };
    let mut seen = observe(&sup).await;
    let mut incarnations: Vec<(String, u32)> = model
        .children
        .iter()
        .map(|c| (c.id.clone(), c.incarnation))
        .collect();

    for op in ops {
        if !model.alive {
            break;
        }
        let name = |i: usize| format!("c{}", i % kinds.len());
        let running = |id: &str| {
            seen.iter()
                .find(|(c, _)| c == id)
                .and_then(|(_, a)| a.clone())
                .and_then(WorkerHandle::from_any)
        };
        match op {
            Op::Crash(i) => {
                let id = name(i);
                let Some(child) = running(&id) else { continue };
                prop_assert!(matches!(child.crash().await, Err(CallError::Exited(_))));
                model.exited(&id, true);
            }
            Op::StopNormally(i) => {
                let id = name(i);
                let Some(child) = running(&id) else { continue };
                prop_assert_eq!(child.stop(ExitReason::Normal).await, Ok(()));
                model.exited(&id, false);
            }
            Op::Terminate(i) => {
                let id = name(i);
                let result = sup.terminate_child(&id).await;
                match model.find(&id) {
                    None => prop_assert!(matches!(result, Err(SupervisorError::NotFound))),
                    Some(j) => {
                        prop_assert!(result.is_ok(), "{:?}", result);
                        if model.children[j].restart == Restart::Temporary {
                            model.children.remove(j);
                        } else {
                            model.children[j].running = false;
                        }
                    }
                }
            }
            Op::Restart(i) => {
                let id = name(i);
                let result = sup.restart_child(&id).await;
                match model.find(&id) {
                    None => prop_assert!(matches!(result, Err(SupervisorError::NotFound))),
                    Some(j) if model.children[j].running => {
                        prop_assert!(matches!(result, Err(SupervisorError::Running)));
                    }
                    Some(j) => {
                        prop_assert!(result.is_ok(), "{:?}", result);
                        model.children[j].running = true;
                        model.children[j].incarnation += 1;
                    }
                }
            }
            Op::Delete(i) => {
                let id = name(i);
                let result = sup.delete_child(&id).await;
                match model.find(&id) {
                    None => prop_assert!(matches!(result, Err(SupervisorError::NotFound))),
                    Some(j) if model.children[j].running => {
                        prop_assert!(matches!(result, Err(SupervisorError::Running)));
                    }
                    Some(j) => {
                        prop_assert!(result.is_ok(), "{:?}", result);
                        model.children.remove(j);
                    }
                }
            }
        }

        if !model.alive {
            // It gives up: stops its children and exits with `Shutdown`. A supervisor that kept
            // going would hang here; the guard turns that into a failure.
            let exit = tokio::time::timeout(Duration::from_secs(10), sup.wait()).await;
            prop_assert_eq!(exit, Ok(ExitReason::Shutdown), "after {:?}", op);
            for (_, actor) in &seen {
                if let Some(actor) = actor {
                    prop_assert!(!actor.is_alive(), "a child outlived its supervisor");
                }
            }
            break;
        }
        let now = observe(&sup).await;
        let ids: Vec<&str> = now.iter().map(|(id, _)| id.as_str()).collect();
        let expected: Vec<&str> = model.children.iter().map(|c| c.id.as_str()).collect();
        prop_assert_eq!(&ids, &expected, "specs after {:?}", op);
        for (child, (id, actor)) in model.children.iter().zip(&now) {
            prop_assert_eq!(
                child.running,
                actor.is_some(),
                "{} running after {:?}",
                id,
                op
            );
            let before = seen
                .iter()
                .find(|(c, _)| c == id)
                .and_then(|(_, a)| a.as_ref());
            let moved = incarnations
                .iter()
                .find(|(c, _)| c == id)
                .is_none_or(|&(_, n)| n != child.incarnation);
            if let (Some(before), Some(after)) = (before, actor) {
                prop_assert_eq!(
                    before.id() != after.id(),
                    moved,
                    "{} restarted? after {:?}",
                    id,
                    op
                );
            }
            if let Some(actor) = actor {
                let handle = WorkerHandle::from_any(actor.clone()).expect("a worker");
                prop_assert_eq!(handle.ping().await, Ok(true));
            }
        }
        let counts = sup.count_children().await.expect("the supervisor answers");
        prop_assert_eq!(counts.restarts, model.restarts, "restarts after {:?}", op);
        prop_assert_eq!(counts.specs, model.children.len());
        seen = now;
        incarnations = model
            .children
            .iter()
            .map(|c| (c.id.clone(), c.incarnation))
            .collect();
    }
    if sup.is_alive() {
        sup.stop(ExitReason::Shutdown).await.expect("stops");
    }
    Ok(())
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        4 => (0..5usize).prop_map(Op::Crash),
        2 => (0..5usize).prop_map(Op::StopNormally),
        2 => (0..5usize).prop_map(Op::Terminate),
        2 => (0..5usize).prop_map(Op::Restart),
        1 => (0..5usize).prop_map(Op::Delete),
    ]
}

fn strategy() -> impl proptest::strategy::Strategy<Value = RestartStrategy> {
    prop_oneof![
        Just(RestartStrategy::OneForOne),
        Just(RestartStrategy::OneForAll),
        Just(RestartStrategy::RestForOne),
    ]
}

fn restart() -> impl proptest::strategy::Strategy<Value = Restart> {
    prop_oneof![
        Just(Restart::Permanent),
        Just(Restart::Transient),
        Just(Restart::Temporary),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn a_supervisor_agrees_with_the_model(
        strategy in strategy(),
        max_restarts in 0..5u32,
        kinds in proptest::collection::vec(restart(), 1..5),
        ops in proptest::collection::vec(op(), 1..16),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(run_case(strategy, max_restarts, kinds, ops))?;
    }
}

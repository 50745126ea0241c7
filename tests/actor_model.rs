//! Model-based check (proptest): random sequences of casts, calls, stops and kills from one sender
//! give exactly the results a simple model predicts (GS-3.5, GS-3.10, GS-8) — for the hand-written
//! worker and the `#[actor]` worker alike.

mod support;

use beamish::{CallError, ExitReason, SendError};
use proptest::prelude::*;
use support::macro_worker::MacroWorkerHandle;
use support::{Subject, WorkerRef, probe};

#[derive(Clone, Debug)]
enum Op {
    Push(i64),
    Add(i64),
    Log,
    Stop,
    Kill,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (-1000_i64..1000).prop_map(Op::Push),
        8 => (-1000_i64..1000).prop_map(Op::Add),
        3 => Just(Op::Log),
        1 => Just(Op::Stop),
        1 => Just(Op::Kill),
    ]
}

/// What the actor should do, as plain data.
#[derive(Default)]
struct Model {
    dead: Option<ExitReason>,
    total: i64,
    log: Vec<i64>,
}

async fn run<S: Subject>(ops: Vec<Op>) {
    let (probe, _events) = probe();
    let s = S::start(probe).await.expect("starts");
    let mut model = Model::default();
    for op in ops {
        let alive = model.dead.is_none();
        match op {
            Op::Push(n) => {
                let expected = if alive {
                    model.log.push(n);
                    Ok(())
                } else {
                    Err(SendError::NoProc)
                };
                assert_eq!(s.push(n), expected, "push({n})");
            }
            Op::Add(n) => {
                let expected = if alive {
                    model.total += n;
                    model.log.push(n);
                    Ok(model.total)
                } else {
                    Err(CallError::NoProc)
                };
                assert_eq!(s.add(n).await, expected, "add({n})");
            }
            Op::Log => {
                let expected = if alive {
                    Ok(model.log.clone())
                } else {
                    Err(CallError::NoProc)
                };
                assert_eq!(s.log().await, expected, "log()");
            }
            Op::Stop => {
                let expected = if alive {
                    model.dead = Some(ExitReason::Shutdown);
                    Ok(())
                } else {
                    Err(CallError::NoProc)
                };
                assert_eq!(s.stop(ExitReason::Shutdown).await, expected, "stop()");
            }
            Op::Kill => {
                s.kill();
                let reason = model.dead.get_or_insert(ExitReason::Killed).clone();
                assert_eq!(s.wait().await, reason, "wait() after kill()");
            }
        }
        assert_eq!(s.is_alive(), model.dead.is_none());
        assert_eq!(s.exit_reason(), model.dead);
    }
    if model.dead.is_none() {
        s.kill();
        assert_eq!(s.wait().await, ExitReason::Killed);
    }
}

fn block_on(fut: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime")
        .block_on(fut);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hand_written_worker_follows_the_model(ops in proptest::collection::vec(op(), 0..60)) {
        block_on(run::<WorkerRef>(ops));
    }

    #[test]
    fn macro_worker_follows_the_model(ops in proptest::collection::vec(op(), 0..60)) {
        block_on(run::<MacroWorkerHandle>(ops));
    }
}

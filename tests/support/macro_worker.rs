//! The `#[actor]` worker: the same behaviour as the hand-written [`Worker`](super::Worker), written
//! with the macro, so the contract checks run against the generated code too.

use std::time::Duration;

use beamish::current_id;
use beamish::prelude::*;

use super::{Event, Probe, Subject, TERMINATE_TIME};

#[derive(Debug)]
pub(crate) struct MacroWorker {
    probe: Probe,
    total: i64,
    log: Vec<i64>,
    parked: Option<ReplyTo<i64>>,
}

#[actor(vis = pub(crate))]
impl MacroWorker {
    #[init]
    async fn init(probe: Probe, ctx: &mut Context<Self>) -> Self {
        let _ = probe.send(Event::Init {
            id: ctx.id(),
            current: current_id(),
        });
        MacroWorker {
            probe,
            total: 0,
            log: Vec::new(),
            parked: None,
        }
    }

    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.total += n;
        self.log.push(n);
        self.total
    }

    #[cast]
    async fn push(&mut self, n: i64) {
        self.log.push(n);
    }

    #[call]
    async fn log(&self) -> Vec<i64> {
        self.log.clone()
    }

    #[call]
    async fn panic_call(&mut self, msg: String) {
        panic!("{msg}");
    }

    #[cast]
    async fn panic_cast(&mut self, msg: String) {
        panic!("{msg}");
    }

    /// Stops the actor; the value still reaches the caller, after terminate (GS-3.7).
    #[call]
    async fn stop_with(&mut self, reason: ExitReason, value: i64, ctx: &mut Context<Self>) -> i64 {
        ctx.stop(reason);
        value
    }

    /// Defers the reply: keeps it until `release`.
    #[call]
    async fn park(&mut self, reply: ReplyTo<i64>, ctx: &mut Context<Self>) {
        self.parked = Some(reply);
        let _ = self.probe.send(Event::Parked { id: ctx.id() });
    }

    #[cast]
    async fn release(&mut self, value: i64) {
        if let Some(reply) = self.parked.take() {
            let delivered = reply.send(value);
            let _ = self.probe.send(Event::Replied { delivered });
        }
    }

    #[call]
    async fn call_self(&mut self, ctx: &mut Context<Self>) -> Result<i64, CallError> {
        MacroWorkerHandle::from(ctx.actor_ref().clone())
            .add(1)
            .await
    }

    #[call]
    async fn stop_self(&mut self, ctx: &mut Context<Self>) -> Result<(), CallError> {
        MacroWorkerHandle::from(ctx.actor_ref().clone())
            .stop(ExitReason::Normal)
            .await
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        tokio::time::sleep(TERMINATE_TIME).await;
        let _ = self.probe.send(Event::Terminated {
            id: ctx.id(),
            reason: reason.clone(),
        });
    }
}

impl Subject for MacroWorkerHandle {
    async fn start(probe: Probe) -> Result<Self, StartError> {
        MacroWorker::start(probe).await
    }
    fn with_timeout(&self, timeout: Duration) -> Self {
        MacroWorkerHandle::with_timeout(self, timeout)
    }
    async fn add(&self, n: i64) -> Result<i64, CallError> {
        MacroWorkerHandle::add(self, n).await
    }
    fn push(&self, n: i64) -> Result<(), SendError> {
        MacroWorkerHandle::push(self, n)
    }
    async fn log(&self) -> Result<Vec<i64>, CallError> {
        MacroWorkerHandle::log(self).await
    }
    async fn panic_call(&self, msg: &str) -> Result<(), CallError> {
        MacroWorkerHandle::panic_call(self, msg.to_owned()).await
    }
    fn panic_cast(&self, msg: &str) -> Result<(), SendError> {
        MacroWorkerHandle::panic_cast(self, msg.to_owned())
    }
    async fn stop_with(&self, reason: ExitReason, value: i64) -> Result<i64, CallError> {
        MacroWorkerHandle::stop_with(self, reason, value).await
    }
    async fn park(&self) -> Result<i64, CallError> {
        MacroWorkerHandle::park(self).await
    }
    fn release(&self, value: i64) -> Result<(), SendError> {
        MacroWorkerHandle::release(self, value)
    }
    async fn call_self(&self) -> Result<Result<i64, CallError>, CallError> {
        MacroWorkerHandle::call_self(self).await
    }
    async fn stop_self(&self) -> Result<Result<(), CallError>, CallError> {
        MacroWorkerHandle::stop_self(self).await
    }
}

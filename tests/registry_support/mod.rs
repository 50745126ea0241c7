//! Shared helpers for the registry tests: an `Agent` actor that runs closures as itself, so a
//! test can register, unregister or monitor *as* a given actor and get the result back.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::pin::Pin;

use beamish::InitError;
use beamish::prelude::*;

type Job = Box<dyn FnOnce(&mut Context<Agent>) + Send>;
type AsyncJob = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;
type InfoHandler = Box<dyn FnMut(Info, &mut Context<Agent>) + Send>;

/// An actor that runs whatever it is sent, inside itself.
pub struct Agent {
    on_info: Option<InfoHandler>,
}

pub enum AgentMsg {
    Run(Job),
    RunAsync(AsyncJob),
    OnInfo(InfoHandler),
    Panic(String),
}

/// What an `Agent` does before `init` returns.
pub type Setup = Box<dyn FnOnce(&mut Context<Agent>) -> Result<(), String> + Send>;

impl Actor for Agent {
    type Args = Option<Setup>;
    type Message = AgentMsg;

    async fn init(setup: Option<Setup>, ctx: &mut Context<Self>) -> Result<Self, InitError> {
        if let Some(setup) = setup {
            setup(ctx)?;
        }
        Ok(Agent { on_info: None })
    }

    async fn handle(&mut self, msg: AgentMsg, ctx: &mut Context<Self>) {
        match msg {
            AgentMsg::Run(job) => job(ctx),
            AgentMsg::RunAsync(job) => job().await,
            AgentMsg::OnInfo(handler) => self.on_info = Some(handler),
            AgentMsg::Panic(msg) => panic!("{msg}"),
        }
    }

    async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        if let Some(handler) = &mut self.on_info {
            handler(info, ctx);
        }
    }
}

/// Starts an agent with no setup.
pub async fn agent() -> ActorRef<Agent> {
    ActorRef::<Agent>::start(None).await.expect("agent starts")
}

/// Runs `f` inside `agent` (as that actor) and returns its result.
pub async fn run<R: Send + 'static>(
    agent: &ActorRef<Agent>,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    run_ctx(agent, move |_| f()).await
}

/// Runs `f` inside `agent` with its context and returns its result.
pub async fn run_ctx<R: Send + 'static>(
    agent: &ActorRef<Agent>,
    f: impl FnOnce(&mut Context<Agent>) -> R + Send + 'static,
) -> R {
    agent
        .call(|reply| {
            AgentMsg::Run(Box::new(move |ctx| {
                reply.send(f(ctx));
            }))
        })
        .await
        .expect("the agent is alive and replies")
}

/// Runs the future `f` makes inside `agent` (awaited by its handler, so it acts as the agent) and
/// returns its output.
pub async fn run_async<R, Fut>(
    agent: &ActorRef<Agent>,
    f: impl FnOnce() -> Fut + Send + 'static,
) -> R
where
    R: Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    agent
        .call(|reply| {
            AgentMsg::RunAsync(Box::new(move || {
                Box::pin(async move {
                    reply.send(f().await);
                })
            }))
        })
        .await
        .expect("the agent is alive and replies")
}

/// Installs `handler` as the agent's `handle_info`; returns once it is installed.
pub async fn on_info(
    agent: &ActorRef<Agent>,
    handler: impl FnMut(Info, &mut Context<Agent>) + Send + 'static,
) {
    agent
        .cast(AgentMsg::OnInfo(Box::new(handler)))
        .expect("agent alive");
    // A round trip: the handler is installed once this returns.
    run(agent, || ()).await;
}

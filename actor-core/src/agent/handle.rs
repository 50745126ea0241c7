//! The public handle of an agent, [`Agent`]: its start functions, its child specs, and the
//! operations that send closures to the agent actor.

use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use super::server::{AgentServer, Init, Op};
use crate::actor::{
    ActorHandle, ActorRef, ActorView, AnyActor, FromAnyActor, ReplyTo, StartOptions,
};
use crate::registry::{Registry, RegistryKey, RegistryValue, via_options};
use crate::supervisor::ChildSpec;
use crate::{CallError, SendError, StartError};

/// A handle to an agent: an actor that is nothing but a state of type `S`, read and changed by
/// closures its clients send it (Elixir's `Agent`).
///
/// The state is built by a closure that runs **inside the new actor** before
/// [`start`](Self::start) returns (`Agent.start_link(fn -> … end)`). Then each operation sends a
/// closure that the agent runs on its state, one at a time, in the order they arrive:
/// [`get`](Self::get) reads, [`update`](Self::update) changes, [`get_and_update`](Self::get_and_update)
/// does both, each waiting for the agent to have run it; [`cast`](Self::cast) changes without
/// waiting.
///
/// An agent is an ordinary actor, and its operations are ordinary calls and casts:
/// - A call times out after the handle's timeout (5 s, [`with_timeout`](Self::with_timeout) to
///   change it) with [`CallError::Timeout`]; the agent still runs the closure when it gets to it.
/// - A call to a dead agent fails at once with [`CallError::NoProc`]; a call whose agent dies
///   first fails with [`CallError::Exited`] and the exit reason.
/// - A closure that panics crashes the agent, as a panicking handler crashes any actor: it exits
///   with [`ExitReason::Panic`](crate::ExitReason::Panic), the caller gets
///   `CallError::Exited(ExitReason::Panic(…))`, links and monitors are told, and its supervisor,
///   if any, restarts it with a fresh state from its initial-state function.
/// - Its lifecycle (`id`, `stop`, `kill`, `wait`, `monitor`, `link`) is
///   [`ActorHandle`]'s; handles compare and hash by actor id.
///
/// Closures are synchronous and run as the agent, one at a time, in the order they arrive: in
/// the agent's task, or — a call to an idle agent — in the caller's, with the agent's state lent
/// to it ([`Actor::handle_inline`](crate::Actor::handle_inline): same order, same outcome, no
/// task switch; such a closure runs at once, so no timeout cuts it). The agent serves no one else
/// while one runs, so keep them short and do expensive work in the caller, as Elixir advises.
/// They are `Send + 'static` because they may travel to another task.
///
/// ```
/// use beamish::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let counter = Agent::start(|| 0_u64).await.unwrap();
/// counter.update(|n| *n += 1).await.unwrap();
/// counter.cast(|n| *n += 10).unwrap();
/// assert_eq!(counter.get(|n| *n).await, Ok(11));
/// assert_eq!(counter.get_and_update(|n| std::mem::take(n)).await, Ok(11));
/// assert_eq!(counter.get(|n| *n).await, Ok(0));
///
/// // A panicking closure crashes the agent, as a panicking handler crashes any actor.
/// let crashed = counter.update(|_| panic!("bad update")).await;
/// assert_eq!(crashed, Err(CallError::Exited(ExitReason::Panic("bad update".into()))));
/// assert_eq!(counter.get(|n| *n).await, Err(CallError::NoProc));
/// # }
/// ```
///
/// Under a supervisor, the initial-state function runs again on every restart, and a via name
/// finds the current incarnation:
///
/// ```
/// use beamish::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let names = Registry::<&'static str>::new(Keys::Unique);
/// let sup = DynamicSupervisor::start(DynamicSupervisorOptions::new()).await.unwrap();
/// let spec = Agent::child_spec_via(&names, "config", || vec!["default"]);
/// let config = sup.start_child(spec).await.unwrap();
/// config.update(|c| c.push("custom")).await.unwrap();
///
/// config.kill(); // a crash: the supervisor starts the agent again, from its initial state
/// assert_eq!(config.wait().await, ExitReason::Killed);
/// assert_eq!(sup.count_children().await.unwrap().restarts, 1);
/// let again = Agent::<Vec<&str>>::whereis(&names, "config").unwrap();
/// assert_ne!(again.id(), config.id());
/// assert_eq!(again.get(|c| c.clone()).await, Ok(vec!["default"]));
///
/// sup.stop(ExitReason::Shutdown).await.unwrap();
/// # }
/// ```
///
/// Beyond Elixir: [`cast`](Self::cast) to a dead agent returns [`SendError::NoProc`] instead of
/// `:ok`; [`get_and_update`](Self::get_and_update)'s closure changes the state in place and
/// returns the value, instead of returning a `{value, new_state}` pair; and there is no
/// `{module, fun, args}` form, closures only.
pub struct Agent<S: Send + 'static> {
    actor: ActorRef<AgentServer<S>>,
}

/// The initial-state function of a child spec, shared by every (re)start.
type Shared<S> = Arc<dyn Fn() -> S + Send + Sync>;

impl<S: Send + 'static> Agent<S> {
    /// Starts an agent whose state is what `init` returns; `init` runs inside the new actor, and
    /// this returns once it has. Not linked to the caller.
    ///
    /// # Errors
    /// [`StartError::Panic`] if `init` panicked, [`StartError::Exited`] if the agent was killed
    /// before it returned.
    pub fn start(
        init: impl FnOnce() -> S + Send + 'static,
    ) -> impl Future<Output = Result<Self, StartError>> + Send {
        Self::spawn(Box::new(init), Ok(StartOptions::new()))
    }

    /// [`start`](Self::start), linked to the calling actor (outside any actor, the same as
    /// `start`).
    ///
    /// # Errors
    /// Those of [`start`](Self::start).
    pub fn start_link(
        init: impl FnOnce() -> S + Send + 'static,
    ) -> impl Future<Output = Result<Self, StartError>> + Send {
        Self::spawn(Box::new(init), Ok(StartOptions::new().link()))
    }

    /// Starts an agent registered under `key` in `registry` (a via name): the name is taken
    /// inside the new actor before `init` runs, and is free again if `init` panics. Find it with
    /// `Agent::<S>::whereis(&registry, &key)` ([`Whereis`](crate::Whereis)).
    ///
    /// # Errors
    /// [`StartError::AlreadyStarted`] with the holder's id if the key is taken (`init` does not
    /// run), [`StartError::Refused`] for a registry without unique keys, and those of
    /// [`start`](Self::start).
    pub fn start_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        init: impl FnOnce() -> S + Send + 'static,
    ) -> impl Future<Output = Result<Self, StartError>> + Send
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let options = via_options(registry, key, StartOptions::new());
        Self::spawn(Box::new(init), options)
    }

    /// [`start_via`](Self::start_via), linked to the calling actor.
    ///
    /// # Errors
    /// Those of [`start_via`](Self::start_via).
    pub fn start_link_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        init: impl FnOnce() -> S + Send + 'static,
    ) -> impl Future<Output = Result<Self, StartError>> + Send
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let options = via_options(registry, key, StartOptions::new().link());
        Self::spawn(Box::new(init), options)
    }

    /// [`start`](Self::start) with explicit [`StartOptions`] (a link, a mailbox bound, a
    /// `before_init` hook).
    ///
    /// # Errors
    /// Those of [`start`](Self::start), and a `before_init` hook's error.
    pub fn start_with(
        init: impl FnOnce() -> S + Send + 'static,
        options: StartOptions,
    ) -> impl Future<Output = Result<Self, StartError>> + Send {
        Self::spawn(Box::new(init), Ok(options))
    }

    /// A child spec that starts an agent (linked to its supervisor) whose state is what `init`
    /// returns, on the first start and on every restart: a restarted agent starts afresh. Id
    /// `"Agent"` (rename with [`ChildSpec::with_id`]), a permanent worker stopped with the
    /// default 5 s shutdown, as Elixir's `Agent` child spec.
    #[must_use]
    pub fn child_spec(init: impl Fn() -> S + Send + Sync + 'static) -> ChildSpec<Self> {
        let init: Shared<S> = Arc::new(init);
        ChildSpec::new("Agent", move || {
            Self::spawn_child(fresh(&init), Ok(StartOptions::new().link()))
        })
        .self_linking()
        .typed()
    }

    /// Like [`child_spec`](Self::child_spec), registering the agent under `key` in `registry` on
    /// every (re)start, so `Agent::<S>::whereis(&registry, &key)` finds the current incarnation.
    /// The id is `key`'s `Debug` form.
    #[must_use]
    pub fn child_spec_via<K, V>(
        registry: &Registry<K, V>,
        key: K,
        init: impl Fn() -> S + Send + Sync + 'static,
    ) -> ChildSpec<Self>
    where
        K: RegistryKey,
        V: RegistryValue + Default,
    {
        let init: Shared<S> = Arc::new(init);
        let registry = registry.clone();
        ChildSpec::new(format!("{key:?}"), move || {
            let options = via_options(&registry, key.clone(), StartOptions::new().link());
            Self::spawn_child(fresh(&init), options)
        })
        .self_linking()
        .typed()
    }

    /// A copy of this handle whose calls time out after `timeout` instead of the default 5 s
    /// (Elixir's `timeout` argument).
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Agent {
            actor: self.actor.with_timeout(timeout),
        }
    }

    /// The timeout this handle's calls use.
    pub fn timeout(&self) -> Duration {
        self.actor.timeout()
    }

    /// Runs `f` on the state inside the agent and returns what it returns (`Agent.get`).
    ///
    /// # Errors
    /// [`CallError::Timeout`] after this handle's timeout, [`CallError::NoProc`] if the agent is
    /// dead, [`CallError::Exited`] if it exits first — with `ExitReason::Panic` if `f` panicked.
    pub fn get<R: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send {
        self.call(Box::new(move |state: &mut S| f(state)))
    }

    /// Runs `f` on the state inside the agent, and returns once it has (`Agent.update`).
    ///
    /// # Errors
    /// Those of [`get`](Self::get). After a timeout the agent still runs `f`.
    pub fn update(
        &self,
        f: impl FnOnce(&mut S) + Send + 'static,
    ) -> impl Future<Output = Result<(), CallError>> + Send {
        self.call(Box::new(f))
    }

    /// Runs `f` on the state inside the agent, which may change it, and returns what `f` returns
    /// (`Agent.get_and_update`).
    ///
    /// # Errors
    /// Those of [`get`](Self::get).
    pub fn get_and_update<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut S) -> R + Send + 'static,
    ) -> impl Future<Output = Result<R, CallError>> + Send {
        self.call(Box::new(f))
    }

    /// Sends `f` to run on the state without waiting for it (`Agent.cast`). Operations from one
    /// caller run in the order they were sent, casts and calls alike.
    ///
    /// # Errors
    /// [`SendError::NoProc`] if the agent is dead (Elixir's `cast` says `:ok` regardless),
    /// [`SendError::Full`] if it was started with a bounded mailbox that is full.
    pub fn cast(&self, f: impl FnOnce(&mut S) + Send + 'static) -> Result<(), SendError> {
        self.actor.cast(Box::new(f))
    }

    /// The call every operation is: `f` goes to the agent with the reply channel, through
    /// [`ActorRef::call`]. Generic over the state and the answer only, not over each closure.
    async fn call<R: Send + 'static>(
        &self,
        f: Box<dyn FnOnce(&mut S) -> R + Send>,
    ) -> Result<R, CallError> {
        self.actor
            .call(|reply: ReplyTo<R>| -> Op<S> {
                Box::new(move |state| {
                    reply.send(f(state));
                })
            })
            .await
    }

    /// Every start function: spawns the agent with `init` once `options` are known to be good.
    async fn spawn(
        init: Init<S>,
        options: Result<StartOptions, StartError>,
    ) -> Result<Self, StartError> {
        let actor = ActorRef::<AgentServer<S>>::start_with(init, options?).await?;
        Ok(Agent { actor })
    }

    /// [`spawn`](Self::spawn) as a child spec's start function wants it.
    async fn spawn_child(
        init: Init<S>,
        options: Result<StartOptions, StartError>,
    ) -> Result<AnyActor, StartError> {
        Ok(Self::spawn(init, options).await?.to_any())
    }
}

/// One incarnation's initial-state function, from a child spec's shared one.
fn fresh<S: Send + 'static>(init: &Shared<S>) -> Init<S> {
    let init = init.clone();
    Box::new(move || init())
}

impl<S: Send + 'static> ActorHandle for Agent<S> {
    fn view(&self) -> ActorView<'_> {
        self.actor.view()
    }
}

impl<S: Send + 'static> FromAnyActor for Agent<S> {
    /// The agent `actor` is, if its state is an `S`.
    fn from_any(actor: AnyActor) -> Option<Self> {
        let actor = actor.into_downcast::<AgentServer<S>>()?;
        Some(Agent { actor })
    }
}

impl<S: Send + 'static> Clone for Agent<S> {
    fn clone(&self) -> Self {
        Agent {
            actor: self.actor.clone(),
        }
    }
}

impl<S: Send + 'static> fmt::Debug for Agent<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("id", &self.id())
            .field("state", &std::any::type_name::<S>())
            .finish()
    }
}

impl<S: Send + 'static> PartialEq for Agent<S> {
    fn eq(&self, other: &Self) -> bool {
        self.actor == other.actor
    }
}

impl<S: Send + 'static> Eq for Agent<S> {}

impl<S: Send + 'static> Hash for Agent<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.actor.hash(state);
    }
}

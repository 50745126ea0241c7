//! Starting an actor type and getting its handle: [`Start`], the functions `#[actor]` used to
//! write out for every actor, written once.

use std::future::Future;

use crate::StartError;
use crate::actor::{Actor, ActorRef, FromAnyActor, StartOptions};
use crate::registry::{Named, NamedRegistry, Registry, RegistryKey, RegistryValue, ViaRegistry};
use crate::supervisor::{ChildSpec, OnceSpec, Restart, Shutdown};

/// Starting an actor type: `start`, `start_link`, via names, named handles and child specs, each
/// handing back the type's own handle `H` (and named handle `N`).
///
/// `#[actor]` implements it as `Start<CounterHandle, CounterNamed>` (with `RESTART` and `SHUTDOWN`
/// from the attribute's `restart` and `shutdown`), so `Counter::start(0)` works with the prelude
/// in scope. A hand-written actor implements it in one line to get the same functions, handing
/// back [`ActorRef<Self>`] and [`Named<Self>`] by default:
///
/// ```
/// use beamish::prelude::*;
///
/// struct Echo;
///
/// impl Actor for Echo {
///     type Args = ();
///     type Message = ReplyTo<&'static str>;
///     async fn init((): (), _ctx: &mut Context<Self>) -> Result<Self, InitError> {
///         Ok(Echo)
///     }
///     async fn handle(&mut self, reply: ReplyTo<&'static str>, _ctx: &mut Context<Self>) {
///         reply.send("echo");
///     }
/// }
///
/// impl Start for Echo {
///     const RESTART: Restart = Restart::Transient;
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let names = Registry::<String>::new(Keys::Unique);
/// let echo: ActorRef<Echo> = Echo::start_via(&names, "echo".to_string(), ()).await.unwrap();
/// assert_eq!(Echo::via(&names, "echo".to_string()).call(|r| r).await, Ok("echo"));
/// assert_eq!(Echo::child_spec(()).restart_policy(), Restart::Transient);
/// echo.stop(ExitReason::Normal).await.unwrap();
/// # }
/// ```
///
/// The handle types are parameters rather than associated types so that the trait impl never
/// makes them part of a public interface: a `pub struct` whose generated handle is `pub(crate)`
/// (the default visibility) stays valid. A type has one `Start` impl, so the parameters are
/// inferred at every call.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no start functions",
    note = "add `#[actor]` to the `impl` block that holds its handlers, or write `impl Start for {Self} {{}}` next to its `Actor` impl"
)]
pub trait Start<H = ActorRef<Self>, N = Named<Self>>: Actor
where
    H: From<ActorRef<Self>> + FromAnyActor,
    N: From<Named<Self>>,
{
    /// The restart policy of this type's [`child_spec`](Self::child_spec)s.
    const RESTART: Restart = Restart::Permanent;

    /// The shutdown mode of this type's child specs; `None` is the default for its child type
    /// (5 s for a worker).
    const SHUTDOWN: Option<Shutdown> = None;

    /// Starts the actor: runs `init` as the new actor, and returns its handle once `init`
    /// returned (GS-1.1). Not linked to the caller. Dropping the future before it completes
    /// kills the half-started actor (GS-1.3).
    ///
    /// # Errors
    /// [`StartError::Init`] if `init` returned an error, [`StartError::Panic`] if it panicked,
    /// [`StartError::Exited`] if it stopped or was killed before it returned.
    fn start(args: Self::Args) -> impl Future<Output = Result<H, StartError>> + Send {
        <Self as Start<H, N>>::start_with(args, StartOptions::new())
    }

    /// [`start`](Self::start), linked to the calling actor (outside any actor, the same as
    /// `start`).
    ///
    /// # Errors
    /// Those of [`start`](Self::start).
    fn start_link(args: Self::Args) -> impl Future<Output = Result<H, StartError>> + Send {
        <Self as Start<H, N>>::start_with(args, StartOptions::new().link())
    }

    /// [`start`](Self::start) with explicit [`StartOptions`] (a link, a mailbox bound, a hook).
    ///
    /// # Errors
    /// Those of [`start`](Self::start), and a `before_init` hook's error.
    fn start_with(
        args: Self::Args,
        options: StartOptions,
    ) -> impl Future<Output = Result<H, StartError>> + Send {
        async move { Ok(ActorRef::<Self>::start_with(args, options).await?.into()) }
    }

    /// Starts the actor registered under `key` in `registry` (a via name, GS-1.5): the name is
    /// taken inside the new actor before `init` runs, and is free again if `init` fails.
    ///
    /// # Errors
    /// [`StartError::AlreadyStarted`] with the holder's id if the key is taken (`init` does not
    /// run), [`StartError::Refused`] for a registry without unique keys, and those of
    /// [`start`](Self::start).
    fn start_via<K, R: ViaRegistry<K> + ?Sized>(
        registry: &R,
        key: K,
        args: Self::Args,
    ) -> impl Future<Output = Result<H, StartError>> + Send {
        let options = registry.via_options(key, StartOptions::new());
        async move { <Self as Start<H, N>>::start_with(args, options?).await }
    }

    /// [`start_via`](Self::start_via), linked to the calling actor.
    ///
    /// # Errors
    /// Those of [`start_via`](Self::start_via).
    fn start_link_via<K, R: ViaRegistry<K> + ?Sized>(
        registry: &R,
        key: K,
        args: Self::Args,
    ) -> impl Future<Output = Result<H, StartError>> + Send {
        let options = registry.via_options(key, StartOptions::new().link());
        async move { <Self as Start<H, N>>::start_with(args, options?).await }
    }

    /// A handle by name: every use resolves `key` in `registry` (a local [`Registry`] or a
    /// cluster-wide one), so it keeps reaching the actor across restarts (GenServer.call with a
    /// `{:via, Registry, key}` name).
    #[must_use]
    fn via<K, R: NamedRegistry<K> + ?Sized>(registry: &R, key: K) -> N {
        registry.named::<Self>(key).into()
    }

    /// A child spec that starts this actor with `args` (cloned for every restart) linked to its
    /// supervisor, with this type's [`RESTART`](Self::RESTART) and [`SHUTDOWN`](Self::SHUTDOWN).
    #[must_use]
    fn child_spec(args: Self::Args) -> ChildSpec<H>
    where
        Self::Args: Clone + Sync,
    {
        policy::<Self, H, N>(ChildSpec::<ActorRef<Self>>::of(args))
    }

    /// Like [`child_spec`](Self::child_spec), registering the child under `key` in `registry` on
    /// every (re)start, so [`via`](Self::via) keeps reaching it.
    #[must_use]
    fn child_spec_via<K: RegistryKey, V: RegistryValue + Default>(
        registry: &Registry<K, V>,
        key: K,
        args: Self::Args,
    ) -> ChildSpec<H>
    where
        Self::Args: Clone + Sync,
    {
        policy::<Self, H, N>(ChildSpec::<ActorRef<Self>>::of_via(registry, key, args))
    }

    /// A [`OnceSpec`]: a child spec that starts this actor once, with `args` moved in (they need
    /// not be `Clone`), linked to its supervisor. The child is always
    /// [`Temporary`](Restart::Temporary), whatever [`RESTART`](Self::RESTART) says; its shutdown
    /// is this type's [`SHUTDOWN`](Self::SHUTDOWN).
    #[must_use]
    fn child_spec_once(args: Self::Args) -> OnceSpec<H> {
        let spec = ChildSpec::<ActorRef<Self>>::once(args);
        match <Self as Start<H, N>>::SHUTDOWN {
            Some(shutdown) => spec.shutdown(shutdown).typed(),
            None => spec.typed(),
        }
    }
}

/// `spec` with `A`'s declared restart and shutdown, typed with its handle.
fn policy<A, H, N>(spec: ChildSpec<ActorRef<A>>) -> ChildSpec<H>
where
    A: Start<H, N>,
    H: From<ActorRef<A>> + FromAnyActor,
    N: From<Named<A>>,
{
    let spec = spec.restart(<A as Start<H, N>>::RESTART);
    match <A as Start<H, N>>::SHUTDOWN {
        Some(shutdown) => spec.shutdown(shutdown).typed(),
        None => spec.typed(),
    }
}

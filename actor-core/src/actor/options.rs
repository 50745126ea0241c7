//! How an actor is started: [`StartOptions`].

use std::fmt;
use std::future::Future;

use super::overflow::Overflow;
use crate::StartError;

pub(super) type BeforeInit = Box<dyn FnOnce() -> HookFuture + Send>;
type HookFuture = std::pin::Pin<Box<dyn Future<Output = Result<(), StartError>> + Send>>;

/// How to start an actor: linked or not, a hook that runs inside the new actor before `init`,
/// a mailbox bound.
///
/// ```
/// # use beamish::StartOptions;
/// let options = StartOptions::new().link().mailbox(64);
/// # drop(options);
/// ```
#[derive(Default)]
pub struct StartOptions {
    pub(super) link: bool,
    pub(super) mailbox: Option<usize>,
    pub(super) overflow: Option<Overflow>,
    pub(super) before_init: Option<BeforeInit>,
}

impl StartOptions {
    /// Not linked, mailbox as the actor type declares, no hook.
    pub fn new() -> Self {
        StartOptions::default()
    }

    /// Link the new actor to the calling actor before `init` runs (GS-1.1). Outside any actor this
    /// does nothing. A failed start (`init` returned `Err` or panicked, a hook refused, or the actor
    /// was killed before `init` returned) never sends the linked caller an exit signal: the failure
    /// is the start error. Actors that `init` itself linked to do hear the exit.
    #[must_use]
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }

    /// Bound the mailbox to `capacity` user messages (overrides [`Actor::MAILBOX_CAPACITY`](super::Actor::MAILBOX_CAPACITY)).
    /// A mailbox holds at least one message: a `capacity` of `0` means `1`.
    #[must_use]
    pub fn mailbox(mut self, capacity: usize) -> Self {
        self.mailbox = Some(capacity);
        self
    }

    /// What the bounded mailbox does when it is full (overrides [`Actor::MAILBOX_OVERFLOW`](super::Actor::MAILBOX_OVERFLOW));
    /// see [`Overflow`]. Meaningless for an unbounded mailbox.
    #[must_use]
    pub fn overflow(mut self, policy: Overflow) -> Self {
        self.overflow = Some(policy);
        self
    }

    /// Run `hook` inside the new actor before `init` (so it acts as the new actor, e.g. a via-name
    /// registration, GS-1.5). If it fails, `init` never runs, the actor exits `Normal` and the start
    /// returns the hook's error. Hooks compose: each runs in the order given.
    #[must_use]
    pub fn before_init(
        self,
        hook: impl FnOnce() -> Result<(), StartError> + Send + 'static,
    ) -> Self {
        self.before_init_async(move || std::future::ready(hook()))
    }

    /// [`before_init`](Self::before_init) with a hook that may wait (a registration that needs
    /// a round trip, as a cluster-wide name does). The start waits for it.
    #[must_use]
    pub fn before_init_async<F>(mut self, hook: impl FnOnce() -> F + Send + 'static) -> Self
    where
        F: Future<Output = Result<(), StartError>> + Send + 'static,
    {
        self.before_init = Some(match self.before_init.take() {
            None => Box::new(move || Box::pin(hook())),
            // The second runs only if the first succeeded.
            Some(first) => Box::new(move || {
                Box::pin(async move {
                    first().await?;
                    hook().await
                })
            }),
        });
        self
    }
}

impl fmt::Debug for StartOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartOptions")
            .field("link", &self.link)
            .field("mailbox", &self.mailbox)
            .field("overflow", &self.overflow)
            .field("before_init", &self.before_init.is_some())
            .finish()
    }
}

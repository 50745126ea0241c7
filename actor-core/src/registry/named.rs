//! Named handles: resolve a registry key at every use (GenServer.call with a `{:via, Registry, …}`
//! name), so they keep working across restarts.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::Registry;
use super::key::{RegistryKey, RegistryValue};
use super::via::Whereis;
use crate::actor::{Actor, ActorRef, DEFAULT_CALL_TIMEOUT, ReplyTo};
use crate::{CallError, SendError, TrySendError};

type Resolve<A> = Arc<dyn Fn() -> Option<ActorRef<A>> + Send + Sync>;

/// A handle by name: every call, cast or send looks the key up first. No holder →
/// [`CallError::NoProc`] / [`SendError::NoProc`]; on a registry with duplicate keys, which cannot
/// hold via names (REG-9.1), there never is one.
pub struct Named<A: Actor> {
    resolve: Resolve<A>,
    key: Arc<str>,
    timeout: Duration,
}

impl<A: Actor> Named<A> {
    /// A named handle for `key` in `registry`. The key is owned: the handle keeps it to look it
    /// up at every use. Its `Debug` form names the handle in its own `Debug` output.
    pub fn new<K: RegistryKey, V: RegistryValue>(registry: &Registry<K, V>, key: K) -> Self {
        let label: Arc<str> = format!("{key:?}").into();
        let registry = registry.clone();
        Named {
            resolve: Arc::new(move || ActorRef::<A>::whereis(&registry, &key)),
            key: label,
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// A named handle that resolves with `resolve` at every use (`label` names the key in
    /// `Debug`): how other registries, a cluster-wide one say, make named handles.
    pub fn with_resolver(
        label: impl Into<Arc<str>>,
        resolve: impl Fn() -> Option<ActorRef<A>> + Send + Sync + 'static,
    ) -> Self {
        Named {
            resolve: Arc::new(resolve),
            key: label.into(),
            timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The current holder of the name, if it is alive.
    pub fn resolve(&self) -> Option<ActorRef<A>> {
        (self.resolve)().map(|r| r.with_timeout(self.timeout))
    }

    /// A copy whose calls time out after `timeout`.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Named {
            resolve: self.resolve.clone(),
            key: self.key.clone(),
            timeout,
        }
    }

    /// Resolves, then [`ActorRef::call`].
    pub async fn call<R>(
        &self,
        make: impl FnOnce(ReplyTo<R>) -> A::Message,
    ) -> Result<R, CallError> {
        match self.resolve() {
            Some(actor) => actor.call(make).await,
            None => Err(CallError::NoProc),
        }
    }

    /// Resolves, then [`ActorRef::cast`].
    pub fn cast(&self, msg: A::Message) -> Result<(), SendError> {
        match self.resolve() {
            Some(actor) => actor.cast(msg),
            None => Err(SendError::NoProc),
        }
    }

    /// Resolves, then [`ActorRef::send`].
    pub async fn send(&self, msg: A::Message) -> Result<(), SendError> {
        match self.resolve() {
            Some(actor) => actor.send(msg).await,
            None => Err(SendError::NoProc),
        }
    }

    /// Resolves, then [`ActorRef::try_send`].
    pub fn try_send(&self, msg: A::Message) -> Result<(), TrySendError<A::Message>> {
        match self.resolve() {
            Some(actor) => actor.try_send(msg),
            None => Err(TrySendError::NoProc(msg)),
        }
    }
}

impl<A: Actor> Clone for Named<A> {
    fn clone(&self) -> Self {
        self.with_timeout(self.timeout)
    }
}

impl<A: Actor> fmt::Debug for Named<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Named")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

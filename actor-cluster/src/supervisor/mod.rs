//! The distributed DynamicSupervisor: children wished for in a KV bucket, each run by exactly
//! one node, re-homed when their node is lost.
//!
//! Bucket `bm_sup_<cluster>_<name>`: `c.<id>` the wish (type tag, encoded arguments, restart),
//! `o.<id>` the owner (node incarnation and local id), `h.<node>` the types a node hosts. Every
//! node computes the same owner for a child (rendezvous hashing over the live hosts of its type)
//! and only that node claims it, by compare-and-set on `o.<id>`; a claim that loses starts
//! nothing.

mod cache;
mod child;
mod core;
mod named;
mod placement;
mod reconcile;

use std::sync::Arc;
use std::time::Duration;

use actor_core::__private::{
    Actor, ActorHandle, ActorRef, AnyActor, Restart, StartError, StartOptions,
};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use child::{ClusterChild, ClusterChildCounts};
pub use placement::{Placement, Rendezvous};

pub(crate) use self::core::SupCore;
use self::core::{Desired, START_WAIT, Starter, desired_key};
use crate::error::{ClusterError, ClusterSupervisorError};
use crate::node::{Node, lock, read, write};
use crate::wire;

/// A supervisor whose children run across the cluster: each on exactly one node, restarted
/// there on a crash (at most 3 times in 5 s per node, then given up), and started again on
/// another node when theirs is lost — permanent and transient children; temporary ones are
/// dropped with their node.
///
/// ```no_run
/// use beamish::cluster::{Node, NodeOptions};
/// use beamish::prelude::*;
///
/// struct Session(String);
///
/// #[actor(remote)]
/// impl Session {
///     #[init]
///     async fn init(user: String) -> Self { Session(user) }
///     #[call]
///     async fn user(&self) -> String { self.0.clone() }
/// }
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let node = Node::connect("nats://127.0.0.1:4222", NodeOptions::new("shop", "a")).await?;
/// let sessions = node.supervisor("sessions").await?;
/// sessions.host::<Session>().await?; // this node runs sessions
/// let child = sessions.start_child::<Session>("ann".into()).await?;
/// let ann: SessionHandle = child.handle().expect("a session");
/// assert_eq!(ann.user().await?, "ann");
/// println!("{} runs on {:?}", child.id(), child.node());
/// # Ok(()) }
/// ```
///
/// Where a child runs: of the live nodes hosting its type ([`host`](Self::host)), the one its
/// [`Placement`] chooses — by default the one with the highest rendezvous score for the child's
/// id, so a node's loss moves only its own children. A node fenced off the cluster kills its children with `ExitReason::Fenced` before
/// the others can adopt them (see `NodeOptions::fence_after`); a node that leaves stops its
/// children and the others adopt them at once. Adoption is a move, not a crash: no intensity
/// counts it. A child that ends for good (temporary and stopped, given up, terminated) is never
/// started again on its way out, by any node.
///
/// If the server loses its store, each node re-creates the wish and the owner entry of every
/// child it runs (it holds their master copy) when its next heartbeat finds the store empty,
/// within TTL/4. A node lost before it did (the store and the node lost at once) takes its
/// children with it: nothing of them is left to adopt.
#[derive(Clone)]
pub struct ClusterSupervisor {
    core: Arc<SupCore>,
}

impl std::fmt::Debug for ClusterSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterSupervisor")
            .field("name", &self.core.name)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// The cluster supervisor `name` (a token of `[A-Za-z0-9_-]`) with the default
    /// [`Rendezvous`] placement, shared by every node that opens it; one per name per node.
    ///
    /// # Errors
    /// [`ClusterError::InvalidName`], or [`ClusterError::Unavailable`] if its bucket cannot be
    /// opened.
    pub async fn supervisor(&self, name: &str) -> Result<ClusterSupervisor, ClusterError> {
        self.supervisor_with(name, Rendezvous).await
    }

    /// The cluster supervisor `name` with `placement` (the same on every node; ignored if this
    /// node opened the supervisor before).
    ///
    /// # Errors
    /// As [`supervisor`](Self::supervisor).
    pub async fn supervisor_with(
        &self,
        name: &str,
        placement: impl Placement,
    ) -> Result<ClusterSupervisor, ClusterError> {
        if !crate::node::is_token(name) {
            return Err(ClusterError::InvalidName(name.to_owned()));
        }
        if let Some(core) = self
            .inner
            .supervisors()
            .into_iter()
            .find(|s| s.name == name)
        {
            return Ok(ClusterSupervisor { core });
        }
        let bucket = format!("bm_sup_{}_{name}", self.inner.cluster);
        let store = self.inner.bucket(&bucket, false).await?;
        let (exits, exited) = tokio::sync::mpsc::unbounded_channel();
        let core = Arc::new(SupCore::new(
            Arc::downgrade(&self.inner),
            name.to_owned(),
            bucket,
            store,
            Box::new(placement),
            exits,
        ));
        {
            let mut list = lock(&self.inner.supervisors);
            if let Some(found) = list.iter().find(|s| s.name == name) {
                return Ok(ClusterSupervisor {
                    core: found.clone(),
                });
            }
            list.push(core.clone());
        }
        tokio::spawn(reconcile::watch_loop(core.clone(), self.inner.clone()));
        tokio::spawn(reconcile::run(core.clone(), exited));
        let deadline = tokio::time::Instant::now() + crate::node::KV_TIMEOUT;
        while !core.is_synced() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(ClusterSupervisor { core })
    }
}

impl ClusterSupervisor {
    /// The supervisor's name.
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// This node runs children of type `A` for the supervisor (an `#[actor(remote)]` type whose
    /// `init` argument is serialisable). Only nodes that host a type are given its children.
    ///
    /// # Errors
    /// [`ClusterSupervisorError::NotRemote`] for a type that is not `#[actor(remote)]`,
    /// [`ClusterSupervisorError::Unavailable`] if the node is gone.
    pub async fn host<A>(&self) -> Result<(), ClusterSupervisorError>
    where
        A: Actor,
        A::Args: DeserializeOwned,
    {
        let tag = tag_of::<A>()?;
        let inner = self.inner()?;
        write(&self.core.hosted).insert(tag.to_owned(), start_hosted::<A> as Starter);
        self.core.advertise(&inner).await;
        self.core.kick.notify_one();
        Ok(())
    }

    /// Runs at most `children` children of this supervisor on this node (at least 1; default
    /// 100,000), whatever the others start: the children are wished for by any member, and
    /// each runs on the node its placement chooses, so without a bound a member could make
    /// this node run any number of actors. At the bound the node claims no more, and its host
    /// entry says it is full, so placement chooses among the hosts with room; a child for which
    /// no host has room stays wished for (`start_child` ends with
    /// [`Timeout`](ClusterSupervisorError::Timeout)) and starts once one has. Children already
    /// running are never stopped by a lower bound.
    pub async fn max_children_here(&self, children: usize) {
        self.core
            .max_here
            .store(children.max(1), std::sync::atomic::Ordering::Release);
        if let Some(inner) = self.core.inner() {
            self.core.advertise(&inner).await;
        }
        self.core.kick.notify_one();
    }

    /// Starts a permanent child of type `A` with `args` on the node the cluster places it on,
    /// and returns once it runs there.
    ///
    /// # Errors
    /// See [`start_child_with`](Self::start_child_with).
    pub async fn start_child<A>(
        &self,
        args: A::Args,
    ) -> Result<ClusterChild, ClusterSupervisorError>
    where
        A: Actor,
        A::Args: Serialize,
    {
        self.start_child_with::<A>(args, Restart::Permanent).await
    }

    /// Starts a child of type `A` with `args` and restart policy `restart` on the node the
    /// cluster places it on, and returns once it runs there.
    ///
    /// # Errors
    /// [`NotRemote`](ClusterSupervisorError::NotRemote) for a type that is not
    /// `#[actor(remote)]`; [`NoHost`](ClusterSupervisorError::NoHost) if no live node hosts
    /// it; [`Codec`](ClusterSupervisorError::Codec) if `args` cannot be encoded;
    /// [`Unavailable`](ClusterSupervisorError::Unavailable) if the wish cannot be written (or
    /// this node is fenced); [`Init`](ClusterSupervisorError::Init) if its `init` failed (the
    /// child is given up); [`Timeout`](ClusterSupervisorError::Timeout) if it did not run
    /// within 5 s (it stays wished for, and starts when a host can).
    pub async fn start_child_with<A>(
        &self,
        args: A::Args,
        restart: Restart,
    ) -> Result<ClusterChild, ClusterSupervisorError>
    where
        A: Actor,
        A::Args: Serialize,
    {
        self.start::<A>(args, restart, None).await
    }

    /// Starts a child of type `A` that registers under unique `key` in `registry` wherever it
    /// runs: after a restart or an adoption the name resolves to the new incarnation, on any
    /// node. A name still held by a dead actor is taken over (its entry deleted at its
    /// revision): the child's previous incarnation, or an actor whose node was lost or has not
    /// deleted its entry yet (the holder's node is asked, and answers at once for an actor that
    /// is gone). One held by a live actor fails the start, after up to 3 s of asking.
    ///
    /// # Errors
    /// As [`start_child_with`](Self::start_child_with); [`Init`](ClusterSupervisorError::Init)
    /// if the name is held by a live actor; [`NotUnique`](ClusterSupervisorError::NotUnique)
    /// for a registry of duplicate keys.
    pub async fn start_child_via<A, V>(
        &self,
        registry: &crate::ClusterRegistry<V>,
        key: &str,
        args: A::Args,
        restart: Restart,
    ) -> Result<ClusterChild, ClusterSupervisorError>
    where
        A: Actor,
        A::Args: Serialize,
    {
        if !registry.core().unique {
            return Err(ClusterSupervisorError::NotUnique);
        }
        let inner = self.inner()?;
        let name = named::registry_name(&inner, registry);
        self.start::<A>(args, restart, Some((name, key.to_owned())))
            .await
    }

    async fn start<A>(
        &self,
        args: A::Args,
        restart: Restart,
        via: Option<(String, String)>,
    ) -> Result<ClusterChild, ClusterSupervisorError>
    where
        A: Actor,
        A::Args: Serialize,
    {
        let tag = tag_of::<A>()?;
        let inner = self.inner()?;
        if inner.fence.is_fenced() {
            return Err(ClusterSupervisorError::Unavailable(
                "this node is fenced: cut off from the cluster".into(),
            ));
        }
        let mut hosts = self.core.hosting(&inner, tag);
        if hosts.is_empty() {
            return Err(ClusterSupervisorError::NoHost(tag.to_owned()));
        }
        hosts.sort();
        if !self.core.placement.has_quorum(&hosts) {
            return Err(ClusterSupervisorError::NoQuorum(hosts));
        }
        let wish = Desired {
            tag: tag.to_owned(),
            args: wire::encode(&args).map_err(|e| ClusterSupervisorError::Codec(e.0))?,
            restart: Desired::restart_code(restart),
            via,
        };
        let bytes = wire::encode(&wish).map_err(|e| ClusterSupervisorError::Codec(e.0))?;
        let id = format!(
            "{:016x}{:016x}",
            crate::node::random_u64(),
            crate::node::random_u64()
        );
        let mut changed = self.core.changed.subscribe();
        self.core
            .store()
            .create(desired_key(&id), Bytes::from(bytes))
            .await
            .map_err(|e| ClusterSupervisorError::Unavailable(e.to_string()))?;
        let waited = tokio::time::timeout(START_WAIT, async {
            let mut wished = false;
            loop {
                if read(&self.core.desired).contains_key(&id) {
                    wished = true;
                } else if wished && !read(&self.core.owners).contains_key(&id) {
                    return Err(ClusterSupervisorError::Init(
                        "given up before it ran (its init failed)".into(),
                    ));
                }
                let owner = read(&self.core.owners).get(&id).cloned();
                if let Some((o, rev)) = owner {
                    if let Some(why) = o.failed {
                        self.core.delete_at(&self::core::owner_key(&id), rev).await;
                        return Err(ClusterSupervisorError::Init(why));
                    }
                    if o.local != 0
                        && let Some(child) = self.child(&id)
                        && child.owner.is_some()
                    {
                        return Ok(child);
                    }
                }
                if changed.changed().await.is_err() {
                    return Err(ClusterSupervisorError::Unavailable("node closed".into()));
                }
            }
        })
        .await;
        waited.unwrap_or(Err(ClusterSupervisorError::Timeout(id)))
    }

    /// Stops child `id` for good, wherever it runs (within its shutdown), and returns once its
    /// node has let it go (at most 5 s).
    ///
    /// # Errors
    /// [`NotFound`](ClusterSupervisorError::NotFound) if no such child is wished for;
    /// [`Unavailable`](ClusterSupervisorError::Unavailable) if the wish cannot be deleted.
    pub async fn terminate_child(&self, id: &str) -> Result<(), ClusterSupervisorError> {
        let rev = read(&self.core.desired)
            .get(id)
            .map(|(_, rev)| *rev)
            .ok_or_else(|| ClusterSupervisorError::NotFound(id.to_owned()))?;
        let mut changed = self.core.changed.subscribe();
        self.core
            .store()
            .delete_expect_revision(desired_key(id), Some(rev))
            .await
            .map_err(|e| ClusterSupervisorError::Unavailable(e.to_string()))?;
        let _ = tokio::time::timeout(START_WAIT, async {
            while read(&self.core.owners).contains_key(id) {
                if changed.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        Ok(())
    }

    /// Every child, cluster-wide, as this node's cache of the bucket has them (one watch
    /// delivery behind the store), sorted by id. When the node rebuilds its view (after a
    /// store loss, or coming back as a new incarnation) this shows the old view until the new
    /// one is complete, never part of one.
    pub fn which_children(&self) -> Vec<ClusterChild> {
        let ids: Vec<String> = read(&self.core.desired).keys().cloned().collect();
        ids.iter().filter_map(|id| self.child(id)).collect()
    }

    /// How many children there are, cluster-wide (from this node's cache).
    pub fn count_children(&self) -> ClusterChildCounts {
        let children = self.which_children();
        ClusterChildCounts {
            specs: children.len(),
            active: children.iter().filter(|c| c.owner.is_some()).count(),
        }
    }

    /// The live nodes that host type `A` for this supervisor (as this node last saw them),
    /// sorted.
    pub fn hosts<A: Actor>(&self) -> Vec<String> {
        let (Ok(tag), Some(inner)) = (tag_of::<A>(), self.core.inner()) else {
            return Vec::new();
        };
        let mut nodes = self.core.hosting(&inner, tag);
        nodes.sort();
        nodes
    }

    /// The ids of the children running on this node (alive), sorted.
    pub fn running_here(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.core.running)
            .iter()
            .filter(|(_, r)| r.actor.is_alive())
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    fn child(&self, id: &str) -> Option<ClusterChild> {
        let inner = self.core.inner()?;
        let (d, _) = read(&self.core.desired).get(id).cloned()?;
        let (owner, generation) = {
            let owners = read(&self.core.owners);
            let generation = self
                .core
                .generation
                .load(std::sync::atomic::Ordering::Acquire);
            (owners.get(id).cloned(), generation)
        };
        let live = owner.filter(|(o, _)| {
            o.failed.is_none() && o.local != 0 && self.core.owner_alive(&inner, &o.node, o.epoch)
        });
        Some(ClusterChild {
            id: id.to_owned(),
            restart: d.restart(),
            owner: live.map(|(o, revision)| {
                let token = crate::FencingToken {
                    generation,
                    revision,
                };
                (o.node, o.epoch, o.local, token)
            }),
            tag: d.tag,
            node_ref: Arc::downgrade(&inner),
        })
    }

    fn inner(&self) -> Result<Arc<crate::node::Inner>, ClusterSupervisorError> {
        self.core
            .inner()
            .ok_or_else(|| ClusterSupervisorError::Unavailable("node closed".into()))
    }
}

fn tag_of<A: Actor>() -> Result<&'static str, ClusterSupervisorError> {
    A::REMOTE
        .map(|codec| codec.tag)
        .ok_or(ClusterSupervisorError::NotRemote(std::any::type_name::<A>()))
}

/// Starts a hosted child of type `A` from its encoded arguments.
fn start_hosted<A>(
    args: &[u8],
    options: StartOptions,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<AnyActor, StartError>> + Send>>
where
    A: Actor,
    A::Args: DeserializeOwned,
{
    let args = wire::decode::<A::Args>(args);
    Box::pin(async move {
        let args = args.map_err(|e| {
            StartError::Init(actor_core::__private::InitError::msg(format!(
                "arguments do not decode: {}",
                e.0
            )))
        })?;
        ActorRef::<A>::start_with(args, options)
            .await
            .map(|actor| actor.to_any())
    })
}

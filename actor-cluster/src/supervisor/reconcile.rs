//! The loop that makes a cluster supervisor's bucket true on this node: it claims the children
//! this node should run (new ones, and those of lost nodes), starts them, restarts their crashes
//! within the node's intensity, stops the ones it no longer owns, and keeps the cache.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actor_core::__private::remote;
use actor_core::__private::{ActorHandle, AnyActor, ExitReason, Restart};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::cache::View;
use super::core::{Desired, Owner, Running, SupCore, desired_key, owner_key};
use crate::node::{Inner, lock, read, write};
use crate::replay::ReplayEnd;
use crate::wire;

/// Local restarts allowed per child within [`WINDOW`] before the node gives the child up.
const MAX_RESTARTS: usize = 3;
const WINDOW: Duration = Duration::from_secs(5);
/// The reconcile sweep runs at least this often.
const SWEEP: Duration = Duration::from_secs(1);

/// A child running here exited: its id, the actor that exited, and why.
pub(crate) type Exited = (String, AnyActor, ExitReason);

/// Runs the supervisor on this node while the node lives.
pub(crate) async fn run(core: Arc<SupCore>, mut exits: mpsc::UnboundedReceiver<Exited>) {
    loop {
        let Some(inner) = core.inner() else { return };
        let exited = tokio::select! {
            () = tokio::time::sleep(SWEEP) => None,
            () = core.kick.notified() => None,
            exited = exits.recv() => match exited {
                Some(e) => Some(e),
                None => return,
            },
        };
        if let Some((id, actor, reason)) = exited {
            on_exit(&core, &inner, &id, &actor, reason).await;
        }
        if !inner.fence.is_fenced() && core.is_synced() && !core.leaving.load(Ordering::Acquire) {
            reconcile(&core, &inner).await;
        }
    }
}

/// Keeps the cache: replays the bucket, then applies changes; restarts on errors and after a
/// rebuild of the cluster state.
pub(crate) async fn watch_loop(core: Arc<SupCore>, inner: Arc<Inner>) {
    let mut generation = inner.generation.subscribe();
    drop(inner);
    loop {
        if let Err(e) = watch_once(&core, &mut generation).await {
            tracing::debug!(error = %e, "cluster supervisor watch restarts");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn watch_once(
    core: &SupCore,
    generation: &mut tokio::sync::watch::Receiver<u64>,
) -> Result<(), async_nats::Error> {
    core.synced.store(false, Ordering::Release);
    let status = core.store().status().await?;
    let empty = status.values() == 0;
    let end = ReplayEnd::after(&status);
    let mut watch = core.store().watch_with_history(">").await?;
    generation.borrow_and_update();
    // The replay goes into a view of its own, put in place once complete: meanwhile readers
    // see the cache as it was (no reconcile pass runs on it), never half a replay.
    let mut fresh = Some(View::of(crate::token::generation(&status)));
    loop {
        if empty && let Some(view) = fresh.take() {
            core.install(view);
            core.synced.store(true, Ordering::Release);
        }
        let entry = tokio::select! {
            entry = watch.next() => entry,
            _ = generation.changed() => return Ok(()),
        };
        let entry = entry.ok_or("cluster supervisor watch ended")??;
        match &mut fresh {
            Some(view) => {
                core.replay(view, &entry);
                if end.is(&entry) {
                    core.install(fresh.take().unwrap_or_default());
                    core.synced.store(true, Ordering::Release);
                    core.kick.notify_one();
                }
            }
            None => core.apply(&entry),
        }
    }
}

/// One pass: claims what this node should run, gives up what it no longer owns.
async fn reconcile(core: &Arc<SupCore>, inner: &Arc<Inner>) {
    core.advertise(inner).await;
    let desired: Vec<(String, Desired)> = read(&core.desired)
        .iter()
        .map(|(id, (d, _))| (id.clone(), d.clone()))
        .collect();
    for (id, d) in desired {
        let owner = read(&core.owners).get(&id).cloned();
        if let Some((o, _)) = &owner
            && (o.failed.is_some() || core.owner_alive(inner, &o.node, o.epoch))
        {
            continue;
        }
        // Read after its owner: a child that ended since the pass began had its wish deleted
        // before its owner entry (see `forget`), and the cache applies the two in that order,
        // so a child found without an owner is still wished for only if it did not end.
        if !read(&core.desired).contains_key(&id) {
            continue;
        }
        // The placement's choice among the live hosts acts (by default the one with the highest
        // rendezvous score); every node computes the same, and a claim is a compare-and-set, so
        // one wins if views differ.
        let target = core.target(inner, &id, &d.tag);
        if target.as_deref() != Some(inner.name.as_str()) {
            continue;
        }
        match owner {
            // A temporary child whose node was lost is not restarted: it goes.
            Some((_, rev)) if d.restart() == Restart::Temporary => {
                core.forget(&id, Some(rev)).await;
            }
            // Full, and the others have not seen it say so yet: it claims nothing.
            _ if core.is_full() => {}
            Some((_, rev)) => claim(core, inner, &id, d, Some(rev)).await,
            None => claim(core, inner, &id, d, None).await,
        }
    }
    // Children running here: stopped if no longer wanted, killed if another node owns them.
    let running: Vec<(String, AnyActor)> = lock(&core.running)
        .iter()
        .map(|(id, r)| (id.clone(), r.actor.clone()))
        .collect();
    for (id, actor) in running {
        let wanted = read(&core.desired).contains_key(&id);
        let owner = read(&core.owners).get(&id).map(|(o, _)| o.clone());
        if owner.is_none() {
            // Neither a terminate (which deletes the wish only) nor a loss of ownership (which
            // rewrites it) removes the owner entry of a child running here: the store lost it.
            core.heal(inner, &id, &actor, wanted).await;
        } else if !wanted {
            // Its wish was deleted (terminated): it stops. Or the store lost the wish (a rebuilt
            // store whose replay caught this node's re-creation half done): it is made again.
            if core.wish_deleted(&id).await {
                tokio::spawn(async move {
                    let _ = actor.stop(ExitReason::Shutdown).await;
                });
            }
        } else if let Some(o) = owner
            && (o.node != inner.name || o.epoch != inner.epoch())
        {
            tracing::warn!(child = %id, owner = %o.node, "child owned elsewhere now: the copy here is killed");
            lock(&core.running).remove(&id);
            remote::kill_with(&actor, ExitReason::Fenced);
        }
    }
    // Owner entries of children no longer wanted, whose owner is gone: deleted.
    // A failed start's entry is left to its starter for a while (it reads the error there).
    let stale: Vec<(String, u64)> = read(&core.owners)
        .iter()
        .filter(|(id, _)| !read(&core.desired).contains_key(*id))
        .filter(|(id, (o, _))| match &o.failed {
            Some(_) => core.failed_long_ago(id),
            None => !core.owner_alive(inner, &o.node, o.epoch),
        })
        .map(|(id, (_, rev))| (id.clone(), *rev))
        .collect();
    for (id, rev) in stale {
        core.delete_at(&owner_key(&id), rev).await;
    }
    // Full or not, now that this pass's claims and stops are done.
    core.advertise(inner).await;
    core.sweep_hosts(inner).await;
    if !lock(&core.orphans).is_empty() {
        core.delete_orphans().await;
    }
}

/// Claims child `id` (a create, or an update of a lost owner's entry at `expect`) and starts it
/// here if the claim wins.
async fn claim(core: &Arc<SupCore>, inner: &Arc<Inner>, id: &str, d: Desired, expect: Option<u64>) {
    let me = Owner {
        node: inner.name.clone(),
        epoch: inner.epoch(),
        local: 0,
        failed: None,
    };
    let Some(rev) = core.write_owner(id, &me, expect).await else {
        return; // another node claimed it first
    };
    start(core, inner, id, d, rev, VecDeque::new()).await;
}

/// Starts child `id` here under its claim at revision `rev`, and records its local id.
async fn start(
    core: &Arc<SupCore>,
    inner: &Arc<Inner>,
    id: &str,
    d: Desired,
    rev: u64,
    restarts: VecDeque<Instant>,
) {
    let starter = read(&core.hosted).get(&d.tag).copied();
    let started = match starter {
        Some(starter) => super::named::start(inner, starter, &d).await,
        None => Err(format!("type {} is not hosted here", d.tag)),
    };
    let mut owner = Owner {
        node: inner.name.clone(),
        epoch: inner.epoch(),
        local: 0,
        failed: None,
    };
    match started {
        Ok(actor) => {
            owner.local = actor.id().local_id();
            // Past the fence deadline it handles nothing more, even before the fence task runs.
            remote::guard(&actor, crate::node::fence_guard(inner));
            // Running here before the owner entry says so: whoever sees the entry finds it here.
            lock(&core.running).insert(
                id.to_owned(),
                Running {
                    actor: actor.clone(),
                    rev,
                    desired: d,
                    restarts,
                },
            );
            follow(core, id, actor.clone());
            match core.write_owner(id, &owner, Some(rev)).await {
                Some(rev) => {
                    if let Some(r) = lock(&core.running).get_mut(id) {
                        r.rev = rev;
                    }
                }
                None => {
                    // Lost the claim meanwhile.
                    lock(&core.running).remove(id);
                    remote::kill_with(&actor, ExitReason::Fenced);
                }
            }
        }
        Err(why) => {
            // Recorded in the owner entry (for `start_child` to report), then the wish goes;
            // the owner entry goes at the next sweep, as one of a child nobody wants.
            tracing::error!(child = %id, error = %why, "cluster child failed to start: given up");
            owner.failed = Some(why);
            core.write_owner(id, &owner, Some(rev)).await;
            core.forget(id, None).await;
        }
    }
}

/// Sends the child's exit to the loop.
fn follow(core: &Arc<SupCore>, id: &str, actor: AnyActor) {
    let exits = core.exits.clone();
    let id = id.to_owned();
    tokio::spawn(async move {
        let reason = actor.wait().await;
        let _ = exits.send((id, actor, reason));
    });
}

/// A child running here exited: restarted here (within the node's intensity), or forgotten.
async fn on_exit(
    core: &Arc<SupCore>,
    inner: &Arc<Inner>,
    id: &str,
    actor: &AnyActor,
    reason: ExitReason,
) {
    let running = {
        let mut running = lock(&core.running);
        if running.get(id).is_none_or(|r| r.actor.id() != actor.id()) {
            return; // given up already (fenced, or owned elsewhere)
        }
        running.remove(id)
    };
    let Some(Running {
        rev,
        desired,
        mut restarts,
        ..
    }) = running
    else {
        return;
    };
    let wanted = read(&core.desired).contains_key(id);
    let again = wanted
        && reason.allows_restart()
        && match desired.restart() {
            Restart::Permanent => true,
            Restart::Transient => reason.is_crash(),
            Restart::Temporary => false,
        };
    if !again {
        core.forget(id, Some(rev)).await;
        return;
    }
    let now = Instant::now();
    restarts.retain(|at| now.duration_since(*at) < WINDOW);
    restarts.push_back(now);
    if restarts.len() > MAX_RESTARTS {
        tracing::error!(child = %id, %reason, "cluster child restarted too often here: given up");
        core.forget(id, Some(rev)).await;
        return;
    }
    start(core, inner, id, desired, rev, restarts).await;
}

impl SupCore {
    /// The node fenced itself: every child running here is killed with `Fenced`, and its owner
    /// entry given up (deleted at its revision once the node is back; the child's rendezvous
    /// host claims it then).
    pub(crate) fn fence(&self) {
        let running: Vec<(String, Running)> = lock(&self.running).drain().collect();
        let mut orphans = lock(&self.orphans);
        for (id, r) in running {
            orphans.push((owner_key(&id), r.rev));
            remote::kill_with(&r.actor, ExitReason::Fenced);
        }
    }

    /// Deletes the owner entries a fence gave up; one that did not get through waits for the
    /// next pass.
    pub(crate) async fn delete_orphans(&self) {
        let orphans: Vec<(String, u64)> = std::mem::take(&mut *lock(&self.orphans));
        crate::registry::retry_orphans(&self.store(), &self.orphans, orphans).await;
    }

    /// The node leaves: the children running here stop (each within its shutdown), then their
    /// owner entries go, so the other hosts adopt them at once.
    pub(crate) async fn leave(&self) {
        // No more claims here, and no more hosting: the others place nothing here from now on.
        self.leaving.store(true, Ordering::Release);
        self.delete_at_any(&super::core::host_key(&self.node_name()))
            .await;
        let running: Vec<(String, Running)> = lock(&self.running).drain().collect();
        for (id, r) in running {
            let _ = r.actor.stop(ExitReason::Shutdown).await;
            if r.desired.restart() == Restart::Temporary {
                self.forget(&id, Some(r.rev)).await; // stopped for good: not adopted
            } else {
                self.delete_at(&owner_key(&id), r.rev).await;
            }
        }
    }

    /// The store lost the entries of child `id`, running here: its ownership is re-created,
    /// then its wish if that went too.
    async fn heal(&self, inner: &Inner, id: &str, actor: &AnyActor, wanted: bool) {
        let owner = Owner {
            node: inner.name.clone(),
            epoch: inner.epoch(),
            local: actor.id().local_id(),
            failed: None,
        };
        let Some(rev) = self.write_owner(id, &owner, None).await else {
            return;
        };
        tracing::warn!(child = %id, "the store lost a child's entries: re-created");
        let desired = {
            let mut running = lock(&self.running);
            let Some(r) = running.get_mut(id) else { return };
            r.rev = rev;
            r.desired.clone()
        };
        if !wanted && let Ok(bytes) = wire::encode(&desired) {
            let _ = self
                .store()
                .create(desired_key(id), Bytes::from(bytes))
                .await;
        }
    }

    /// Whether the wish of child `id`, running here, was deleted: the store's entry for it is a
    /// delete. If the store has no entry at all (it lost it), the wish is made again from this
    /// node's copy, and `false` returned; `false` too if the store has it or does not answer.
    async fn wish_deleted(&self, id: &str) -> bool {
        let key = desired_key(id);
        match tokio::time::timeout(crate::node::KV_TIMEOUT, self.store().entry(&key)).await {
            Ok(Ok(Some(entry))) => entry.operation != async_nats::jetstream::kv::Operation::Put,
            Ok(Ok(None)) => {
                let desired = lock(&self.running).get(id).map(|r| r.desired.clone());
                if let Some(bytes) = desired.and_then(|d| wire::encode(&d).ok()) {
                    tracing::warn!(child = %id, "the store lost a running child's wish: re-created");
                    let _ = self.store().create(key, Bytes::from(bytes)).await;
                }
                false
            }
            _ => false,
        }
    }

    /// The store lost its data: each child running here has its wish and its ownership
    /// re-created (this node holds their master copy).
    pub(crate) async fn reassert(&self, inner: &Inner) {
        self.reopen(inner).await;
        let running: Vec<(String, Desired, u64)> = lock(&self.running)
            .iter()
            .map(|(id, r)| (id.clone(), r.desired.clone(), r.actor.id().local_id()))
            .collect();
        for (id, d, local) in running {
            // The ownership first: a wish seen without its owner would be claimed elsewhere.
            let owner = Owner {
                node: inner.name.clone(),
                epoch: inner.epoch(),
                local,
                failed: None,
            };
            match self.write_owner(&id, &owner, None).await {
                Some(rev) => {
                    if let Some(r) = lock(&self.running).get_mut(&id) {
                        r.rev = rev;
                    }
                }
                None => continue, // not written (or owned elsewhere): the sweep settles it
            }
            let Ok(bytes) = wire::encode(&d) else {
                continue;
            };
            let _ = self
                .store()
                .create(desired_key(&id), Bytes::from(bytes))
                .await;
        }
        write(&self.hosts).remove(&inner.name);
        self.kick.notify_one();
    }
}

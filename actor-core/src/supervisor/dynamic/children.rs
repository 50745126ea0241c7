//! A dynamic supervisor's children, in first-start order, and what it does with them: start,
//! stop, restart one for one (DS-2, DS-3, DS-4), intensity (DS-5) and shutdown (DS-6).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::message::DynMsg;
use crate::actor::{ActorHandle, AnyActor, Context, Inlined, answered_now};
use crate::registry::hash::Seeds;
use crate::supervisor::child_spec::{ChildSpec, Restart};
use crate::supervisor::children::{
    self, ChildCounts, ChildInfo, Slot, run_start, shutdown_child, shutdown_concurrently,
};
use crate::supervisor::follow::Followers;
use crate::supervisor::intensity::{Backoff, BackoffState, Intensity};
use crate::{ActorId, ExitReason, StartError, SupervisorError};

/// Whether `spec`'s child is restarted after exiting with `reason` (DS-3, by its restart type).
fn restarts<E>(spec: &ChildSpec<AnyActor, E>, reason: &ExitReason) -> bool {
    reason.allows_restart()
        && match spec.restart {
            Restart::Permanent => true,
            Restart::Transient => reason.is_crash(),
            Restart::Temporary => false,
        }
}

pub(super) struct DynChild<E> {
    pub(super) spec: ChildSpec<AnyActor, E>,
    pub(super) slot: Slot,
    /// The current actor id, or the last one while restarting (DS-4.3 finds it by that id).
    pub(super) last_id: ActorId,
    pub(super) backoff: BackoffState,
    pub(super) followers: Followers,
    /// The last incarnation's state parked for inline calls: the next one parks from the start.
    pub(super) parks: bool,
}

pub(crate) struct DynActor<E> {
    pub(super) extra: E,
    pub(super) max_children: Option<usize>,
    pub(super) backoff: Option<Backoff>,
    pub(super) intensity: Intensity,
    /// Children by first-start sequence number: iteration order is start order.
    pub(super) children: BTreeMap<u64, DynChild<E>>,
    /// Hashed by seeded folded multiplication, not SipHash: at every start, exit and restart.
    pub(super) by_id: HashMap<ActorId, u64, Seeds>,
    pub(super) next_seq: u64,
}

impl<E: Clone + Send + Sync + 'static> DynActor<E> {
    pub(super) async fn start_child(
        &mut self,
        spec: ChildSpec<AnyActor, E>,
        accepts: fn(&AnyActor) -> bool,
        follow: bool,
        ctx: &mut Context<Self>,
    ) -> Result<AnyActor, SupervisorError> {
        if self
            .max_children
            .is_some_and(|max| self.children.len() >= max)
        {
            return Err(SupervisorError::MaxChildren);
        }
        let child = run_start(&spec, self.extra.clone(), false)
            .await
            .map_err(|error| SupervisorError::Start {
                id: spec.id.clone(),
                error,
            })?;
        // The start function should have linked it (ours do); linking again makes sure a start
        // function that forgot still gets the child supervised.
        if !spec.links_itself {
            ctx.link(&child);
        }
        if !accepts(&child) {
            ctx.unlink(&child);
            shutdown_child(&child, spec.shutdown_mode()).await;
            return Err(SupervisorError::WrongHandle {
                actual: child.type_name(),
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(child.id(), seq);
        let mut followers = Followers::default();
        let handle = if follow {
            followers.handle(&child)
        } else {
            child.clone()
        };
        self.children.insert(
            seq,
            DynChild {
                spec,
                last_id: child.id(),
                slot: Slot::Running(child),
                backoff: BackoffState::default(),
                followers,
                parks: false,
            },
        );
        Ok(handle)
    }

    pub(super) async fn terminate_child(
        &mut self,
        id: ActorId,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let seq = self.by_id.remove(&id).ok_or(SupervisorError::NotFound)?;
        let Some(child) = self.children.remove(&seq) else {
            return Err(SupervisorError::NotFound);
        };
        if let Slot::Running(actor) = &child.slot {
            ctx.unlink(actor);
            shutdown_child(actor, child.spec.shutdown_mode()).await;
        }
        Ok(())
    }

    pub(super) fn which_children(&self) -> Vec<ChildInfo> {
        children::which(self.children.values().map(|c| (&c.spec, &c.slot)))
    }

    pub(super) fn count_children(&self) -> ChildCounts {
        let children = self.children.values().map(|c| (&c.spec, &c.slot));
        children::count(children, self.intensity.total())
    }

    pub(super) async fn child_exited(
        &mut self,
        id: ActorId,
        reason: ExitReason,
        ctx: &mut Context<Self>,
    ) {
        let Some(seq) = self.exited(id, &reason) else {
            return;
        };
        match (&self.backoff, self.children.get_mut(&seq)) {
            (Some(backoff), Some(child)) => {
                let delay = child.backoff.next_delay(backoff);
                ctx.cast_after(delay, DynMsg::Retry(seq));
            }
            (Some(_), None) => {}
            (None, _) => self.restart(seq, ctx).await,
        }
    }

    /// Child incarnation `id` exited with `reason`: the child's sequence number if it is to be
    /// restarted (it is marked restarting), `None` if it is not a child (SUP-6.8) or one already
    /// removed, or if it is not restarted (it is forgotten).
    fn exited(&mut self, id: ActorId, reason: &ExitReason) -> Option<u64> {
        let seq = *self.by_id.get(&id)?;
        let child = self.children.get_mut(&seq)?;
        if !matches!(&child.slot, Slot::Running(a) if a.id() == id) {
            return None;
        }
        if reason.is_crash() {
            tracing::error!(child = %id, %reason, "child crashed");
        }
        if !restarts(&child.spec, reason) {
            self.by_id.remove(&id);
            self.children.remove(&seq);
            return None;
        }
        child.parks = child.slot.parks();
        child.slot = Slot::Restarting;
        Some(seq)
    }

    /// The exit of child incarnation `from`, handled in the dying child's task (see
    /// `inline::exit`) when its restart waits on nothing: a child restarted at once (no backoff,
    /// within intensity) whose spec launches it (`ChildSpec::of`), so that the new incarnation's
    /// `init` runs here first. Anything else is declined, with nothing changed, and goes through
    /// [`child_exited`](Self::child_exited). If `init` waits, the restart ends in this actor's
    /// own task, before it handles anything else ([`DynMsg::Answer`]).
    pub(super) fn exit_now(&mut self, from: ActorId, reason: &ExitReason) -> Inlined<DynMsg<E>> {
        let Some(child) = self.by_id.get(&from).and_then(|seq| self.children.get(seq)) else {
            return Inlined::Declined;
        };
        let now = matches!(&child.slot, Slot::Running(a) if a.id() == from)
            && restarts(&child.spec, reason)
            && self.backoff.is_none()
            && self.intensity.admits_one_more();
        let Some(seq) = now.then(|| self.exited(from, reason)).flatten() else {
            return Inlined::Declined;
        };
        let Some(child) = self.children.get(&seq) else {
            return Inlined::Handled;
        };
        let Some(launched) = children::launch(&child.spec, self.extra.clone(), child.parks) else {
            // A start future: restarted in this actor's task, as it is now marked.
            return Inlined::Then(DynMsg::Retry(seq));
        };
        self.intensity.add_restart();
        let started = match launched.map(answered_now) {
            Ok(Err(actor)) => return Inlined::Then(DynMsg::Answer(seq, actor)),
            Ok(Ok(started)) => started,
            Err(error) => Err(error),
        };
        match self.settle(seq, started) {
            Some(_) => Inlined::Then(DynMsg::Retry(seq)),
            None => Inlined::Handled,
        }
    }

    /// One restart attempt of child `seq` (DS-3): counts toward intensity first.
    pub(super) async fn restart(&mut self, seq: u64, ctx: &mut Context<Self>) {
        if !self.intensity.add_restart() {
            tracing::error!("reached max restart intensity; shutting down");
            if let Some(child) = self.children.remove(&seq) {
                self.by_id.remove(&child.last_id);
            }
            self.shutdown_all(ctx).await;
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let Some(child) = self.children.get(&seq) else {
            return;
        };
        let started = run_start(&child.spec, self.extra.clone(), child.parks).await;
        self.started(seq, started, ctx);
    }

    /// A restart attempt of child `seq` ended with `started`: the new incarnation runs, or a
    /// retry is posted.
    pub(super) fn started(
        &mut self,
        seq: u64,
        started: Result<AnyActor, StartError>,
        ctx: &mut Context<Self>,
    ) {
        if let (Ok(actor), Some(child)) = (&started, self.children.get(&seq))
            && !child.spec.links_itself
        {
            ctx.link(actor);
        }
        match self.settle(seq, started) {
            Some(Some(delay)) => drop(ctx.cast_after(delay, DynMsg::Retry(seq))),
            Some(None) => drop(ctx.actor_ref().cast(DynMsg::Retry(seq))),
            None => {}
        }
    }

    /// The bookkeeping of a restart attempt of child `seq` that ended with `started`: the new
    /// incarnation in the child's slot, or the child left restarting and the delay before the
    /// retry (`Some(None)`: at once).
    fn settle(
        &mut self,
        seq: u64,
        started: Result<AnyActor, StartError>,
    ) -> Option<Option<Duration>> {
        let Some(child) = self.children.get_mut(&seq) else {
            // (A restart ends before anything else is handled: the child is still there.)
            if let Ok(actor) = started {
                actor.kill();
            }
            return None;
        };
        match started {
            Ok(actor) => {
                self.by_id.remove(&child.last_id);
                self.by_id.insert(actor.id(), seq);
                child.last_id = actor.id();
                child.followers.started(&actor);
                child.backoff.restarted(&actor);
                child.slot = Slot::Running(actor);
                None
            }
            Err(error) => {
                tracing::error!(child = %child.spec.id, %error, "restart failed; retrying");
                child.slot = Slot::Restarting;
                Some(
                    self.backoff
                        .as_ref()
                        .map(|backoff| child.backoff.next_delay(backoff)),
                )
            }
        }
    }

    /// Stops every child concurrently (DS-6) and forgets them all.
    pub(super) async fn shutdown_all(&mut self, ctx: &mut Context<Self>) {
        self.by_id.clear();
        let running: Vec<_> = std::mem::take(&mut self.children)
            .into_values()
            .filter_map(|c| match c.slot {
                Slot::Running(actor) => {
                    ctx.unlink(&actor);
                    Some((actor, c.spec.shutdown_mode()))
                }
                Slot::Restarting | Slot::Stopped => None,
            })
            .collect();
        shutdown_concurrently(running).await;
    }
}

//! A static supervisor's children, in start order, and what it does with them: start, stop,
//! restart by [`Strategy`] (SUP-3, SUP-4), the client calls (SUP-6) and auto-shutdown (SUP-7).

use super::message::SupMsg;
use super::options::{AutoShutdown, Strategy, check_spec};
use crate::actor::{ActorHandle, AnyActor, Context};
use crate::supervisor::child_spec::{ChildSpec, Restart};
use crate::supervisor::children::{self, ChildCounts, ChildInfo, Slot, run_start, shutdown_child};
use crate::supervisor::follow::Followers;
use crate::supervisor::intensity::{Backoff, BackoffState, Intensity};
use crate::{ActorId, ExitReason, StartError, SupervisorError};

pub(super) struct Child {
    pub(super) spec: ChildSpec,
    pub(super) slot: Slot,
    pub(super) backoff: BackoffState,
    pub(super) followers: Followers,
    /// The last incarnation's state parked for inline calls: the next one parks from the start.
    pub(super) parks: bool,
}

pub(crate) struct SupActor {
    pub(super) strategy: Strategy,
    pub(super) auto_shutdown: AutoShutdown,
    pub(super) backoff: Option<Backoff>,
    pub(super) intensity: Intensity,
    /// In start order.
    pub(super) children: Vec<Child>,
}

/// Runs `spec`'s start function as the supervisor and makes sure the child is linked to it
/// (`park`: see [`run_start`]).
pub(super) async fn start(
    spec: &ChildSpec,
    park: bool,
    ctx: &mut Context<SupActor>,
) -> Result<AnyActor, StartError> {
    let actor = run_start(spec, (), park).await?;
    if !spec.links_itself {
        ctx.link(&actor);
    }
    Ok(actor)
}

impl SupActor {
    pub(super) fn find(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.spec.id == id)
    }

    pub(super) async fn start_child(
        &mut self,
        spec: ChildSpec,
        accepts: fn(&AnyActor) -> bool,
        follow: bool,
        ctx: &mut Context<Self>,
    ) -> Result<AnyActor, SupervisorError> {
        check_spec(&spec, self.auto_shutdown)?;
        if let Some(i) = self.find(&spec.id) {
            return Err(match &self.children[i].slot {
                Slot::Running(actor) => SupervisorError::AlreadyStarted(actor.id()),
                _ => SupervisorError::AlreadyPresent,
            });
        }
        let actor = start(&spec, false, ctx)
            .await
            .map_err(|error| SupervisorError::Start {
                id: spec.id.clone(),
                error,
            })?;
        if !accepts(&actor) {
            ctx.unlink(&actor);
            shutdown_child(&actor, spec.shutdown_mode()).await;
            return Err(SupervisorError::WrongHandle {
                actual: actor.type_name(),
            });
        }
        let mut followers = Followers::default();
        let handle = if follow {
            followers.handle(&actor)
        } else {
            actor.clone()
        };
        self.children.push(Child {
            spec,
            slot: Slot::Running(actor),
            backoff: BackoffState::default(),
            followers,
            parks: false,
        });
        Ok(handle)
    }

    /// A handle that follows child `id` across restarts; the child must be running.
    pub(super) fn follow_child(&mut self, id: &str) -> Result<AnyActor, SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        let child = &mut self.children[i];
        match &child.slot {
            Slot::Running(actor) => Ok(child.followers.handle(actor)),
            Slot::Restarting => Err(SupervisorError::Restarting),
            Slot::Stopped => Err(SupervisorError::NotRunning),
        }
    }

    pub(super) async fn terminate_child(
        &mut self,
        id: &str,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        self.stop_child(i, ctx).await;
        // A child waiting for a restart is stopped too: its pending retry is then ignored.
        self.children[i].slot = Slot::Stopped;
        self.children[i].followers.stopped();
        if self.children[i].spec.restart == Restart::Temporary {
            self.children.remove(i);
        }
        Ok(())
    }

    pub(super) async fn restart_child(
        &mut self,
        id: &str,
        ctx: &mut Context<Self>,
    ) -> Result<AnyActor, SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        match &self.children[i].slot {
            Slot::Running(_) => return Err(SupervisorError::Running),
            Slot::Restarting => return Err(SupervisorError::Restarting),
            Slot::Stopped => {}
        }
        let actor = start(&self.children[i].spec, self.children[i].parks, ctx)
            .await
            .map_err(|error| SupervisorError::Start {
                id: id.to_owned(),
                error,
            })?;
        self.children[i].followers.started(&actor);
        self.children[i].slot = Slot::Running(actor.clone());
        Ok(actor)
    }

    pub(super) fn delete_child(&mut self, id: &str) -> Result<(), SupervisorError> {
        let i = self.find(id).ok_or(SupervisorError::NotFound)?;
        match &self.children[i].slot {
            Slot::Running(_) => Err(SupervisorError::Running),
            Slot::Restarting => Err(SupervisorError::Restarting),
            Slot::Stopped => {
                self.children.remove(i);
                Ok(())
            }
        }
    }

    pub(super) fn which_children(&self) -> Vec<ChildInfo> {
        children::which(self.children.iter().map(|c| (&c.spec, &c.slot)))
    }

    pub(super) fn count_children(&self) -> ChildCounts {
        let children = self.children.iter().map(|c| (&c.spec, &c.slot));
        children::count(children, self.intensity.total())
    }

    /// Stops child `i` if it runs (unlinked first, so its exit does not come back as a crash) and
    /// marks it stopped.
    async fn stop_child(&mut self, i: usize, ctx: &mut Context<Self>) {
        let child = &mut self.children[i];
        if let Slot::Running(actor) = &child.slot {
            let actor = actor.clone();
            child.parks = child.slot.parks();
            child.slot = Slot::Stopped;
            ctx.unlink(&actor);
            shutdown_child(&actor, child.spec.shutdown_mode()).await;
        }
    }

    pub(super) async fn child_exited(
        &mut self,
        id: ActorId,
        reason: ExitReason,
        ctx: &mut Context<Self>,
    ) {
        let Some(i) = self
            .children
            .iter()
            .position(|c| matches!(&c.slot, Slot::Running(a) if a.id() == id))
        else {
            return; // not a child (SUP-6.8), or one already stopped
        };
        if reason.is_crash() {
            tracing::error!(child = %self.children[i].spec.id, %reason, "child crashed");
        }
        let child = &mut self.children[i];
        let significant = child.spec.significant;
        match child.spec.restart {
            Restart::Temporary => {
                self.children.remove(i);
                self.significant_exited(significant, ctx).await;
                return;
            }
            // Not restarted: followed calls (and those it kept for a restart) fail at once.
            _ if !reason.allows_restart() => {
                child.slot = Slot::Stopped;
                child.followers.stopped();
                self.significant_exited(significant, ctx).await;
                return;
            }
            Restart::Transient if reason.is_clean() => {
                child.slot = Slot::Stopped;
                child.followers.stopped();
                self.significant_exited(significant, ctx).await;
                return;
            }
            Restart::Permanent | Restart::Transient => {}
        }
        child.parks = child.slot.parks();
        child.slot = Slot::Restarting;
        let spec_id = child.spec.id.clone();
        match self.backoff {
            Some(backoff) => {
                let delay = self.children[i].backoff.next_delay(&backoff);
                // The group goes down now, and comes back together after the delay.
                self.stop_group(&spec_id, ctx).await;
                ctx.cast_after(delay, SupMsg::Retry(spec_id));
            }
            None => self.restart(&spec_id, ctx).await,
        }
    }

    /// A child exited on its own and is not restarted: auto-shutdown, if it was significant (SUP-7).
    async fn significant_exited(&mut self, significant: bool, ctx: &mut Context<Self>) {
        if !significant {
            return;
        }
        let shut_down = match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            AutoShutdown::AllSignificant => !self
                .children
                .iter()
                .any(|c| c.spec.significant && matches!(c.slot, Slot::Running(_))),
        };
        if shut_down {
            self.shutdown_all(ctx).await;
            ctx.stop(ExitReason::Shutdown);
        }
    }

    /// The ids of the children a restart of `id` involves, in start order (SUP-4).
    fn group(&self, id: &str) -> Vec<String> {
        let Some(i) = self.find(id) else {
            return Vec::new();
        };
        let range = match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => 0..self.children.len(),
            Strategy::RestForOne => i..self.children.len(),
        };
        self.children[range]
            .iter()
            .map(|c| c.spec.id.clone())
            .collect()
    }

    /// Stops the running members of `id`'s group in reverse start order; temporary ones are
    /// dropped for good (SUP-4).
    async fn stop_group(&mut self, id: &str, ctx: &mut Context<Self>) {
        for member in self.group(id).iter().rev() {
            let Some(i) = self.find(member) else { continue };
            self.stop_child(i, ctx).await;
            if member != id && self.children[i].spec.restart == Restart::Temporary {
                self.children.remove(i);
            }
        }
    }

    /// One restart attempt for child `id` and its group: counts toward intensity first, stops
    /// the group, then starts every member that is not running, in start order (SUP-3, SUP-4).
    pub(super) async fn restart(&mut self, id: &str, ctx: &mut Context<Self>) {
        if !self.intensity.add_restart() {
            tracing::error!("reached max restart intensity; shutting down");
            self.shutdown_all(ctx).await;
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let group = self.group(id);
        self.stop_group(id, ctx).await;
        for member in &group {
            let Some(i) = self.find(member) else { continue };
            if matches!(self.children[i].slot, Slot::Running(_)) {
                continue;
            }
            match start(&self.children[i].spec, self.children[i].parks, ctx).await {
                Ok(actor) => {
                    let child = &mut self.children[i];
                    child.followers.started(&actor);
                    child.backoff.restarted(&actor);
                    child.slot = Slot::Running(actor);
                }
                Err(error) => {
                    tracing::error!(child = %member, %error, "restart failed; retrying");
                    self.children[i].slot = Slot::Restarting;
                    match self.backoff {
                        Some(backoff) => {
                            let delay = self.children[i].backoff.next_delay(&backoff);
                            ctx.cast_after(delay, SupMsg::Retry(member.clone()));
                        }
                        None => {
                            let _ = ctx.actor_ref().cast(SupMsg::Retry(member.clone()));
                        }
                    }
                    return;
                }
            }
        }
    }

    /// Stops every child, one at a time in reverse start order (SUP-5), and forgets them all.
    pub(super) async fn shutdown_all(&mut self, ctx: &mut Context<Self>) {
        while let Some(child) = self.children.pop() {
            if let Slot::Running(actor) = child.slot {
                ctx.unlink(&actor);
                shutdown_child(&actor, child.spec.shutdown_mode()).await;
            }
        }
    }
}

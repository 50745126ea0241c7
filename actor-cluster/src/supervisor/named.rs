//! Named children: a child that registers under a unique name in a cluster registry wherever
//! it runs, so that the name follows it across restarts and adoptions.

use std::sync::Arc;
use std::time::Duration;

use actor_core::__private::{AnyActor, StartError, StartOptions, ViaRegistry};
use tokio::time::Instant;

use super::core::{Desired, Starter};
use crate::ClusterRegistry;
use crate::node::{Inner, Node};

/// How long a start may wait for a name still held by the child's previous, dead owner (its
/// entry being deleted, or its node's being reaped), and how often it tries again meanwhile
/// (after the first try again, which is at once).
const TAKE_OVER: Duration = Duration::from_secs(3);
const PAUSE: Duration = Duration::from_millis(50);

/// Starts `d` with `starter`, registered under its name if it has one.
pub(super) async fn start(
    inner: &Arc<Inner>,
    starter: Starter,
    d: &Desired,
) -> Result<AnyActor, String> {
    let Some((name, key)) = &d.via else {
        return starter(&d.args, StartOptions::new())
            .await
            .map_err(|e| e.to_string());
    };
    let registry = registry(inner, name).await?;
    let deadline = Instant::now() + TAKE_OVER;
    let mut freed = 0;
    loop {
        let options = registry
            .via_options(key.as_str(), StartOptions::new())
            .map_err(|e| e.to_string())?;
        match starter(&d.args, options).await {
            Err(StartError::AlreadyStarted(_)) => {
                // Held by a dead owner (this child's previous incarnation, whose entry is being
                // deleted, one on a lost node, not yet reaped, or one on a live node that has
                // not deleted its entry yet): its entry goes, at its revision. Held by a live
                // actor: the name is not this child's to take.
                let patience = deadline.saturating_duration_since(Instant::now());
                if patience.is_zero() {
                    return Err(format!("name {key:?} did not come free"));
                }
                if !registry.core().free_if_stale(inner, key, patience).await {
                    return Err(format!("name {key:?} is held by a live actor"));
                }
                // The first try again is at once (the entry was just deleted, the usual case);
                // later ones wait for a delete this node does not make. Claims run one after
                // another on a node: a pause per adopted name would add up.
                if freed > 0 {
                    tokio::time::sleep(PAUSE).await;
                }
                freed += 1;
            }
            started => return started.map_err(|e| e.to_string()),
        }
    }
}

/// This node's registry `name` (unique keys): the application's when it has it open
/// (`Node::registry` gives every open of a name the same registry).
async fn registry(inner: &Arc<Inner>, name: &str) -> Result<ClusterRegistry, String> {
    Node {
        inner: inner.clone(),
    }
    .registry::<()>(name, actor_core::__private::Keys::Unique)
    .await
    .map_err(|e| e.to_string())
}

/// The registry name of `registry` (its bucket is `bm_reg_<cluster>_<name>`).
pub(super) fn registry_name(inner: &Inner, registry: &ClusterRegistry<impl Sized>) -> String {
    let prefix = format!("bm_reg_{}_", inner.cluster);
    registry
        .core()
        .bucket
        .strip_prefix(&prefix)
        .unwrap_or(&registry.core().bucket)
        .to_owned()
}

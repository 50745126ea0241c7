//! The chat server, shared by `main.rs` (the example, its demo and its load test) and
//! `tests/example_chat.rs` (its tests over real sockets).
//!
//! - `room`: rooms are actors under a `DynamicSupervisor`, found by name in a unique-key
//!   `Registry`; members are entries in a duplicate-key `Registry` that rooms `dispatch` over.
//! - `conn`: a connection is an actor plus a reader and a writer task.
//! - `outbox`: each connection's outbound queue, bounded in lines and bytes; the policy for a
//!   client that falls behind.
//! - `lines`: reading lines in bounded chunks (the line-length limit, UTF-8 checks).
//! - `accept`: the acceptor, which outlives transient accept errors.
//! - `limits`, `stats`: the bounds (and their flags), and the counts of what was refused.

mod accept;
mod conn;
mod limits;
mod lines;
mod outbox;
mod room;
mod stats;

use std::sync::Arc;

pub(crate) use accept::{Accept, Acceptor};
pub(crate) use limits::Limits;
pub(crate) use room::Hub;
pub(crate) use stats::Stats;

/// What every connection shares.
#[derive(Clone, Debug)]
pub(crate) struct Server {
    /// The rooms and their members.
    pub(crate) hub: Hub,
    /// The bounds each connection lives within.
    pub(crate) limits: Limits,
    /// What was refused so far.
    pub(crate) stats: Arc<Stats>,
}

impl Server {
    /// A server with no rooms yet.
    ///
    /// # Errors
    /// The rooms' supervisor did not start.
    pub(crate) async fn start(limits: Limits) -> Result<Server, beamish::SupervisorError> {
        Ok(Server {
            hub: Hub::start().await?,
            limits,
            stats: Arc::default(),
        })
    }

    /// Accepts connections until the listener fails for good, one [`Conn`] each.
    ///
    /// # Errors
    /// The fatal listener error (transient ones are logged and outlived, see `accept`).
    pub(crate) async fn serve(self, listener: impl Accept) -> std::io::Result<()> {
        let mut acceptor = Acceptor::new(listener);
        let mut guests = 0u64;
        loop {
            let stream = acceptor
                .next(|| Stats::bump(&self.stats.accept_errors))
                .await?;
            guests += 1;
            // A connection whose actor does not start is closed; the acceptor goes on.
            let _ = conn::connect(stream, format!("guest{guests}"), &self).await;
        }
    }
}

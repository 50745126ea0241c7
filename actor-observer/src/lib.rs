//! The observer of beamish: a live picture of the running system in the browser, after
//! Erlang's `observer`.
//!
//! [`Observer::start`] serves, on localhost by default:
//!
//! - one page (static HTML, JS and CSS inside this crate: no build step, no CDN) with the
//!   supervision tree and live counters, a "top" table sortable by mailbox depth, messages
//!   received, drops and restarts, the registries with a search over their keys, the crash
//!   log, and actions (stop, kill — a killed supervised
//!   child is restarted by its supervisor) behind a confirmation;
//! - a JSON API (`/api/summary`, `/api/tree`, `/api/top`, `/api/crashes`, `/api/actors/{id}`,
//!   `/api/registries`, `/api/registries/{n}?q=…` (entries whose key contains `q`, paged),
//!   `/api/actors/{id}/state` for actors that opted in with `#[actor(debug_state)]`,
//!   `POST /api/actors/{id}/kill` and `/stop`) and a WebSocket (`/api/ws`) pushing a summary
//!   and the top of the table every second;
//! - Prometheus metrics at `/metrics`, through the `metrics` facade (on the observer's own
//!   recorder, so it never takes the global one from the application).
//!
//! Every request needs the observer's token — a random one printed at start unless given — as
//! `?token=…` or `Authorization: Bearer …`; without it the answer is 401. Large systems stay
//! responsive: the tree lists at most `limit` children per actor (100 by default) with a count
//! of the rest, and the top table is sorted and paged on the server.
//!
//! It reads the runtime through [`beamish::sys`](actor_core::sys), which costs nothing
//! measurable while no page is open.
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> std::io::Result<()> {
//! let observer = beamish::observer::Observer::start("127.0.0.1:9000".parse().unwrap()).await?;
//! println!("observer at {}", observer.url());
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod prometheus;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use api::{MailboxView, NodeView, ProcessView, Summary, TopPage};

/// How to start an [`Observer`].
#[derive(Clone)]
pub struct ObserverOptions {
    addr: SocketAddr,
    token: Option<String>,
    interval: Duration,
}

impl ObserverOptions {
    /// Listen on `addr` (use port 0 for any free port) with a random token, pushing updates every
    /// second.
    pub fn new(addr: SocketAddr) -> Self {
        ObserverOptions {
            addr,
            token: None,
            interval: Duration::from_secs(1),
        }
    }

    /// Use `token` instead of a random one.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// How often the WebSocket pushes an update (at least 50 ms).
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(50));
        self
    }
}

impl fmt::Debug for ObserverOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObserverOptions")
            .field("addr", &self.addr)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("interval", &self.interval)
            .finish()
    }
}

/// A running observer server. Dropping it (or [`stop`](Self::stop)) shuts the server down.
pub struct Observer {
    addr: SocketAddr,
    token: Arc<str>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl Observer {
    /// Starts an observer on `addr` with a random token; logs its URL (`tracing`, info).
    ///
    /// # Errors
    /// The listener's error if `addr` cannot be bound.
    pub async fn start(addr: SocketAddr) -> std::io::Result<Observer> {
        Self::start_with(ObserverOptions::new(addr)).await
    }

    /// Starts an observer with explicit options.
    ///
    /// # Errors
    /// The listener's error if the address cannot be bound.
    pub async fn start_with(options: ObserverOptions) -> std::io::Result<Observer> {
        let listener = TcpListener::bind(options.addr).await?;
        let addr = listener.local_addr()?;
        let token: Arc<str> = options.token.unwrap_or_else(auth::random_token).into();
        let app = api::router(api::State::new(token.clone(), options.interval));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "observer server failed");
            }
        });
        let observer = Observer {
            addr,
            token,
            shutdown: Some(shutdown),
            server: Some(server),
        };
        tracing::info!(url = %observer.url(), "observer started");
        Ok(observer)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token every request must carry.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The page's URL, token included.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }

    /// Stops the server and waits until it has.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

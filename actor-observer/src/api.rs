//! The JSON + WebSocket API and the page.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use actor_core::sys::{self, ProcessInfo};
use actor_core::{ActorHandle, ActorId, ExitReason};
use axum::Json;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::{auth, prometheus};

const PAGE: &str = include_str!("page.html");

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct State {
    token: Arc<str>,
    interval: Duration,
    metrics: Arc<prometheus::Metrics>,
}

impl State {
    pub(crate) fn new(token: Arc<str>, interval: Duration) -> Self {
        State {
            token,
            interval,
            metrics: Arc::new(prometheus::Metrics::new()),
        }
    }

    pub(crate) fn token(&self) -> &str {
        &self.token
    }
}

pub(crate) fn router(state: State) -> axum::Router {
    axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/api/summary", get(|| async { Json(summary()) }))
        .route("/api/tree", get(tree))
        .route("/api/top", get(top))
        .route("/api/crashes", get(crashes))
        .route("/api/actors/{id}", get(actor))
        .route("/api/actors/{id}/state", get(actor_state))
        .route("/api/actors/{id}/kill", post(kill))
        .route("/api/actors/{id}/stop", post(stop))
        .route("/api/registries", get(registries))
        .route("/api/registries/{id}", get(registry))
        .route("/api/ws", get(ws))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state)
}

/// A mailbox in the API.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MailboxView {
    /// Messages waiting.
    pub len: usize,
    /// The bound, if any.
    pub capacity: Option<usize>,
    /// Messages its overflow policy refused or dropped.
    pub dropped: u64,
    /// Messages taken by the actor.
    pub received: u64,
}

/// One actor in the API (`/api/actors/{id}`, the rows of `/api/top`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProcessView {
    /// Its id without brackets (`0.42`), as the API's paths take it.
    pub id: String,
    /// Its Rust type name.
    pub type_name: String,
    /// The last segment of the type name, for display.
    pub name: String,
    /// Its parent's id, if any.
    pub parent: Option<String>,
    /// One of beamish's supervisors.
    pub supervisor: bool,
    /// Restarts of its supervised child before this incarnation.
    pub restarts: u32,
    /// Linked actors.
    pub links: usize,
    /// Actors monitoring it.
    pub monitored_by: usize,
    /// Its mailbox.
    pub mailbox: MailboxView,
}

/// One node of `/api/tree`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeView {
    /// The actor.
    #[serde(flatten)]
    pub actor: ProcessView,
    /// Its first `limit` children.
    pub children: Vec<NodeView>,
    /// How many more children it has.
    pub more: usize,
}

/// `/api/summary`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// Live actors.
    pub actors: usize,
    /// Of which supervisors.
    pub supervisors: usize,
    /// Messages waiting in all mailboxes.
    pub queued: usize,
    /// Crashes since the program started.
    pub crashes: u64,
}

/// One page of `/api/top`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TopPage {
    /// Live actors in all.
    pub total: usize,
    /// The rows asked for.
    pub rows: Vec<ProcessView>,
}

fn id_text(id: ActorId) -> String {
    let text = id.to_string();
    text.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

fn short(type_name: &str) -> String {
    // The runtime's own supervisors, by the names users know them by.
    for (module, name) in [
        ("actor_core::supervisor::dynamic::", "DynamicSupervisor"),
        ("actor_core::supervisor::strategy::", "Supervisor"),
        ("actor_core::supervisor::task::", "TaskSupervisor"),
    ] {
        if type_name.starts_with(module) {
            return name.to_owned();
        }
    }
    let base = type_name.split('<').next().unwrap_or(type_name);
    base.rsplit("::").next().unwrap_or(base).to_owned()
}

pub(crate) fn view(p: &ProcessInfo) -> ProcessView {
    ProcessView {
        id: id_text(p.id),
        type_name: p.type_name.to_owned(),
        name: short(p.type_name),
        parent: p.parent.map(id_text),
        supervisor: p.supervisor,
        restarts: p.restarts,
        links: p.links.len(),
        monitored_by: p.monitored_by.len(),
        mailbox: MailboxView {
            len: p.mailbox.len,
            capacity: p.mailbox.capacity,
            dropped: p.mailbox.dropped,
            received: p.mailbox.received,
        },
    }
}

fn summary() -> Summary {
    let all = sys::processes();
    Summary {
        actors: all.len(),
        supervisors: all.iter().filter(|p| p.supervisor).count(),
        queued: all.iter().map(|p| p.mailbox.len).sum(),
        crashes: sys::crashes().1,
    }
}

#[derive(Deserialize)]
struct TreeQuery {
    /// Children listed per actor.
    limit: Option<usize>,
    /// Only the tree under this actor.
    root: Option<String>,
}

/// The tree from one listing of the table, each actor's children cut at `limit` (with a count
/// of the rest): at 100,000 actors only what is shown is converted.
fn tree_views(limit: usize, root: Option<ActorId>) -> Option<Vec<NodeView>> {
    let all = sys::processes();
    let index: HashMap<ActorId, usize> = all.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut children: HashMap<ActorId, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, p) in all.iter().enumerate() {
        match p.parent.filter(|parent| index.contains_key(parent)) {
            Some(parent) => children.entry(parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    if let Some(root) = root {
        roots = vec![*index.get(&root)?];
    }
    let build = |i: usize| -> NodeView {
        // Depth-first with an explicit stack: a deep chain of parents cannot overflow it.
        fn node(
            i: usize,
            all: &[ProcessInfo],
            children: &HashMap<ActorId, Vec<usize>>,
            limit: usize,
            depth: usize,
        ) -> NodeView {
            let kids = children.get(&all[i].id).map_or(&[][..], Vec::as_slice);
            NodeView {
                actor: view(&all[i]),
                children: if depth >= MAX_DEPTH {
                    Vec::new()
                } else {
                    kids.iter()
                        .take(limit)
                        .map(|&k| node(k, all, children, limit, depth + 1))
                        .collect()
                },
                more: if depth >= MAX_DEPTH {
                    kids.len()
                } else {
                    kids.len().saturating_sub(limit)
                },
            }
        }
        node(i, &all, &children, limit, 0)
    };
    Some(roots.into_iter().map(build).collect())
}

/// Deeper than this, a node's children are only counted.
const MAX_DEPTH: usize = 64;

async fn tree(Query(q): Query<TreeQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let root = match q.root.map(|r| r.parse::<ActorId>()) {
        None => None,
        Some(Ok(root)) => Some(root),
        Some(Err(_)) => return bad_id(),
    };
    match tree_views(limit, root) {
        Some(roots) => Json(roots).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct TopQuery {
    sort: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

fn top_page(sort: &str, offset: usize, limit: usize) -> TopPage {
    let mut all = sys::processes();
    match sort {
        "received" => all.sort_by_key(|p| Reverse(p.mailbox.received)),
        "dropped" => all.sort_by_key(|p| Reverse(p.mailbox.dropped)),
        "restarts" => all.sort_by_key(|p| Reverse(p.restarts)),
        _ => all.sort_by_key(|p| Reverse(p.mailbox.len)),
    }
    TopPage {
        total: all.len(),
        rows: all.iter().skip(offset).take(limit).map(view).collect(),
    }
}

async fn top(Query(q): Query<TopQuery>) -> Json<TopPage> {
    let sort = q.sort.as_deref().unwrap_or("len");
    Json(top_page(
        sort,
        q.offset.unwrap_or(0),
        q.limit.unwrap_or(50).clamp(1, 1_000),
    ))
}

#[derive(Serialize)]
struct CrashView {
    seq: u64,
    id: String,
    name: String,
    type_name: String,
    parent: Option<String>,
    reason: String,
    at_ms: u128,
}

async fn crashes() -> Response {
    let (log, total) = sys::crashes();
    let rows: Vec<CrashView> = log
        .iter()
        .rev()
        .map(|c| CrashView {
            seq: c.seq,
            id: id_text(c.id),
            name: short(c.type_name),
            type_name: c.type_name.to_owned(),
            parent: c.parent.map(id_text),
            reason: c.reason.to_string(),
            at_ms: c.at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis()),
        })
        .collect();
    Json(serde_json::json!({ "total": total, "crashes": rows })).into_response()
}

async fn registries() -> Response {
    let list: Vec<_> = sys::registries()
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.name,
                "unique": r.keys == actor_core::Keys::Unique,
                "entries": r.entries,
            })
        })
        .collect();
    Json(list).into_response()
}

#[derive(Deserialize)]
struct EntriesQuery {
    /// Only keys whose `{:?}` contains this.
    q: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

async fn registry(Path(id): Path<u64>, Query(q): Query<EntriesQuery>) -> Response {
    let search = q.q.unwrap_or_default();
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    match sys::registry_entries(id, &search, q.offset.unwrap_or(0), limit) {
        Some((total, entries)) => {
            let rows: Vec<_> = entries
                .iter()
                .map(|e| serde_json::json!({ "key": e.key, "actor": id_text(e.actor) }))
                .collect();
            Json(serde_json::json!({ "total": total, "entries": rows })).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such registry\n").into_response(),
    }
}

fn bad_id() -> Response {
    (StatusCode::BAD_REQUEST, "bad actor id: expected `0.42`\n").into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such actor\n").into_response()
}

async fn actor(Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<ActorId>() else {
        return bad_id();
    };
    match sys::process(id) {
        Some(p) => Json(view(&p)).into_response(),
        None => not_found(),
    }
}

/// The actor's state as text if its type opted in (`#[actor(debug_state)]`), within 2 s.
async fn actor_state(Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<ActorId>() else {
        return bad_id();
    };
    match sys::get_state(id, Duration::from_secs(2)).await {
        Ok(state) => Json(serde_json::json!({ "state": state })).into_response(),
        Err(actor_core::CallError::NoProc) => not_found(),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")).into_response(),
    }
}

async fn kill(Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<ActorId>() else {
        return bad_id();
    };
    match sys::actor(id) {
        Some(actor) => {
            actor.kill();
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found(),
    }
}

async fn stop(Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<ActorId>() else {
        return bad_id();
    };
    match sys::actor(id) {
        Some(actor) => {
            // An orderly stop can take the actor's shutdown time: answered at once, done behind.
            tokio::spawn(async move {
                let _ = actor.stop(ExitReason::Shutdown).await;
            });
            StatusCode::ACCEPTED.into_response()
        }
        None => not_found(),
    }
}

async fn ws(
    upgrade: WebSocketUpgrade,
    axum::extract::State(state): axum::extract::State<State>,
) -> Response {
    upgrade.on_upgrade(move |socket| push(socket, state.interval))
}

/// Pushes `{summary, top}` now and then every `interval`, until the client goes away.
async fn push(mut socket: WebSocket, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let update = serde_json::json!({ "summary": summary(), "top": top_page("len", 0, 10) });
        if socket
            .send(Message::Text(update.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn metrics(axum::extract::State(state): axum::extract::State<State>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

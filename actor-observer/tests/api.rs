//! The observer's API over real HTTP and WebSocket: the token is required, the tree, top and
//! actor JSON match the running system, an action (kill a supervised child) produces a restart
//! visible in the next update, and /metrics speaks Prometheus.

mod support;

use beamish::observer::{NodeView, Observer, ObserverOptions, ProcessView, Summary, TopPage};
use beamish::prelude::*;
use futures_util::StreamExt;
use support::{http, id, tree};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

async fn observer() -> Observer {
    Observer::start_with(ObserverOptions::new("127.0.0.1:0".parse().unwrap()).token("s3cret"))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_request_needs_the_token() {
    let obs = observer().await;
    for path in [
        "/",
        "/api/tree",
        "/api/top",
        "/api/summary",
        "/metrics",
        "/api/ws",
    ] {
        assert_eq!(http(obs.addr(), "GET", path).await.0, 401, "{path}");
        let wrong = format!("{path}?token=guess");
        assert_eq!(http(obs.addr(), "GET", &wrong).await.0, 401, "{path}");
    }
    assert_eq!(
        http(obs.addr(), "POST", "/api/actors/0.1/kill").await.0,
        401
    );
    let (status, page) = http(obs.addr(), "GET", "/?token=s3cret").await;
    assert_eq!(status, 200);
    assert!(page.contains("beamish observer"));
    // A random token by default, in the URL.
    let random = Observer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(random.token().len(), 32);
    assert_ne!(random.token(), obs.token());
    assert!(random.url().ends_with(random.token()));
    random.stop().await;
}

#[tokio::test]
async fn tree_top_and_actor_match_the_system() {
    let obs = observer().await;
    let t = tree().await;
    let path = format!("/api/tree?token=s3cret&root={}", id(&t.root));
    let (status, body) = http(obs.addr(), "GET", &path).await;
    assert_eq!(status, 200, "{body}");
    let roots: Vec<NodeView> = serde_json::from_str(&body).unwrap();
    let root = &roots[0];
    assert_eq!(root.actor.id, id(&t.root));
    assert!(root.actor.supervisor);
    let level1: Vec<_> = root.children.iter().map(|n| n.actor.id.clone()).collect();
    assert_eq!(level1, vec![id(&t.pool), id(&t.solo)]);
    let level2: Vec<_> = root.children[0]
        .children
        .iter()
        .map(|n| n.actor.id.clone())
        .collect();
    assert_eq!(level2, vec![id(&t.workers[0]), id(&t.workers[1])]);
    assert_eq!(root.children[0].children[0].actor.name, "Worker");
    // Paging: one child per actor, and a count of the rest.
    let (_, body) = http(obs.addr(), "GET", &format!("{path}&limit=1")).await;
    let paged: Vec<NodeView> = serde_json::from_str(&body).unwrap();
    assert_eq!((paged[0].children.len(), paged[0].more), (1, 1));

    // A held worker with five messages waiting tops the table sorted by mailbox depth.
    let (held_tx, held) = oneshot::channel();
    let (release, gate) = oneshot::channel();
    t.workers[1].hold(held_tx, gate).unwrap();
    held.await.unwrap();
    for _ in 0..5000 {
        t.workers[1].nudge().unwrap();
    }
    let (_, body) = http(obs.addr(), "GET", "/api/top?token=s3cret&sort=len&limit=1").await;
    let top: TopPage = serde_json::from_str(&body).unwrap();
    assert_eq!(top.rows[0].id, id(&t.workers[1]));
    assert_eq!(top.rows[0].mailbox.len, 5000);
    let (_, body) = http(
        obs.addr(),
        "GET",
        &format!("/api/actors/{}?token=s3cret", id(&t.workers[1])),
    )
    .await;
    let actor: ProcessView = serde_json::from_str(&body).unwrap();
    assert_eq!(actor.parent, Some(id(&t.pool)));
    assert_eq!(actor.mailbox.len, 5000);
    drop(release);
    // The state, asked behind the 5000 nudges, shows them all.
    let (status, body) = http(
        obs.addr(),
        "GET",
        &format!("/api/actors/{}/state?token=s3cret", id(&t.workers[1])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        state["state"].as_str().unwrap().contains("nudged: 5000"),
        "{state}"
    );
    assert_eq!(
        http(obs.addr(), "GET", "/api/actors/nonsense?token=s3cret")
            .await
            .0,
        400
    );
    t.root.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        http(
            obs.addr(),
            "GET",
            &format!("/api/actors/{}?token=s3cret", id(&t.pool))
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn a_kill_through_the_api_shows_as_a_restart_in_the_next_update() {
    let obs = observer().await;
    let t = tree().await;
    let url = format!("ws://{}/api/ws?token=s3cret", obs.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut next_summary = async || -> Summary {
        loop {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(30), ws.next());
            match frame
                .await
                .expect("an update within 30 s")
                .expect("open")
                .expect("a frame")
            {
                Message::Text(text) => {
                    let update: serde_json::Value = serde_json::from_str(&text).unwrap();
                    return serde_json::from_value(update["summary"].clone()).unwrap();
                }
                _ => continue,
            }
        }
    };
    let before = next_summary().await;

    let worker = &t.workers[0];
    let dying = id(worker);
    // This incarnation, not the child: the followed handle moves on once it is restarted.
    let incarnation = beamish::sys::actor(worker.id()).unwrap();
    let (status, _) = http(
        obs.addr(),
        "POST",
        &format!("/api/actors/{dying}/kill?token=s3cret"),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(incarnation.wait().await, ExitReason::Killed);
    assert_eq!(
        worker.ping().await,
        Ok(1),
        "restarted behind its followed handle"
    );
    assert_ne!(id(worker), dying);

    // The update after the restart counts the crash; the tree shows the restarted child.
    // An update already on its way when the kill went out may come first.
    let mut updates = Vec::new();
    for _ in 0..3 {
        updates.push(next_summary().await);
        if updates.last().unwrap().crashes > before.crashes {
            break;
        }
    }
    assert!(
        updates.last().unwrap().crashes > before.crashes,
        "{updates:?}"
    );
    let (_, body) = http(
        obs.addr(),
        "GET",
        &format!("/api/tree?token=s3cret&root={}", id(&t.pool)),
    )
    .await;
    let pool: Vec<NodeView> = serde_json::from_str(&body).unwrap();
    let restarted = pool[0]
        .children
        .iter()
        .find(|n| n.actor.id == id(worker))
        .expect("the new incarnation");
    assert_eq!(restarted.actor.restarts, 1);
    // Unknown actors: 404.
    assert_eq!(
        http(
            obs.addr(),
            "POST",
            &format!("/api/actors/{dying}/kill?token=s3cret")
        )
        .await
        .0,
        404
    );
    t.root.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test]
async fn registries_are_searchable() {
    let obs = observer().await;
    let names = Registry::<String>::builder(Keys::Unique)
        .name("api-test-names")
        .build()
        .unwrap();
    let mut workers = Vec::new();
    for name in ["kitchen", "garden", "garage"] {
        workers.push(
            support::Worker::start_via(&names, name.to_string(), ())
                .await
                .unwrap(),
        );
    }
    let (_, body) = http(obs.addr(), "GET", "/api/registries?token=s3cret").await;
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "api-test-names")
        .expect("listed");
    assert_eq!(
        (listed["unique"].as_bool(), listed["entries"].as_u64()),
        (Some(true), Some(3))
    );
    let path = format!("/api/registries/{}?token=s3cret&q=gar", listed["id"]);
    let (_, body) = http(obs.addr(), "GET", &path).await;
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["total"], 2);
    assert_eq!(page["entries"][0]["key"], "\"garage\"");
    assert_eq!(page["entries"][0]["actor"], id(&workers[2]));
    assert_eq!(page["entries"][1]["key"], "\"garden\"");
    assert_eq!(
        http(obs.addr(), "GET", "/api/registries/999999999?token=s3cret")
            .await
            .0,
        404
    );
    for w in workers {
        w.stop(ExitReason::Normal).await.unwrap();
    }
}

#[tokio::test]
async fn metrics_speak_prometheus() {
    let obs = observer().await;
    let t = tree().await;
    let (status, text) = http(obs.addr(), "GET", "/metrics?token=s3cret").await;
    assert_eq!(status, 200);
    let workers = text
        .lines()
        .find(|l| l.starts_with("beamish_actors{") && l.contains("::Worker\""))
        .unwrap_or_else(|| panic!("no worker gauge in:\n{text}"));
    let count: f64 = workers.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{workers}");
    assert!(text.contains("beamish_crashes_total"));
    assert!(text.contains("beamish_mailbox_depth{"));
    t.root.stop(ExitReason::Shutdown).await.unwrap();
}

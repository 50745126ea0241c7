//! The observer's page in a real browser: headless Chromium loads the page of a running
//! supervision tree, the tree renders with the expected supervisors and children, a click on a
//! child's kill button (driven over the DevTools protocol) makes its supervisor restart it and
//! the page shows its restart count go up, and a screenshot is saved.
//!
//! Chromium comes from `BEAMISH_CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
//! With `BEAMISH_REQUIRE_BROWSER=1` (as CI sets it) a missing browser fails the test; without
//! it the test says that it was skipped.

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use beamish::observer::{Observer, ObserverOptions};
use beamish::prelude::*;
use support::{id, tree};
use tokio::process::Command;
use tokio_tungstenite::tungstenite::Message;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BEAMISH_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs Chromium headless on `url` with `extra` flags until it exits.
async fn headless(browser: &PathBuf, profile: &std::path::Path, extra: &[&str], url: &str) {
    let mut cmd = Command::new(browser);
    cmd.args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("chromium finishes within 60 s")
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
}

/// A page driven over the DevTools protocol: Chromium with a debugging port, one WebSocket to
/// the observer's page.
struct Devtools {
    _browser: tokio::process::Child,
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next_id: u64,
}

impl Devtools {
    async fn open(browser: &PathBuf, profile: &std::path::Path, url: &str) -> Devtools {
        use tokio::io::AsyncBufReadExt;
        let mut child = Command::new(browser)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--remote-debugging-port=0")
            .arg("--window-size=1400,800")
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("ws://127.0.0.1:").nth(1) {
                    return rest.split('/').next().unwrap().parse::<u16>().unwrap();
                }
            }
            panic!("chromium printed no DevTools address");
        })
        .await
        .expect("chromium's DevTools within 60 s");
        // Keep reading its stderr so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let devtools = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let (_, list) = support::http(devtools, "GET", "/json/list").await;
        let targets: serde_json::Value = serde_json::from_str(&list).unwrap();
        let page = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["type"] == "page"
                    && t["url"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("http://127.0.0.1"))
            })
            .unwrap_or_else(|| panic!("no observer page among {targets}"));
        let (ws, _) =
            tokio_tungstenite::connect_async(page["webSocketDebuggerUrl"].as_str().unwrap())
                .await
                .unwrap();
        Devtools {
            _browser: child,
            ws,
            next_id: 0,
        }
    }

    /// Evaluates `expression` in the page (awaiting a promise), its value as JSON.
    async fn eval(&mut self, expression: &str) -> serde_json::Value {
        match self.try_eval(expression).await {
            Ok(value) => value,
            Err(error) => panic!("{expression}: {error}"),
        }
    }

    /// [`eval`](Self::eval), or the protocol's error (the page navigating away, say).
    async fn try_eval(&mut self, expression: &str) -> Result<serde_json::Value, String> {
        use futures_util::{SinkExt, StreamExt};
        self.next_id += 1;
        let id = self.next_id;
        let request = serde_json::json!({
            "id": id,
            "method": "Runtime.evaluate",
            "params": { "expression": expression, "awaitPromise": true, "returnByValue": true },
        });
        self.ws
            .send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(60), self.ws.next())
                .await
                .expect("an answer within 60 s")
                .expect("open")
                .expect("a frame");
            let Message::Text(text) = frame else { continue };
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
            if answer["id"] == id {
                if !answer["error"].is_null() || !answer["result"]["exceptionDetails"].is_null() {
                    return Err(answer.to_string());
                }
                return Ok(answer["result"]["result"]["value"].clone());
            }
        }
    }

    /// Waits in the page (up to 30 s) until `condition` (a JS expression) is truthy.
    async fn until(&mut self, condition: &str) {
        let script = format!(
            "new Promise((ok, fail) => {{ const t0 = Date.now(); (function poll() {{ \
               let v = false; try {{ v = ({condition}); }} catch (e) {{}} \
               if (v) ok(true); else if (Date.now() - t0 > 30000) fail(new Error('timed out: ' + {condition:?})); \
               else setTimeout(poll, 25); }})(); }})"
        );
        // The page may still be navigating to the observer: its first context can go away.
        for _ in 0..20 {
            if self.try_eval(&script).await == Ok(serde_json::json!(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never true in the page: {condition}");
    }
}

const FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_the_tree_and_a_kill_restarts_a_child() {
    let Some(browser) = chromium() else {
        if std::env::var_os("BEAMISH_REQUIRE_BROWSER").is_some_and(|v| v == "1") {
            panic!("BEAMISH_REQUIRE_BROWSER=1 but no chromium found (install Debian's `chromium`)");
        }
        eprintln!("skipped: no chromium found (set BEAMISH_CHROMIUM or install `chromium`)");
        return;
    };
    let t = tree().await;
    let obs = Observer::start_with(ObserverOptions::new("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let profile = std::env::temp_dir().join(format!("beamish-chromium-{}", std::process::id()));
    let mut page = Devtools::open(&browser, &profile, &obs.url()).await;

    // The tree renders with the supervisors and their children, nested as they are.
    page.until("document.getElementById('tree').dataset.loaded === 'true'")
        .await;
    let node = |id: String| format!("document.querySelector('li[data-id=\"{id}\"]')");
    for (actor, parent) in [
        (id(&t.pool), Some(id(&t.root))),
        (id(&t.solo), Some(id(&t.root))),
        (id(&t.workers[0]), Some(id(&t.pool))),
        (id(&t.workers[1]), Some(id(&t.pool))),
    ] {
        let inside = format!(
            "{}.parentElement.closest('li').dataset.id",
            node(actor.clone())
        );
        assert_eq!(
            page.eval(&inside).await,
            serde_json::json!(parent.unwrap()),
            "{actor}"
        );
    }
    let root = node(id(&t.root));
    assert_eq!(
        page.eval(&format!("{root}.dataset.supervisor")).await,
        "true"
    );
    assert_eq!(
        page.eval(&format!("{}.dataset.name", node(id(&t.workers[0]))))
            .await,
        "Worker"
    );
    let worker = &t.workers[0];
    let dying = id(worker);
    assert_eq!(
        page.eval(&format!("{}.dataset.restarts", node(dying.clone())))
            .await,
        "0"
    );

    // Click the worker's kill button, confirming the dialog.
    let incarnation = beamish::sys::actor(worker.id()).unwrap();
    let click = format!(
        "window.confirm = () => true; {}.querySelector('button.kill').click(); true",
        node(dying.clone())
    );
    assert_eq!(page.eval(&click).await, true);
    assert_eq!(incarnation.wait().await, ExitReason::Killed);
    assert_eq!(
        worker.ping().await,
        Ok(1),
        "restarted behind its followed handle"
    );

    // The page shows the new incarnation with its restart counted, and the old one gone.
    let fresh = node(id(worker));
    page.until(&format!("{fresh} && {fresh}.dataset.restarts === '1'"))
        .await;
    assert_eq!(page.eval(&format!("{} === null", node(dying))).await, true);
    page.until("document.getElementById('crash-count').textContent !== '–'")
        .await;

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("observer.png");
    drop(page);
    let flag = format!("--screenshot={}", shot.display());
    headless(
        &browser,
        &profile,
        &[
            "--virtual-time-budget=5000",
            "--window-size=1400,800",
            &flag,
        ],
        &obs.url(),
    )
    .await;
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    eprintln!("screenshot: {}", shot.display());
    let _ = std::fs::remove_dir_all(&profile);
    t.root.stop(ExitReason::Shutdown).await.unwrap();
}

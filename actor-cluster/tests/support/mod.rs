//! What the cluster tests share: a real nats-server per test, nodes on it, remote actors.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use beamish::cluster::{ClusterRegistry, NatsServer, Node, NodeOptions};
use beamish::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

mod ghost;
mod process;
mod proxy;
#[allow(unused_imports)]
pub(crate) use ghost::{EXITED, Ghost, NOPROC, OK};
#[allow(unused_imports)]
pub(crate) use process::{Process, Test, harness};
#[allow(unused_imports)]
pub(crate) use proxy::Proxy;

/// A real server, started for the test (installed on first use if the machine has none).
pub(crate) fn server() -> NatsServer {
    NatsServer::start().unwrap_or_else(|e| panic!("cannot start nats-server: {e}"))
}

/// Node `name` of cluster `cluster` on `server`, TTL 1 s (tests of node loss wait less).
pub(crate) async fn node(server: &NatsServer, cluster: &str, name: &str) -> Node {
    Node::connect(
        &server.url(),
        NodeOptions::new(cluster, name).ttl(Duration::from_secs(1)),
    )
    .await
    .unwrap_or_else(|e| panic!("node {name}: {e}"))
}

/// Two nodes `a` and `b` of cluster `cluster`, each with the unique-key registry "names".
pub(crate) async fn pair(
    server: &NatsServer,
    cluster: &str,
) -> (Node, Node, ClusterRegistry, ClusterRegistry) {
    let a = node(server, cluster, "a").await;
    let b = node(server, cluster, "b").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();
    (a, b, names_a, names_b)
}

/// A node on a runtime (and a thread) of its own, which the test can hold still — nothing of the
/// node runs, not even its connection — and let go again.
pub(crate) struct HeldNode {
    pub(crate) node: Node,
    hold: Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>,
    go: std::sync::mpsc::Sender<()>,
    done: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HeldNode {
    /// Connects node `options` to `url` on its own runtime and runs `setup` there; what `setup`
    /// gives comes back with the node.
    pub(crate) async fn start<T, F>(
        url: String,
        options: NodeOptions,
        setup: impl FnOnce(Node) -> F + Send + 'static,
    ) -> (HeldNode, T)
    where
        F: Future<Output = T>,
        T: Send + 'static,
    {
        let (ready_tx, ready_rx) = oneshot::channel::<(Node, T)>();
        let (hold_tx, hold_rx) = oneshot::channel::<()>();
        let (held_tx, held_rx) = oneshot::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let node = Node::connect(&url, options).await.expect("held node");
                let out = setup(node.clone()).await;
                if ready_tx.send((node, out)).is_err() {
                    return;
                }
                if hold_rx.await.is_ok() {
                    let _ = held_tx.send(());
                    // Held still on purpose: nothing of this node runs until the test lets go.
                    let _ = go_rx.recv();
                }
                let _ = done_rx.await;
            });
        });
        let (node, out) = ready_rx.await.expect("the held node's setup");
        let held = HeldNode {
            node,
            hold: Some((hold_tx, held_rx)),
            go: go_tx,
            done: Some(done_tx),
            thread: Some(thread),
        };
        (held, out)
    }

    /// Holds the node still (once); returns when nothing of it runs any more.
    pub(crate) async fn hold(&mut self) {
        let (hold, held) = self.hold.take().expect("a node is held once");
        hold.send(()).expect("the held node's thread");
        held.await.expect("the held node's thread");
    }

    /// Lets the node run again.
    pub(crate) fn release(&self) {
        let _ = self.go.send(());
    }
}

impl Drop for HeldNode {
    fn drop(&mut self) {
        self.release();
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Polls `f` until it gives a value (a cache kept by a watch), at most `within`.
pub(crate) async fn wait_for_within<T>(within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "not seen within {within:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// [`wait_for_within`] 5 s.
pub(crate) async fn wait_for<T>(f: impl FnMut() -> Option<T>) -> T {
    wait_for_within(Duration::from_secs(5), f).await
}

/// Polls `f` until it holds, at most 5 s.
pub(crate) async fn wait_until(mut f: impl FnMut() -> bool) {
    wait_for(|| f().then_some(())).await;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) hits: u32,
}

/// A remote-capable counter.
pub(crate) struct Counter {
    pub(crate) count: i64,
}

#[actor(remote)]
impl Counter {
    #[init]
    async fn init(start: i64) -> Self {
        Counter { count: start }
    }

    #[call]
    async fn add(&mut self, n: i64) -> i64 {
        self.count += n;
        self.count
    }

    #[call]
    async fn get(&self) -> i64 {
        self.count
    }

    #[call]
    async fn echo(&self, entry: Entry, times: u32) -> Vec<Entry> {
        vec![entry; times as usize]
    }

    #[cast]
    async fn bump(&mut self) {
        self.count += 1;
    }

    #[cast]
    async fn bump_by(&mut self, entry: Entry) {
        self.count += i64::from(entry.hits);
    }

    #[call]
    async fn crash(&mut self) -> i64 {
        panic!("asked to crash")
    }

    #[call]
    async fn stall(&mut self, for_ms: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(for_ms)).await;
        for_ms
    }
}

/// Links itself to the actor it is given when it starts (not trapping exits).
pub(crate) struct Linker;

#[actor]
impl Linker {
    #[init]
    async fn init(to: AnyActor) -> Self {
        to.link().unwrap();
        Linker
    }
}

/// Keeps the handles it is sent and reaches them: handles inside messages.
pub(crate) struct Room {
    members: Vec<CounterHandle>,
}

#[actor(remote)]
impl Room {
    #[init]
    async fn init(_: ()) -> Self {
        Room {
            members: Vec::new(),
        }
    }

    #[cast]
    async fn join(&mut self, member: CounterHandle) {
        self.members.push(member);
    }

    /// Adds 1 to every member; their answers.
    #[call]
    async fn poke(&mut self) -> Vec<Result<i64, String>> {
        let mut seen = Vec::new();
        for member in &self.members {
            seen.push(member.add(1).await.map_err(|e| e.to_string()));
        }
        seen
    }

    #[call]
    async fn members(&self) -> Vec<CounterHandle> {
        self.members.clone()
    }
}

/// Joins group `key` of a duplicate-key registry with `value` when it starts.
pub(crate) struct Member {
    value: u32,
}

#[actor(remote)]
impl Member {
    #[init]
    async fn init(join: (ClusterRegistry<u32>, String, u32)) -> Result<Self, String> {
        let (groups, key, value) = join;
        groups
            .register(&key, value)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Member { value })
    }

    #[call]
    async fn value(&self) -> u32 {
        self.value
    }
}

/// What a [`Watcher`] saw: `("down" | "exit", id, reason)`.
pub(crate) type Seen = (String, ActorId, ExitReason);

/// The first two things a [`Watcher`] hears, sorted: its `Down` and its `Exit`, once each.
pub(crate) async fn heard(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(rx.recv().await.expect("watcher alive"));
    }
    seen.sort_by(|x, y| x.0.cmp(&y.0));
    seen
}

/// What [`heard`] gives when the watched actor `id` exits with `reason`.
pub(crate) fn down_and_exit(id: ActorId, reason: &ExitReason) -> Vec<Seen> {
    vec![
        ("down".to_owned(), id, reason.clone()),
        ("exit".to_owned(), id, reason.clone()),
    ]
}

/// Monitors and links (trapping exits) the actor it is given; reports what it hears.
pub(crate) struct Watcher {
    tx: tokio::sync::mpsc::UnboundedSender<Seen>,
}

#[actor]
impl Watcher {
    #[init]
    async fn init(
        watch: (AnyActor, tokio::sync::mpsc::UnboundedSender<Seen>),
        ctx: &mut Context<Self>,
    ) -> Self {
        let (target, tx) = watch;
        ctx.trap_exit(true);
        target.monitor().unwrap();
        target.link().unwrap();
        Watcher { tx }
    }

    /// Answered after every message queued before it.
    #[call]
    async fn ping(&self) {}

    #[info]
    async fn on_info(&mut self, info: Info) {
        let seen = match info {
            Info::Down { id, reason, .. } => ("down".to_owned(), id, reason),
            Info::Exit { id, reason } => ("exit".to_owned(), id, reason),
            _ => return,
        };
        let _ = self.tx.send(seen);
    }
}

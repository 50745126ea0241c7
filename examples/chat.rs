//! A TCP chat server: every room is an actor under a `DynamicSupervisor`, found by name in a
//! unique-key `Registry`; every connection is an actor, registered under its room in a
//! duplicate-key `Registry` that rooms `dispatch` over to fan messages out. A room that crashes
//! (try `/crash`) is restarted by its supervisor and found again under the same name; its members
//! stay connected.
//!
//! By hand (then connect with `nc 127.0.0.1 7878`, several times):
//!
//! ```sh
//! cargo run --release --example chat            # or: -- --port 9000
//! ```
//!
//! Commands: `/nick NAME`, `/join ROOM`, `/who`, `/crash` (crashes the room, on purpose),
//! `/quit`; any other line is said in the current room.
//!
//! Demo (starts the server, drives it with simulated clients over real sockets, crashes rooms at
//! random, prints a summary and exits by itself):
//!
//! ```sh
//! cargo run --release --example chat -- --demo
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use beamish::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

/// Room name → the room actor (unique keys: via names).
type Rooms = Registry<String>;
/// Room name → its members (duplicate keys, one entry per member).
type Members = Registry<String, Member>;

/// A member of a room, as the members registry holds it.
#[derive(Clone, Debug)]
struct Member {
    nick: String,
    conn: ConnHandle,
}

/// What the server shares with every connection.
#[derive(Clone, Debug)]
struct Server {
    rooms: Rooms,
    members: Members,
    supervisor: DynamicSupervisor,
}

impl Server {
    async fn start() -> Result<Server, Box<dyn std::error::Error>> {
        // Rooms crash on request in the demo; allow plenty of restarts before giving up.
        let options = DynamicSupervisorOptions::new()
            .max_restarts(1_000)
            .max_seconds(Duration::from_secs(1));
        Ok(Server {
            rooms: Registry::new(Keys::Unique),
            members: Registry::new(Keys::Duplicate),
            supervisor: DynamicSupervisor::start(options).await?,
        })
    }

    /// The room called `name`, started under the supervisor if nobody runs it yet.
    async fn open_room(&self, name: &str) -> Result<(), String> {
        if RoomHandle::whereis(&self.rooms, &name.to_owned()).is_some() {
            return Ok(());
        }
        let args = RoomArgs {
            name: name.to_owned(),
            members: self.members.clone(),
        };
        let spec = Room::child_spec_via(&self.rooms, name.to_owned(), args);
        match self.supervisor.start_child(spec).await {
            Ok(_) => Ok(()),
            // Someone opened it first: fine.
            Err(_) if RoomHandle::whereis(&self.rooms, &name.to_owned()).is_some() => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Accepts connections forever, one `Conn` actor each.
    async fn serve(self, listener: TcpListener) {
        let mut guests = 0u64;
        while let Ok((stream, _)) = listener.accept().await {
            guests += 1;
            let (reader, writer) = stream.into_split();
            let args = ConnArgs {
                nick: format!("guest{guests}"),
                writer,
                server: self.clone(),
            };
            let Ok(conn) = Conn::start(args).await else {
                continue;
            };
            // The reader feeds lines to the connection actor; it ends with the socket.
            tokio::spawn(async move {
                let mut lines = BufReader::new(reader).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if conn.line(line).is_err() {
                        return;
                    }
                }
                let _ = conn.stop(ExitReason::Normal).await;
            });
        }
    }
}

/// A chat room's start argument (cloned for every restart).
#[derive(Clone, Debug)]
struct RoomArgs {
    name: String,
    members: Members,
}

/// One chat room. Its only state is a message counter: members live in the registry, so a
/// restart loses nothing that matters.
#[derive(Debug)]
struct Room {
    name: String,
    members: Members,
    said: u64,
}

#[actor(restart = permanent, shutdown = "1s")]
impl Room {
    #[init]
    async fn init(args: RoomArgs) -> Self {
        Room {
            name: args.name,
            members: args.members,
            said: 0,
        }
    }

    /// Sends `text` from `from` to every member; returns how many got it.
    #[call]
    async fn say(&mut self, from: String, text: String) -> usize {
        self.said += 1;
        let line: Arc<str> = format!("[{}] {from}: {text}", self.name).into();
        self.members
            .dispatch(&self.name, |members| {
                for (_, member) in members {
                    let _ = member.conn.deliver(line.clone());
                }
                members.len()
            })
            .unwrap_or(0)
    }

    /// The nicknames of the members.
    #[call]
    async fn who(&self) -> Vec<String> {
        let mut nicks: Vec<String> = self
            .members
            .lookup(&self.name)
            .into_iter()
            .map(|(_, member)| member.nick)
            .collect();
        nicks.sort();
        nicks
    }

    /// Crashes the room, to show the supervisor at work.
    #[cast]
    async fn crash(&mut self) {
        panic!(
            "room {} crashed on request after {} messages",
            self.name, self.said
        );
    }
}

/// A connection's start argument.
#[derive(Debug)]
struct ConnArgs {
    nick: String,
    writer: OwnedWriteHalf,
    server: Server,
}

/// One client connection: it owns the socket's write half, so writes to one client never wait
/// for another.
#[derive(Debug)]
struct Conn {
    nick: String,
    room: Option<String>,
    writer: OwnedWriteHalf,
    server: Server,
}

#[actor]
impl Conn {
    #[init]
    async fn init(args: ConnArgs) -> Self {
        let mut conn = Conn {
            nick: args.nick,
            room: None,
            writer: args.writer,
            server: args.server,
        };
        let welcome = format!(
            "* welcome {}: /nick NAME, /join ROOM, /who, /crash, /quit",
            conn.nick
        );
        conn.send(&welcome).await;
        conn
    }

    /// A line the client typed.
    #[cast]
    async fn line(&mut self, ctx: &mut Context<Self>, line: String) {
        let line = line.trim();
        let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match command {
            "/nick" if !rest.is_empty() => {
                self.nick = rest.to_owned();
                if let Some(room) = self.room.clone() {
                    // The registry holds the nick: register again under the new one.
                    self.join(ctx, &room).await;
                }
                self.send(&format!("* you are {}", self.nick)).await;
            }
            "/join" if !rest.is_empty() => self.join(ctx, rest).await,
            "/who" => match &self.room {
                Some(room) => match Room::via(&self.server.rooms, room.clone()).who().await {
                    Ok(nicks) => {
                        self.send(&format!("* in {room}: {}", nicks.join(", ")))
                            .await
                    }
                    Err(e) => self.send(&format!("! {room}: {e}")).await,
                },
                None => self.send("! join a room first").await,
            },
            "/crash" => match &self.room {
                Some(room) => {
                    let reply = match Room::via(&self.server.rooms, room.clone()).crash() {
                        Ok(()) => format!("* crashing {room}"),
                        Err(e) => format!("! {room}: {e}"),
                    };
                    self.send(&reply).await;
                }
                None => self.send("! join a room first").await,
            },
            "/quit" => {
                self.send("* bye").await;
                ctx.stop(ExitReason::Normal);
            }
            "" => {}
            _ if command.starts_with('/') => {
                self.send(&format!("! unknown command {command}")).await
            }
            _ => match &self.room {
                Some(room) => {
                    let room_handle = Room::via(&self.server.rooms, room.clone());
                    if let Err(e) = room_handle.say(self.nick.clone(), line.to_owned()).await {
                        let refusal = format!("! {room} did not take your message: {e}");
                        self.send(&refusal).await;
                    }
                }
                None => self.send("! join a room first").await,
            },
        }
    }

    /// A line for this client from its room.
    #[cast]
    async fn deliver(&mut self, line: Arc<str>) {
        self.send(&line).await;
    }
}

impl Conn {
    async fn join(&mut self, ctx: &mut Context<Self>, room: &str) {
        if let Err(e) = self.server.open_room(room).await {
            self.send(&format!("! cannot open {room}: {e}")).await;
            return;
        }
        if let Some(old) = self.room.take() {
            let _ = self.server.members.unregister(&old);
        }
        // Registered by this actor: the entry goes away by itself when the connection ends.
        let me = Member {
            nick: self.nick.clone(),
            conn: ConnHandle::from(ctx.actor_ref().clone()),
        };
        match self.server.members.register(room.to_owned(), me) {
            Ok(()) => {
                let count = self.server.members.lookup(&room.to_owned()).len();
                self.room = Some(room.to_owned());
                self.send(&format!("* joined {room} ({count} members)"))
                    .await;
            }
            Err(e) => self.send(&format!("! cannot join {room}: {e}")).await,
        }
    }

    async fn send(&mut self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        // A client that went away is noticed by its reader; nothing to do here.
        let _ = self.writer.write_all(&bytes).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The demo: simulated clients over real sockets.

const ROOMS: usize = 5;
const CLIENTS_PER_ROOM: usize = 8;
const MESSAGES_PER_CLIENT: usize = 25;
const CRASHING_ROOMS: usize = 2;
const DEADLINE: Duration = Duration::from_secs(25);

/// What one simulated client saw.
#[derive(Debug, Default)]
struct ClientReport {
    sent: u64,
    refused: u64,
    received: u64,
}

/// A line-oriented client over a real TCP connection.
struct Client {
    lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let (reader, writer) = stream.into_split();
        let mut client = Client {
            lines: BufReader::new(reader).lines(),
            writer,
        };
        client.expect("* welcome").await?;
        Ok(client)
    }

    async fn send(&mut self, line: &str) -> std::io::Result<()> {
        self.writer.write_all(format!("{line}\n").as_bytes()).await
    }

    async fn next(&mut self) -> std::io::Result<String> {
        self.lines
            .next_line()
            .await?
            .ok_or_else(|| std::io::Error::other("server closed the connection"))
    }

    /// Reads until a line starting with `prefix`; returns it.
    async fn expect(&mut self, prefix: &str) -> std::io::Result<String> {
        loop {
            let line = self.next().await?;
            if line.starts_with(prefix) {
                return Ok(line);
            }
        }
    }
}

/// Joins `room`, waits for everyone, sends its messages, and counts what it receives: in a room
/// that never crashes, until every member's every message arrived.
async fn simulated_client(
    port: u16,
    nick: String,
    room: String,
    stable: bool,
    joined: Arc<tokio::sync::Barrier>,
) -> std::io::Result<ClientReport> {
    let mut client = Client::connect(port).await?;
    client.send(&format!("/nick {nick}")).await?;
    client.expect("* you are").await?;
    client.send(&format!("/join {room}")).await?;
    client.expect(&format!("* joined {room}")).await?;
    joined.wait().await;

    let mut report = ClientReport::default();
    for i in 0..MESSAGES_PER_CLIENT {
        client.send(&format!("message {i} from {nick}")).await?;
        report.sent += 1;
    }
    let prefix = format!("[{room}] ");
    let expected = (CLIENTS_PER_ROOM * MESSAGES_PER_CLIENT) as u64;
    let count = |report: &mut ClientReport, line: &str| {
        if line.starts_with(&prefix) {
            report.received += 1;
        } else if line.starts_with("! ") && line.contains("did not take your message") {
            report.refused += 1;
        }
    };
    if stable {
        // Stay until every member's every message arrived: leaving earlier would miss some.
        while report.received < expected {
            let line = client.next().await?;
            count(&mut report, &line);
        }
    }
    client.send("/quit").await?;
    loop {
        let line = client.next().await?;
        if line == "* bye" {
            break;
        }
        count(&mut report, &line);
    }
    Ok(report)
}

/// A second connection per crashing room that crashes it at random moments.
async fn chaos(port: u16, room: String, seed: u64, crashes: Arc<AtomicU64>) -> std::io::Result<()> {
    let mut rng = seed | 1;
    let mut client = Client::connect(port).await?;
    client.send(&format!("/join {room}")).await?;
    client.expect(&format!("* joined {room}")).await?;
    for _ in 0..3 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        tokio::time::sleep(Duration::from_millis(5 + rng % 40)).await;
        client.send("/crash").await?;
        // "* crashing ROOM", or "! ROOM: …" if it is being restarted right now.
        loop {
            let line = client.next().await?;
            if line.starts_with("* crashing") {
                crashes.fetch_add(1, Ordering::Relaxed);
                wait_until_back(&mut client, &room).await?;
                break;
            }
            if line.starts_with(&format!("! {room}: ")) {
                break;
            }
        }
    }
    client.send("/quit").await?;
    client.expect("* bye").await?;
    Ok(())
}

/// Asks `/who` until the room answers: the crash request travels ahead of the first `/who` in
/// the old room's mailbox, so an answer comes from the restarted room (a refusal means the
/// restart is not done yet). Thus the summary counts every restart the demo caused.
async fn wait_until_back(client: &mut Client, room: &str) -> std::io::Result<()> {
    let (back, refused) = (format!("* in {room}:"), format!("! {room}: "));
    loop {
        client.send("/who").await?;
        loop {
            let line = client.next().await?;
            if line.starts_with(&back) {
                return Ok(());
            }
            if line.starts_with(&refused) {
                break;
            }
        }
    }
}

async fn demo() -> Result<bool, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let server = Server::start().await?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(server.clone().serve(listener));
    println!(
        "chat server on 127.0.0.1:{port}; {ROOMS} rooms × {CLIENTS_PER_ROOM} clients × {MESSAGES_PER_CLIENT} messages"
    );

    let seed = u64::from(started.elapsed().subsec_nanos()) ^ 0x9E37_79B9_7F4A_7C15;
    let crashing: Vec<usize> = {
        let mut rooms: Vec<usize> = (0..ROOMS).collect();
        let mut rng = seed;
        for i in (1..rooms.len()).rev() {
            rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            rooms.swap(i, (rng >> 33) as usize % (i + 1));
        }
        rooms.truncate(CRASHING_ROOMS);
        rooms
    };
    let joined = Arc::new(tokio::sync::Barrier::new(ROOMS * CLIENTS_PER_ROOM));
    let crashes = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for r in 0..ROOMS {
        let room = format!("room{r}");
        let stable = !crashing.contains(&r);
        for c in 0..CLIENTS_PER_ROOM {
            let task = simulated_client(
                port,
                format!("u{r}_{c}"),
                room.clone(),
                stable,
                joined.clone(),
            );
            clients.push((r, tokio::spawn(task)));
        }
    }
    let mut chaos_tasks = Vec::new();
    for &r in &crashing {
        chaos_tasks.push(tokio::spawn(chaos(
            port,
            format!("room{r}"),
            seed ^ r as u64,
            crashes.clone(),
        )));
    }

    let mut per_room: HashMap<usize, (u64, u64, u64)> = HashMap::new();
    let results = tokio::time::timeout(DEADLINE, async {
        let mut out = Vec::new();
        for (r, task) in clients {
            out.push((r, task.await));
        }
        for task in chaos_tasks {
            let _ = task.await;
        }
        out
    })
    .await
    .map_err(|_| "the demo did not finish in time")?;
    let mut served = 0;
    for (r, result) in results {
        let report = result??;
        served += 1;
        let entry = per_room.entry(r).or_default();
        entry.0 += report.sent;
        entry.1 += report.refused;
        entry.2 += report.received;
    }

    let counts = server.supervisor.count_children().await?;
    let mut ok = true;
    let (mut sent, mut expected, mut delivered) = (0, 0, 0);
    println!();
    println!("| room | crashed | sent | refused while restarting | deliveries |");
    println!("|---|---|--:|--:|--:|");
    for r in 0..ROOMS {
        let (s, refused, received) = per_room.get(&r).copied().unwrap_or_default();
        let crashed = crashing.contains(&r);
        sent += s;
        println!(
            "| room{r} | {} | {s} | {refused} | {received} |",
            if crashed { "yes" } else { "no" }
        );
        if !crashed {
            let want = s * CLIENTS_PER_ROOM as u64;
            expected += want;
            delivered += received;
            ok &= received == want && refused == 0;
        }
    }
    println!();
    println!("clients served:            {served}");
    println!("messages sent:             {sent}");
    println!("deliveries in rooms that did not crash: {delivered} of {expected}");
    println!(
        "room crashes requested:    {}",
        crashes.load(Ordering::Relaxed)
    );
    println!("room restarts (supervisor): {}", counts.restarts);
    println!("rooms running at the end:  {}", counts.active);
    println!("elapsed:                   {:.2?}", started.elapsed());
    // Every crash the demo caused was restarted, and every room is up again.
    let crashed = crashes.load(Ordering::Relaxed);
    ok &= counts.restarts > 0
        && counts.restarts == crashed
        && counts.active == ROOMS
        && served == ROOMS * CLIENTS_PER_ROOM;
    server.supervisor.stop(ExitReason::Shutdown).await?;
    println!("{}", if ok { "demo: OK" } else { "demo: FAILED" });
    Ok(ok)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--demo") {
        // Rooms crash on purpose here: one line per crash instead of the default panic report.
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map_or("a panic", String::as_str);
            eprintln!("(expected) {message}");
        }));
        let ok = demo().await?;
        std::process::exit(if ok { 0 } else { 1 });
    }
    let port = match args.iter().position(|a| a == "--port") {
        Some(i) => args.get(i + 1).ok_or("--port needs a number")?.parse()?,
        None => 7878,
    };
    let server = Server::start().await?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("chat server on 127.0.0.1:{port}: connect with `nc 127.0.0.1 {port}`");
    server.serve(listener).await;
    Ok(())
}

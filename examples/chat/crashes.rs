//! The demo's first phase: simulated clients chat in five rooms while two of the rooms are
//! crashed at random and restarted by their supervisor.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::client::Client;
use crate::server::Server;

const ROOMS: usize = 5;
const CLIENTS_PER_ROOM: usize = 8;
const MESSAGES_PER_CLIENT: usize = 25;
const CRASHING_ROOMS: usize = 2;
const DEADLINE: Duration = Duration::from_secs(15);

/// What one simulated client saw.
#[derive(Debug, Default)]
struct ClientReport {
    sent: u64,
    refused: u64,
    received: u64,
}

/// Joins `room`, waits for everyone, sends its messages, and counts what it receives: in a room
/// that never crashes, until every member's every message arrived.
async fn simulated_client(
    addr: SocketAddr,
    nick: String,
    room: String,
    stable: bool,
    joined: Arc<tokio::sync::Barrier>,
) -> std::io::Result<ClientReport> {
    let mut client = Client::connect(addr).await?;
    client.enter(&nick, &room).await?;
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
async fn chaos(
    addr: SocketAddr,
    room: String,
    seed: u64,
    crashes: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let mut rng = seed | 1;
    let mut client = Client::connect(addr).await?;
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

/// Runs the phase against `server` listening on `addr`; prints its table and returns whether
/// every check passed.
pub(crate) async fn phase(
    server: &Server,
    addr: SocketAddr,
    seed: u64,
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    println!(
        "phase 1: {ROOMS} rooms × {CLIENTS_PER_ROOM} clients × {MESSAGES_PER_CLIENT} messages, {CRASHING_ROOMS} rooms crashed at random"
    );
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
                addr,
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
            addr,
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
    .map_err(|_| "phase 1 did not finish in time")?;
    let mut served = 0;
    for (r, result) in results {
        let report = result??;
        served += 1;
        let entry = per_room.entry(r).or_default();
        entry.0 += report.sent;
        entry.1 += report.refused;
        entry.2 += report.received;
    }

    let counts = server.hub.supervisor.count_children().await?;
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
    // Every crash the demo caused was restarted, and every room is up again.
    let crashed = crashes.load(Ordering::Relaxed);
    ok &= counts.restarts > 0
        && counts.restarts == crashed
        && counts.active == ROOMS
        && served == ROOMS * CLIENTS_PER_ROOM;
    Ok(ok)
}

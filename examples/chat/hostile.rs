//! The demo's second phase: hostile clients in one room. One sends a line of a megabyte, one
//! sends invalid UTF-8, and several never read while a well-behaved client floods the room; the
//! well-behaved readers must get every message, in order, and nothing else.

use std::net::SocketAddr;
use std::time::Duration;

use crate::client::Client;
use crate::server::{Server, Stats};

const ROOM: &str = "hostile";
/// Well-behaved clients that read everything; the first one floods the room.
const READERS: usize = 3;
/// Clients that never read.
const SLOW: usize = 5;
/// Lines sent per round of the flood; every reader reads a round before the next is sent.
const ROUND: usize = 64;
/// The length of a flood line's text.
const LINE: usize = 1000;
/// The flood gives up (and the phase fails) past this many lines.
const MAX_FLOOD: usize = 50_000;
/// The over-long line's length.
const LONG_LINE: usize = 1 << 20;
const DEADLINE: Duration = Duration::from_secs(15);

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs the phase against `server` listening on `addr`; prints its summary and returns whether
/// every check passed.
pub(crate) async fn phase(server: &Server, addr: SocketAddr) -> Result<bool, Error> {
    println!();
    println!(
        "phase 2: hostile clients in room `{ROOM}`: {SLOW} never read, one sends a {} KiB line, one sends invalid UTF-8; {READERS} read everything",
        LONG_LINE / 1024
    );
    let report = tokio::time::timeout(DEADLINE, run(addr))
        .await
        .map_err(|_| "phase 2 did not finish in time")??;
    let stats = &server.stats;
    let counted = (
        Stats::get(&stats.slow_readers),
        Stats::get(&stats.long_lines),
        Stats::get(&stats.invalid_utf8),
    );
    println!();
    println!("| hostile client | answered | connection after |");
    println!("|---|---|---|");
    println!(
        "| {} KiB line | `{}` | {} |",
        LONG_LINE / 1024,
        report.long_answer,
        usable(report.long_usable)
    );
    println!(
        "| invalid UTF-8 | `{}` | {} |",
        report.bad_answer,
        usable(report.bad_usable)
    );
    println!(
        "| {SLOW} that never read | `{}` ({} of {SLOW}) | {} of {SLOW} disconnected |",
        report.notice, report.notices, report.disconnected
    );
    println!();
    println!("flood lines sent:          {}", report.flood);
    println!(
        "deliveries to readers:     {} of {} (in order, nothing else)",
        report.delivered,
        report.flood * READERS
    );
    println!("members left in `{ROOM}`:  {}", report.who);
    println!(
        "server counted:            {} slow readers, {} long lines, {} invalid UTF-8",
        counted.0, counted.1, counted.2
    );
    let readers: Vec<String> = (0..READERS).map(|i| format!("reader{i}")).collect();
    Ok(report.long_usable
        && report.bad_usable
        && report.long_answer.starts_with("! line too long")
        && report.bad_answer.starts_with("! line is not valid UTF-8")
        && report.disconnected == SLOW
        && report.notices == SLOW
        && report.delivered == report.flood * READERS
        && report.who == readers.join(", ")
        && counted == (SLOW as u64, 1, 1))
}

fn usable(ok: bool) -> &'static str {
    if ok { "usable" } else { "BROKEN" }
}

/// What the phase saw.
#[derive(Debug, Default)]
struct Report {
    long_answer: String,
    long_usable: bool,
    bad_answer: String,
    bad_usable: bool,
    flood: usize,
    delivered: usize,
    who: String,
    notice: String,
    notices: usize,
    disconnected: usize,
}

async fn run(addr: SocketAddr) -> Result<Report, Error> {
    let mut report = Report::default();
    let mut readers = Vec::new();
    for i in 0..READERS {
        let mut reader = Client::connect(addr).await?;
        reader.enter(&format!("reader{i}"), ROOM).await?;
        readers.push(reader);
    }
    let mut slow = Vec::new();
    for i in 0..SLOW {
        // A small receive window: the server's queue for it fills after little traffic.
        let mut client = Client::connect_with_window(addr, Some(4096)).await?;
        client.enter(&format!("slow{i}"), ROOM).await?;
        slow.push(client);
    }

    // An over-long line, then an ordinary one on the same connection.
    let mut long = vec![b'x'; LONG_LINE];
    long.push(b'\n');
    (report.long_answer, report.long_usable) =
        misbehave(addr, "longline", &long, &mut readers).await?;
    // Latin-1, not UTF-8.
    (report.bad_answer, report.bad_usable) =
        misbehave(addr, "latin1", b"caf\xe9 au lait\n", &mut readers).await?;

    // The flood, in rounds, until the room has only its readers left.
    let text = "y".repeat(LINE - 13);
    loop {
        let first = report.flood;
        let mut round = String::new();
        for n in first..first + ROUND {
            round.push_str(&format!("flood {n:06} {text}\n"));
        }
        report.flood += ROUND;
        readers[0].send_bytes(round.as_bytes()).await?;
        readers[0].send("/who").await?;
        for reader in &mut readers {
            for n in first..first + ROUND {
                if reader.next().await? == format!("[{ROOM}] reader0: flood {n:06} {text}") {
                    report.delivered += 1;
                }
            }
        }
        let who = readers[0].next().await?;
        report.who = who
            .strip_prefix(&format!("* in {ROOM}: "))
            .unwrap_or(&who)
            .to_owned();
        if !report.who.contains("slow") || report.flood >= MAX_FLOOD {
            break;
        }
    }

    // The slow clients read at last: what had reached their sockets, the notice, the end.
    // A client still connected would keep this waiting until the phase's deadline.
    for client in &mut slow {
        let last = client.last_line().await.ok().flatten().unwrap_or_default();
        report.disconnected += 1;
        if last.starts_with("! you fell behind") {
            report.notices += 1;
            report.notice = last.chars().take(17).chain("…".chars()).collect();
        }
    }
    for reader in &mut readers {
        reader.send("/quit").await?;
        reader.expect("* bye").await?;
    }
    Ok(report)
}

/// A client called `nick` sends `bad`, then an ordinary line, then quits. Returns the answer to
/// `bad`, and whether the ordinary line then reached the room, and nothing before it.
async fn misbehave(
    addr: SocketAddr,
    nick: &str,
    bad: &[u8],
    readers: &mut [Client],
) -> Result<(String, bool), Error> {
    let mut client = Client::connect(addr).await?;
    client.enter(nick, ROOM).await?;
    client.send_bytes(bad).await?;
    let answer = client.next().await?;
    client.send("still here").await?;
    let said = format!("[{ROOM}] {nick}: still here");
    let mut usable = client.next().await? == said;
    for reader in readers {
        usable &= reader.next().await? == said;
    }
    client.send("/quit").await?;
    client.expect("* bye").await?;
    Ok((answer, usable))
}

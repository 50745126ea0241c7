//! `--load-test`: the slow-reader measurement. `--slow 30` clients join a room and never read,
//! two read everything, one sends `--lines 50000` lines of `--size 1024` bytes; then it prints
//! what each reader got, how many slow clients were disconnected, and a peak RSS (`VmHWM`).
//!
//! By default the server runs in this process (the peak is then the whole process's, clients
//! included). `--connect ADDR` drives a server started separately instead (`chat --port N`, or
//! any server speaking the protocol), and `--server-pid PID` prints that process's peak.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::client::Client;
use crate::server::{Limits, Server};

const ROOM: &str = "load";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, Error> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("`{name}` needs a value").into()),
    }
}

/// Runs the load test as `args` say; returns whether every reader got every line and every
/// slow client was disconnected.
pub(crate) async fn run(args: &[String], limits: Limits) -> Result<bool, Error> {
    let slow_clients: usize = flag(args, "--slow", 30)?;
    let lines: usize = flag(args, "--lines", 50_000)?;
    let size: usize = flag(args, "--size", 1024)?;
    let given = |name: &str| args.iter().any(|a| a == name);
    let server_pid = match given("--server-pid") {
        true => Some(flag::<u32>(args, "--server-pid", 0)?),
        false => None,
    };
    let addr = match given("--connect") {
        true => flag(args, "--connect", SocketAddr::from(([127, 0, 0, 1], 0)))?,
        false => {
            let server = Server::start(limits).await?;
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let addr = listener.local_addr()?;
            tokio::spawn(server.serve(listener));
            addr
        }
    };
    println!(
        "load test on {addr}: {slow_clients} clients never read, 2 read everything, one sends {lines} lines of {size} bytes"
    );

    let mut readers = Vec::new();
    for i in 0..2 {
        let mut reader = Client::connect(addr).await?;
        reader.enter(&format!("reader{i}"), ROOM).await?;
        readers.push(reader);
    }
    let mut slow = Vec::new();
    for i in 0..slow_clients {
        let mut client = Client::connect(addr).await?;
        client.enter(&format!("slow{i}"), ROOM).await?;
        slow.push(client);
    }
    let mut sender = Client::connect(addr).await?;
    sender.enter("sender", ROOM).await?;

    let started = Instant::now();
    let prefix = format!("[{ROOM}] sender: load ");
    let mut counting = Vec::new();
    for mut reader in readers {
        let prefix = prefix.clone();
        counting.push(tokio::spawn(async move {
            let got = reader.count(prefix.as_bytes(), lines).await;
            (got, reader)
        }));
    }
    // The sender hears its own lines too: it reads them away while it writes.
    let (mut heard, mut writer) = sender.split();
    let draining =
        tokio::spawn(async move { tokio::io::copy(&mut heard, &mut tokio::io::sink()).await });
    let text = "z".repeat(size.saturating_sub(12));
    let mut chunk = Vec::new();
    let mut sent = 0;
    for n in 0..lines {
        chunk.extend_from_slice(format!("load {n:06} {text}\n").as_bytes());
        if chunk.len() >= 64 * 1024 || n + 1 == lines {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent = n + 1;
            chunk.clear();
        }
    }
    let mut ok = sent == lines;
    if ok {
        for (i, task) in counting.into_iter().enumerate() {
            let (got, _reader) = task.await?;
            println!("reader{i} got {got} of {lines} lines");
            ok &= got == lines;
        }
    } else {
        // The readers would wait for lines that were never sent.
        println!("the sender was disconnected after {sent} lines");
        counting.iter().for_each(tokio::task::JoinHandle::abort);
    }
    println!("elapsed: {:.2?}", started.elapsed());
    // A fresh client asks who is left.
    let mut asker = Client::connect(addr).await?;
    asker.enter("asker", ROOM).await?;
    asker.send("/who").await?;
    let who = asker.expect(&format!("* in {ROOM}:")).await?;
    let still = who.matches("slow").count();
    println!(
        "slow clients disconnected: {} of {slow_clients}",
        slow_clients - still
    );
    ok &= still == 0;
    let status = match server_pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let peak = std::fs::read_to_string(&status)
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!(
        "peak RSS (VmHWM of {}): {peak}",
        if server_pid.is_some() {
            "the server"
        } else {
            "this process, server and clients"
        }
    );
    drop((slow, writer));
    draining.abort();
    Ok(ok)
}

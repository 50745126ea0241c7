//! The key-value server of Elixir's "Mix and OTP" guide, the beamish way: buckets are `Agent`s
//! under a `DynamicSupervisor`, found by name in a `Registry`; every connection is a task under a
//! `TaskSupervisor`; one supervision tree holds it all. The text protocol is the guide's:
//!
//! ```text
//! CREATE shopping          OK
//! PUT shopping milk 1      OK
//! GET shopping milk        1 / OK
//! DELETE shopping milk     OK
//! anything else            UNKNOWN COMMAND        (a missing bucket: NOT FOUND)
//! ```
//!
//! `cargo run --release --example kv -- --demo` starts it on a free loopback port, drives it with
//! clients over real sockets (one of them hangs up in the middle of a command; a bucket is
//! crashed on purpose), prints a summary and exits non-zero if anything was off. Without `--demo`
//! it serves `127.0.0.1:4040` until killed (`nc 127.0.0.1 4040`).

mod server;

use std::process::ExitCode;

use beamish::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A client speaking the protocol, one command at a time.
struct Client {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> std::io::Result<Client> {
        let (read, writer) = TcpStream::connect(addr).await?.into_split();
        Ok(Client {
            reader: BufReader::new(read),
            writer,
        })
    }

    /// Sends `command` and reads its answer: one line, or two for a `GET` that found its bucket.
    async fn send(&mut self, command: &str) -> std::io::Result<String> {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .await?;
        let mut answer = String::new();
        self.reader.read_line(&mut answer).await?;
        if command.starts_with("GET") && answer.trim_end() != "NOT FOUND" {
            self.reader.read_line(&mut answer).await?;
        }
        Ok(answer
            .replace("\r\n", " / ")
            .trim_end_matches(" / ")
            .to_owned())
    }
}

async fn demo() -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let kv = server::start("127.0.0.1:0").await?;
    println!("kv listening on {}", kv.addr);
    let mut failures = Vec::new();
    let mut expect = |what: &str, got: String, want: &str| {
        println!("  {what:<28} -> {got}");
        if got != want {
            failures.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    };

    let mut alice = Client::connect(kv.addr).await?;
    expect(
        "CREATE shopping",
        alice.send("CREATE shopping").await?,
        "OK",
    );
    expect(
        "PUT shopping milk 1",
        alice.send("PUT shopping milk 1").await?,
        "OK",
    );
    expect(
        "PUT shopping eggs 3",
        alice.send("PUT shopping eggs 3").await?,
        "OK",
    );
    expect(
        "GET shopping milk",
        alice.send("GET shopping milk").await?,
        "1 / OK",
    );
    expect(
        "DELETE shopping eggs",
        alice.send("DELETE shopping eggs").await?,
        "OK",
    );
    expect(
        "GET shopping eggs",
        alice.send("GET shopping eggs").await?,
        " / OK",
    );
    expect(
        "GET nowhere milk",
        alice.send("GET nowhere milk").await?,
        "NOT FOUND",
    );
    expect("HELLO", alice.send("HELLO").await?, "UNKNOWN COMMAND");

    // A client that hangs up in the middle of a command: its task ends, nothing else does.
    let mut rude = TcpStream::connect(kv.addr).await?;
    rude.write_all(b"PUT shopping milk").await?;
    drop(rude);

    // Another client sees the same buckets.
    let mut bob = Client::connect(kv.addr).await?;
    expect(
        "(bob) GET shopping milk",
        bob.send("GET shopping milk").await?,
        "1 / OK",
    );

    // A bucket crashes: its name is gone before anyone can see it die, so the very next GET
    // answers NOT FOUND (buckets are temporary, as in the guide).
    let shopping = server::bucket(&kv, "shopping").ok_or("no shopping bucket")?;
    // The crash is on purpose: one line for it instead of the default report.
    std::panic::set_hook(Box::new(|info| eprintln!("  (a bucket panicked: {info})")));
    let _ = shopping.cast(|_| panic!("a bucket crashes"));
    let reason = shopping.wait().await;
    println!("  (the shopping bucket exited: {reason})");
    expect(
        "GET shopping milk",
        alice.send("GET shopping milk").await?,
        "NOT FOUND",
    );
    expect(
        "CREATE shopping",
        alice.send("CREATE shopping").await?,
        "OK",
    );
    expect(
        "GET shopping milk",
        alice.send("GET shopping milk").await?,
        " / OK",
    );

    let counts = kv.bucket_sup.count_children().await?;
    println!("buckets running: {}", counts.active);
    // The acceptor plus one task per connection still open.
    let tasks = kv.tasks.count_children().await?;
    println!(
        "connection tasks running: {} (acceptor included)",
        tasks.active
    );
    kv.root.stop(ExitReason::Shutdown).await?;
    Ok(failures)
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--demo") {
        return match demo().await {
            Ok(failures) if failures.is_empty() => {
                println!("demo: OK");
                ExitCode::SUCCESS
            }
            Ok(failures) => {
                for f in failures {
                    eprintln!("demo: FAILED {f}");
                }
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("demo: error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match server::start("127.0.0.1:4040").await {
        Ok(kv) => {
            println!(
                "kv listening on {} (nc {} {})",
                kv.addr,
                kv.addr.ip(),
                kv.addr.port()
            );
            println!("stopped: {}", kv.root.wait().await);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kv: {e}");
            ExitCode::FAILURE
        }
    }
}

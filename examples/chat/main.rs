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
//! cargo run --release --features observer --example chat -- --observe   # and watch it live
//! ```
//!
//! Commands: `/nick NAME`, `/join ROOM`, `/who`, `/crash` (crashes the room, on purpose),
//! `/quit`; any other line is said in the current room.
//!
//! # Hostile clients
//!
//! What one client can cost the server is bounded, and a client that breaks the rules is told so:
//!
//! - **A client that falls behind is disconnected.** Everything for a client goes through its
//!   own outbound queue, bounded in lines and bytes (`--queue-lines 4096`, `--queue-bytes
//!   4194304` by default). Rooms add to it without ever waiting; only the connection's writer
//!   task waits on its socket. When a line would pass either bound, the queue overflows: its lines
//!   are dropped, the client leaves its room at once, and it gets one notice line
//!   (`! you fell behind: …`, best effort: its socket may be full too) before it is disconnected,
//!   within a second. The other members miss nothing, and no room waits for anyone.
//! - **Lines are at most `--max-line 4096` bytes.** A longer one is answered with
//!   `! line too long …` and skipped as it arrives, never buffered whole; the connection goes on.
//! - **Lines must be UTF-8.** One that is not is answered with `! line is not valid UTF-8 …` and
//!   dropped; the connection goes on.
//! - **Accept errors are outlived.** Running out of file descriptors and similar transient errors
//!   are logged (at most once a second, with a count) and the acceptor backs off, 10 ms doubling
//!   to 1 s, and goes on. Only a listener that cannot listen ends the server, with a message on
//!   stderr and exit status 1.
//! - **A client that hangs up** (in the middle of a line, or of a broadcast) leaves nothing
//!   behind: its membership is tied to its connection actor, which ends with the socket.
//!
//! Demo (starts the server, drives it with simulated clients over real sockets, crashes rooms at
//! random, then lets hostile clients at it; prints a summary and exits by itself, non-zero if
//! anything was off):
//!
//! ```sh
//! cargo run --release --example chat -- --demo
//! ```
//!
//! Load test (30 clients that never read, two that read everything, one that sends 50,000 lines
//! of 1 KiB; prints what the readers got and the peak RSS; see `load.rs` for its flags):
//!
//! ```sh
//! cargo run --release --example chat -- --load-test
//! ```

mod client;
mod crashes;
mod hostile;
mod load;
mod server;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use beamish::prelude::*;
use tokio::net::TcpListener;

use server::{Limits, Server};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn demo(limits: Limits) -> Result<bool, Error> {
    let started = Instant::now();
    // The slow clients read at the very end: give the notice to them time to get through.
    let limits = Limits {
        linger: Duration::from_secs(10),
        ..limits
    };
    let server = Server::start(limits).await?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server.clone().serve(listener));
    println!("chat server on {addr}");

    let seed = u64::from(started.elapsed().subsec_nanos()) ^ 0x9E37_79B9_7F4A_7C15;
    let crashes_ok = crashes::phase(&server, addr, seed).await?;
    let hostile_ok = hostile::phase(&server, addr).await?;
    server.hub.supervisor.stop(ExitReason::Shutdown).await?;
    println!();
    println!("elapsed:                   {:.2?}", started.elapsed());
    Ok(crashes_ok && hostile_ok)
}

async fn run(args: &[String]) -> Result<ExitCode, Error> {
    let limits = Limits::from_args(args)?;
    if args.iter().any(|a| a == "--demo") {
        // Rooms crash on purpose here: one line per crash instead of the default panic report.
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map_or("a panic", String::as_str);
            eprintln!("(expected) {message}");
        }));
        let ok = demo(limits).await?;
        println!("{}", if ok { "demo: OK" } else { "demo: FAILED" });
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if args.iter().any(|a| a == "--load-test") {
        let ok = load::run(args, limits).await?;
        println!(
            "{}",
            if ok {
                "load test: OK"
            } else {
                "load test: FAILED"
            }
        );
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let port: u16 = match args.iter().position(|a| a == "--port") {
        Some(i) => args.get(i + 1).ok_or("`--port` needs a number")?.parse()?,
        None => 7878,
    };
    let server = Server::start(limits).await?;
    let _observer = observe(args).await?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("chat server on 127.0.0.1:{port}: connect with `nc 127.0.0.1 {port}`");
    server.serve(listener).await?;
    Ok(ExitCode::SUCCESS)
}

/// `--observe [ADDR]` (default `127.0.0.1:9000`): the observer beside the server; prints its URL.
#[cfg(feature = "observer")]
async fn observe(args: &[String]) -> Result<Option<beamish::observer::Observer>, Error> {
    let Some(i) = args.iter().position(|a| a == "--observe") else {
        return Ok(None);
    };
    let addr = match args.get(i + 1).filter(|a| !a.starts_with("--")) {
        Some(addr) => addr.parse()?,
        None => std::net::SocketAddr::from(([127, 0, 0, 1], 9000)),
    };
    let observer = beamish::observer::Observer::start(addr).await?;
    println!("observer: {}", observer.url());
    Ok(Some(observer))
}

/// Without the `observer` feature, `--observe` says how to get it.
#[cfg(not(feature = "observer"))]
async fn observe(args: &[String]) -> Result<Option<()>, Error> {
    if args.iter().any(|a| a == "--observe") {
        return Err("`--observe` needs the observer: cargo run --release --features observer --example chat -- --observe".into());
    }
    Ok(None)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chat: {e}");
            ExitCode::FAILURE
        }
    }
}

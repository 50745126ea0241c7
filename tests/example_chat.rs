//! The `chat` example's server against hostile clients, over real sockets: one that does not
//! read, an over-long line, invalid UTF-8, accept errors, clients that hang up mid-line or
//! mid-broadcast. (The server's own modules carry unit tests too: the outbound queue and its
//! writer, the line reader, the acceptor's backoff and log; they run here.)

#[path = "../examples/chat/server/mod.rs"]
#[allow(dead_code, unreachable_pub)]
mod server;

#[path = "../examples/chat/client.rs"]
#[allow(dead_code)]
mod client;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use beamish::prelude::*;
use client::Client;
use server::{Accept, Limits, Server, Stats};
use tokio::net::{TcpListener, TcpStream};

/// A server with `limits` on a free loopback port.
async fn start(limits: Limits) -> (Server, SocketAddr) {
    let server = Server::start(limits).await.unwrap();
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.clone().serve(listener));
    (server, addr)
}

/// A client called `nick`, in `room`.
async fn member(addr: SocketAddr, nick: &str, room: &str) -> Client {
    let mut client = Client::connect(addr).await.unwrap();
    client.enter(nick, room).await.unwrap();
    client
}

/// The connection actor of the member of `room` called `nick`.
fn conn_of(server: &Server, room: &str, nick: &str) -> AnyActor {
    let found: Vec<AnyActor> = server
        .hub
        .members
        .lookup(room)
        .into_iter()
        .filter(|(_, member)| member.nick == nick)
        .map(|(actor, _)| actor)
        .collect();
    assert_eq!(found.len(), 1, "{nick} in {room}");
    found.into_iter().next().unwrap()
}

/// The nicknames in `room`, from the registry.
fn nicks(server: &Server, room: &str) -> Vec<String> {
    let mut nicks: Vec<String> = server
        .hub
        .members
        .lookup(room)
        .into_iter()
        .map(|(_, member)| member.nick)
        .collect();
    nicks.sort();
    nicks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_falls_behind_is_disconnected_and_the_others_get_everything() {
    let limits = Limits {
        queue_lines: 64,
        queue_bytes: 64 * 1024,
        // Long enough that the notice surely waits for the slow client to read, at the end.
        linger: Duration::from_secs(600),
        ..Limits::default()
    };
    let (server, addr) = start(limits).await;
    let mut sender = member(addr, "sender", "r").await;
    let mut reader = member(addr, "reader", "r").await;
    let mut slow = Client::connect_with_window(addr, Some(4096)).await.unwrap();
    slow.enter("slow", "r").await.unwrap();
    let slow_conn = conn_of(&server, "r", "slow");

    // Rounds of 16 lines (a quarter of a queue), each read by both readers before the next is
    // sent, until the slow client's queue overflowed: its connection then ends.
    let text = "x".repeat(1000);
    let mut sent = 0;
    while slow_conn.is_alive() {
        assert!(
            sent < 100_000,
            "100 MB went by and the slow client is still a member"
        );
        let mut round = String::new();
        for n in sent..sent + 16 {
            round.push_str(&format!("{n} {text}\n"));
        }
        sender.send_bytes(round.as_bytes()).await.unwrap();
        for client in [&mut sender, &mut reader] {
            for n in sent..sent + 16 {
                assert_eq!(
                    client.next().await.unwrap(),
                    format!("[r] sender: {n} {text}")
                );
            }
        }
        sent += 16;
    }
    assert_eq!(
        slow_conn.wait().await,
        ExitReason::ShutdownWith("fell behind".into())
    );
    assert_eq!(nicks(&server, "r"), ["reader", "sender"]);
    assert_eq!(Stats::get(&server.stats.slow_readers), 1);

    // The slow client reads at last: what reached its socket, then the notice, then the end.
    let last = slow.last_line().await.unwrap().unwrap();
    assert!(last.starts_with("! you fell behind"), "{last}");
    // The others go on.
    sender.send("still here").await.unwrap();
    assert_eq!(reader.next().await.unwrap(), "[r] sender: still here");
    reader.send("/who").await.unwrap();
    assert_eq!(reader.next().await.unwrap(), "* in r: reader, sender");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_line_is_answered_and_not_broadcast_and_the_connection_goes_on() {
    let (server, addr) = start(Limits::default()).await;
    let mut rude = member(addr, "rude", "r").await;
    let mut other = member(addr, "other", "r").await;
    // 10 MB with no newline yet: answered as soon as it passes the limit.
    let long = vec![b'x'; 10 << 20];
    rude.send_bytes(&long).await.unwrap();
    assert_eq!(
        rude.next().await.unwrap(),
        "! line too long (over 4096 bytes): ignored"
    );
    rude.send_bytes(b"still the long line\n").await.unwrap();
    // A line of exactly the limit passes.
    let longest = "y".repeat(4096 - "say ".len());
    rude.send(&format!("say {longest}")).await.unwrap();
    rude.send("after").await.unwrap();
    assert_eq!(
        other.next().await.unwrap(),
        format!("[r] rude: say {longest}")
    );
    assert_eq!(other.next().await.unwrap(), "[r] rude: after");
    assert_eq!(Stats::get(&server.stats.long_lines), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_is_answered_and_the_connection_stays_open() {
    let (server, addr) = start(Limits::default()).await;
    let mut rude = member(addr, "rude", "r").await;
    let mut other = member(addr, "other", "r").await;
    rude.send_bytes(b"caf\xe9\r\n").await.unwrap();
    assert_eq!(
        rude.next().await.unwrap(),
        "! line is not valid UTF-8: ignored"
    );
    rude.send("café").await.unwrap();
    assert_eq!(other.next().await.unwrap(), "[r] rude: café");
    assert_eq!(rude.next().await.unwrap(), "[r] rude: café");
    assert_eq!(Stats::get(&server.stats.invalid_utf8), 1);
}

/// A listener that fails as told before each real accept.
struct Flaky {
    listener: TcpListener,
    errors: VecDeque<io::Error>,
}

impl Accept for Flaky {
    async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        match self.errors.pop_front() {
            Some(error) => Err(error),
            None => self.listener.accept().await,
        }
    }
}

fn transient_errors(n: usize) -> VecDeque<io::Error> {
    (0..n)
        .map(|i| match i % 3 {
            // EMFILE, ENFILE on Linux; other platforms number them differently, but any
            // uncategorised error is transient.
            0 => io::Error::from_raw_os_error(24),
            1 => io::Error::from_raw_os_error(23),
            _ => io::ErrorKind::ConnectionAborted.into(),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn transient_accept_errors_are_outlived() {
    let server = Server::start(Limits::default()).await.unwrap();
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let flaky = Flaky {
        listener,
        errors: transient_errors(50),
    };
    tokio::spawn(server.clone().serve(flaky));
    // Fifty failures (and about forty seconds of backoff on the paused clock) later, the client
    // is welcomed; and the next one, with no failure in between.
    let mut first = member(addr, "first", "r").await;
    let _second = member(addr, "second", "r").await;
    assert_eq!(Stats::get(&server.stats.accept_errors), 50);
    first.send("/who").await.unwrap();
    assert_eq!(first.next().await.unwrap(), "* in r: first, second");
}

#[tokio::test(start_paused = true)]
async fn a_listener_that_cannot_listen_ends_the_server_with_its_error() {
    let server = Server::start(Limits::default()).await.unwrap();
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let mut errors = transient_errors(5);
    errors.push_back(io::Error::new(io::ErrorKind::InvalidInput, "not listening"));
    let result = server.clone().serve(Flaky { listener, errors }).await;
    let error = result.expect_err("the server ends");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(Stats::get(&server.stats.accept_errors), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_mid_line_leaves_its_room() {
    let (server, addr) = start(Limits::default()).await;
    let mut gone = member(addr, "gone", "r").await;
    let mut stays = member(addr, "stays", "r").await;
    let conn = conn_of(&server, "r", "gone");
    gone.send_bytes(b"half a li").await.unwrap();
    drop(gone);
    assert_eq!(conn.wait().await, ExitReason::Normal);
    assert_eq!(nicks(&server, "r"), ["stays"]);
    stays.send("/who").await.unwrap();
    assert_eq!(stays.next().await.unwrap(), "* in r: stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_mid_broadcast_leaves_its_room() {
    let (server, addr) = start(Limits::default()).await;
    let gone = member(addr, "gone", "r").await;
    let mut talker = member(addr, "talker", "r").await;
    let conn = conn_of(&server, "r", "gone");
    // Broadcasts are on their way to `gone` (it never reads them) when it hangs up.
    let mut lines = String::new();
    for n in 0..500 {
        lines.push_str(&format!("line {n} {}\n", "z".repeat(200)));
    }
    talker.send_bytes(lines.as_bytes()).await.unwrap();
    assert!(
        talker
            .next()
            .await
            .unwrap()
            .starts_with("[r] talker: line 0 ")
    );
    drop(gone);
    conn.wait().await;
    assert_eq!(nicks(&server, "r"), ["talker"]);
    talker.send("/who").await.unwrap();
    assert_eq!(talker.expect("* in r:").await.unwrap(), "* in r: talker");
}

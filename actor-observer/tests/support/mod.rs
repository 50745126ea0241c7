//! What the observer's tests share: a small supervision tree and a bare HTTP/1.1 client.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use beamish::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

#[derive(Debug)]
pub struct Worker {
    nudged: u32,
}

#[actor(vis = pub, debug_state)]
impl Worker {
    #[init]
    async fn init(_: ()) -> Self {
        Worker { nudged: 0 }
    }

    /// Holds the actor until `gate` is released.
    #[cast]
    async fn hold(&mut self, held: oneshot::Sender<()>, gate: oneshot::Receiver<()>) {
        let _ = held.send(());
        let _ = gate.await;
    }

    #[cast]
    async fn nudge(&mut self) {
        self.nudged += 1;
    }

    #[call]
    async fn ping(&self) -> u32 {
        1
    }
}

/// A root `Supervisor` over a `DynamicSupervisor` "pool" with two workers and a worker "solo".
pub struct Tree {
    pub root: Supervisor,
    pub pool: DynamicSupervisor,
    pub solo: AnyActor,
    pub workers: Vec<WorkerHandle>,
}

pub async fn tree() -> Tree {
    let root = Supervisor::start(
        [
            DynamicSupervisor::child_spec(DynamicSupervisorOptions::default().max_restarts(100))
                .with_id("pool")
                .untyped(),
            Worker::child_spec(()).with_id("solo").untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForOne),
    )
    .await
    .unwrap();
    let children = root.which_children().await.unwrap();
    let pool = DynamicSupervisor::from_any(children[0].actor().unwrap().clone()).unwrap();
    let solo = children[1].actor().unwrap().clone();
    let mut workers = Vec::new();
    for _ in 0..2 {
        workers.push(
            pool.start_child_followed(Worker::child_spec(()))
                .await
                .unwrap(),
        );
    }
    Tree {
        root,
        pool,
        solo,
        workers,
    }
}

/// `0.42` for `<0.42>`: how the API names actors.
pub fn id(actor: &impl ActorHandle) -> String {
    actor
        .id()
        .to_string()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned()
}

/// One HTTP/1.1 request, the status and the body (by `Content-Length`, chunks, or to the end).
pub async fn http(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            response.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&response);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let head = head.to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse::<usize>().unwrap());
                let done = match length {
                    Some(length) => body.len() >= length,
                    None if head.contains("transfer-encoding: chunked") => {
                        body.contains("\r\n0\r\n\r\n") || body.starts_with("0\r\n")
                    }
                    None => n == 0,
                };
                if done || n == 0 {
                    return text.into_owned();
                }
            } else if n == 0 {
                return text.into_owned();
            }
        }
    };
    let response = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .expect("the server answers");
    let status = response[9..12].parse().unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
}

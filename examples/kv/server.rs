//! The key-value server of Elixir's "Mix and OTP" guide, the beamish way: the server half,
//! shared by `main.rs` (the example) and `tests/example_kv.rs` (its tests over real sockets).
//!
//! - A bucket is an [`Agent`] holding a `HashMap`, started `Temporary` under a
//!   [`DynamicSupervisor`] and registered by name in a [`Registry`] (Elixir's `KV.Registry` is a
//!   GenServer that monitors buckets; beamish's registry drops a dead bucket's name before anyone
//!   can see it die, so no monitoring code is needed).
//! - Every connection is a task under a [`TaskSupervisor`]: the `TcpStream` is moved into it.
//! - One supervision tree: a `Supervisor` (one-for-all) over the bucket supervisor and the task
//!   supervisor; the acceptor loop runs as a task too.

use std::collections::HashMap;
use std::net::SocketAddr;

use beamish::prelude::*;
use beamish::{TaskSupervisor, TaskSupervisorOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One bucket's contents.
pub(crate) type Bucket = HashMap<String, String>;

/// The longest command line accepted; a longer one is answered with an error and the connection
/// is closed (a client cannot make the server buffer without bound).
pub(crate) const MAX_LINE: usize = 4096;

/// How many clients are served at once by default; a connection beyond the limit is closed at
/// once, and the server goes on accepting.
pub(crate) const MAX_CLIENTS: usize = 1024;

/// A running server: its address, the bucket registry and the root supervisor.
#[derive(Clone, Debug)]
pub(crate) struct Kv {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// Bucket names to bucket agents.
    pub(crate) buckets: Registry<String>,
    /// The root of the tree.
    pub(crate) root: Supervisor,
    /// The bucket supervisor.
    pub(crate) bucket_sup: DynamicSupervisor,
    /// The connection tasks (and the acceptor, its first child).
    pub(crate) tasks: TaskSupervisor,
}

/// A parsed command.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// `CREATE bucket`
    Create(String),
    /// `PUT bucket key value`
    Put(String, String, String),
    /// `GET bucket key`
    Get(String, String),
    /// `DELETE bucket key`
    Delete(String, String),
}

impl Command {
    /// Parses one line (without its line ending); `None` for anything else.
    pub(crate) fn parse(line: &str) -> Option<Command> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["CREATE", bucket] => Some(Command::Create((*bucket).to_owned())),
            ["PUT", bucket, key, value] => Some(Command::Put(
                (*bucket).to_owned(),
                (*key).to_owned(),
                (*value).to_owned(),
            )),
            ["GET", bucket, key] => Some(Command::Get((*bucket).to_owned(), (*key).to_owned())),
            ["DELETE", bucket, key] => {
                Some(Command::Delete((*bucket).to_owned(), (*key).to_owned()))
            }
            _ => None,
        }
    }
}

/// Starts the whole tree listening on `addr` (port 0 for any).
///
/// # Errors
/// The listener could not bind, or a supervisor did not start.
pub(crate) async fn start(addr: &str) -> Result<Kv, Box<dyn std::error::Error + Send + Sync>> {
    start_with_limit(addr, MAX_CLIENTS).await
}

/// [`start`], serving at most `max_clients` connections at once.
///
/// # Errors
/// As for [`start`].
pub(crate) async fn start_with_limit(
    addr: &str,
    max_clients: usize,
) -> Result<Kv, Box<dyn std::error::Error + Send + Sync>> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let buckets = Registry::<String>::new(Keys::Unique);
    let names = Registry::<String>::new(Keys::Unique);
    let root = Supervisor::start(
        [
            DynamicSupervisor::child_spec_via(
                &names,
                "buckets".to_owned(),
                DynamicSupervisorOptions::new(),
            )
            .untyped(),
            TaskSupervisor::child_spec(TaskSupervisorOptions::new().max_children(max_clients + 1))
                .with_id("connections")
                .untyped(),
        ],
        SupervisorOptions::new(Strategy::OneForAll),
    )
    .await?;
    let bucket_sup = DynamicSupervisor::whereis(&names, "buckets").ok_or("no bucket supervisor")?;
    let children = root.which_children().await?;
    let tasks = children
        .iter()
        .find(|c| c.id == "connections")
        .and_then(|c| c.actor().cloned())
        .and_then(TaskSupervisor::from_any)
        .ok_or("no task supervisor")?;
    let kv = Kv {
        addr,
        buckets,
        root,
        bucket_sup,
        tasks: tasks.clone(),
    };
    let acceptor = kv.clone();
    let connections = tasks.clone();
    tasks
        .start_child(async move { accept(listener, acceptor, connections).await })
        .await?;
    Ok(kv)
}

/// Accepts connections for ever, one task each. An accept error (out of file descriptors) is
/// logged and retried, not the end of the server; a connection beyond the client limit is closed
/// at once (its task was never started, and the stream went with it).
async fn accept(listener: TcpListener, kv: Kv, tasks: TaskSupervisor) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let kv = kv.clone();
                match tasks.start_child(serve(stream, kv)).await {
                    Ok(_) | Err(SupervisorError::MaxChildren) => {}
                    Err(_) => return, // the task supervisor is gone: the tree is shutting down
                }
            }
            Err(e) => {
                eprintln!("kv: accept failed: {e}");
                tokio::task::yield_now().await;
            }
        }
    }
}

/// Serves one client until it disconnects.
async fn serve(stream: TcpStream, kv: Kv) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        let mut limited = (&mut reader).take(MAX_LINE as u64 + 1);
        match limited.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return, // closed, also in the middle of a command
            Ok(_) => {}
        }
        if !line.ends_with(b"\n") {
            if line.len() > MAX_LINE {
                let _ = write.write_all(b"ERROR line too long\r\n").await;
            }
            return; // too long, or cut off by a disconnect
        }
        let answer = match std::str::from_utf8(&line) {
            Ok(text) => match Command::parse(text.trim_end()) {
                Some(command) => run(&kv, command).await,
                None => "UNKNOWN COMMAND\r\n".to_owned(),
            },
            Err(_) => "ERROR not UTF-8\r\n".to_owned(),
        };
        if write.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The bucket named `name`, if it is alive.
pub(crate) fn bucket(kv: &Kv, name: &str) -> Option<Agent<Bucket>> {
    Agent::<Bucket>::whereis(&kv.buckets, name)
}

/// Runs one command; the answer, with its line ending.
pub(crate) async fn run(kv: &Kv, command: Command) -> String {
    match command {
        Command::Create(name) => {
            let spec = Agent::<Bucket>::child_spec_via(&kv.buckets, name, Bucket::new)
                .restart(Restart::Temporary);
            match kv.bucket_sup.start_child(spec).await {
                // A bucket of that name already exists: CREATE is idempotent, as in the guide.
                Ok(_)
                | Err(SupervisorError::Start {
                    error: StartError::AlreadyStarted(_),
                    ..
                }) => "OK\r\n".to_owned(),
                Err(e) => format!("ERROR {e}\r\n"),
            }
        }
        Command::Put(name, key, value) => match bucket(kv, &name) {
            Some(b) => match b.update(move |m| drop(m.insert(key, value))).await {
                Ok(()) => "OK\r\n".to_owned(),
                Err(_) => "NOT FOUND\r\n".to_owned(),
            },
            None => "NOT FOUND\r\n".to_owned(),
        },
        Command::Get(name, key) => match bucket(kv, &name) {
            Some(b) => match b.get(move |m| m.get(&key).cloned()).await {
                Ok(value) => format!("{}\r\nOK\r\n", value.unwrap_or_default()),
                Err(_) => "NOT FOUND\r\n".to_owned(),
            },
            None => "NOT FOUND\r\n".to_owned(),
        },
        Command::Delete(name, key) => match bucket(kv, &name) {
            Some(b) => match b.update(move |m| drop(m.remove(&key))).await {
                Ok(()) => "OK\r\n".to_owned(),
                Err(_) => "NOT FOUND\r\n".to_owned(),
            },
            None => "NOT FOUND\r\n".to_owned(),
        },
    }
}

//! One client connection: an actor that speaks the protocol, a reader task feeding it lines,
//! and a writer task draining its [`Outbox`] into the socket.
//!
//! The reader waits for each line to be handled before it reads the next, so a client that
//! sends fast is slowed down by TCP, not queued for. The writer is the only one that ever waits
//! on the socket; when the outbox overflows it stops the actor (which takes the member out of
//! its room at once), then sends the notice and hangs up.

use std::sync::Arc;

use beamish::prelude::*;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::Server;
use super::lines::{Line, LineReader};
use super::outbox::{Ending, Outbox, Writer};
use super::room::Member;
use super::stats::Stats;

/// Starts the actor and the two tasks of one connection; returns the actor, or `None` if it
/// did not start (the stream is then closed).
pub(crate) async fn connect(
    stream: TcpStream,
    nick: String,
    server: &Server,
) -> Option<ConnHandle> {
    let _ = stream.set_nodelay(true);
    let (reader, writer) = stream.into_split();
    let limits = server.limits;
    let outbox = Arc::new(Outbox::new(limits.queue_lines, limits.queue_bytes));
    let args = ConnArgs {
        nick,
        outbox: outbox.clone(),
        server: server.clone(),
    };
    let conn = Conn::start(args).await.ok()?;
    tokio::spawn(write_out(
        Writer::new(writer, outbox),
        conn.clone(),
        server.clone(),
    ));
    tokio::spawn(read_in(
        LineReader::new(reader, limits.max_line),
        conn.clone(),
    ));
    Some(conn)
}

/// Feeds the client's lines to the connection, one at a time, until either ends.
async fn read_in(mut lines: LineReader<OwnedReadHalf>, conn: ConnHandle) {
    let ended = conn.wait();
    tokio::pin!(ended);
    loop {
        let line = tokio::select! {
            line = lines.next() => line,
            _ = &mut ended => return,
        };
        match line {
            Ok(Some(line)) => {
                if conn.line(line).await.is_err() {
                    return;
                }
            }
            // The client hung up (perhaps in the middle of a line): the connection ends, and
            // with it its membership.
            Ok(None) | Err(_) => {
                let _ = conn.stop(ExitReason::Normal).await;
                return;
            }
        }
    }
}

/// Writes the connection's queue to the socket until the connection ends, the queue overflows
/// or the socket fails.
async fn write_out(mut writer: Writer<OwnedWriteHalf>, conn: ConnHandle, server: Server) {
    match writer.run(conn.wait()).await {
        Ending::Done => writer.flush(server.limits.linger).await,
        Ending::Overflowed => {
            Stats::bump(&server.stats.slow_readers);
            // Out of its room first; the notice may take a while to get through, or never.
            conn.exit(ExitReason::ShutdownWith("fell behind".into()));
            writer.farewell(server.limits.linger).await;
        }
        Ending::SocketFailed => conn.exit(ExitReason::ShutdownWith("socket closed".into())),
    }
}

/// A connection's start argument.
#[derive(Debug)]
pub(crate) struct ConnArgs {
    nick: String,
    outbox: Arc<Outbox>,
    server: Server,
}

/// One client connection's protocol state. Everything it says goes through its outbox, so it
/// never waits on the socket either.
#[derive(Debug)]
pub(crate) struct Conn {
    nick: String,
    room: Option<String>,
    outbox: Arc<Outbox>,
    server: Server,
}

#[actor]
impl Conn {
    #[init]
    async fn init(args: ConnArgs) -> Self {
        let conn = Conn {
            nick: args.nick,
            room: None,
            outbox: args.outbox,
            server: args.server,
        };
        conn.send(format!(
            "* welcome {}: /nick NAME, /join ROOM, /who, /crash, /quit",
            conn.nick
        ));
        conn
    }

    /// A line from the client (the reader waits for it to be handled).
    #[call]
    async fn line(&mut self, ctx: &mut Context<Self>, line: Line) {
        let stats = &self.server.stats;
        match line {
            Line::Text(text) => self.command(ctx, &text).await,
            Line::TooLong => {
                Stats::bump(&stats.long_lines);
                let max = self.server.limits.max_line;
                self.send(format!("! line too long (over {max} bytes): ignored"));
            }
            Line::NotUtf8 => {
                Stats::bump(&stats.invalid_utf8);
                self.send("! line is not valid UTF-8: ignored".to_owned());
            }
        }
    }
}

impl Conn {
    async fn command(&mut self, ctx: &mut Context<Self>, line: &str) {
        let line = line.trim();
        let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        let hub = &self.server.hub;
        match (command, &self.room) {
            ("/nick", room) if !rest.is_empty() => {
                self.nick = rest.to_owned();
                if let Some(room) = room.clone() {
                    // The registry holds the nick: register again under the new one.
                    self.join(&room).await;
                }
                self.send(format!("* you are {}", self.nick));
            }
            ("/join", _) if !rest.is_empty() => self.join(rest).await,
            ("/who", Some(room)) => {
                let reply = match hub.room(room).who().await {
                    Ok(nicks) => format!("* in {room}: {}", nicks.join(", ")),
                    Err(e) => format!("! {room}: {e}"),
                };
                self.send(reply);
            }
            ("/crash", Some(room)) => {
                let reply = match hub.room(room).crash() {
                    Ok(()) => format!("* crashing {room}"),
                    Err(e) => format!("! {room}: {e}"),
                };
                self.send(reply);
            }
            ("/quit", _) => {
                self.send("* bye".to_owned());
                ctx.stop(ExitReason::Normal);
            }
            ("", _) => {}
            ("/who" | "/crash", None) => self.send("! join a room first".to_owned()),
            (_, _) if command.starts_with('/') => {
                self.send(format!("! unknown command {command}"));
            }
            (_, Some(room)) => {
                if let Err(e) = hub.room(room).say(self.nick.clone(), line.to_owned()).await {
                    self.send(format!("! {room} did not take your message: {e}"));
                }
            }
            (_, None) => self.send("! join a room first".to_owned()),
        }
    }

    async fn join(&mut self, room: &str) {
        let members = &self.server.hub.members;
        if let Err(e) = self.server.hub.open_room(room).await {
            self.send(format!("! cannot open {room}: {e}"));
            return;
        }
        if let Some(old) = self.room.take() {
            let _ = members.unregister(&old);
        }
        // Registered by this actor: the entry goes away by itself when the connection ends.
        let me = Member {
            nick: self.nick.clone(),
            outbox: self.outbox.clone(),
        };
        let reply = match members.register(room.to_owned(), me) {
            Ok(()) => {
                let count = members.lookup(room).len();
                self.room = Some(room.to_owned());
                format!("* joined {room} ({count} members)")
            }
            Err(e) => format!("! cannot join {room}: {e}"),
        };
        self.send(reply);
    }

    /// Queues a line for the client; if that overflows the queue, the writer hangs up.
    fn send(&self, line: String) {
        self.outbox.push(line.into());
    }
}

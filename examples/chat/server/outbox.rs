//! A connection's outbound queue, bounded in lines and in bytes, and the writer that drains it
//! into the socket.
//!
//! Rooms and the connection itself [`push`](Outbox::push) lines, which never waits: a room
//! fanning a message out to a hundred members does a hundred pushes under no lock but each
//! queue's own, whatever the members' sockets are doing. Only the connection's [`Writer`] ever
//! waits on its socket. A push that would take the queue past either bound overflows it instead:
//! its lines are dropped on the spot, every later push is refused, and the writer (waiting on the
//! socket or on the queue) wakes up to say why and hang up.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;

/// How many bytes of queued lines the writer hands the socket at once.
const BATCH: usize = 64 * 1024;

/// The queue between a connection's producers and its writer.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: Mutex<Queue>,
    /// Wakes the writer: a line was queued, or the queue overflowed.
    ready: Notify,
    max_lines: usize,
    max_bytes: usize,
}

#[derive(Debug, Default)]
struct Queue {
    lines: VecDeque<Arc<str>>,
    /// The queued lines' bytes, a newline each included.
    bytes: usize,
    state: State,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Open,
    /// A push found it full; nothing more is queued or written.
    Overflowed,
    /// The connection ended; what is queued is still written, nothing more is queued.
    Closed,
}

/// What became of a pushed line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Push {
    /// It waits for the writer.
    Queued,
    /// It would have passed a bound: the queue overflowed, just now, and was emptied.
    Overflowed,
    /// The queue had already overflowed or closed: the line is dropped.
    Refused,
}

/// What [`Outbox::take`] found.
#[derive(Debug, PartialEq, Eq)]
enum Take {
    Lines,
    Empty,
    Overflowed,
    Closed,
}

impl Outbox {
    /// An empty queue holding at most `max_lines` lines and `max_bytes` bytes.
    pub(crate) fn new(max_lines: usize, max_bytes: usize) -> Outbox {
        Outbox {
            queue: Mutex::default(),
            ready: Notify::new(),
            max_lines,
            max_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Nothing panics while holding it; a poisoned queue is still a consistent queue.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `line` (a newline is added on the wire) without waiting.
    pub(crate) fn push(&self, line: Arc<str>) -> Push {
        let mut queue = self.lock();
        if queue.state != State::Open {
            return Push::Refused;
        }
        let bytes = line.len() + 1;
        if queue.lines.len() >= self.max_lines || queue.bytes + bytes > self.max_bytes {
            queue.state = State::Overflowed;
            queue.bytes = 0;
            let dropped = std::mem::take(&mut queue.lines);
            drop(queue);
            drop(dropped);
            self.ready.notify_one();
            return Push::Overflowed;
        }
        queue.bytes += bytes;
        queue.lines.push_back(line);
        drop(queue);
        self.ready.notify_one();
        Push::Queued
    }

    /// How many lines and bytes wait for the writer.
    #[cfg(test)]
    fn queued(&self) -> (usize, usize) {
        let queue = self.lock();
        (queue.lines.len(), queue.bytes)
    }

    /// `true` once a push found the queue full.
    pub(crate) fn overflowed(&self) -> bool {
        self.lock().state == State::Overflowed
    }

    /// The line a client that fell behind gets before it is disconnected.
    pub(crate) fn notice(&self) -> String {
        format!(
            "! you fell behind: over {} lines or {} bytes were waiting for you; disconnecting",
            self.max_lines, self.max_bytes
        )
    }

    /// Refuses further lines; those queued are still written.
    fn close(&self) {
        let mut queue = self.lock();
        if queue.state == State::Open {
            queue.state = State::Closed;
        }
    }

    /// Moves queued lines, each with its newline, into `batch` until it holds [`BATCH`] bytes.
    fn take(&self, batch: &mut Vec<u8>) -> Take {
        let mut queue = self.lock();
        if queue.state == State::Overflowed {
            return Take::Overflowed;
        }
        if queue.lines.is_empty() {
            return if queue.state == State::Closed {
                Take::Closed
            } else {
                Take::Empty
            };
        }
        while batch.len() < BATCH {
            let Some(line) = queue.lines.pop_front() else {
                break;
            };
            queue.bytes -= line.len() + 1;
            batch.extend_from_slice(line.as_bytes());
            batch.push(b'\n');
        }
        Take::Lines
    }
}

/// Why [`Writer::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The future it was given completed (the connection ended): [`Writer::flush`] next.
    Done,
    /// The queue overflowed: [`Writer::farewell`] next.
    Overflowed,
    /// The socket refused a write: the client is gone.
    SocketFailed,
}

/// The one task that writes to a connection's socket.
#[derive(Debug)]
pub(crate) struct Writer<W> {
    socket: W,
    outbox: Arc<Outbox>,
    /// Bytes taken from the queue; `batch[written..]` is not on the wire yet.
    batch: Vec<u8>,
    written: usize,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    /// A writer draining `outbox` into `socket`.
    pub(crate) fn new(socket: W, outbox: Arc<Outbox>) -> Writer<W> {
        Writer {
            socket,
            outbox,
            batch: Vec::new(),
            written: 0,
        }
    }

    /// Writes queued lines until the queue overflows, the socket fails, or `done` completes. A
    /// socket that takes nothing (a client that does not read) holds up this writer only: an
    /// overflow is noticed while the write waits.
    pub(crate) async fn run(&mut self, done: impl Future) -> Ending {
        let mut done = pin!(done);
        loop {
            if self.written == self.batch.len() {
                self.batch.clear();
                self.written = 0;
                match self.outbox.take(&mut self.batch) {
                    Take::Lines => {}
                    Take::Overflowed => return Ending::Overflowed,
                    Take::Closed => return Ending::Done,
                    Take::Empty => {
                        tokio::select! {
                            () = self.outbox.ready.notified() => {}
                            _ = &mut done => return Ending::Done,
                        }
                        continue;
                    }
                }
            }
            // `write` is cancel-safe: when another branch wins, nothing was written.
            tokio::select! {
                biased;
                () = self.outbox.ready.notified() => {
                    if self.outbox.overflowed() {
                        return Ending::Overflowed;
                    }
                }
                _ = &mut done => return Ending::Done,
                written = self.socket.write(&self.batch[self.written..]) => match written {
                    Ok(0) | Err(_) => return Ending::SocketFailed,
                    Ok(n) => self.written += n,
                },
            }
        }
    }

    /// After [`Ending::Done`]: writes what is still queued, within `linger`, and closes.
    pub(crate) async fn flush(mut self, linger: Duration) {
        self.outbox.close();
        let _ = tokio::time::timeout(linger, async {
            loop {
                if self
                    .socket
                    .write_all(&self.batch[self.written..])
                    .await
                    .is_err()
                {
                    return;
                }
                self.batch.clear();
                self.written = 0;
                if self.outbox.take(&mut self.batch) != Take::Lines {
                    break;
                }
            }
            let _ = self.socket.shutdown().await;
        })
        .await;
    }

    /// After [`Ending::Overflowed`]: one notice line, within `linger`, and closes. The notice
    /// starts on a line of its own even if the socket took only part of the last line.
    pub(crate) async fn farewell(mut self, linger: Duration) {
        let mut notice = String::new();
        if self.written > 0 && self.batch.get(self.written - 1) != Some(&b'\n') {
            notice.push('\n');
        }
        notice.push_str(&self.outbox.notice());
        notice.push('\n');
        self.batch = Vec::new(); // what it held is not going out: free it now
        let _ = tokio::time::timeout(linger, async {
            if self.socket.write_all(notice.as_bytes()).await.is_ok() {
                let _ = self.socket.shutdown().await;
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn a_push_past_either_bound_overflows_and_empties_the_queue() {
        let by_lines = Outbox::new(2, 1000);
        assert_eq!(by_lines.push(line("a")), Push::Queued);
        assert_eq!(by_lines.push(line("b")), Push::Queued);
        assert_eq!(by_lines.queued(), (2, 4));
        assert_eq!(by_lines.push(line("c")), Push::Overflowed);
        assert_eq!(by_lines.queued(), (0, 0));
        assert_eq!(by_lines.push(line("d")), Push::Refused);

        let by_bytes = Outbox::new(100, 8);
        assert_eq!(by_bytes.push(line("abc")), Push::Queued);
        assert_eq!(by_bytes.push(line("abc")), Push::Queued);
        assert_eq!(by_bytes.push(line("")), Push::Overflowed);
        assert!(by_bytes.overflowed());
    }

    #[test]
    fn take_moves_lines_with_newlines_and_frees_their_room() {
        let outbox = Outbox::new(2, 100);
        outbox.push(line("hello"));
        outbox.push(line("world"));
        let mut batch = Vec::new();
        assert_eq!(outbox.take(&mut batch), Take::Lines);
        assert_eq!(batch, b"hello\nworld\n");
        assert_eq!(outbox.take(&mut batch), Take::Empty);
        assert_eq!(outbox.push(line("again")), Push::Queued);
        outbox.close();
        assert_eq!(outbox.push(line("late")), Push::Refused);
        batch.clear();
        assert_eq!(outbox.take(&mut batch), Take::Lines);
        assert_eq!(batch, b"again\n");
        assert_eq!(outbox.take(&mut batch), Take::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_writer_stuck_on_a_full_socket_notices_the_overflow_and_says_goodbye() {
        use tokio::io::AsyncReadExt;
        let (socket, mut client) = tokio::io::duplex(16);
        let outbox = Arc::new(Outbox::new(4, 1000));
        let mut writer = Writer::new(socket, outbox.clone());
        outbox.push(line("0123456789abcdefghij"));
        // The pipe takes 16 bytes of the line, then the writer waits on it for good.
        let stuck = tokio::time::timeout(
            Duration::from_secs(1),
            writer.run(std::future::pending::<()>()),
        );
        assert!(stuck.await.is_err());
        // Pushes do not wait for it; the fifth finds the queue full.
        let pushes: Vec<Push> = (0..6).map(|_| outbox.push(line("more"))).collect();
        use Push::*;
        assert_eq!(
            pushes,
            [Queued, Queued, Queued, Queued, Overflowed, Refused]
        );
        assert_eq!(
            writer.run(std::future::pending::<()>()).await,
            Ending::Overflowed
        );
        tokio::spawn(writer.farewell(Duration::from_secs(60)));
        let mut got = String::new();
        client.read_to_string(&mut got).await.unwrap();
        assert_eq!(
            got,
            "0123456789abcdef\n! you fell behind: over 4 lines or 1000 bytes were waiting for you; disconnecting\n"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_ends_has_its_queue_flushed_within_the_linger() {
        use tokio::io::AsyncReadExt;
        let (socket, mut client) = tokio::io::duplex(1024);
        let outbox = Arc::new(Outbox::new(16, 1000));
        let mut writer = Writer::new(socket, outbox.clone());
        for l in ["a", "b", "c"] {
            outbox.push(line(l));
        }
        assert_eq!(writer.run(std::future::ready(())).await, Ending::Done);
        writer.flush(Duration::from_secs(1)).await;
        assert_eq!(outbox.push(line("late")), Push::Refused);
        let mut got = String::new();
        client.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "a\nb\nc\n");

        // A client that reads nothing holds the socket for the linger, no longer.
        let (socket, _client) = tokio::io::duplex(4);
        let outbox = Arc::new(Outbox::new(16, 1000));
        let mut writer = Writer::new(socket, outbox.clone());
        outbox.push(line("more than four bytes"));
        assert_eq!(writer.run(std::future::ready(())).await, Ending::Done);
        writer.flush(Duration::from_secs(1)).await;
    }
}

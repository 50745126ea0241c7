//! Accepting connections through errors: running out of file descriptors (`EMFILE`, `ENFILE`),
//! a client that gave up before it was accepted (`ECONNABORTED`) and their kind are logged, at
//! most once a second with a count, and the acceptor backs off (10 ms, doubling to 1 s) and goes
//! on. Only an error that says the listener itself is unusable ends it.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Something connections come from: a [`TcpListener`], or in tests one that fails on purpose.
pub(crate) trait Accept {
    /// The next connection.
    fn accept(&mut self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send;
}

impl Accept for TcpListener {
    fn accept(&mut self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send {
        TcpListener::accept(self)
    }
}

/// `true` for an accept error that means the listener is unusable (not listening, not a
/// listening kind of socket), rather than that one connection or the process's resources are.
pub(crate) fn is_fatal(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
    )
}

/// The first pause after a failed accept.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between failed accepts.
const LONGEST_PAUSE: Duration = Duration::from_secs(1);
/// At most one log line per this long.
const LOG_EVERY: Duration = Duration::from_secs(1);

/// The pause after each failed accept in a row: doubling, capped, reset by a success.
#[derive(Debug)]
pub(crate) struct Pause {
    next: Duration,
}

impl Default for Pause {
    fn default() -> Self {
        Pause { next: FIRST_PAUSE }
    }
}

impl Pause {
    /// The pause after one more failure.
    pub(crate) fn failed(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(LONGEST_PAUSE);
        pause
    }

    /// A connection was accepted: the next failure pauses briefly again.
    pub(crate) fn reset(&mut self) {
        self.next = FIRST_PAUSE;
    }
}

/// Rate-limited reporting of accept errors.
#[derive(Debug, Default)]
pub(crate) struct ErrorLog {
    last: Option<Instant>,
    /// Errors since the last line logged, this one included.
    unreported: u64,
}

impl ErrorLog {
    /// Counts `error`, and returns the line to log if none was logged in the last second.
    pub(crate) fn record(
        &mut self,
        now: Instant,
        error: &io::Error,
        pause: Duration,
    ) -> Option<String> {
        self.unreported += 1;
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < LOG_EVERY)
        {
            return None;
        }
        self.last = Some(now);
        let count = std::mem::take(&mut self.unreported);
        Some(format!(
            "chat: accept failed: {error} ({count} failure{} since the last report); retrying in {pause:?}",
            if count == 1 { "" } else { "s" }
        ))
    }
}

/// Accepts connections on `listener`, riding out transient errors.
#[derive(Debug)]
pub(crate) struct Acceptor<L> {
    listener: L,
    pause: Pause,
    log: ErrorLog,
}

impl<L: Accept> Acceptor<L> {
    /// An acceptor over `listener`.
    pub(crate) fn new(listener: L) -> Acceptor<L> {
        Acceptor {
            listener,
            pause: Pause::default(),
            log: ErrorLog::default(),
        }
    }

    /// The next connection. `on_error` is told of every transient error before the pause.
    ///
    /// # Errors
    /// Only a fatal one (see [`is_fatal`]).
    pub(crate) async fn next(&mut self, mut on_error: impl FnMut()) -> io::Result<TcpStream> {
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    self.pause.reset();
                    return Ok(stream);
                }
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    on_error();
                    let pause = self.pause.failed();
                    if let Some(line) = self.log.record(Instant::now(), &e, pause) {
                        eprintln!("{line}");
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_up_to_a_second_and_resets() {
        let mut pause = Pause::default();
        let pauses: Vec<u64> = (0..9).map(|_| pause.failed().as_millis() as u64).collect();
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        pause.reset();
        assert_eq!(pause.failed(), FIRST_PAUSE);
    }

    #[test]
    fn errors_are_logged_at_most_once_a_second_with_a_count() {
        let mut log = ErrorLog::default();
        let start = Instant::now();
        let e = io::Error::other("too many open files");
        let pause = Duration::from_millis(10);
        assert!(
            log.record(start, &e, pause)
                .unwrap()
                .contains("(1 failure since")
        );
        for ms in 1..=999 {
            assert_eq!(
                log.record(start + Duration::from_millis(ms), &e, pause),
                None
            );
        }
        let line = log.record(start + LOG_EVERY, &e, pause).unwrap();
        assert!(line.contains("(1000 failures since"), "{line}");
    }

    #[test]
    fn only_a_listener_that_cannot_listen_is_fatal() {
        for kind in [
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::Interrupted,
            io::ErrorKind::OutOfMemory,
            io::ErrorKind::PermissionDenied,
            io::ErrorKind::Other,
        ] {
            assert!(!is_fatal(&kind.into()), "{kind:?}");
        }
        #[cfg(target_os = "linux")]
        for errno in [23, 24, 105] {
            // ENFILE, EMFILE, ENOBUFS
            assert!(!is_fatal(&io::Error::from_raw_os_error(errno)), "{errno}");
        }
        assert!(is_fatal(&io::ErrorKind::InvalidInput.into()));
    }
}

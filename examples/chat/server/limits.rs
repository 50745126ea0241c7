//! What one client may cost the server, and the flags that change it.

use std::time::Duration;

/// The bounds every connection lives within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Lines waiting in a connection's outbound queue before it counts as fallen behind.
    pub(crate) queue_lines: usize,
    /// Bytes waiting in a connection's outbound queue before it counts as fallen behind.
    pub(crate) queue_bytes: usize,
    /// The longest line a client may send, in bytes, without its line ending.
    pub(crate) max_line: usize,
    /// How long a closing connection's last lines (its queue after `/quit`, or the notice to a
    /// client that fell behind) may take to reach the socket before it is closed anyway.
    pub(crate) linger: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            queue_lines: 4096,
            queue_bytes: 4 << 20,
            max_line: 4096,
            linger: Duration::from_secs(1),
        }
    }
}

impl Limits {
    /// The defaults, changed by `--queue-lines N`, `--queue-bytes N` and `--max-line N`.
    ///
    /// # Errors
    /// A flag without a positive number after it.
    pub(crate) fn from_args(args: &[String]) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for (flag, slot) in [
            ("--queue-lines", &mut limits.queue_lines),
            ("--queue-bytes", &mut limits.queue_bytes),
            ("--max-line", &mut limits.max_line),
        ] {
            if let Some(i) = args.iter().position(|a| a == flag) {
                *slot = args
                    .get(i + 1)
                    .and_then(|n| n.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .ok_or_else(|| format!("`{flag}` needs a positive number"))?;
            }
        }
        Ok(limits)
    }
}

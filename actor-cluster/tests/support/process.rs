//! Node processes of the test binary itself: run again with one environment variable set, it
//! is a node that says `ready` and waits to be killed with SIGKILL.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A process of this test binary, killed by SIGKILL on drop.
pub(crate) struct Process(Child);

impl Process {
    /// Runs this binary again with `var=spec` and returns once it printed `ready`.
    pub(crate) fn start(var: &str, spec: String, name: &str) -> Process {
        let exe = std::env::current_exe().expect("test binary");
        let mut child = Command::new(exe)
            .env(var, spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node process");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("node output");
        assert_eq!(line.trim(), "ready", "node process {name} did not start");
        Process(child)
    }

    /// SIGKILL, and reaped.
    pub(crate) fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Prints the `test NAME ... ok` / `... FAILED` line of a `harness = false` test and says whether
/// it passed. A failure's panic message is printed again right after that line: the panic hook
/// printed it before the backtrace, and a log cut in the middle loses that part first.
pub(crate) fn report(name: &str, outcome: std::thread::Result<()>) -> bool {
    match outcome {
        Ok(()) => {
            println!("test {name} ... ok");
            true
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(a panic without a message)");
            println!("test {name} ... FAILED\n  panicked: {message}");
            false
        }
    }
}

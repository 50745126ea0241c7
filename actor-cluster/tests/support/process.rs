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

/// A test of a `harness = false` binary: it gets a fresh 2-worker runtime of its own.
pub(crate) type Test = fn(&tokio::runtime::Runtime);

/// The `main` of a `harness = false` test binary (`binary` names it in the summary line): runs
/// the selected tests, each on a fresh runtime, and exits non-zero if one failed.
///
/// It speaks enough of libtest's command line for `cargo test` and cargo-nextest: name filters
/// (substrings, or whole names with `--exact`), `--skip NAME`, `--list` (with `--format terse`:
/// `NAME: test` lines; nothing under `--ignored`, as there are no ignored tests), and it accepts
/// and ignores the other flags (`--nocapture`, `--test-threads N`, `--color C`…).
pub(crate) fn harness(binary: &str, tests: &[(&str, Test)]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let (mut filters, mut skips) = (Vec::new(), Vec::new());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--format" | "--test-threads" | "--color" | "--logfile" | "-Z" => {
                rest.next();
            }
            "--skip" => skips.extend(rest.next().cloned()),
            flag if flag.starts_with('-') => {}
            filter => filters.push(filter.to_string()),
        }
    }
    let exact = has("--exact");
    let selected: Vec<&(&str, Test)> = tests
        .iter()
        .filter(|(name, _)| {
            let wanted = filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        name == f
                    } else {
                        name.contains(f.as_str())
                    }
                });
            wanted && !skips.iter().any(|s| name.contains(s.as_str()))
        })
        .collect();
    if has("--list") {
        if !has("--ignored") {
            for (name, _) in &selected {
                println!("{name}: test");
            }
        }
        return;
    }
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in selected.iter().filter(|_| !has("--ignored")) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(&rt)));
        drop(rt);
        if report(name, outcome) {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    println!("\n{binary}: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

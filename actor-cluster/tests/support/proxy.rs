//! A loopback TCP proxy between a node and the server that a test can cut, black-hole and
//! restore: faults of the network, not of the processes.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Bytes flow.
    Open,
    /// Every connection is closed, and new ones are closed at once (a refused network).
    Cut,
    /// Connections stay open and every byte is dropped, both ways; new ones are accepted and
    /// go nowhere (a silent network: nothing tells the node).
    Blackhole,
    /// Connections stay open and nothing is read either way: the sender's socket buffers fill
    /// and its writes block (a peer that stops reading). Nothing is lost: a restore goes on.
    Stall,
}

/// The proxy: listens on a free loopback port, forwards to `upstream`, on a thread (and
/// runtime) of its own that outlives any test runtime stall. Stopped on drop.
pub(crate) struct Proxy {
    port: u16,
    mode: Arc<watch::Sender<(Mode, u64)>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Proxy {
    /// A proxy to `127.0.0.1:upstream`, open.
    pub(crate) fn start(upstream: u16) -> Proxy {
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("proxy address").port();
        let mode = Arc::new(watch::Sender::new((Mode::Open, 0)));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let modes = mode.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("proxy runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("proxy listener");
                let accept = async {
                    loop {
                        let Ok((client, _)) = listener.accept().await else {
                            continue;
                        };
                        tokio::spawn(pipe(client, upstream, modes.subscribe()));
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stopped => {}
                }
            });
        });
        Proxy {
            port,
            mode,
            _stop: stop,
        }
    }

    /// The URL a node connects to through the proxy.
    pub(crate) fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Closes every connection and refuses new ones until [`restore`](Self::restore).
    pub(crate) fn cut(&self) {
        self.set(Mode::Cut);
    }

    /// Drops every byte both ways, connections kept open, until [`restore`](Self::restore).
    pub(crate) fn blackhole(&self) {
        self.set(Mode::Blackhole);
    }

    /// Stops reading both ways, connections kept open, until [`restore`](Self::restore).
    pub(crate) fn stall(&self) {
        self.set(Mode::Stall);
    }

    /// Lets traffic through again. Connections that lived through a black hole are closed (their
    /// byte streams lost bytes): the node reconnects.
    pub(crate) fn restore(&self) {
        self.set(Mode::Open);
    }

    fn set(&self, mode: Mode) {
        self.mode.send_modify(|(m, generation)| {
            *m = mode;
            *generation += 1;
        });
    }
}

/// One connection: bytes both ways while open; closed on a cut or a restore after a fault.
async fn pipe(client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<(Mode, u64)>) {
    let (admitted, _) = *mode.borrow_and_update();
    if admitted == Mode::Cut {
        return; // dropped: closed at once
    }
    let server = match admitted {
        Mode::Open => match TcpStream::connect(upstream).await {
            Ok(server) => Some(server),
            Err(_) => return,
        },
        _ => None,
    };
    let _ = client.set_nodelay(true);
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = match server {
        Some(s) => {
            let _ = s.set_nodelay(true);
            let (rx, tx) = s.into_split();
            (Some(rx), Some(tx))
        }
        None => (None, None),
    };
    let mut up = vec![0u8; 64 * 1024];
    let mut down = vec![0u8; 64 * 1024];
    loop {
        let current = mode.borrow().0;
        if current == Mode::Stall {
            if mode.changed().await.is_err() || mode.borrow().0 == Mode::Cut {
                return;
            }
            continue;
        }
        let open = current == Mode::Open;
        tokio::select! {
            n = client_rx.read(&mut up) => {
                let Ok(n @ 1..) = n else { return };
                if let (true, Some(tx)) = (open, server_tx.as_mut())
                    && tx.write_all(&up[..n]).await.is_err()
                {
                    return;
                }
            }
            n = read_opt(server_rx.as_mut(), &mut down) => {
                let Some(n @ 1..) = n else { return };
                if open && client_tx.write_all(&down[..n]).await.is_err() {
                    return;
                }
            }
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
                // A cut closes it; a restore after a black hole closes it (bytes were lost); a
                // stall loses nothing.
                if !matches!(mode.borrow().0, Mode::Blackhole | Mode::Stall) {
                    return;
                }
            }
        }
    }
}

async fn read_opt(
    rx: Option<&mut tokio::net::tcp::OwnedReadHalf>,
    buf: &mut [u8],
) -> Option<usize> {
    match rx {
        Some(rx) => rx.read(buf).await.ok(),
        None => std::future::pending().await,
    }
}

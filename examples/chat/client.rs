//! A line-oriented chat client over a real TCP connection, for the demo, the load test and the
//! tests.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// One client connection, welcomed.
#[derive(Debug)]
pub(crate) struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    line: String,
}

impl Client {
    /// Connects and reads the welcome line.
    pub(crate) async fn connect(addr: SocketAddr) -> io::Result<Client> {
        Client::connect_with_window(addr, None).await
    }

    /// [`connect`](Self::connect), with the socket's receive buffer limited to about `window`
    /// bytes (the kernel's own minimum if smaller): for a client that will stop reading, so that
    /// the server's queue for it fills after little traffic rather than after the megabytes a
    /// loopback connection buffers by default.
    pub(crate) async fn connect_with_window(
        addr: SocketAddr,
        window: Option<u32>,
    ) -> io::Result<Client> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if let Some(window) = window {
            socket.set_recv_buffer_size(window)?;
        }
        let stream = socket.connect(addr).await?;
        stream.set_nodelay(true)?;
        let (reader, writer) = stream.into_split();
        let mut client = Client {
            reader: BufReader::new(reader),
            writer,
            line: String::new(),
        };
        client.expect("* welcome").await?;
        Ok(client)
    }

    /// Sends `line` and a newline.
    pub(crate) async fn send(&mut self, line: &str) -> io::Result<()> {
        self.send_bytes(format!("{line}\n").as_bytes()).await
    }

    /// Sends `bytes` as they are.
    pub(crate) async fn send_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes).await
    }

    /// The next line, without its newline; an error at the end of the stream.
    pub(crate) async fn next(&mut self) -> io::Result<String> {
        self.next_or_end().await?.ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "server closed the connection")
        })
    }

    /// The next line, or `None` at the end of the stream.
    pub(crate) async fn next_or_end(&mut self) -> io::Result<Option<String>> {
        self.line.clear();
        if self.reader.read_line(&mut self.line).await? == 0 {
            return Ok(None);
        }
        Ok(Some(self.line.trim_end_matches('\n').to_owned()))
    }

    /// Reads until a line starting with `prefix`; returns it.
    pub(crate) async fn expect(&mut self, prefix: &str) -> io::Result<String> {
        loop {
            let line = self.next().await?;
            if line.starts_with(prefix) {
                return Ok(line);
            }
        }
    }

    /// Sets the nickname and joins `room`.
    pub(crate) async fn enter(&mut self, nick: &str, room: &str) -> io::Result<()> {
        self.send(&format!("/nick {nick}")).await?;
        self.expect("* you are").await?;
        self.send(&format!("/join {room}")).await?;
        self.expect(&format!("* joined {room}")).await?;
        Ok(())
    }

    /// Reads everything up to the end of the stream; returns the last line, if any.
    pub(crate) async fn last_line(&mut self) -> io::Result<Option<String>> {
        let mut last = None;
        while let Some(line) = self.next_or_end().await? {
            last = Some(line);
        }
        Ok(last)
    }

    /// Reads until `n` lines starting with `prefix` arrived, or the stream ended; returns how
    /// many did. As fast as it can: no line is decoded or copied out of a reused buffer.
    pub(crate) async fn count(&mut self, prefix: &[u8], n: usize) -> usize {
        let mut line = Vec::new();
        let mut got = 0;
        while got < n {
            line.clear();
            match self.reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => got += usize::from(line.starts_with(prefix)),
            }
        }
        got
    }

    /// The two halves: what is still buffered from the server is lost.
    pub(crate) fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        (self.reader.into_inner(), self.writer)
    }
}

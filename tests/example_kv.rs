//! The `kv` example's server over real sockets: the guide's protocol, a bucket crash answered by
//! `NOT FOUND` on the very next `GET`, a client hanging up mid-command, an over-long line.

#[path = "../examples/kv/server.rs"]
#[allow(dead_code, unreachable_pub)]
mod server;

use beamish::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Sends `line` and reads `lines` lines of answer.
async fn ask(stream: &mut BufReader<TcpStream>, line: &str, lines: usize) -> String {
    stream
        .get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    for _ in 0..lines {
        stream.read_line(&mut answer).await.unwrap();
    }
    answer
}

async fn client(kv: &server::Kv) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(kv.addr).await.unwrap())
}

#[test]
fn commands_parse_as_in_the_guide() {
    use server::Command;
    assert_eq!(
        Command::parse("CREATE b"),
        Some(Command::Create("b".into()))
    );
    assert_eq!(
        Command::parse("PUT b k v"),
        Some(Command::Put("b".into(), "k".into(), "v".into()))
    );
    assert_eq!(
        Command::parse("GET b k"),
        Some(Command::Get("b".into(), "k".into()))
    );
    assert_eq!(
        Command::parse("DELETE b k"),
        Some(Command::Delete("b".into(), "k".into()))
    );
    assert_eq!(Command::parse("PUT b k"), None);
    assert_eq!(Command::parse("get b k"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_protocol_over_a_socket() {
    let kv = server::start("127.0.0.1:0").await.unwrap();
    let mut c = client(&kv).await;
    assert_eq!(ask(&mut c, "CREATE shopping", 1).await, "OK\r\n");
    assert_eq!(ask(&mut c, "PUT shopping milk 1", 1).await, "OK\r\n");
    assert_eq!(ask(&mut c, "GET shopping milk", 2).await, "1\r\nOK\r\n");
    assert_eq!(ask(&mut c, "DELETE shopping milk", 1).await, "OK\r\n");
    assert_eq!(ask(&mut c, "GET shopping milk", 2).await, "\r\nOK\r\n");
    assert_eq!(ask(&mut c, "GET nowhere milk", 1).await, "NOT FOUND\r\n");
    assert_eq!(ask(&mut c, "FLY me", 1).await, "UNKNOWN COMMAND\r\n");
    kv.root.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_bucket_is_not_found_on_the_next_get() {
    let kv = server::start("127.0.0.1:0").await.unwrap();
    let mut c = client(&kv).await;
    for i in 0..50 {
        let name = format!("b{i}");
        assert_eq!(ask(&mut c, &format!("CREATE {name}"), 1).await, "OK\r\n");
        assert_eq!(ask(&mut c, &format!("PUT {name} k v"), 1).await, "OK\r\n");
        let bucket = server::bucket(&kv, &name).expect("the bucket runs");
        bucket.kill();
        // No waiting: the name is gone as soon as anyone can see the bucket dead, and a killed
        // bucket is either still answering (then GET finds `v`) or gone (NOT FOUND). Once its
        // death is observable, only NOT FOUND.
        bucket.wait().await;
        assert_eq!(
            ask(&mut c, &format!("GET {name} k"), 1).await,
            "NOT FOUND\r\n"
        );
    }
    kv.root.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_survives_a_client_that_hangs_up_mid_command() {
    let kv = server::start("127.0.0.1:0").await.unwrap();
    let mut rude = TcpStream::connect(kv.addr).await.unwrap();
    rude.write_all(b"PUT shopping mi").await.unwrap();
    drop(rude);
    let mut c = client(&kv).await;
    assert_eq!(ask(&mut c, "CREATE shopping", 1).await, "OK\r\n");
    assert_eq!(ask(&mut c, "GET shopping milk", 2).await, "\r\nOK\r\n");
    kv.root.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_line_is_refused_and_the_connection_closed() {
    let kv = server::start("127.0.0.1:0").await.unwrap();
    let mut c = client(&kv).await;
    let long = "x".repeat(server::MAX_LINE + 10);
    c.get_mut().write_all(long.as_bytes()).await.unwrap();
    let mut answer = String::new();
    c.read_line(&mut answer).await.unwrap();
    assert_eq!(answer, "ERROR line too long\r\n");
    // Then the server closes this connection.
    let mut rest = Vec::new();
    assert_eq!(c.read_to_end(&mut rest).await.unwrap(), 0);
    // Others are served as before.
    let mut other = client(&kv).await;
    assert_eq!(ask(&mut other, "CREATE b", 1).await, "OK\r\n");
    kv.root.stop(ExitReason::Shutdown).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_closed_and_the_server_goes_on() {
    let kv = server::start_with_limit("127.0.0.1:0", 2).await.unwrap();
    let mut a = client(&kv).await;
    let mut b = client(&kv).await;
    assert_eq!(ask(&mut a, "CREATE x", 1).await, "OK\r\n");
    assert_eq!(ask(&mut b, "CREATE y", 1).await, "OK\r\n");
    // A third client is over the limit: its connection is closed without an answer.
    let mut over = client(&kv).await;
    let _ = over.get_mut().write_all(b"CREATE z\r\n").await;
    let mut rest = Vec::new();
    assert_eq!(over.read_to_end(&mut rest).await.unwrap_or(0), 0);
    // The two clients hang up; once their tasks are gone, new clients are served again.
    let running = kv.tasks.children().await.unwrap();
    assert_eq!(running.len(), 3, "the acceptor and two connections");
    drop((a, b));
    for task in &running[1..] {
        task.wait().await;
    }
    let mut c = client(&kv).await;
    assert_eq!(ask(&mut c, "GET x k", 2).await, "\r\nOK\r\n");
    kv.root.stop(ExitReason::Shutdown).await.unwrap();
}

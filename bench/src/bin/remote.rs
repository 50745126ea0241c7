//! Remote calls and casts against raw NATS, in one run on one `nats-server` (loopback, one
//! process): a beamish remote `#[call]` against an async-nats request/reply of the same payload,
//! and remote `#[cast]`s against raw publishes to a subscriber, and against the same paced
//! workload written on raw NATS.
//!
//! ```sh
//! cargo run --release -p bench --bin remote                # 3 paired runs, 20k calls, 200k casts
//! cargo run --release -p bench --bin remote -- --smoke     # tiny sizes, once
//! cargo run --release -p bench --bin remote -- --casts raw  # only the raw casts (`raw-paced`, `beamish`),
//!                                                           # 1,000,000 of them, for a profiler
//! ```
//!
//! With `--casts`, `--count N` sets the number of casts, and the nodes' membership TTL is a
//! minute, so the process may run under an instruction counter (valgrind) without being
//! declared lost; the hot path is the same.
//!
//! Targets (the cluster issue): remote call p50 and p99 ≤ 1.3× raw request/reply; cast
//! throughput ≥ 0.8× raw publish. The cast ratio is the median of each run's ratio (both
//! sides measured back to back), as `compare` pairs its measurements.

use std::time::{Duration, Instant};

use beamish::cluster::{NatsServer, Node, NodeOptions};
use beamish::prelude::*;
use bytes::Bytes;
use futures::StreamExt;

struct Echo {
    casts: u64,
}

#[actor(remote)]
impl Echo {
    #[init]
    async fn init(_: ()) -> Self {
        Echo { casts: 0 }
    }

    #[call]
    async fn echo(&self, n: u64) -> u64 {
        n
    }

    #[cast]
    async fn note(&mut self, n: u64) {
        self.casts += n.min(1);
    }

    #[call]
    async fn casts(&self) -> u64 {
        self.casts
    }
}

/// Casts sent between two calls (a call's answer comes after every cast before it): with two
/// windows in flight, at most half the receiving subscription's 65,536-message bound.
const WINDOW: usize = 16_384;

struct Sizes {
    calls: usize,
    casts: usize,
    runs: usize,
    /// `--casts raw|beamish`: only that side's casts, once, for a profiler.
    only: Option<Side>,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Raw,
    RawPaced,
    Beamish,
}

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let only = match args.iter().position(|a| a == "--casts") {
        None => None,
        Some(at) => match args.get(at + 1).map(String::as_str) {
            Some("raw") => Some(Side::Raw),
            Some("raw-paced") => Some(Side::RawPaced),
            Some("beamish") => Some(Side::Beamish),
            _ => return Err("--casts takes `raw`, `raw-paced` or `beamish`".into()),
        },
    };
    let count = match args.iter().position(|a| a == "--count") {
        None => 1_000_000,
        Some(at) => args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .ok_or("--count takes a number")?,
    };
    let sizes = if only.is_some() {
        Sizes {
            calls: 0,
            casts: count,
            runs: 1,
            only,
        }
    } else if args.iter().any(|a| a == "--smoke") {
        Sizes {
            calls: 200,
            casts: 2_000,
            runs: 1,
            only,
        }
    } else {
        Sizes {
            calls: 20_000,
            casts: 200_000,
            runs: 3,
            only,
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(&sizes))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

async fn run(sizes: &Sizes) -> Res<()> {
    let server = NatsServer::start()?;
    let url = server.url();
    let options = |name: &str| {
        let options = NodeOptions::new("bench", name);
        match sizes.only {
            Some(_) => options.ttl(Duration::from_secs(60)),
            None => options,
        }
    };
    let host = Node::connect(&url, options("host")).await?;
    let caller = Node::connect(&url, options("caller")).await?;
    let names_host = host.registry::<()>("bench", Keys::Unique).await?;
    let names_caller = caller.registry::<()>("bench", Keys::Unique).await?;
    Echo::start_via(&names_host, "echo", ()).await?;
    let seen_by = Instant::now() + Duration::from_secs(10);
    let echo: EchoHandle = loop {
        if let Some(h) = names_caller.whereis("echo") {
            break h;
        }
        if Instant::now() > seen_by {
            return Err("the caller's registry never saw `echo` (10 s)".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };

    // The raw baseline: a responder on its own connection, a requester on another.
    let responder = async_nats::connect(&url).await?;
    let requester = async_nats::connect(&url).await?;
    let mut sub = responder.subscribe("raw.echo").await?;
    let reply_conn = responder.clone();
    tokio::spawn(async move {
        while let Some(msg) = sub.next().await {
            if let Some(reply) = msg.reply {
                let _ = reply_conn.publish(reply, msg.payload).await;
            }
        }
    });
    subscribed(&responder).await?;
    // Warm up both paths (the responder's subscription is live: no retry needed).
    for i in 0..100u64 {
        requester
            .request("raw.echo", Bytes::from(i.to_le_bytes().to_vec()))
            .await?;
        echo.echo(i).await?;
    }

    if let Some(side) = sizes.only {
        let rate = match side {
            Side::Raw => raw_casts(&url, &requester, sizes.casts, "only").await?,
            Side::RawPaced => raw_paced_casts(&url, &requester, sizes.casts, "only").await?,
            Side::Beamish => beamish_casts(&echo, sizes.casts).await?,
        };
        println!("{} casts: {:.0} k/s", sizes.casts, rate / 1e3);
        return Ok(());
    }
    let (mut raw_p50, mut raw_p99, mut bm_p50, mut bm_p99) = (vec![], vec![], vec![], vec![]);
    let (mut raw_rate, mut paced_rate, mut bm_rate) = (vec![], vec![], vec![]);
    for run in 1..=sizes.runs {
        // Calls, paired: raw then beamish, same sizes.
        let mut raw = Vec::with_capacity(sizes.calls);
        for i in 0..sizes.calls {
            let started = Instant::now();
            requester
                .request("raw.echo", Bytes::from(i.to_le_bytes().to_vec()))
                .await?;
            raw.push(started.elapsed());
        }
        let mut bm = Vec::with_capacity(sizes.calls);
        for i in 0..sizes.calls {
            let started = Instant::now();
            let n = echo.echo(i as u64).await?;
            bm.push(started.elapsed());
            assert_eq!(n, i as u64);
        }
        raw.sort_unstable();
        bm.sort_unstable();
        raw_p50.push(percentile(&raw, 0.5));
        raw_p99.push(percentile(&raw, 0.99));
        bm_p50.push(percentile(&bm, 0.5));
        bm_p99.push(percentile(&bm, 0.99));

        // Casts: raw publishes to a counting subscriber, then beamish casts to the actor; each
        // timed until the receiver has them all.
        raw_rate.push(raw_casts(&url, &requester, sizes.casts, &run.to_string()).await?);
        paced_rate.push(raw_paced_casts(&url, &requester, sizes.casts, &run.to_string()).await?);
        bm_rate.push(beamish_casts(&echo, sizes.casts).await?);
    }
    let med = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let medf = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (r50, r99, b50, b99) = (med(raw_p50), med(raw_p99), med(bm_p50), med(bm_p99));
    // Paired: the ratio of each run's two rates (measured back to back), then the median of
    // those, as `compare` does; the rates shown are medians too.
    let paired = |raw: &[f64]| {
        let ratios: Vec<f64> = bm_rate.iter().zip(raw).map(|(b, r)| b / r).collect();
        let each = ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(" / ");
        (medf(ratios), each)
    };
    let (ratio, each) = paired(&raw_rate);
    let (paced_ratio, paced_each) = paired(&paced_rate);
    let (rr, pr, br) = (medf(raw_rate), medf(paced_rate), medf(bm_rate));
    println!(
        "remote, median of {} paired runs ({} sequential calls, {} casts; loopback, one process)",
        sizes.runs, sizes.calls, sizes.casts
    );
    println!("| row | raw NATS | beamish | ratio | target |");
    println!("|---|--:|--:|--:|--:|");
    println!(
        "| call p50 | {r50:.1?} | {b50:.1?} | {:.2}× | ≤ 1.3× |",
        b50.as_secs_f64() / r50.as_secs_f64()
    );
    println!(
        "| call p99 | {r99:.1?} | {b99:.1?} | {:.2}× | ≤ 1.3× |",
        b99.as_secs_f64() / r99.as_secs_f64()
    );
    println!(
        "| cast throughput: raw publish, counted on the runtime's own thread | {:.0} k/s | {:.0} k/s | {ratio:.2}× | ≥ 0.8× |",
        rr / 1e3,
        br / 1e3,
    );
    println!(
        "| cast throughput: the same paced workload on raw NATS, counted on a worker | {:.0} k/s | {:.0} k/s | {paced_ratio:.2}× | ≥ 0.8× |",
        pr / 1e3,
        br / 1e3,
    );
    println!("\ncast throughput ratio of each run: {each} (raw publish); {paced_each} (paced)");
    Ok(())
}

/// Raw publishes to a counting subscriber on its own connection; the rate once it has them all.
async fn raw_casts(url: &str, requester: &async_nats::Client, total: usize, run: &str) -> Res<f64> {
    // Raw publishes have no flow control: if the counting subscriber falls 65,536 behind,
    // NATS drops the rest (slow consumer) and the count stalls. Such an attempt is
    // reported and made again (at most 3 times) rather than waited on forever.
    let mut attempt = 0;
    let started = loop {
        attempt += 1;
        let subject = format!("raw.cast.{run}.{attempt}");
        let counter = async_nats::connect(url).await?;
        let mut counted = counter.subscribe(subject.clone()).await?;
        subscribed(&counter).await?;
        let started = Instant::now();
        let publisher = requester.clone();
        let sending = tokio::spawn(async move {
            for i in 0..total {
                publisher
                    .publish(
                        subject.clone(),
                        Bytes::from((i as u64).to_le_bytes().to_vec()),
                    )
                    .await?;
            }
            publisher.flush().await?;
            Ok::<_, async_nats::Error>(())
        });
        let mut got = 0;
        while got < total {
            match tokio::time::timeout(SILENCE, counted.next()).await {
                Ok(Some(_)) => got += 1,
                Ok(None) | Err(_) => break,
            }
        }
        sending.await??;
        if got == total {
            break started;
        }
        eprintln!("raw run {run}: {got} of {total} publishes arrived (dropped); again");
        if attempt == 3 {
            return Err("raw publishes kept being dropped".into());
        }
    };
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// How long a counter waits for the next message before it reports what it has.
const SILENCE: Duration = Duration::from_secs(5);

/// Returns once the server has processed everything `client` sent before, its subscriptions
/// included. `Client::flush` only writes the socket: a publish from another connection right
/// after it can reach the server before the subscription and be dropped (no subscriber). A
/// request nobody answers makes the round trip: the server's "no responders" comes back only
/// after it has processed what this connection sent before it.
async fn subscribed(client: &async_nats::Client) -> Res<()> {
    let nobody = client.new_inbox();
    match client.request(nobody, Bytes::new()).await {
        Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
        Err(e) => Err(e.into()),
        Ok(_) => Err("a request to a fresh inbox was answered".into()),
    }
}

/// The windows of `total` messages: a marker goes behind each.
fn windows(total: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..total)
        .step_by(WINDOW)
        .map(move |start| start..(start + WINDOW).min(total))
}

/// A sliding window's markers: the sender waits for the previous window's marker, not this
/// one's, so the pipe never runs dry.
#[derive(Default)]
struct Markers(Option<tokio::task::JoinHandle<Res<()>>>);

impl Markers {
    /// Puts `marker` behind the window just sent, once the one before it was answered.
    async fn behind(&mut self, marker: tokio::task::JoinHandle<Res<()>>) -> Res<()> {
        match self.0.replace(marker) {
            Some(previous) => previous.await?,
            None => Ok(()),
        }
    }

    /// Waits for the last marker.
    async fn last(self) -> Res<()> {
        match self.0 {
            Some(last) => last.await?,
            None => Ok(()),
        }
    }
}

/// The beamish workload below written on raw NATS: the same sliding window (a request behind
/// every WINDOW publishes, answered by the counter once it has counted everything before it; the
/// publisher waits for the previous window's answer), with the counter a spawned task as the
/// actor's task is. Unpaced (`raw_casts`), a counter on a worker falls 65,536 behind and NATS
/// drops publishes; the pacing is what a sender that needs every message must do.
async fn raw_paced_casts(
    url: &str,
    requester: &async_nats::Client,
    total: usize,
    run: &str,
) -> Res<f64> {
    let subject = format!("raw.paced.{run}");
    let counter = async_nats::connect(url).await?;
    let mut counted = counter.subscribe(subject.clone()).await?;
    subscribed(&counter).await?;
    let counting = tokio::spawn(async move {
        let mut got: u64 = 0;
        // Bounded: a publish that never arrives ends the count (and the run, with an error)
        // after a silence, never a hang.
        while let Ok(Some(msg)) = tokio::time::timeout(SILENCE, counted.next()).await {
            match msg.reply {
                // A marker: everything published before it was counted.
                Some(reply) => {
                    counter
                        .publish(reply, Bytes::from(got.to_le_bytes().to_vec()))
                        .await?;
                    if got == total as u64 {
                        // Out before the connection closes with this task.
                        counter.flush().await?;
                        break;
                    }
                }
                None => got += 1,
            }
        }
        Ok::<_, async_nats::Error>(got)
    });
    let started = Instant::now();
    let publisher = requester.clone();
    let sending = tokio::spawn(async move {
        let mut markers = Markers::default();
        for window in windows(total) {
            for n in window {
                let body = Bytes::from((n as u64).to_le_bytes().to_vec());
                publisher.publish(subject.clone(), body).await?;
            }
            let (marker, to) = (publisher.clone(), subject.clone());
            let answered = tokio::spawn(async move {
                marker.request(to, Bytes::new()).await?;
                Ok(())
            });
            markers.behind(answered).await?;
        }
        markers.last().await
    });
    sending.await??;
    let got = counting.await??;
    assert_eq!(got, total as u64, "raw paced publishes lost");
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Beamish casts to a remote actor, paced by a sliding window; the rate once it has run them all.
async fn beamish_casts(echo: &EchoHandle, total: usize) -> Res<f64> {
    let before = echo.casts().await?;
    let started = Instant::now();
    // A sliding window: a call behind every WINDOW casts (calls and casts keep their
    // order, so its answer says every cast before it was handled), and the sender waits
    // for the previous window's answer, not this one's, so the pipe never runs dry. The
    // receiving node's subscription holds 65,536 messages and drops past that, as NATS does
    // for any slow consumer: a sender that needs every cast paces itself like this.
    // The sender is a spawned task, as the raw publisher is (same placement: a worker).
    let sender = echo.clone();
    let sending = tokio::spawn(async move {
        let mut markers = Markers::default();
        for window in windows(total) {
            let end = window.end;
            for n in window {
                // Waits for room on the way out, as the raw publisher's `publish` does.
                sender
                    .actor_ref()
                    .send(EchoMessage::Note(n as u64 + 1))
                    .await?;
            }
            let marker = sender.clone();
            let answered = tokio::spawn(async move {
                let seen = marker.casts().await?;
                assert!(seen >= before + end as u64, "a marker overtook casts");
                Ok(())
            });
            markers.behind(answered).await?;
        }
        markers.last().await
    });
    sending.await??;
    let got = echo.casts().await? - before;
    assert_eq!(got, total as u64, "casts lost");
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

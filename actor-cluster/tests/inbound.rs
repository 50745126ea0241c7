//! The connection's bounds: a node whose subscription queue overflows drops the newest messages
//! (NATS's slow-consumer policy), counts the drops, and goes on serving; a message or an answer
//! over the server's max payload is refused at once, never lost silently; control frames lost
//! in a burst are made good; a member flooding a node with `link` or `audit` frames costs it
//! a bounded number of links and of re-sent watches.

mod support;

use std::time::Duration;

use beamish::cluster::Node;
use beamish::cluster::NodeOptions;
use beamish::prelude::*;
use support::{
    Counter, CounterHandle, EXITED, Entry, Ghost, HeldNode, NOPROC, OK, Watcher, down_and_exit,
    heard, node, pair, server, wait_for, wait_until,
};

const SENT: i64 = 2_000;

/// Node `b` runs on a runtime of its own, which the test holds still while `a` sends a burst:
/// when `b` runs again its connection reads the burst at once, and all but the first few
/// messages find its 8-message queue full.
#[tokio::test(flavor = "current_thread")]
async fn a_slow_consumer_drops_the_newest_counts_them_and_goes_on() {
    let server = server();
    let options = NodeOptions::new("t11", "b")
        .ttl(Duration::from_secs(5))
        .inbound_queue(8);
    let (mut b, _kept) = HeldNode::start(server.url(), options, |b| async move {
        let names = b.registry::<()>("names", Keys::Unique).await.unwrap();
        let counter: CounterHandle = Counter::start_via(&names, "slow", 0).await.unwrap();
        (names, counter)
    })
    .await;

    let a = node(&server, "t11", "a").await;
    let names = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let remote: CounterHandle = wait_for(|| names.whereis("slow")).await;
    b.hold().await;

    for _ in 0..SENT {
        remote.bump().expect("the outgoing queue holds the burst");
    }
    // A KV write of `a`'s, answered by the server after it has routed every cast before it (one
    // connection, one order): by then the burst is on its way to `b`.
    let _marker: CounterHandle = Counter::start_via(&names, "marker", 0).await.unwrap();
    b.release();

    let seen = loop {
        match remote.with_timeout(Duration::from_millis(500)).get().await {
            Err(CallError::Timeout) => continue, // the call or its answer was dropped too
            other => break other.expect("node b answers after the burst"),
        }
    };
    wait_until(|| b.node.inbound_drops() > 0).await;
    assert!(
        seen < SENT,
        "{seen} of {SENT} arrived through an 8-message queue"
    );
    assert!(seen > 0, "the first messages fit");
    // Still serving: casts and calls after the burst arrive.
    remote.bump().unwrap();
    assert_eq!(remote.get().await, Ok(seen + 1));
}

/// NATS's default max payload is 1 MiB: a cast or call over it fails at once at the sender, and
/// an answer over it comes back as a protocol error instead of a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_max_payload_is_refused_at_once() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t12").await;
    let _local: CounterHandle = Counter::start_via(&names_a, "big", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("big")).await;
    let huge = Entry {
        key: "x".repeat(2 << 20),
        hits: 1,
    };
    let small = Entry {
        key: "y".repeat(100),
        hits: 2,
    };

    assert_eq!(remote.bump_by(huge.clone()), Err(SendError::TooLarge));
    let started = std::time::Instant::now();
    let refused = remote.echo(huge, 1).await;
    assert!(
        matches!(&refused, Err(CallError::Protocol(why)) if why.contains("exceeded")),
        "{refused:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once"
    );
    // 20,000 copies of a 100-byte key: a 2 MB answer.
    let answer = remote.echo(small.clone(), 20_000).await;
    assert!(
        matches!(&answer, Err(CallError::Protocol(why)) if why.contains("exceeded")),
        "{answer:?}"
    );
    // What fits still goes, in order.
    remote.bump_by(small.clone()).unwrap();
    assert_eq!(remote.echo(small.clone(), 2).await.map(|v| v.len()), Ok(2));
    assert_eq!(remote.get().await, Ok(2));
}

/// Control frames dropped in a burst are made good: node `b`, held still and flooded, drops a
/// `down` meant for its stand-in of `a`'s actor, a `watch` `a` sent for one of its own actors,
/// a `kill` and an exit signal from a link. Its drops trigger an audit, so both stand-ins
/// still end with the real reason; the kill and the signal are sent again until acknowledged.
#[tokio::test(flavor = "current_thread")]
async fn control_frames_dropped_in_a_burst_are_made_good() {
    let server = server();
    let a = node(&server, "t13", "a").await;
    let names = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let target: CounterHandle = Counter::start_via(&names, "target", 0).await.unwrap();
    let c = node(&server, "t13", "c").await;
    let names_c = c.registry::<()>("names", Keys::Unique).await.unwrap();

    let options = NodeOptions::new("t13", "b")
        .ttl(Duration::from_secs(5))
        .inbound_queue(8);
    let (mut b, (_names_b, victim, target_on_b)) =
        HeldNode::start(server.url(), options, |b| async move {
            let names = b.registry::<()>("names", Keys::Unique).await.unwrap();
            for name in ["sink", "linked", "killed"] {
                Counter::start_via(&names, name, 0).await.unwrap();
            }
            let victim: CounterHandle = Counter::start_via(&names, "victim", 0).await.unwrap();
            // The stand-in's `watch` reaches `a` before this call (one connection, one order),
            // so `a` watches `target` for `b` once the call is answered.
            let target: CounterHandle = wait_for(|| names.whereis("target")).await;
            target.get().await.expect("target answers");
            (names, victim, target)
        })
        .await;

    let target_on_c: CounterHandle = wait_for(|| names_c.whereis("target")).await;
    target_on_c.get().await.expect("target answers c");
    let sink: CounterHandle = wait_for(|| names.whereis("sink")).await;
    // `b` watches these two for `a` once their calls are answered (the watch goes first).
    let linked: CounterHandle = wait_for(|| names.whereis("linked")).await;
    let killed: CounterHandle = wait_for(|| names.whereis("killed")).await;
    assert_eq!(linked.get().await, Ok(0));
    assert_eq!(killed.get().await, Ok(0));
    let (seen_tx, _seen) = tokio::sync::mpsc::unbounded_channel();
    let doomed = Watcher::start((linked.to_any(), seen_tx)).await.unwrap();
    b.hold().await;

    for _ in 0..SENT {
        sink.bump().expect("the outgoing queue holds the burst");
    }
    // `b` watched first: its `down` is queued behind the burst before `c`'s (one task, one
    // runtime), so once `c` has heard, `b`'s is on `a`'s connection too.
    target.kill();
    assert_eq!(target_on_c.wait().await, ExitReason::Killed);
    // A remote kill, and the exit signal of a dying linked actor (sent before `wait`
    // returns), go behind the burst too.
    killed.kill();
    doomed.kill();
    assert_eq!(doomed.wait().await, ExitReason::Killed);
    // A stand-in made now sends its `watch` behind the burst as well.
    let victim_on_a: CounterHandle = wait_for(|| names.whereis("victim")).await;
    // A KV write of `a`'s, answered once the server has routed everything before it.
    let _marker: CounterHandle = Counter::start_via(&names, "marker", 0).await.unwrap();
    b.release();
    // `a`'s watch of `victim` was dropped: nobody is told of this exit now.
    victim.kill();

    let within = Duration::from_secs(20);
    let ended = tokio::time::timeout(within, target_on_b.wait()).await;
    assert_eq!(ended, Ok(ExitReason::Killed), "b's monitor of a's actor");
    let ended = tokio::time::timeout(within, victim_on_a.wait()).await;
    assert_eq!(ended, Ok(ExitReason::Killed), "a's monitor of b's actor");
    let ended = tokio::time::timeout(within, killed.wait()).await;
    assert_eq!(ended, Ok(ExitReason::Killed), "the remote kill");
    let ended = tokio::time::timeout(within, linked.wait()).await;
    assert_eq!(ended, Ok(ExitReason::Killed), "the link's exit signal");
    assert!(b.node.inbound_drops() > 0, "the burst overflowed b's queue");
}

/// The links of local actor `id` now.
fn links(id: ActorId) -> Vec<ActorId> {
    beamish::sys::process(id).expect("alive").links
}

/// Node `b` of `cluster` (TTL 1 s, with `options`), and a counter registered there as "target".
async fn node_with_target(
    server: &beamish::cluster::NatsServer,
    cluster: &str,
    options: impl FnOnce(NodeOptions) -> NodeOptions,
) -> (Node, CounterHandle) {
    let b = Node::connect(
        &server.url(),
        options(NodeOptions::new(cluster, "b").ttl(Duration::from_secs(1))),
    )
    .await
    .unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();
    let target: CounterHandle = Counter::start_via(&names_b, "target", 0).await.unwrap();
    (b, target)
}

/// A member naming made-up actors in `link` frames gets at most `peer_links` links with one
/// local actor: the rest are refused (answered as an exit) and make nothing, not even a
/// stand-in's watch; a `link` naming a local actor that is not there makes nothing either.
/// Another node's links are not held back by the flood, and the one it asks for past the
/// bound reaches its linking actor as an exit signal `NoProc`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_asked_for_by_one_node_are_bounded_per_actor() {
    const BOUND: usize = 8;
    const FLOOD: u64 = 200;
    let server = server();
    let (b, target) = node_with_target(&server, "t14", |o| o.peer_links(BOUND)).await;
    let local = target.id().local_id();

    let mut ghost = Ghost::connect(&server, "t14", 14).await;
    let mut tokens = Vec::new();
    for from in 1..=FLOOD {
        tokens.push(ghost.link(&b, local, from).await);
    }
    let mut answers = Vec::new();
    for token in tokens {
        answers.push(ghost.answer(token).await);
    }
    assert_eq!(links(target.id()).len(), BOUND, "links made");
    // The first ones in order are made, every later one is refused.
    let (made, refused) = answers.split_at(BOUND);
    assert!(made.iter().all(|s| *s == OK), "{made:?}");
    let accepted = refused.iter().filter(|s| **s != EXITED).count();
    assert_eq!(accepted, 0, "links past the bound not refused");
    // A watch for each stand-in made (sent before its `link` was answered), none for the rest.
    let expected: Vec<u64> = (1..=BOUND as u64).collect();
    assert_eq!(ghost.watches, expected);
    // A `link` sent again for a link made is accepted again, and makes nothing new.
    let again = ghost.link(&b, local, 1).await;
    assert_eq!(ghost.answer(again).await, OK);
    // `link`s naming a local actor that is not there make nothing.
    for from in FLOOD + 1..=FLOOD + 50 {
        let token = ghost.link(&b, u64::MAX - 1, from).await;
        assert_eq!(ghost.answer(token).await, NOPROC);
    }
    assert_eq!(links(target.id()).len(), BOUND);
    assert_eq!(ghost.watches, expected, "no stand-in made");

    // A real node's links: as many again, then one refused.
    let a = node(&server, "t14", "a").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_a.whereis("target")).await;
    let mut watchers = Vec::new();
    for _ in 0..=BOUND {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let watcher = Watcher::start((remote.to_any(), tx)).await.unwrap();
        watchers.push((watcher, rx));
    }
    let (last, mut last_rx) = watchers.pop().expect("one past the bound");
    let told = tokio::time::timeout(Duration::from_secs(10), last_rx.recv()).await;
    let exit = ("exit".to_owned(), remote.id(), ExitReason::NoProc);
    assert_eq!(told, Ok(Some(exit)), "the refused link is told as an exit");
    // Its `link` came after the others (one sender, one order): they are made.
    assert_eq!(links(target.id()).len(), 2 * BOUND);

    target.kill();
    for (_, rx) in &mut watchers {
        assert_eq!(
            heard(rx).await,
            down_and_exit(remote.id(), &ExitReason::Killed)
        );
    }
    // The refused one is only told of the exit by its monitor.
    let down = ("down".to_owned(), remote.id(), ExitReason::Killed);
    assert_eq!(last_rx.recv().await, Some(down));
    last.ping().await.unwrap();
    assert!(
        last_rx.try_recv().is_err(),
        "no exit signal for a refused link"
    );
}

/// A member sending a burst of `audit` frames gets one re-send of the watches at once and one
/// when the spacing is over (all the others answered by it), not one re-send per frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_audits_is_answered_once_at_once_and_once_later() {
    const STAND_INS: u64 = 3;
    const BURST: usize = 1_000;
    // Far longer than the burst takes (milliseconds), so that even a loaded machine sends it
    // within one spacing.
    let spacing = Duration::from_secs(3);
    let server = server();
    let (b, target) = node_with_target(&server, "t15", |o| o.audit_spacing(spacing)).await;

    // Node `b` holds stand-ins of three of the ghost's actors (linked to `target`).
    let mut ghost = Ghost::connect(&server, "t15", 15).await;
    for from in 1..=STAND_INS {
        let token = ghost.link(&b, target.id().local_id(), from).await;
        assert_eq!(ghost.answer(token).await, OK);
    }
    let each: Vec<u64> = (1..=STAND_INS).collect();
    assert_eq!(ghost.watches, each);

    let started = std::time::Instant::now();
    for _ in 0..BURST {
        ghost.audit(&b).await;
    }
    let marker = ghost.marker(&b).await;
    assert_eq!(ghost.answer(marker).await, NOPROC);
    // The burst was handled within one spacing (it takes milliseconds), so the re-send due at
    // its end cannot have come yet.
    assert!(
        started.elapsed() < spacing,
        "the burst took {:?}",
        started.elapsed()
    );
    let mut at_once = std::mem::take(&mut ghost.watches).split_off(each.len());
    let audits = at_once.len() / each.len();
    assert_eq!(audits, 1, "audits answered at once");
    at_once.sort_unstable();
    assert_eq!(at_once, each, "the first audit is answered at once, alone");

    // The others are answered together once the spacing is over.
    ghost.watched(each.len()).await;
    let mut later = std::mem::take(&mut ghost.watches);
    later.sort_unstable();
    assert_eq!(later, each, "the rest are answered by one re-send");
    assert!(started.elapsed() >= spacing);
    let marker = ghost.marker(&b).await;
    assert_eq!(ghost.answer(marker).await, NOPROC);
    assert_eq!(ghost.watches, Vec::<u64>::new(), "nothing more");
}

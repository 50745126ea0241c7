//! Remote calls and casts through the same generated handle type, against a real nats-server:
//! answers, ordering, `NoProc` for a dead actor, `Exited` for one dying mid-call, timeouts.

mod support;

use std::time::{Duration, Instant};

use beamish::cluster::{ClusterRegistry, NatsServer, Node, NodeOptions};
use beamish::prelude::*;
use support::{
    Counter, CounterHandle, Entry, HeldNode, Linker, Member, MemberHandle, Proxy, Room, RoomHandle,
    Watcher, down_and_exit, heard, node, pair, server, wait_for, wait_until,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_handle_type_calls_and_casts_across_nodes() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t1").await;

    let local: CounterHandle = Counter::start_via(&names_a, "c1", 10).await.unwrap();
    assert!(!local.actor_ref().is_remote());

    // Node b sees the name through its cache (one watch delivery after the create).
    let remote: CounterHandle = wait_for(|| names_b.whereis("c1")).await;
    assert!(remote.actor_ref().is_remote());
    assert!(remote.is_alive());
    assert_ne!(remote.id(), local.id(), "a remote id carries its node part");

    assert_eq!(remote.add(5).await, Ok(15));
    let entry = Entry {
        key: "k".into(),
        hits: 3,
    };
    assert_eq!(
        remote.echo(entry.clone(), 3).await,
        Ok(vec![entry.clone(), entry.clone(), entry])
    );
    // Casts and calls from one node keep their order.
    for _ in 0..5_000 {
        remote.bump().unwrap();
    }
    assert_eq!(remote.get().await, Ok(5_015));
    assert_eq!(local.get().await, Ok(5_015));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_remote_actor_answers_noproc_at_once() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t2").await;
    let local: CounterHandle = Counter::start_via(&names_a, "c", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("c")).await;
    assert_eq!(remote.get().await, Ok(0));

    local.stop(ExitReason::Normal).await.unwrap();
    // The stand-in learns of the exit from a's `down` frame: then calls fail without a trip.
    assert_eq!(remote.wait().await, ExitReason::Normal);
    let started = Instant::now();
    assert_eq!(remote.get().await, Err(CallError::NoProc));
    assert!(started.elapsed() < Duration::from_millis(50));

    // A fresh handle to the dead actor (made before the stand-in knew): a's node answers
    // `noproc` itself.
    let fresh = remote.with_timeout(Duration::from_secs(5));
    assert_eq!(fresh.add(1).await, Err(CallError::NoProc));
    // And the name is gone everywhere.
    wait_until(|| names_b.whereis::<CounterHandle>("c").is_none()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_actor_dying_mid_call_gives_its_exit_reason_and_timeouts_hold() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t3").await;
    Counter::start_via(&names_a, "c", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("c")).await;

    assert_eq!(
        remote
            .with_timeout(Duration::from_millis(100))
            .stall(2_000)
            .await,
        Err(CallError::Timeout)
    );
    match remote.crash().await {
        Err(CallError::Exited(ExitReason::Panic(msg))) => assert!(msg.contains("asked to crash")),
        other => panic!("expected the panic as the exit reason, got {other:?}"),
    }
    assert!(matches!(remote.wait().await, ExitReason::Panic(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_name_is_claimed_by_exactly_one_of_three_racing_nodes() {
    let server = server();
    let nodes = [
        node(&server, "t4", "a").await,
        node(&server, "t4", "b").await,
        node(&server, "t4", "c").await,
    ];
    let mut regs = Vec::new();
    for n in &nodes {
        regs.push(n.registry::<()>("race", Keys::Unique).await.unwrap());
    }
    for round in 0..1_000 {
        let key = format!("k{round}");
        let (x, y, z) = tokio::join!(
            Counter::start_via(&regs[0], key.as_str(), 0),
            Counter::start_via(&regs[1], key.as_str(), 0),
            Counter::start_via(&regs[2], key.as_str(), 0),
        );
        let results = [x, y, z];
        let winners: Vec<&CounterHandle> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let winner = winners[0].id();
        for lost in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(lost, StartError::AlreadyStarted(_)),
                "round {round}: {lost:?}"
            );
        }
        // Every node agrees on the holder once its cache has the create.
        if round % 100 == 0 {
            for (i, reg) in regs.iter().enumerate() {
                let seen: CounterHandle = wait_for(|| reg.whereis(&key)).await;
                assert_eq!(seen.get().await, Ok(0), "node {i} reaches the holder");
                let _ = winner;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_delete_never_removes_a_newer_owner() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t5").await;

    let first: CounterHandle = Counter::start_via(&names_a, "k", 1).await.unwrap();
    let old_rev = names_a.revision("k").expect("registered");
    // `b` sees the entry first, then sees it go: its cache follows the store in order, so the
    // delete is in the store by then (seeing nothing at once proves nothing).
    let _: CounterHandle = wait_for(|| names_b.whereis("k")).await;
    first.stop(ExitReason::Normal).await.unwrap();
    wait_until(|| names_b.whereis::<CounterHandle>("k").is_none()).await;

    let second: CounterHandle = Counter::start_via(&names_b, "k", 2).await.unwrap();
    let new_rev = names_b.revision("k").expect("registered");
    assert!(new_rev > old_rev);
    // A delete at the old revision (a late reaper, a zombie owner) finds a newer owner: refused.
    assert!(!names_a.delete_at("k", old_rev).await);
    let seen: CounterHandle = wait_for(|| names_a.whereis("k")).await;
    assert_eq!(seen.get().await, Ok(2));
    assert_eq!(names_b.revision("k"), Some(new_rev));
    drop(second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_monitors_and_links_see_the_real_exit_reason() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t6").await;
    let target: CounterHandle = Counter::start_via(&names_a, "t", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("t")).await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watcher = Watcher::start((remote.to_any(), tx)).await.unwrap();
    // The link is recorded on `a` too: once this call is answered, `a` has it.
    assert_eq!(remote.get().await, Ok(0));
    target.kill();
    let seen = heard(&mut rx).await;
    // Once each, though the exit came both as a signal from `a` and through the stand-in.
    watcher.ping().await.unwrap();
    assert!(rx.try_recv().is_err(), "told twice");
    assert_eq!(seen, down_and_exit(remote.id(), &ExitReason::Killed));
    assert_eq!(remote.wait().await, ExitReason::Killed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_keys_form_cluster_wide_groups() {
    let server = server();
    let a = node(&server, "t7", "a").await;
    let b = node(&server, "t7", "b").await;
    let groups_a = a.registry::<u32>("groups", Keys::Duplicate).await.unwrap();
    let groups_b = b.registry::<u32>("groups", Keys::Duplicate).await.unwrap();
    let m1 = Member::start((groups_a.clone(), "room".into(), 1))
        .await
        .unwrap();
    let _m2 = Member::start((groups_a.clone(), "room".into(), 2))
        .await
        .unwrap();
    let _m3 = Member::start((groups_b.clone(), "room".into(), 3))
        .await
        .unwrap();
    let _other = Member::start((groups_b.clone(), "hall".into(), 9))
        .await
        .unwrap();

    for reg in [&groups_a, &groups_b] {
        wait_until(|| reg.lookup("room").map(|v| v.len()) == Ok(3)).await;
        let mut values = reg
            .dispatch("room", |members| {
                members.iter().map(|(_, v)| *v).collect::<Vec<_>>()
            })
            .unwrap();
        values.sort_unstable();
        assert_eq!(values, vec![1, 2, 3]);
    }
    // Every member answers, wherever it runs, through the handle the lookup gives.
    for (actor, value) in groups_b.lookup("room").unwrap() {
        let member = MemberHandle::from_any(actor).expect("a Member");
        assert_eq!(member.value().await, Ok(value));
    }
    m1.stop(ExitReason::Normal).await.unwrap();
    wait_until(|| groups_b.lookup("room").map(|v| v.len()) == Ok(2)).await;
    assert_eq!(groups_b.keys(), vec!["hall".to_owned(), "room".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_handle_follows_the_name_from_node_to_node() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t8").await;
    let named = Counter::via(&names_b, "n");
    assert_eq!(
        named.get().await,
        Err(CallError::NoProc),
        "nobody holds the name yet"
    );

    let first: CounterHandle = Counter::start_via(&names_a, "n", 1).await.unwrap();
    wait_until(|| named.resolve().is_some()).await;
    assert_eq!(
        named.add(1).await,
        Ok(2),
        "on node a, through node b's cache"
    );

    first.stop(ExitReason::Normal).await.unwrap();
    wait_until(|| named.resolve().is_none()).await;
    let _second: CounterHandle = Counter::start_via(&names_b, "n", 10).await.unwrap();
    wait_until(|| named.resolve().is_some()).await;
    assert_eq!(named.add(1).await, Ok(11), "now on node b itself");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_kill_through_a_remote_handle_reach_the_real_actor() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t9").await;
    let first: CounterHandle = Counter::start_via(&names_a, "s", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("s")).await;
    assert_eq!(remote.stop(ExitReason::Shutdown).await, Ok(()));
    assert_eq!(first.wait().await, ExitReason::Shutdown);
    assert_eq!(remote.wait().await, ExitReason::Shutdown);
    assert_eq!(
        remote.stop(ExitReason::Normal).await,
        Err(CallError::NoProc)
    );

    let second: CounterHandle = Counter::start_via(&names_a, "k", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("k")).await;
    assert_eq!(remote.get().await, Ok(0));
    remote.kill();
    assert_eq!(second.wait().await, ExitReason::Killed);
    assert_eq!(remote.wait().await, ExitReason::Killed);
}

/// Node `a` hosting the counter "q" (at 0), and node `b`, connected at `b_url` with an outgoing
/// queue of `queue` frames, holding a handle to it that has answered once.
struct Queued {
    local: CounterHandle,
    remote: CounterHandle,
    _nodes: (Node, Node, ClusterRegistry, ClusterRegistry),
}

async fn queued(server: &NatsServer, b_url: &str, cluster: &str, queue: usize) -> Queued {
    let a = node(server, cluster, "a").await;
    let b = Node::connect(b_url, NodeOptions::new(cluster, "b").outbound_queue(queue))
        .await
        .unwrap();
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let names_b = b.registry::<()>("names", Keys::Unique).await.unwrap();
    let local: CounterHandle = Counter::start_via(&names_a, "q", 0).await.unwrap();
    let remote: CounterHandle = wait_for(|| names_b.whereis("q")).await;
    assert_eq!(remote.get().await, Ok(0));
    Queued {
        local,
        remote,
        _nodes: (a, b, names_a, names_b),
    }
}

/// `get` through a full outgoing queue is refused at once (`Full`): made again until there is
/// room, it queues behind everything sent before it and sees all of it.
async fn get_past_full(remote: &CounterHandle) -> Result<i64, CallError> {
    loop {
        match remote.get().await {
            Err(CallError::Full) => tokio::task::yield_now().await,
            other => return other,
        }
    }
}

/// The outgoing queue is bounded, and full means `Full` at once: on a single-threaded runtime
/// a burst of casts without an await never lets the connection run, so past the bound every cast is
/// refused, and exactly the accepted ones arrive.
#[tokio::test(flavor = "current_thread")]
async fn a_full_outgoing_queue_refuses_casts_at_once_and_loses_none_it_accepted() {
    let server = server();
    let q = queued(&server, &server.url(), "t10", 64).await;
    let (local, remote) = (q.local.clone(), q.remote.clone());

    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..10_000 {
        match remote.bump() {
            Ok(()) => accepted += 1,
            Err(SendError::Full) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    // The bound, no more (the connection's own commands, a heartbeat say, may hold a slot).
    assert!(
        (56..=64).contains(&accepted),
        "accepted {accepted} of 10,000"
    );
    assert_eq!(refused, 10_000 - accepted);
    // A call is refused too while the queue is full; once the connection drains it, the call
    // queues behind the accepted casts (same order), so it sees all of them.
    assert_eq!(remote.get().await, Err(CallError::Full));
    let seen = get_past_full(&remote).await;
    assert_eq!(seen, Ok(accepted));
    assert_eq!(local.get().await, Ok(accepted));
}

/// `send` to a remote actor waits for room in the node's outgoing queue where `cast` is refused,
/// and `try_send` hands a refused message back. On a single-threaded runtime the queue stays
/// full until the test awaits.
#[tokio::test(flavor = "current_thread")]
async fn send_waits_for_room_on_the_way_out_and_try_send_hands_the_message_back() {
    type Msg = <Counter as Actor>::Message;
    let server = server();
    let q = queued(&server, &server.url(), "t20", 64).await;
    let (local, remote) = (q.local.clone(), q.remote.clone());
    let to = remote.actor_ref();

    let mut sent = 0;
    while remote.bump().is_ok() {
        sent += 1;
    }
    assert!(sent <= 64, "the bound holds: {sent}");
    assert!(matches!(
        to.try_send(Msg::Bump()),
        Err(TrySendError::Full(Msg::Bump()))
    ));
    // Waiting, every one goes: 10,000 sends into a queue of 64.
    for _ in 0..10_000 {
        assert_eq!(to.send(Msg::Bump()).await, Ok(()));
        sent += 1;
    }
    let seen = get_past_full(&remote).await;
    assert_eq!(seen, Ok(sent));
    assert_eq!(local.get().await, Ok(sent));
}

/// Many tasks sending at once into a small outgoing queue on a multi-threaded runtime: every
/// send waits its turn and none is lost (8 tasks × 5,000 sends into a queue of 16).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_into_a_small_queue_all_arrive() {
    type Msg = <Counter as Actor>::Message;
    let server = server();
    let q = queued(&server, &server.url(), "t22", 16).await;
    let (local, remote) = (q.local.clone(), q.remote.clone());
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let remote = remote.with_timeout(Duration::from_secs(30));
            tokio::spawn(async move {
                for _ in 0..5_000 {
                    remote.actor_ref().send(Msg::Bump()).await?;
                }
                Ok::<_, SendError>(())
            })
        })
        .collect();
    for sender in senders {
        assert_eq!(sender.await.unwrap(), Ok(()));
    }
    // Every send is in the connection's queue now: a call through it comes after all of them
    // (one connection keeps its order), so it sees every one.
    let seen = get_past_full(&remote).await;
    assert_eq!(seen, Ok(40_000));
    assert_eq!(local.get().await, Ok(40_000));
}

/// `try_send` from many tasks into a small outgoing queue on a multi-threaded runtime: each
/// message either goes (and arrives) or comes back, never vanishes (8 tasks × 5,000 into 16).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_try_sends_either_arrive_or_come_back() {
    type Msg = <Counter as Actor>::Message;
    let server = server();
    let q = queued(&server, &server.url(), "t23", 16).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let remote = q.remote.clone();
            tokio::spawn(async move {
                let (mut went, mut back) = (0, 0);
                for i in 0..5_000 {
                    match remote.actor_ref().try_send(Msg::Bump()) {
                        Ok(()) => went += 1,
                        Err(TrySendError::Full(Msg::Bump())) => back += 1,
                        Err(_) => panic!("send {i}: neither sent nor handed back as full"),
                    }
                    if i % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                (went, back)
            })
        })
        .collect();
    let (mut went, mut back) = (0, 0);
    for task in tasks {
        let (w, b) = task.await.unwrap();
        (went, back) = (went + w, back + b);
    }
    assert_eq!(went + back, 40_000);
    assert!(
        back > 0,
        "the queue of 16 was never full: the test proved nothing"
    );
    assert_eq!(get_past_full(&q.remote).await, Ok(went));
    assert_eq!(q.local.get().await, Ok(went));
}

/// A `send` waits for room only within its handle's timeout: with the server no longer reading
/// the connection (its socket buffers, then its queue, fill up), a send ends with `Full`, not a
/// hang; once it reads again, sends go through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_finds_no_room_in_time_is_full() {
    type Msg = <Counter as Actor>::Message;
    let server = server();
    let proxy = Proxy::start(server.port());
    let q = queued(&server, &proxy.url(), "t21", 64).await;
    let (_local, remote) = (q.local.clone(), q.remote.clone());

    proxy.stall();
    let impatient = remote.with_timeout(Duration::from_millis(200));
    let impatient = impatient.actor_ref();
    let big = || Entry {
        key: "x".repeat(64 * 1024),
        hits: 1,
    };
    // Some MiB fit in the socket buffers and the queue; then every send waits, and gives up.
    let mut sent = 0;
    let sending = async {
        loop {
            match impatient.send(Msg::BumpBy(big())).await {
                Ok(()) if sent < 2_000 => sent += 1,
                other => break other,
            }
        }
    };
    let refused = tokio::time::timeout(Duration::from_secs(30), sending)
        .await
        .expect("a send waited past its handle's timeout");
    assert_eq!(refused, Err(SendError::Full), "after {sent} sends");
    proxy.restore();
    let patient = remote.with_timeout(Duration::from_secs(30));
    assert_eq!(patient.actor_ref().send(Msg::BumpBy(big())).await, Ok(()));
    assert_eq!(patient.get().await, Ok(i64::from(sent) + 1));
}

/// A handle inside a message reaches its actor from the other node: a local actor's handle
/// arrives as a stand-in, a stand-in's handle arrives home as the local actor itself, and both
/// come back inside answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_travel_inside_messages() {
    let server = server();
    let (a, _b, names_a, names_b) = pair(&server, "t16").await;
    let room: RoomHandle = Room::start_via(&names_a, "room", ()).await.unwrap();
    let room_on_b: RoomHandle = wait_for(|| names_b.whereis("room")).await;

    // Sent through `b`: `a` gets a stand-in and calls the actor through it.
    let member: CounterHandle = Counter::start(5).await.unwrap();
    room_on_b.join(member.clone()).unwrap();
    assert_eq!(room_on_b.poke().await, Ok(vec![Ok(6)]));
    assert_eq!(member.get().await, Ok(6));
    let held = room.members().await.unwrap();
    assert_eq!(held[0].id().local_id(), member.id().local_id());
    assert!(held[0].actor_ref().is_remote(), "a reaches it through b");

    // A stand-in on `b` for an actor of `a`'s arrives at `a` as the actor itself.
    let at_a: CounterHandle = Counter::start_via(&names_a, "c", 1).await.unwrap();
    let at_a_on_b: CounterHandle = wait_for(|| names_b.whereis("c")).await;
    room_on_b.join(at_a_on_b).unwrap();
    assert_eq!(room_on_b.poke().await, Ok(vec![Ok(7), Ok(2)]));
    let held = room.members().await.unwrap();
    assert_eq!(held[1].id(), at_a.id());
    assert!(!held[1].actor_ref().is_remote());

    // Back inside an answer: on `b`, its own actor is itself again.
    let back = room_on_b.members().await.unwrap();
    assert_eq!(back[0].id(), member.id());
    assert!(!back[0].actor_ref().is_remote());
    assert!(back[1].actor_ref().is_remote());
    assert_eq!(back[1].get().await, Ok(2));

    // A handle whose actor died before it arrived home does not decode: the cast is dropped
    // and counted (a call would get `CallError::Protocol`).
    let gone: CounterHandle = Counter::start_via(&names_a, "gone", 0).await.unwrap();
    let gone_on_b: CounterHandle = wait_for(|| names_b.whereis("gone")).await;
    gone.kill();
    assert_eq!(gone_on_b.wait().await, ExitReason::Killed);
    let dropped = a.dropped_casts();
    room_on_b.join(gone_on_b).unwrap();
    assert_eq!(room_on_b.poke().await.map(|v| v.len()), Ok(2), "not joined");
    assert_eq!(a.dropped_casts(), dropped + 1);

    // Outside a message to or from a remote actor a handle means nothing: it does not encode.
    assert!(beamish::cluster::wire::encode(&member).is_err());
}

/// A link made on `b` to `a`'s actor is recorded on `a` too: when `b` is lost (held still past
/// its TTL), `a`'s actor gets the exit signal `NoConnection`, as in distributed Erlang.
#[tokio::test(flavor = "current_thread")]
async fn a_link_from_another_node_fires_when_that_node_is_lost() {
    let server = server();
    let a = node(&server, "t17", "a").await;
    let names = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let x: CounterHandle = Counter::start_via(&names, "x", 0).await.unwrap();
    let options = NodeOptions::new("t17", "b").ttl(Duration::from_secs(1));
    let (mut b, _kept) = HeldNode::start(server.url(), options, |b| async move {
        let names = b.registry::<()>("names", Keys::Unique).await.unwrap();
        let x: CounterHandle = wait_for(|| names.whereis("x")).await;
        let linker = Linker::start(x.to_any()).await.unwrap();
        // The `link` frame reaches `a` before this call (one connection, one order).
        x.get().await.expect("x answers b");
        (names, x, linker)
    })
    .await;

    b.hold().await;
    let ended = tokio::time::timeout(Duration::from_secs(20), x.wait()).await;
    assert_eq!(ended, Ok(ExitReason::NoConnection));
}

/// The exit of a remote actor linked and monitored from this node reaches the watcher exactly
/// once per kind, however the `link`, exit-signal and `down` frames interleave: 300 rounds, half
/// of them killing the target before its node has recorded the link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_across_a_link_is_told_once_every_time() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t19").await;
    for round in 0..300 {
        let key = format!("t{round}");
        let target: CounterHandle = Counter::start_via(&names_a, key.as_str(), 0).await.unwrap();
        let remote: CounterHandle = wait_for(|| names_b.whereis(&key)).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let watcher = Watcher::start((remote.to_any(), tx)).await.unwrap();
        if round % 2 == 0 {
            // The link is recorded on `a` before the kill.
            assert_eq!(remote.get().await, Ok(0));
        }
        target.kill();
        let seen = heard(&mut rx).await;
        watcher.ping().await.unwrap();
        assert!(rx.try_recv().is_err(), "round {round}: told twice");
        assert_eq!(
            seen,
            down_and_exit(remote.id(), &ExitReason::Killed),
            "round {round}"
        );
        watcher.stop(ExitReason::Normal).await.unwrap();
    }
}

/// Opened again on the same node (with any value type), a registry is the same one: one watch
/// of the store (a JetStream consumer on the bucket's stream) however often it is opened, and
/// a name registered through one handle is there through the others. The other kind of keys is
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_opened_again_on_a_node_is_the_same_one() {
    let server = server();
    let a = node(&server, "t20", "a").await;
    let first = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let js = async_nats::jetstream::new(async_nats::connect(server.url()).await.unwrap());
    let mut stream = js.get_stream("KV_bm_reg_t20_names").await.unwrap();
    let watches = stream.info().await.unwrap().state.consumer_count;
    assert_eq!(watches, 1, "one watch for the first open");

    let mut again = Vec::new();
    for _ in 0..20 {
        again.push(a.registry::<u32>("names", Keys::Unique).await.unwrap());
    }
    let unit = a.registry::<()>("names", Keys::Unique).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.consumer_count, watches);

    let counter: CounterHandle = Counter::start_via(&first, "c", 1).await.unwrap();
    let through: CounterHandle = unit.whereis("c").expect("the same registry, at once");
    assert_eq!(through.id(), counter.id());
    assert!(again.iter().all(|r| r.count() == 1));

    assert_eq!(
        a.registry::<()>("names", Keys::Duplicate).await.err(),
        Some(beamish::cluster::ClusterError::KeysDiffer("names".into()))
    );

    // Opened by many tasks at once, a name still gets one registry: 10 names, 100 opens each.
    for n in 0..10 {
        let name = format!("racing{n}");
        let mut opens = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let (a, name) = (a.clone(), name.clone());
            opens.spawn(async move { a.registry::<()>(&name, Keys::Unique).await.unwrap() });
        }
        opens.join_all().await;
        let mut stream = js
            .get_stream(format!("KV_bm_reg_t20_{name}"))
            .await
            .unwrap();
        let watches = stream.info().await.unwrap().state.consumer_count;
        assert_eq!(watches, 1, "{name}: one watch for 100 opens at once");
    }
}

/// The receiving node keeps the actor its last frame reached: frames to two actors in turn each
/// reach their own, and a kept actor that died is never delivered to. 1,000 alternating casts
/// (the kept actor changes at every frame), then 200 rounds of a call that makes an actor the
/// kept one, its kill, and a call through a fresh handle that must get `NoProc`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_in_turn_reach_their_own_actor_and_never_a_dead_kept_one() {
    let server = server();
    let (_a, _b, names_a, names_b) = pair(&server, "t19").await;
    let locals: Vec<CounterHandle> = vec![
        Counter::start_via(&names_a, "left", 0).await.unwrap(),
        Counter::start_via(&names_a, "right", 1_000_000)
            .await
            .unwrap(),
    ];
    let left: CounterHandle = wait_for(|| names_b.whereis("left")).await;
    let right: CounterHandle = wait_for(|| names_b.whereis("right")).await;
    for _ in 0..1_000 {
        left.bump().unwrap();
        right.bump().unwrap();
    }
    assert_eq!(left.get().await, Ok(1_000));
    assert_eq!(right.get().await, Ok(1_001_000));
    assert_eq!(locals[0].get().await, Ok(1_000));

    for round in 0..200 {
        let name = format!("short-{round}");
        let local: CounterHandle = Counter::start_via(&names_a, &name, round).await.unwrap();
        let remote: CounterHandle = wait_for(|| names_b.whereis(&name)).await;
        // Now the actor `a` keeps for frames.
        assert_eq!(remote.get().await, Ok(round));
        let fresh = remote.with_timeout(Duration::from_secs(5));
        local.kill();
        assert_eq!(local.wait().await, ExitReason::Killed);
        // Whether `b` already knows (its stand-in answers) or not (`a` answers): `NoProc`,
        // never an answer from the dead actor.
        assert_eq!(fresh.add(1).await, Err(CallError::NoProc), "round {round}");
        // The other actors are still reached.
        assert_eq!(left.get().await, Ok(1_000), "round {round}");
    }
}

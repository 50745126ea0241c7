//! Split brain through a loopback proxy between one node and the server: a node cut off from
//! the cluster fences itself (kills its uniquely named actors) before the rest can re-home its
//! names, so no name ever has two live owners; it comes back as a new incarnation if the
//! cluster declared it lost, or as itself if not, re-claiming nothing either way.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use beamish::cluster::{ClusterRegistry, Node, NodeOptions};
use beamish::prelude::*;
use support::{Counter, CounterHandle, Proxy, node, server, wait_for, wait_for_within};

const NAMES: usize = 5;

fn name(i: usize) -> String {
    format!("n{i}")
}

/// Node `c` of `cluster` through `proxy`, with its registry "names" and `NAMES` named counters.
async fn cut_off_node(
    proxy: &Proxy,
    options: NodeOptions,
) -> (Node, ClusterRegistry, Vec<CounterHandle>) {
    let c = Node::connect(&proxy.url(), options).await.expect("node c");
    let names = c.registry::<()>("names", Keys::Unique).await.unwrap();
    let mut owned = Vec::new();
    for i in 0..NAMES {
        owned.push(
            Counter::start_via(&names, name(i).as_str(), i as i64)
                .await
                .unwrap(),
        );
    }
    (c, names, owned)
}

/// Per actor: its exit reason, and when its exit was seen.
type Deaths = Arc<Mutex<Vec<Option<(ExitReason, SystemTime)>>>>;

/// Each of `owned`'s exit reasons and the (wall-clock) moment its exit was seen: no earlier
/// than the exit itself.
fn deaths(owned: &[CounterHandle]) -> Deaths {
    let seen = Arc::new(Mutex::new(vec![None; owned.len()]));
    for (i, h) in owned.iter().enumerate() {
        let (h, seen) = (h.clone(), seen.clone());
        tokio::spawn(async move {
            let reason = h.wait().await;
            seen.lock().unwrap()[i] = Some((reason, SystemTime::now()));
        });
    }
    seen
}

/// Every 10 ms until `stop`: for each name, how many of its owners (the cut-off node's actor,
/// the majority's replacement) are alive. Returns the samples taken and the violations.
fn sampler(
    owned: Vec<CounterHandle>,
    replacements: Arc<Mutex<Vec<Option<CounterHandle>>>>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<(usize, Vec<String>)> {
    tokio::spawn(async move {
        let (mut samples, mut violations) = (0, Vec::new());
        let mut every = tokio::time::interval(Duration::from_millis(10));
        while !*stop.borrow() {
            every.tick().await;
            samples += 1;
            let now = replacements.lock().unwrap().clone();
            for (i, (old, new)) in owned.iter().zip(now).enumerate() {
                if old.is_alive() && new.as_ref().is_some_and(|n| n.is_alive()) {
                    violations.push(format!("sample {samples}: {} has two live owners", name(i)));
                }
            }
        }
        (samples, violations)
    })
}

/// The majority re-homes the cut-off node's names as soon as they are free (a claim retried
/// every 20 ms: a create that fails while the name is held).
async fn re_home(names: &ClusterRegistry, replacements: &Mutex<Vec<Option<CounterHandle>>>) {
    for i in 0..NAMES {
        let started = tokio::time::Instant::now();
        loop {
            match Counter::start_via(names, name(i).as_str(), 100 + i as i64).await {
                Ok(h) => {
                    replacements.lock().unwrap()[i] = Some(h);
                    break;
                }
                Err(_) => {
                    assert!(
                        started.elapsed() < Duration::from_secs(15),
                        "{} never freed",
                        name(i)
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
}

/// A black hole (the connection stays open, bytes vanish: nothing tells the node) longer than
/// the TTL: `c` fences itself, and only then does the majority re-home its names — checked by
/// sampling every 10 ms and, exactly, by the server's own timestamps (each replacement's entry
/// was stored after `c`'s actor was seen dead). Healed, `c` comes back as a new incarnation
/// that holds none of its old names and can register new ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_node_fences_before_its_names_are_re_homed() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let a = node(&server, "p1", "a").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let (c, names_c, owned) = cut_off_node(&proxy, NodeOptions::new("p1", "c")).await;
    for i in 0..NAMES {
        wait_for(|| names_a.whereis::<CounterHandle>(&name(i))).await;
    }
    let epoch = c.epoch();
    let died = deaths(&owned);
    let replacements = Arc::new(Mutex::new(vec![None; NAMES]));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sampling = sampler(owned.clone(), replacements.clone(), stopped);

    proxy.blackhole();
    re_home(&names_a, &replacements).await;
    assert!(c.is_fenced() && c.fences() == 1, "c fenced itself, once");
    for i in 0..NAMES {
        let (reason, seen) = died.lock().unwrap()[i].clone().expect("c's actor is dead");
        assert_eq!(reason, ExitReason::Fenced);
        let stored = names_a
            .stored_at(&name(i))
            .await
            .expect("the replacement's entry");
        assert!(
            seen < stored,
            "{}: the replacement's entry was stored before c's actor was seen dead",
            name(i)
        );
    }

    proxy.restore();
    wait_for_within(Duration::from_secs(15), || (!c.is_fenced()).then_some(())).await;
    assert_ne!(c.epoch(), epoch, "c came back as a new incarnation");
    wait_for_within(Duration::from_secs(10), || {
        c.members().contains(&"a".to_owned()).then_some(())
    })
    .await;
    wait_for_within(Duration::from_secs(10), || {
        a.members().contains(&"c".to_owned()).then_some(())
    })
    .await;
    // The names stay with the majority's owners, whom c reaches; c registers anew.
    for i in 0..NAMES {
        let owner: CounterHandle = wait_for(|| names_c.whereis(&name(i))).await;
        assert_eq!(owner.get().await, Ok(100 + i as i64));
    }
    let fresh: CounterHandle = Counter::start_via(&names_c, "fresh", 7).await.unwrap();
    let seen: CounterHandle = wait_for(|| names_a.whereis("fresh")).await;
    assert_eq!(seen.get().await, Ok(7));
    assert_eq!(
        fresh.id(),
        names_c.whereis::<CounterHandle>("fresh").unwrap().id()
    );

    stop.send(true).unwrap();
    let (samples, violations) = sampling.await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    assert!(samples > 100, "sampled {samples} times");
}

/// A cut shorter than the TTL but longer than the fence: `c` fences itself, and when it is back
/// before its key expired it is the same incarnation; the names its fence gave up are deleted
/// (at their revisions), so they are free again, not held by dead actors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_cut_fences_and_the_node_comes_back_as_itself() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let a = node(&server, "p2", "a").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let options = NodeOptions::new("p2", "c")
        .ttl(Duration::from_secs(10))
        .fence_after(Duration::from_secs(5));
    let (c, names_c, owned) = cut_off_node(&proxy, options).await;
    for i in 0..NAMES {
        wait_for(|| names_a.whereis::<CounterHandle>(&name(i))).await;
    }
    let epoch = c.epoch();

    proxy.cut();
    wait_for_within(Duration::from_secs(10), || c.is_fenced().then_some(())).await;
    let refused = Counter::start_via(&names_c, "during", 0).await;
    assert!(refused.is_err(), "a fenced node registers nothing");
    for h in &owned {
        assert_eq!(h.wait().await, ExitReason::Fenced);
    }
    proxy.restore();
    wait_for_within(Duration::from_secs(10), || (!c.is_fenced()).then_some(())).await;
    assert_eq!(
        c.epoch(),
        epoch,
        "back before its key expired: the same incarnation"
    );
    for i in 0..NAMES {
        wait_for(|| {
            names_a
                .whereis::<CounterHandle>(&name(i))
                .is_none()
                .then_some(())
        })
        .await;
    }
    assert!(a.members().contains(&"c".to_owned()));
    let again: CounterHandle = Counter::start_via(&names_c, name(0).as_str(), 42)
        .await
        .unwrap();
    let seen: CounterHandle = wait_for(|| names_a.whereis(&name(0))).await;
    assert_eq!(seen.get().await, Ok(42));
    assert_eq!(seen.id().local_id(), again.id().local_id());
}

/// A named actor that exits while its node is black-holed (for 5 s, shorter than its fence)
/// cannot delete its entry then; the entry is kept and deleted once the node is back, so the
/// name does not stay held by a dead actor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_whose_owner_exited_while_cut_off_is_freed_once_back() {
    let server = server();
    let proxy = Proxy::start(server.port());
    let a = node(&server, "p3", "a").await;
    let names_a = a.registry::<()>("names", Keys::Unique).await.unwrap();
    let options = NodeOptions::new("p3", "c")
        .ttl(Duration::from_secs(10))
        .fence_after(Duration::from_secs(8));
    let (c, _names_c, owned) = cut_off_node(&proxy, options).await;
    for i in 0..NAMES {
        wait_for(|| names_a.whereis::<CounterHandle>(&name(i))).await;
    }
    proxy.blackhole();
    for h in &owned {
        h.stop(ExitReason::Normal).await.unwrap();
    }
    // The fault lasts past the deletes' timeouts (2 s to delete, 2 s to check): they are lost.
    tokio::time::sleep(Duration::from_secs(5)).await;
    proxy.restore();
    for i in 0..NAMES {
        wait_for_within(Duration::from_secs(10), || {
            names_a
                .whereis::<CounterHandle>(&name(i))
                .is_none()
                .then_some(())
        })
        .await;
    }
    assert_eq!(c.fences(), 0, "the cut was shorter than the fence");
}

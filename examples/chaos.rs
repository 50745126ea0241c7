//! Chaos soak: a supervision tree of 10,000 named actors under fire from several tasks, checked
//! against a shadow model after every phase.
//!
//! The tree: a root `Supervisor` (one for one) over 20 `DynamicSupervisor` subtrees of 500
//! children each, every child registered under a via name (`s3/c42`) in one unique-key
//! `Registry`; even children are permanent, odd ones transient. Four tasks each own five
//! subtrees and mix, at random: calls (some with a short timeout to a handler that sleeps
//! longer), casts, panics, kills, normal stops, alias registrations and unregistrations, kills of
//! a whole subtree supervisor (the root restarts it empty; the task starts its children again)
//! and orderly shutdowns of a subtree (`terminate_child` then `restart_child`). Subtrees are
//! reached through handles that follow them across restarts.
//!
//! Checked, and counted when violated:
//! - **overrun**: a call that timed out returned more than `SLACK` after its timeout;
//! - **stale names**: right after an actor's `stop` or `wait` returned, or a subtree's
//!   shutdown, a name still led to it; at a phase end, a name the model says is gone resolves,
//!   or one it says is held does not, or an alias names another actor;
//! - **count mismatches**: `count_children` of a subtree disagrees with the model;
//! - **wrong answers**: a call failed or answered where the model says it cannot;
//! - **leaked actors**: `live_actors()` after the root's shutdown, against before the tree.
//!
//! ```sh
//! cargo run --release --example chaos                    # 200,000 operations
//! cargo run --release --example chaos -- --ops 1000000   # the long run
//! ```
//!
//! Prints the figures and exits non-zero if any check failed.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use beamish::prelude::*;
use beamish::{
    DynamicSupervisor, DynamicSupervisorOptions, Supervisor, SupervisorOptions, live_actors,
};

const SUBTREES: usize = 20;
const PER_SUBTREE: usize = 500;
const TASKS: usize = 4;
/// Operations between two model checks, per task.
const PHASE: u64 = 2_000;
/// How late a timed-out call may return: scheduling on two shared cores, not the runtime.
const SLACK: Duration = Duration::from_millis(250);

type Names = Registry<String>;

/// A child: answers its tag, sleeps on request, crashes on request, holds aliases.
struct Node {
    names: Names,
    tag: u64,
    pokes: u64,
}

#[actor]
impl Node {
    #[init]
    async fn init(args: (Names, u64)) -> Self {
        let (names, tag) = args;
        Node {
            names,
            tag,
            pokes: 0,
        }
    }

    #[call]
    async fn ping(&self) -> u64 {
        self.tag
    }

    #[call]
    async fn slow(&self, ms: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.tag
    }

    #[cast]
    async fn poke(&mut self) {
        self.pokes += 1;
    }

    #[call]
    async fn crash(&self) {
        panic!("chaos: crash on purpose")
    }

    #[call]
    async fn alias(&self, name: String) -> bool {
        self.names.register(name, ()).is_ok()
    }

    #[call]
    async fn unalias(&self, name: String) -> usize {
        self.names.unregister(&name).unwrap_or(0)
    }
}

/// One child as the model sees it.
struct Child {
    name: String,
    tag: u64,
    restart: Restart,
    alive: bool,
    aliases: BTreeSet<String>,
}

/// One subtree: its id under the root, a handle that follows it, and its children.
struct Subtree {
    id: String,
    sup: DynamicSupervisor,
    children: Vec<Child>,
}

/// What the checks found, and what was done.
#[derive(Default, Debug)]
struct Figures {
    ops: u64,
    faults: u64,
    timeouts: u64,
    max_overrun: Duration,
    overruns: u64,
    stale_names: u64,
    count_mismatches: u64,
    wrong_answers: u64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.ops += other.ops;
        self.faults += other.faults;
        self.timeouts += other.timeouts;
        self.max_overrun = self.max_overrun.max(other.max_overrun);
        self.overruns += other.overruns;
        self.stale_names += other.stale_names;
        self.count_mismatches += other.count_mismatches;
        self.wrong_answers += other.wrong_answers;
    }
}

/// xorshift64: reproducible per task, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Starts every child of `sub` (again), as the model's fresh children.
async fn populate(sub: &mut Subtree, names: &Names) -> Result<(), Box<dyn std::error::Error>> {
    sub.children.clear();
    for n in 0..PER_SUBTREE {
        let name = format!("{}/c{n}", sub.id);
        let tag = (n as u64) << 8 | 1;
        let restart = if n % 2 == 0 {
            Restart::Permanent
        } else {
            Restart::Transient
        };
        let spec = Node::child_spec_via(names, name.clone(), (names.clone(), tag)).restart(restart);
        sub.sup.start_child(spec).await?;
        sub.children.push(Child {
            name,
            tag,
            restart,
            alive: true,
            aliases: BTreeSet::new(),
        });
    }
    Ok(())
}

/// The child's death as the model sees it: a crash restarts it; a clean exit restarts only a
/// permanent one. Its aliases die with the incarnation either way.
fn died(child: &mut Child, crashed: bool) {
    child.aliases.clear();
    child.alive = crashed || child.restart == Restart::Permanent;
}

/// Waits until the subtree has handled the exit a fault just caused: its answer comes after the
/// exit signal (queued before the fault's `call`, `stop` or `wait` returned), and after the
/// restart, if any.
async fn settle(sup: &DynamicSupervisor, figures: &mut Figures) {
    figures.count_mismatches += u64::from(sup.count_children().await.is_err());
}

/// The model check of one subtree: counts, names, aliases.
async fn check(sub: &Subtree, names: &Names, figures: &mut Figures) {
    let alive = sub.children.iter().filter(|c| c.alive).count();
    match sub.sup.count_children().await {
        Ok(counts) if counts.active == alive && counts.specs == alive => {}
        _ => figures.count_mismatches += 1,
    }
    for child in &sub.children {
        let holder = names.whereis(&child.name);
        if holder.as_ref().is_some_and(|h| !h.is_alive()) || holder.is_some() != child.alive {
            figures.stale_names += 1;
        }
        for alias in &child.aliases {
            let aliased = names.whereis(alias).map(|a| a.id());
            if aliased.is_none() || aliased != holder.as_ref().map(ActorHandle::id) {
                figures.stale_names += 1;
            }
        }
    }
}

/// Kills or shuts down a whole subtree; the root brings it back empty; its children start again.
async fn subtree_fault(
    root: &Supervisor,
    sub: &mut Subtree,
    names: &Names,
    orderly: bool,
    figures: &mut Figures,
) -> Result<(), Box<dyn std::error::Error>> {
    let old: Vec<AnyActor> = sub
        .children
        .iter()
        .filter_map(|c| names.whereis(&c.name))
        .collect();
    if orderly {
        root.terminate_child(&sub.id).await?;
    } else {
        sub.sup.kill();
        for child in &old {
            child.wait().await;
        }
    }
    // Every child is dead now: none of their names, nor aliases, may lead anywhere.
    for child in &sub.children {
        let stale = names.whereis(&child.name).is_some()
            || child.aliases.iter().any(|a| names.whereis(a).is_some());
        figures.stale_names += u64::from(stale);
    }
    if orderly {
        root.restart_child(&sub.id).await?;
    }
    // The followed handle waits for the new incarnation.
    sub.sup.count_children().await?;
    populate(sub, names).await
}

/// One task's share of the chaos over the subtrees it owns.
async fn run_task(
    root: Supervisor,
    names: Names,
    mut subtrees: Vec<Subtree>,
    ops: u64,
    seed: u64,
) -> Result<(Figures, Vec<Subtree>), String> {
    let mut rng = Rng(seed);
    let mut figures = Figures::default();
    for op in 0..ops {
        let s = rng.below(subtrees.len());
        let sub = &mut subtrees[s];
        let c = rng.below(sub.children.len());
        let child = &mut sub.children[c];
        let named = Node::via(&names, child.name.clone());
        let roll = rng.below(1_000);
        figures.ops += 1;
        match roll {
            0..300 => {
                let answer = named.ping().await;
                let expected = if child.alive {
                    Ok(child.tag)
                } else {
                    Err(CallError::NoProc)
                };
                figures.wrong_answers += u64::from(answer != expected);
            }
            300..320 if child.alive => {
                let timeout = Duration::from_millis(1 + rng.next() % 3);
                let ms = rng.next() % 5;
                let started = Instant::now();
                match named.with_timeout(timeout).slow(ms).await {
                    Ok(tag) => figures.wrong_answers += u64::from(tag != child.tag),
                    Err(CallError::Timeout) => {
                        figures.timeouts += 1;
                        let overrun = started.elapsed().saturating_sub(timeout);
                        figures.max_overrun = figures.max_overrun.max(overrun);
                        figures.overruns += u64::from(overrun > SLACK);
                    }
                    Err(_) => figures.wrong_answers += 1,
                }
            }
            400..600 => {
                let sent = named.poke();
                figures.wrong_answers += u64::from(sent.is_ok() != child.alive);
            }
            600..650 if child.alive => {
                figures.faults += 1;
                let crashed = matches!(named.crash().await, Err(CallError::Exited(_)));
                figures.wrong_answers += u64::from(!crashed);
                died(child, true);
                settle(&sub.sup, &mut figures).await;
            }
            650..710 if child.alive => {
                figures.faults += 1;
                let Some(actor) = named.resolve() else {
                    figures.wrong_answers += 1;
                    continue;
                };
                let orderly = roll >= 680;
                if orderly {
                    figures.wrong_answers +=
                        u64::from(actor.stop(ExitReason::Normal).await.is_err());
                } else {
                    actor.kill();
                    actor.wait().await;
                }
                // Its name no longer leads to it (a permanent child may hold it again already).
                let stale = names
                    .whereis(&child.name)
                    .is_some_and(|a| a.id() == actor.id())
                    || child.aliases.iter().any(|a| names.whereis(a).is_some());
                figures.stale_names += u64::from(stale);
                died(child, !orderly);
                settle(&sub.sup, &mut figures).await;
            }
            710..760 if child.alive => {
                let alias = format!("{}/a{}", child.name, rng.next() % 4);
                let fresh = !child.aliases.contains(&alias);
                let registered = named.alias(alias.clone()).await;
                figures.wrong_answers += u64::from(registered != Ok(fresh));
                child.aliases.insert(alias);
            }
            760..790 if !child.aliases.is_empty() => {
                let alias = child.aliases.pop_first().unwrap_or_default();
                figures.wrong_answers += u64::from(named.unalias(alias).await != Ok(1));
            }
            999 => {
                figures.faults += 1;
                let orderly = rng.next().is_multiple_of(2);
                subtree_fault(&root, sub, &names, orderly, &mut figures)
                    .await
                    .map_err(|e| format!("subtree fault: {e}"))?;
            }
            _ => {}
        }
        if (op + 1) % PHASE == 0 || op + 1 == ops {
            for sub in &subtrees {
                check(sub, &names, &mut figures).await;
            }
        }
    }
    Ok((figures, subtrees))
}

/// The process's resident memory in KiB (Linux; 0 elsewhere), for the report only: an
/// allocator keeps freed pages, so leaks are judged by `live_actors`, not by this.
fn rss_kib() -> u64 {
    rss_kib_field("VmRSS:")
}

fn rss_kib_field(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ops: u64 = match std::env::args().skip_while(|a| a != "--ops").nth(1) {
        Some(n) => n.parse()?,
        None => 200_000,
    };
    // Thousands of panics on purpose: keep their messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let baseline = live_actors();
    let rss_before = rss_kib();
    let started = Instant::now();
    let names = Names::new(Keys::Unique);
    let subtree_options = || {
        DynamicSupervisorOptions::new()
            .max_restarts(1_000_000)
            .max_seconds(Duration::from_secs(1))
    };
    let specs: Vec<ChildSpec> = (0..SUBTREES)
        .map(|i| {
            DynamicSupervisor::child_spec(subtree_options())
                .with_id(format!("s{i}"))
                .untyped()
        })
        .collect();
    let root = Supervisor::start(
        specs,
        SupervisorOptions::new(Strategy::OneForOne)
            .max_restarts(1_000_000)
            .max_seconds(Duration::from_secs(1)),
    )
    .await?;
    let mut owned: Vec<Vec<Subtree>> = (0..TASKS).map(|_| Vec::new()).collect();
    for i in 0..SUBTREES {
        let id = format!("s{i}");
        let mut sub = Subtree {
            sup: root.follow_child(&id).await?,
            id,
            children: Vec::new(),
        };
        populate(&mut sub, &names).await?;
        owned[i % TASKS].push(sub);
    }
    let built = started.elapsed();
    println!(
        "built {} actors in {built:.2?}; running {ops} operations from {TASKS} tasks",
        live_actors() - baseline
    );

    let mut tasks = Vec::new();
    for (t, subtrees) in owned.into_iter().enumerate() {
        let (root, names) = (root.clone(), names.clone());
        let seed = 0x2545_F491_4F6C_DD1D ^ (t as u64 + 1);
        tasks.push(tokio::spawn(run_task(
            root,
            names,
            subtrees,
            ops / TASKS as u64,
            seed,
        )));
    }
    let mut figures = Figures::default();
    let mut model_entries = 0;
    for task in tasks {
        let (task_figures, subtrees) = task.await??;
        figures.add(&task_figures);
        model_entries += subtrees
            .iter()
            .flat_map(|s| &s.children)
            .map(|c| usize::from(c.alive) + c.aliases.len())
            .sum::<usize>();
    }
    let entries_mismatch = names.count() != model_entries;
    root.stop(ExitReason::Shutdown).await?;
    let leaked = live_actors().saturating_sub(baseline);
    let rss_peak = rss_kib_field("VmHWM:");
    let rss_after = rss_kib();
    let _ = std::panic::take_hook();

    let elapsed = started.elapsed();
    println!(
        "{} operations in {elapsed:.2?} ({:.0} ops/s), {} faults injected, {} timeouts",
        figures.ops,
        figures.ops as f64 / elapsed.as_secs_f64(),
        figures.faults,
        figures.timeouts
    );
    println!(
        "memory: RSS {} KiB before the tree, {} KiB peak, {} KiB after its shutdown",
        rss_before, rss_peak, rss_after
    );
    println!(
        "max call overrun {:.2?} (slack {SLACK:?}), {} past the slack; {} stale names; \
         {} count mismatches; {} wrong answers; registry entries {}; {leaked} leaked actors",
        figures.max_overrun,
        figures.overruns,
        figures.stale_names,
        figures.count_mismatches,
        figures.wrong_answers,
        if entries_mismatch {
            "differ from the model"
        } else {
            "match the model"
        },
    );
    let failed = figures.overruns
        + figures.stale_names
        + figures.count_mismatches
        + figures.wrong_answers
        + u64::from(entries_mismatch)
        + leaked as u64;
    if failed > 0 {
        eprintln!("chaos: {failed} check(s) failed");
        std::process::exit(1);
    }
    println!("chaos: every check held");
    Ok(())
}

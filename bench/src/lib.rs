//! Workloads that compare beamish with a hand-written tokio actor (the floor) and with the peer
//! frameworks ractor, kameo and actix.
//!
//! Every workload exists once per framework, in [`fw`], with the same shape: the same messages,
//! the same checks on every answer (counts, replies, generations), so nothing wins by dropping
//! work. Each function builds its own runtime, times only the workload, and returns the elapsed
//! time (or, for [`Workload::Rss`], the bytes of peak resident memory it added).
//!
//! The runner (`cargo run --release -p bench --bin compare`) prints each as a ratio to raw tokio;
//! the criterion benches (`cargo bench -p bench`) run the same functions.

pub mod extra;
pub mod fw;
mod restart;
pub mod rss;

use std::time::Duration;

/// The frameworks, in the table's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// A hand-written actor on tokio: a task, an unbounded mpsc and oneshot replies. The floor.
    Tokio,
    /// beamish, through `ActorRef` and a hand-written `impl Actor` (the path `#[actor]` generates).
    Beamish,
    /// ractor.
    Ractor,
    /// kameo.
    Kameo,
    /// actix (its own single-threaded `System`).
    Actix,
}

impl Framework {
    /// All five, in column order.
    pub const ALL: [Framework; 5] = [
        Framework::Tokio,
        Framework::Beamish,
        Framework::Ractor,
        Framework::Kameo,
        Framework::Actix,
    ];

    /// The column heading.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Tokio => "tokio",
            Framework::Beamish => "beamish",
            Framework::Ractor => "ractor",
            Framework::Kameo => "kameo",
            Framework::Actix => "actix",
        }
    }

    /// The framework named `name` (as printed by [`name`](Self::name)).
    pub fn from_name(name: &str) -> Option<Self> {
        Framework::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The workloads that every framework can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// `n` casts to one actor, then one call that checks the count.
    Tell,
    /// `n` sequential calls, each reply checked.
    Ask,
    /// The same calls, each timed alone: the 99th percentile of their latencies.
    AskP99,
    /// Start `n` actors one after another (each start returns once the actor is running), then
    /// stop each and wait for its exit.
    SpawnStop,
    /// Peak resident memory added while `n` idle actors are alive (measured in a child process).
    Rss,
    /// `tasks` tasks each making `n / tasks` sequential calls to one actor.
    FanIn,
    /// Lookups of actors by name from 2 tasks, 10,000 names registered; the tokio column is a
    /// `RwLock<HashMap>` of handles.
    Lookup,
    /// `n` times: a child panics in a handler, its supervisor restarts it, the new child answers.
    Restart,
}

impl Workload {
    /// All workloads, in the table's row order.
    pub const ALL: [Workload; 8] = [
        Workload::Tell,
        Workload::Ask,
        Workload::AskP99,
        Workload::SpawnStop,
        Workload::Rss,
        Workload::FanIn,
        Workload::Lookup,
        Workload::Restart,
    ];

    /// A short name, used on the command line of the RSS child process.
    pub fn key(self) -> &'static str {
        match self {
            Workload::Tell => "tell",
            Workload::Ask => "ask",
            Workload::AskP99 => "ask-p99",
            Workload::SpawnStop => "spawn-stop",
            Workload::Rss => "rss",
            Workload::FanIn => "fan-in",
            Workload::Lookup => "lookup",
            Workload::Restart => "restart",
        }
    }

    /// The workload named `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Workload::ALL.into_iter().find(|w| w.key() == key)
    }
}

/// Sizes of every workload.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Casts in [`Workload::Tell`].
    pub tell: u64,
    /// Calls in [`Workload::Ask`].
    pub ask: u64,
    /// Actors in [`Workload::SpawnStop`] and [`Workload::Rss`].
    pub spawn: usize,
    /// Tasks in [`Workload::FanIn`].
    pub fan_in_tasks: usize,
    /// Calls per task in [`Workload::FanIn`].
    pub fan_in_calls: u64,
    /// Names registered in [`Workload::Lookup`].
    pub names: usize,
    /// Lookups per task (2 tasks) in [`Workload::Lookup`].
    pub lookups: usize,
    /// Panics and restarts in [`Workload::Restart`].
    pub restarts: u64,
    /// Base size of the beamish-only workloads ([`extra`]).
    pub extra: usize,
}

impl Sizes {
    /// The sizes of the table.
    pub const FULL: Sizes = Sizes {
        tell: 1_000_000,
        ask: 100_000,
        spawn: 100_000,
        fan_in_tasks: 4,
        fan_in_calls: 50_000,
        names: 10_000,
        lookups: 1_000_000,
        restarts: 2_000,
        extra: 100_000,
    };

    /// Tiny sizes: every code path once, in well under a second (CI's smoke run, callgrind).
    pub const SMOKE: Sizes = Sizes {
        tell: 1_000,
        ask: 200,
        spawn: 200,
        fan_in_tasks: 4,
        fan_in_calls: 50,
        names: 100,
        lookups: 1_000,
        restarts: 5,
        extra: 1_000,
    };
}

impl Sizes {
    /// These sizes divided by `n` (at least 1 of each), e.g. for a quick run under callgrind.
    pub fn divided(self, n: u32) -> Sizes {
        let n = u64::from(n.max(1));
        let div = |x: u64| (x / n).max(1);
        let div_usize = |x: usize| usize::try_from(div(x as u64)).unwrap_or(1);
        Sizes {
            tell: div(self.tell),
            ask: div(self.ask),
            spawn: div_usize(self.spawn),
            fan_in_tasks: self.fan_in_tasks,
            fan_in_calls: div(self.fan_in_calls),
            names: div_usize(self.names),
            lookups: div_usize(self.lookups),
            restarts: div(self.restarts),
            extra: div_usize(self.extra),
        }
    }
}

/// The result of one run of one workload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// Wall time of the workload.
    Time(Duration),
    /// Bytes of peak resident memory the workload added.
    Bytes(u64),
    /// The framework has no such feature.
    NotApplicable,
}

impl Measure {
    /// The value as a number, for ratios and medians.
    pub fn value(self) -> Option<f64> {
        match self {
            Measure::Time(d) => Some(d.as_secs_f64()),
            Measure::Bytes(b) => Some(b as f64),
            Measure::NotApplicable => None,
        }
    }
}

/// Runs `workload` for `framework` in this process (for [`Workload::Rss`], the caller should be a
/// fresh child process: see [`rss`]).
pub fn run(framework: Framework, workload: Workload, sizes: &Sizes) -> Measure {
    match framework {
        Framework::Tokio => fw::raw::run(workload, sizes),
        Framework::Beamish => fw::beamish::run(workload, sizes),
        Framework::Ractor => fw::ractor::run(workload, sizes),
        Framework::Kameo => fw::kameo::run(workload, sizes),
        Framework::Actix => fw::actix::run(workload, sizes),
    }
}

/// Runs `workload` on a fresh multi-threaded tokio runtime with 2 workers (the machine's cores),
/// as every tokio-based framework here uses, inside a spawned task: the workload's own task is a
/// worker task, as in a real application, not the thread that called `block_on`.
///
/// How many times each of the runtime's workers parked (went to sleep for want of work) is kept
/// for [`parks_suffix`]: on two shared cores, the rows that hand work from task to task take their
/// time from it (see `bench/README.md`).
pub fn on_runtime<F>(workload: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let out = rt.block_on(async { tokio::spawn(workload).await.expect("workload") });
    let metrics = rt.metrics();
    let parks = (0..metrics.num_workers())
        .map(|w| metrics.worker_park_count(w))
        .collect();
    LAST_PARKS.set(Some(Parks(parks)));
    out
}

thread_local! {
    static LAST_PARKS: std::cell::Cell<Option<Parks>> = const { std::cell::Cell::new(None) };
}

/// How many times each worker of a runtime parked; displayed as `[a, b]`.
#[derive(Debug)]
pub(crate) struct Parks(Vec<u64>);

impl std::fmt::Display for Parks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// The parks of the last runtime [`on_runtime`] ran on this thread, if it ran one since the last
/// call (actix runs on its own runtime, peak RSS in a child process).
pub(crate) fn take_parks() -> Option<Parks> {
    LAST_PARKS.take()
}

/// `, parks [a, b]` for the last runtime [`on_runtime`] ran on this thread, or nothing: the tail
/// of a measurement's line.
pub fn parks_suffix() -> String {
    take_parks()
        .map(|p| format!(", parks {p}"))
        .unwrap_or_default()
}

/// Checks an answer of a workload; a wrong one is a bug in the framework or the workload, and
/// aborts the run.
#[track_caller]
pub fn check<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) {
    assert!(got == want, "{what}: got {got:?}, want {want:?}");
}

/// Latencies of single operations, for a percentile ([`Workload::AskP99`]).
#[derive(Debug)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Room for `n` samples, so that recording does not allocate.
    pub fn with_capacity(n: u64) -> Self {
        Latencies(Vec::with_capacity(usize::try_from(n).unwrap_or(0)))
    }

    /// Records the time since `start`.
    pub fn record(&mut self, start: std::time::Instant) {
        self.0.push(start.elapsed());
    }

    /// The 99th percentile of the samples (zero when there are none).
    pub fn p99(mut self) -> Duration {
        self.0.sort_unstable();
        let at = (self.0.len() * 99 / 100).min(self.0.len().saturating_sub(1));
        self.0.get(at).copied().unwrap_or_default()
    }
}

/// The names used by [`Workload::Lookup`].
pub fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("actor-{i}")).collect()
}

/// Installs a panic hook that keeps quiet about the restart workloads' deliberate panics
/// (payload `"boom"`) and reports any other.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        if info
            .payload()
            .downcast_ref::<&str>()
            .is_none_or(|s| *s != "boom")
        {
            eprintln!("{info}");
        }
    }));
}

//! Prints one markdown table of cost ratios to a hand-written tokio actor, every framework
//! measured back to back in the same run, median of 3 runs.
//!
//! ```text
//! cargo run --release -p bench --bin compare              # the full table (< 5 minutes)
//! cargo run --release -p bench --bin compare -- --smoke   # every workload once, tiny sizes
//! cargo run --release -p bench --bin compare -- --runs 5 --only tell,ask
//! cargo run --release -p bench --bin compare -- --only spawn-stop --ours-only  # one side, once
//! ```
//!
//! Each measurement printed to stderr (and each one-side measurement) ends with how many times
//! each worker of its runtime parked.
//!
//! Peak RSS is measured per workload and framework in a child process (this binary re-executed
//! with `rss <framework>`), so workloads do not pollute each other's high-water mark.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use bench::extra::{self, Extra};
use bench::{Framework, Measure, Sizes, Workload};

struct Options {
    smoke: bool,
    runs: usize,
    only: Option<Vec<Workload>>,
    /// The beamish-only rows to run.
    extras: Vec<Extra>,
    frameworks: Vec<Framework>,
    divide: u32,
    /// Only one side (beamish or the floor) of the chosen workloads and drivers, once each (for
    /// callgrind).
    one_side: Option<Side>,
}

/// One side of a driver row.
#[derive(Clone, Copy)]
enum Side {
    Ours,
    Floor,
}

fn parse_args() -> Result<(Options, Option<Framework>), String> {
    let mut options = Options {
        smoke: std::env::var_os("BEAMISH_BENCH_SMOKE").is_some_and(|v| v != "0"),
        runs: 3,
        only: None,
        extras: Extra::ALL.to_vec(),
        frameworks: Framework::ALL.to_vec(),
        divide: 1,
        one_side: None,
    };
    let mut rss_child = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => options.smoke = true,
            "--runs" => {
                let n = args.next().ok_or("`--runs` needs a number")?;
                options.runs = n.parse().map_err(|_| format!("bad `--runs` value `{n}`"))?;
            }
            "--only" => {
                let list = args.next().ok_or("`--only` needs a list of workloads")?;
                let (mut workloads, mut extras) = (Vec::new(), Vec::new());
                for k in list.split(',') {
                    if k == "extra" {
                        extras.extend(Extra::ALL);
                    } else if let Some(w) = Workload::from_key(k) {
                        workloads.push(w);
                    } else {
                        let rows = Extra::ALL.into_iter().filter(|e| e.key() == k);
                        let before = extras.len();
                        extras.extend(rows);
                        if extras.len() == before {
                            return Err(format!("unknown workload `{k}`"));
                        }
                    }
                }
                options.only = Some(workloads);
                options.extras = extras;
            }
            "--divide" => {
                let n = args.next().ok_or("`--divide` needs a number")?;
                options.divide = n
                    .parse()
                    .map_err(|_| format!("bad `--divide` value `{n}`"))?;
            }
            "--frameworks" => {
                let list = args
                    .next()
                    .ok_or("`--frameworks` needs a list of frameworks")?;
                options.frameworks = list
                    .split(',')
                    .map(|k| Framework::from_name(k).ok_or(format!("unknown framework `{k}`")))
                    .collect::<Result<Vec<_>, _>>()?;
                if !options.frameworks.contains(&Framework::Tokio) {
                    // Always measure the floor: every number is a ratio to it.
                    options.frameworks.insert(0, Framework::Tokio);
                }
            }
            "--ours-only" => options.one_side = Some(Side::Ours),
            "--floor-only" => options.one_side = Some(Side::Floor),
            "rss" => {
                let name = args.next().ok_or("`rss` needs a framework")?;
                let fw =
                    Framework::from_name(&name).ok_or(format!("unknown framework `{name}`"))?;
                rss_child = Some(fw);
            }
            "-h" | "--help" => {
                println!(
                    "usage: compare [--smoke] [--runs N] [--only tell,ask,...,extra,restart-followed,...] \
                     [--frameworks beamish,ractor,...] [--divide N] [--ours-only | --floor-only]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((options, rss_child))
}

/// `BEAMISH_BENCH_OBSERVE=1`: an observer server runs beside the workloads (no page open), on
/// a thread and runtime of its own, to measure what having it on costs.
fn observer_beside() -> Option<std::thread::JoinHandle<()>> {
    std::env::var_os("BEAMISH_BENCH_OBSERVE").filter(|v| v == "1")?;
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let addr = "127.0.0.1:0".parse().expect("an address");
            let observer = beamish::observer::Observer::start(addr)
                .await
                .expect("the observer starts");
            let _ = ready_tx.send(observer.url());
            std::future::pending::<()>().await;
        });
    });
    eprintln!("observer on: {}", ready.recv().expect("the observer's URL"));
    Some(thread)
}

fn main() {
    bench::quiet_panics();
    let _observer = observer_beside();
    let (options, rss_child) = parse_args().unwrap_or_else(|e| {
        eprintln!("compare: {e}");
        std::process::exit(2);
    });
    let sizes = if options.smoke {
        Sizes::SMOKE
    } else {
        Sizes::FULL.divided(options.divide)
    };
    if let Some(fw) = rss_child {
        // Child process: one peak-RSS measurement, printed as a number of bytes.
        match bench::run(fw, Workload::Rss, &sizes) {
            Measure::Bytes(b) => println!("{b}"),
            other => println!("{other:?}"),
        }
        return;
    }
    if let Some(side) = options.one_side {
        let fw = match side {
            Side::Ours => Framework::Beamish,
            Side::Floor => Framework::Tokio,
        };
        for &w in options.only.as_deref().unwrap_or_default() {
            let m = bench::run(fw, w, &sizes);
            println!("{}: {m:?}{}", w.key(), bench::parks_suffix());
        }
        for &e in &options.extras {
            if let Some(time) = extra::run_side(e, sizes.extra, matches!(side, Side::Ours)) {
                println!("{}: {time:?}{}", e.key(), bench::parks_suffix());
            }
        }
        return;
    }
    let workloads = options.only.clone().unwrap_or(Workload::ALL.to_vec());
    let runs = if options.smoke {
        1
    } else {
        options.runs.max(1)
    };
    let started = Instant::now();
    // (workload, framework) -> per run, (floor, framework) measured back to back.
    let mut results: Results = HashMap::new();
    let measure = |fw: Framework, w: Workload| {
        let m = if w == Workload::Rss {
            rss_in_child(fw, &options)
        } else {
            bench::run(fw, w, &sizes)
        };
        eprintln!(
            "{:>10} {:>8}: {m:?}{}",
            w.key(),
            fw.name(),
            bench::parks_suffix()
        );
        m
    };
    for run in 0..runs {
        for &w in &workloads {
            for &fw in options
                .frameworks
                .iter()
                .filter(|&&f| f != Framework::Tokio)
            {
                // Each framework is paired with the floor measured alternately with it (the order
                // flips from run to run), and each side keeps its best of `REPEAT` tries: on this
                // shared machine other load only ever adds time, and pairing keeps both sides of a
                // ratio in the same phase of it. Peak RSS is deterministic enough for one try.
                let tries = if w == Workload::Rss { 1 } else { REPEAT };
                let (mut floor, mut m) = (Measure::NotApplicable, Measure::NotApplicable);
                for _ in 0..tries {
                    if run % 2 == 0 {
                        floor = best(floor, measure(Framework::Tokio, w));
                        m = best(m, measure(fw, w));
                    } else {
                        m = best(m, measure(fw, w));
                        floor = best(floor, measure(Framework::Tokio, w));
                    }
                }
                results.entry((w, fw)).or_default().push((floor, m));
            }
        }
        eprintln!("run {} done at {:.1?}", run + 1, started.elapsed());
    }
    // The beamish-only workloads, each paired with its own baseline.
    let mut extras: HashMap<Extra, Vec<(f64, f64)>> = HashMap::new();
    if !options.extras.is_empty() {
        for run in 0..runs {
            for &e in &options.extras {
                let (mut ours, mut base) = (f64::INFINITY, f64::INFINITY);
                for attempt in 0..REPEAT {
                    let (o, b) = extra::run(e, sizes.extra, (run + attempt) % 2 == 1);
                    eprintln!("{e:?}: {o:?} vs {b:?}");
                    ours = ours.min(o.as_secs_f64());
                    base = base.min(b.as_secs_f64());
                }
                extras.entry(e).or_default().push((ours, base));
            }
            eprintln!("extra run {} done at {:.1?}", run + 1, started.elapsed());
        }
    }
    print_table(&workloads, &options.frameworks, &results, &sizes, runs);
    if !options.extras.is_empty() {
        print_extra_table(&extras, &sizes, runs);
    }
    eprintln!("total {:.1?}", started.elapsed());
}

fn rss_in_child(fw: Framework, options: &Options) -> Measure {
    let exe = std::env::current_exe().expect("own path");
    let mut cmd = Command::new(exe);
    cmd.arg("rss").arg(fw.name());
    cmd.args(["--divide", &options.divide.to_string()]);
    if options.smoke {
        cmd.arg("--smoke");
    }
    let out = cmd.output().expect("rss child");
    assert!(
        out.status.success(),
        "rss child for {} failed: {}",
        fw.name(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .map(Measure::Bytes)
        .unwrap_or(Measure::NotApplicable)
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    Some(xs[xs.len() / 2])
}

/// The row title and the floor's absolute cost per operation.
fn describe(w: Workload, sizes: &Sizes, floor: f64) -> (String, String) {
    let per = |n: f64| floor / n;
    match w {
        Workload::Tell => (
            format!("tell: {} casts to one actor", count(sizes.tell as usize)),
            format!("{:.0} ns/cast", per(sizes.tell as f64) * 1e9),
        ),
        Workload::Ask => (
            format!("ask: {} sequential calls, mean", count(sizes.ask as usize)),
            format!("{:.2} µs/call", per(sizes.ask as f64) * 1e6),
        ),
        Workload::AskP99 => (
            format!(
                "ask p99: latency of one of {} calls",
                count(sizes.ask as usize)
            ),
            format!("{:.2} µs", floor * 1e6),
        ),
        Workload::SpawnStop => (
            format!("spawn+stop {} actors", count(sizes.spawn)),
            format!("{:.2} µs/actor", per(sizes.spawn as f64) * 1e6),
        ),
        Workload::Rss => (
            "peak RSS of that".to_owned(),
            format!("{:.0} B/actor", per(sizes.spawn as f64)),
        ),
        Workload::FanIn => (
            format!(
                "fan-in: {} tasks × {} calls",
                sizes.fan_in_tasks,
                count(sizes.fan_in_calls as usize)
            ),
            format!(
                "{:.2} µs/call",
                per((sizes.fan_in_tasks as u64 * sizes.fan_in_calls) as f64) * 1e6
            ),
        ),
        Workload::Lookup => (
            format!(
                "named lookup ({} names, 2 tasks) vs `RwLock<HashMap>`",
                count(sizes.names)
            ),
            format!("{:.0} ns/lookup", per(sizes.lookups as f64) * 1e9),
        ),
        Workload::Restart => (
            "restart: panic → restarted child answering".to_owned(),
            format!("{:.1} µs/restart", per(sizes.restarts as f64) * 1e6),
        ),
    }
}

fn count(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Tries per measurement within a run; the best counts.
const REPEAT: usize = 3;

/// The better (smaller) of two measures of the same thing.
fn best(a: Measure, b: Measure) -> Measure {
    match (a.value(), b.value()) {
        (Some(x), Some(y)) if x <= y => a,
        (Some(_), None) => a,
        _ => b,
    }
}

type Results = HashMap<(Workload, Framework), Vec<(Measure, Measure)>>;

fn print_table(
    workloads: &[Workload],
    frameworks: &[Framework],
    results: &Results,
    sizes: &Sizes,
    runs: usize,
) {
    println!(
        "Cost ratio to a hand-written tokio actor (1.00 = the floor; lower is better): median \
         over {runs} run(s) of the ratio of paired measurements, each the best of {REPEAT}.\n"
    );
    let others: Vec<Framework> = frameworks
        .iter()
        .copied()
        .filter(|&f| f != Framework::Tokio)
        .collect();
    print!("| workload | tokio (floor) |");
    for fw in &others {
        print!(" {} |", fw.name());
    }
    println!("\n|---|--:|{}", "--:|".repeat(others.len()));
    for &w in workloads {
        let floors: Vec<f64> = others
            .iter()
            .flat_map(|&fw| &results[&(w, fw)])
            .filter_map(|(floor, _)| floor.value())
            .collect();
        let Some(floor) = median(floors) else {
            continue;
        };
        let (title, abs) = describe(w, sizes, floor);
        print!("| {title} | 1.00 ({abs}) |");
        for &fw in &others {
            // The ratio of each run to its paired floor, then the median.
            let ratios: Vec<f64> = results[&(w, fw)]
                .iter()
                .filter_map(|(floor, m)| Some(m.value()? / floor.value()?))
                .collect();
            match median(ratios) {
                Some(r) => print!(" {r:.2}× |"),
                None => print!(" n/a |"),
            }
        }
        println!();
    }
}

fn print_extra_table(extras: &HashMap<Extra, Vec<(f64, f64)>>, sizes: &Sizes, runs: usize) {
    println!(
        "\nbeamish-only workloads: cost ratio to the baseline named in each row, measured back \
         to back, median over {runs} run(s) of the best of {REPEAT}.\n"
    );
    println!("| workload | baseline | beamish per op | ratio |");
    println!("|---|---|--:|--:|");
    for e in Extra::ALL {
        let Some(pairs) = extras.get(&e) else {
            continue;
        };
        let n = e.count(sizes.extra);
        let (title, baseline) = e.describe(n);
        let ratio = median(pairs.iter().map(|(ours, base)| ours / base).collect());
        let per_op = median(pairs.iter().map(|(ours, _)| ours / n as f64).collect());
        let (Some(ratio), Some(per_op)) = (ratio, per_op) else {
            continue;
        };
        let per_op = if per_op >= 1e-3 {
            format!("{:.2} ms", per_op * 1e3)
        } else if per_op >= 1e-6 {
            format!("{:.2} µs", per_op * 1e6)
        } else {
            format!("{:.0} ns", per_op * 1e9)
        };
        println!("| {title} | {baseline} | {per_op} | {ratio:.2}× |");
    }
}

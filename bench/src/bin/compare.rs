//! Prints one markdown table of cost ratios to a hand-written tokio actor, every framework
//! measured back to back in the same run, median of 3 runs.
//!
//! ```text
//! cargo run --release -p bench --bin compare              # the full table (< 5 minutes)
//! cargo run --release -p bench --bin compare -- --smoke   # every workload once, tiny sizes
//! cargo run --release -p bench --bin compare -- --runs 5 --only tell,ask
//! ```
//!
//! Peak RSS is measured per workload and framework in a child process (this binary re-executed
//! with `rss <framework>`), so workloads do not pollute each other's high-water mark.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use bench::{Framework, Measure, Sizes, Workload};

struct Options {
    smoke: bool,
    runs: usize,
    only: Option<Vec<Workload>>,
    frameworks: Vec<Framework>,
    divide: u32,
}

fn parse_args() -> Result<(Options, Option<Framework>), String> {
    let mut options = Options {
        smoke: std::env::var_os("BEAMISH_BENCH_SMOKE").is_some_and(|v| v != "0"),
        runs: 3,
        only: None,
        frameworks: Framework::ALL.to_vec(),
        divide: 1,
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
                let workloads = list
                    .split(',')
                    .map(|k| Workload::from_key(k).ok_or(format!("unknown workload `{k}`")))
                    .collect::<Result<Vec<_>, _>>()?;
                options.only = Some(workloads);
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
            "rss" => {
                let name = args.next().ok_or("`rss` needs a framework")?;
                let fw =
                    Framework::from_name(&name).ok_or(format!("unknown framework `{name}`"))?;
                rss_child = Some(fw);
            }
            "-h" | "--help" => {
                println!(
                    "usage: compare [--smoke] [--runs N] [--only tell,ask,...] \
                     [--frameworks beamish,ractor,...] [--divide N]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((options, rss_child))
}

fn main() {
    bench::quiet_panics();
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
    let workloads = options.only.clone().unwrap_or(Workload::ALL.to_vec());
    let runs = if options.smoke {
        1
    } else {
        options.runs.max(1)
    };
    let started = Instant::now();
    // (workload, framework) -> one measure per run.
    let mut results: HashMap<(Workload, Framework), Vec<Measure>> = HashMap::new();
    for run in 0..runs {
        for &w in &workloads {
            // Rotate the order of frameworks from run to run, so none is always first.
            let mut order = options.frameworks.clone();
            let len = order.len();
            order.rotate_left(run % len);
            for fw in order {
                let m = if w == Workload::Rss {
                    rss_in_child(fw, &options)
                } else {
                    bench::run(fw, w, &sizes)
                };
                eprintln!("run {} {:>10} {:>8}: {m:?}", run + 1, w.key(), fw.name());
                results.entry((w, fw)).or_default().push(m);
            }
        }
    }
    print_table(&workloads, &options.frameworks, &results, &sizes, runs);
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

fn print_table(
    workloads: &[Workload],
    frameworks: &[Framework],
    results: &HashMap<(Workload, Framework), Vec<Measure>>,
    sizes: &Sizes,
    runs: usize,
) {
    println!(
        "Cost ratio to a hand-written tokio actor (1.00 = the floor; lower is better), \
         median of {runs} run(s).\n"
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
        let floor_runs = &results[&(w, Framework::Tokio)];
        let floor = median(floor_runs.iter().filter_map(|m| m.value()).collect());
        let Some(floor) = floor else { continue };
        let (title, abs) = describe(w, sizes, floor);
        print!("| {title} | 1.00 ({abs}) |");
        for &fw in &others {
            // The ratio of each run to the floor of the same run, then the median.
            let ratios: Vec<f64> = results[&(w, fw)]
                .iter()
                .zip(floor_runs)
                .filter_map(|(m, f)| Some(m.value()? / f.value()?))
                .collect();
            match median(ratios) {
                Some(r) => print!(" {r:.2}× |"),
                None => print!(" n/a |"),
            }
        }
        println!();
    }
}

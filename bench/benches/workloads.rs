//! Criterion benchmarks of the same workloads the `compare` runner tabulates, one group per
//! workload and one function per framework (peak RSS is the runner's alone: it needs a child
//! process per measurement).
//!
//! `cargo bench -p bench` runs them at a tenth of the table's sizes; `compare` gives the ratios.

use std::time::Duration;

use bench::{Framework, Measure, Sizes, Workload};
use criterion::{Criterion, criterion_group, criterion_main};

const SIZES: Sizes = Sizes {
    tell: 100_000,
    ask: 10_000,
    spawn: 10_000,
    fan_in_tasks: 4,
    fan_in_calls: 5_000,
    names: 10_000,
    lookups: 100_000,
    restarts: 200,
};

fn workloads(c: &mut Criterion) {
    bench::quiet_panics();
    for workload in Workload::ALL {
        if workload == Workload::Rss {
            continue;
        }
        let mut group = c.benchmark_group(workload.key());
        group.sample_size(10);
        for fw in Framework::ALL {
            if bench::run(fw, workload, &Sizes::SMOKE) == Measure::NotApplicable {
                continue;
            }
            group.bench_function(fw.name(), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| match bench::run(fw, workload, &SIZES) {
                            Measure::Time(d) => d,
                            _ => Duration::ZERO,
                        })
                        .sum()
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, workloads);
criterion_main!(benches);

//! slsim on the fleet workloads of benches/bare_loop.rs (issue 16): benches/copies.toml cut
//! to 1,000 simulated seconds, as written (1,000 functions x 1/s) and with 50,000 functions at
//! 0.02/s; 1M invocations each. Throughput is invocations per second of wall time; divided by
//! the bare loop's on the same workload it is slsim's share of the bare loop's speed (the issue
//! asks for at least half).
//!
//! The run is `sim::run` (the simulation and its statistics); the summary and the report
//! files are not included.
//!
//! ```text
//! cargo bench --bench fleet
//! ```

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use slsim::config::{self, Override};
use slsim::sim;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/copies.toml");
    let mut group = c.benchmark_group("slsim");
    group.sample_size(10);
    for (label, functions, rate) in
        [("1000fn-1rps-1000s", 1000, 1.0), ("50000fn-0.02rps-1000s", 50_000, 0.02)]
    {
        let sets: Vec<Override> = [
            "simulation.duration=1000s".to_string(),
            format!("lambda.function.fn.copies={functions}"),
            format!("workload.load.arrivals.rate={rate}"),
        ]
        .iter()
        .map(|s| s.parse().expect("a valid override"))
        .collect();
        let scenario = config::load(&path, &sets).expect("the fleet scenario is valid");
        let requests: u64 = sim::run(&scenario, 1).minutes.iter().map(|m| m.arrivals).sum();
        group.throughput(Throughput::Elements(requests));
        group.bench_function(label, |b| b.iter(|| sim::run(&scenario, 1).events));
    }
    group.finish();
}

// criterion's own plots need a system font (plotters with ab_glyph has none registered here)
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);

//! Simulation throughput on the benchmark workload of docs/src/getting-started.md
//! (benches/throughput.toml), cut to 1,000 simulated seconds (1M invocations) per iteration so
//! criterion can take samples. Throughput is reported in invocations per second of wall time. The
//! same workload sent to an SQS queue (benches/sqs.toml) measures the event-source mappings, in
//! messages per second.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use slsim::config::{self, Override};
use slsim::sim;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/throughput.toml");
    let cut: Override = "simulation.duration=1000s".parse().expect("a valid override");
    let mut group = c.benchmark_group("lambda");
    group.sample_size(10);
    for (label, selection) in
        [("newest-created", "newest-created"), ("most-recently-used", "most-recently-used")]
    {
        let sel: Override = format!("lambda.idle_selection={selection}").parse().expect("valid");
        let scenario =
            config::load(&path, &[cut.clone(), sel]).expect("the bench scenario is valid");
        let requests: u64 = sim::run(&scenario, 1).minutes.iter().map(|m| m.arrivals).sum();
        group.throughput(Throughput::Elements(requests));
        group.bench_function(format!("poisson-1000rps-1000s/{label}"), |b| {
            b.iter(|| sim::run(&scenario, 1).events)
        });
    }
    group.finish();

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sqs.toml");
    let scenario = config::load(&path, &[cut]).expect("the SQS bench scenario is valid");
    let messages: u64 = sim::run(&scenario, 1).minutes.iter().map(|m| m.queue_records).sum();
    let mut group = c.benchmark_group("esm");
    group.sample_size(10);
    group.throughput(Throughput::Elements(messages));
    group.bench_function("sqs-poisson-1000rps-1000s", |b| b.iter(|| sim::run(&scenario, 1).events));
    group.finish();

    // A whole sweep on one thread: validation of every point, the simulations, each point's
    // summary written, sweep.csv (no charts). Throughput in points per second.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/power-tuning.toml");
    let prep = slsim::sweep::prepare(&path, &[], &[], None).expect("the sweep is valid");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let opts = slsim::sweep::SweepOptions {
        out_dir: Some(dir.path().to_path_buf()),
        threads: Some(1),
        ..Default::default()
    };
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(prep.points.len() as u64));
    group.bench_function("power-tuning-9-points-3-replications", |b| {
        b.iter(|| slsim::sweep::run(&prep, &opts).expect("the sweep runs").ran)
    });
    group.finish();
}

// criterion's own plots need a system font (plotters with ab_glyph has none registered here)
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);

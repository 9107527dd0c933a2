//! The yardstick for slsim's speed on fleets (issue 16): the least a simulator of the
//! benches/copies.toml workload must do, written as a bare event loop. Per function Poisson
//! arrivals and lognormal run times (median 100 ms, sigma 1); one binary heap of events; a
//! stack of idle environments per function, expired lazily (an arrival finding the newest idle
//! environment older than the 10-minute keep-alive drops the whole stack and starts cold, with
//! a 500 ms init); one histogram of response times. No billing, no per-function statistics, no
//! per-minute series, no limits.
//!
//! Two workloads of 1M invocations each, cut from the fleet benchmarks of issue 16:
//! 1,000 functions x 1/s x 1,000 s and 50,000 functions x 0.02/s x 1,000 s. benches/fleet.rs
//! runs slsim on the same two; the ratio of their throughputs (invocations per second of wall
//! time, as criterion reports them) is slsim's share of the bare loop's speed.
//!
//! ```text
//! cargo bench --bench bare_loop && cargo bench --bench fleet
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};
use rand_pcg::Pcg64Mcg;

const KEEP_ALIVE_NS: u64 = 600_000_000_000;
const INIT_NS: u64 = 500_000_000;

/// One workload: `functions` each Poisson at `rate` per second for `seconds`.
#[derive(Clone, Copy)]
struct Fleet {
    functions: u32,
    rate: f64,
    seconds: u64,
}

/// What the loop counts: invocations, cold starts, and the histogram's total (so nothing is
/// optimised away).
#[derive(Debug, PartialEq)]
struct Tally {
    invocations: u64,
    cold: u64,
    histogram: u64,
}

/// Log-spaced buckets of response times: 64 per power of two of nanoseconds.
struct Histogram {
    counts: Vec<u64>,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram { counts: vec![0; 64 * 64] }
    }
    fn record(&mut self, ns: u64) {
        let ns = ns.max(1);
        let exp = 63 - ns.leading_zeros() as usize;
        // the 6 bits after the leading one
        let frac = if exp >= 6 { (ns >> (exp - 6)) & 63 } else { (ns << (6 - exp)) & 63 } as usize;
        self.counts[exp * 64 + frac] += 1;
    }
}

fn bare_loop(fleet: Fleet, seed: u64) -> Tally {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let gap = Exp::new(fleet.rate).expect("a positive rate");
    let run = LogNormal::new(0.1f64.ln(), 1.0).expect("a valid lognormal");
    let end = fleet.seconds * 1_000_000_000;
    // (time, sequence, function << 1 | finished): a total order, as slsim's queue keeps
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut idle: Vec<Vec<u64>> = vec![Vec::new(); fleet.functions as usize];
    let mut histogram = Histogram::new();
    let mut tally = Tally { invocations: 0, cold: 0, histogram: 0 };
    for f in 0..fleet.functions {
        let at = (gap.sample(&mut rng) * 1e9) as u64;
        heap.push(Reverse((at, seq, f << 1)));
        seq += 1;
    }
    while let Some(Reverse((now, _, tag))) = heap.pop() {
        let f = (tag >> 1) as usize;
        if tag & 1 == 1 {
            idle[f].push(now);
            continue;
        }
        if now >= end {
            continue;
        }
        tally.invocations += 1;
        let next = now + (gap.sample(&mut rng) * 1e9) as u64;
        heap.push(Reverse((next, seq, tag)));
        seq += 1;
        let stack = &mut idle[f];
        let warm = match stack.last() {
            Some(&since) if now - since <= KEEP_ALIVE_NS => {
                stack.pop();
                true
            }
            // the newest idle environment expired, so every older one did too
            _ => {
                stack.clear();
                false
            }
        };
        let work = (run.sample(&mut rng) * 1e9) as u64;
        let response = if warm {
            work
        } else {
            tally.cold += 1;
            INIT_NS + work
        };
        histogram.record(response);
        heap.push(Reverse((now + response, seq, tag | 1)));
        seq += 1;
    }
    tally.histogram = histogram.counts.iter().sum();
    // a use of the generator after the loop keeps its state live
    tally.histogram += rng.random_range(0..1u64);
    tally
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("bare-loop");
    group.sample_size(10);
    for (label, fleet) in [
        ("1000fn-1rps-1000s", Fleet { functions: 1000, rate: 1.0, seconds: 1000 }),
        ("50000fn-0.02rps-1000s", Fleet { functions: 50_000, rate: 0.02, seconds: 1000 }),
    ] {
        let t = bare_loop(fleet, 1);
        // every invocation is recorded once, and every function started cold at least once
        assert_eq!(t.histogram, t.invocations, "{t:?}");
        assert!(t.cold >= fleet.functions as u64, "{t:?}");
        group.throughput(Throughput::Elements(t.invocations));
        group.bench_function(label, |b| b.iter(|| bare_loop(fleet, 1).invocations));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);

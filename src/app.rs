//! What `slsim run` does, as a library call: run the replications, write every output.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Scenario;
use crate::report;
use crate::sim::{self, RunOutput};
use crate::summary;

/// How to run and where to write.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Output folder; default `output/<simulation.name>/` under the working directory.
    pub out_dir: Option<PathBuf>,
    /// Draw PNG charts (on by default in the CLI).
    pub charts: bool,
    /// Worker threads for replications; default: one per core.
    pub threads: Option<usize>,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunReport {
    pub out_dir: PathBuf,
    pub summary: serde_json::Value,
    pub files: Vec<PathBuf>,
    /// Invocations and throttled attempts simulated, over all replications and the warm-up.
    pub requests: u64,
    pub events: u64,
    pub elapsed: Duration,
}

pub fn default_out_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(&scenario.name)
}

/// Runs `scenario` and writes `summary.json`, `timeseries.csv` and the charts.
pub fn run_scenario(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<RunReport> {
    let out_dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| default_out_dir(scenario));
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create the output folder {}", out_dir.display()))?;

    let started = Instant::now();
    let mut runs: Vec<RunOutput> = match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the worker threads")?
            .install(|| sim::run_replications(scenario)),
        None => sim::run_replications(scenario),
    };
    let elapsed = started.elapsed();
    let requests = runs
        .iter()
        .flat_map(|r| r.minutes.iter())
        .map(|m| m.arrivals)
        .sum();
    let events = runs.iter().map(|r| r.events).sum();

    let per_run: Vec<serde_json::Value> = runs
        .iter_mut()
        .map(|r| summary::summarize_run(scenario, r))
        .collect();
    let summary = summary::summarize(scenario, &per_run);

    let mut files = Vec::new();
    let path = out_dir.join("summary.json");
    report::write_json(&path, &summary)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);

    // The time series and charts show the first replication (the one run with the seed itself).
    let first = &runs[0];
    let path = out_dir.join("timeseries.csv");
    report::write_timeseries(&path, &first.minutes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    if opts.charts {
        let latencies: Vec<(String, &crate::metrics::Histogram)> = first
            .functions
            .iter()
            .map(|(cfg, stats)| (cfg.name.clone(), &stats.latency))
            .collect();
        files.extend(report::write_charts(
            &out_dir,
            &scenario.name,
            &first.minutes,
            &latencies,
        )?);
    }
    Ok(RunReport {
        out_dir,
        summary,
        files,
        requests,
        events,
        elapsed,
    })
}

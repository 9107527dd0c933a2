//! What `slsim run` does, as a library call: run the replications, write every output.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Scenario;
use crate::engine::SimTime;
use crate::lambda::logs::{LogSink, SampleRate};
use crate::report;
use crate::sim::{self, RunOutput, Simulation};
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
    /// Write CloudWatch-style invocation logs of the first replication to
    /// `logs/<function>.log`, each invocation logged with this probability; `None`: no logs.
    pub logs: Option<SampleRate>,
    /// Show a progress bar of simulated time with an ETA on the terminal (hidden anyway when
    /// stderr is not one).
    pub progress: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunReport {
    pub out_dir: PathBuf,
    pub summary: serde_json::Value,
    pub files: Vec<PathBuf>,
    /// Requests simulated (arrivals at functions and records put on queues), over all
    /// replications and the warm-up.
    pub requests: u64,
    pub events: u64,
    pub elapsed: Duration,
}

pub fn default_out_dir(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(&scenario.name)
}

/// The replications of a scenario, summarised.
#[derive(Debug)]
pub struct Simulated {
    /// `summary.json`: means over replications, with `ci95` when there are several.
    pub summary: serde_json::Value,
    /// The first replication in full (time series, histograms), for the CSV and charts.
    pub first: RunOutput,
    /// Requests simulated (arrivals at functions and records put on queues), over all
    /// replications and the warm-up.
    pub requests: u64,
    pub events: u64,
}

/// Runs every replication in parallel on the current rayon pool. Each replication is
/// summarised as soon as it ends and only the first is kept whole, so memory does not grow
/// with the number of replications. Results come back in replication order: the summary does
/// not depend on the number of threads.
pub fn simulate(scenario: &Scenario) -> Simulated {
    simulate_with_logs(scenario, None, None)
}

/// [`simulate`], streaming the invocation logs of the first replication to `logs` (the files
/// written, or the error writing them, come back in `first.logs`) and advancing `progress`
/// by simulated seconds, the replications' together.
pub fn simulate_with_logs(
    scenario: &Scenario,
    logs: Option<LogSink>,
    progress: Option<&indicatif::ProgressBar>,
) -> Simulated {
    use rayon::prelude::*;
    let logs = Mutex::new(logs);
    let mut runs: Vec<(serde_json::Value, u64, u64, Option<RunOutput>)> = (0..scenario
        .replications)
        .into_par_iter()
        .map(|r| {
            let mut sim = Simulation::new(scenario, sim::replication_seed(scenario.seed, r));
            if r == 0
                && let Some(sink) = logs.lock().unwrap_or_else(PoisonError::into_inner).take()
            {
                sim.attach_logs(sink);
            }
            let mut run = match progress {
                None => sim.run(),
                Some(bar) => {
                    // whole simulated seconds reported so far by this replication
                    let done = std::sync::atomic::AtomicU64::new(0);
                    let advance = |now: SimTime| {
                        let secs = now.0 / 1_000_000_000;
                        let before = done.swap(secs, std::sync::atomic::Ordering::Relaxed);
                        bar.inc(secs.saturating_sub(before));
                    };
                    let run = sim.run_reporting(&advance);
                    let total = scenario.duration.0 / 1_000_000_000;
                    advance(SimTime(total * 1_000_000_000));
                    run
                }
            };
            let summary = summary::summarize_run(scenario, &mut run);
            // what the platforms received: function invocations, queue records, service requests
            let requests = run.minutes.iter().map(|m| m.arrivals + m.queue_records).sum::<u64>()
                + run.services.iter().map(|s| s.1.requests).sum::<u64>();
            (summary, requests, run.events, (r == 0).then_some(run))
        })
        .collect();
    let first = runs[0].3.take().expect("replication 0 is kept whole");
    let per_run: Vec<serde_json::Value> = runs.iter().map(|r| r.0.clone()).collect();
    Simulated {
        summary: summary::summarize(scenario, &per_run),
        first,
        requests: runs.iter().map(|r| r.1).sum(),
        events: runs.iter().map(|r| r.2).sum(),
    }
}

/// Runs `scenario` and writes `summary.json`, `timeseries.csv`, the charts, `report.html` and
/// the logs.
pub fn run_scenario(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<RunReport> {
    let out_dir = opts.out_dir.clone().unwrap_or_else(|| default_out_dir(scenario));
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create the output folder {}", out_dir.display()))?;
    // created before the run, so a folder that cannot take them fails at once
    let logs = opts
        .logs
        .map(|p| LogSink::create(&out_dir.join("logs"), &scenario.lambda.functions, p))
        .transpose()?;

    let started = Instant::now();
    let bar = opts.progress.then(|| {
        let total = scenario.duration.0 / 1_000_000_000 * u64::from(scenario.replications);
        crate::sweep::progress_bar(total, "simulated seconds")
    });
    let sim = match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the worker threads")?
            .install(|| simulate_with_logs(scenario, logs, bar.as_ref())),
        None => simulate_with_logs(scenario, logs, bar.as_ref()),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let elapsed = started.elapsed();
    let Simulated { summary, mut first, requests, events } = sim;

    let mut files = Vec::new();
    let path = out_dir.join("summary.json");
    report::write_json(&path, &summary)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);

    // The time series and charts show the first replication (the one run with the seed itself).
    let path = out_dir.join("timeseries.csv");
    let per_service = crate::service::metrics::timeseries_columns(&first.services);
    report::write_timeseries(&path, &first.minutes, &per_service)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    if opts.charts {
        let latencies: Vec<(String, &crate::metrics::Histogram)> =
            first.functions.iter().map(|(cfg, stats)| (cfg.name.clone(), &stats.latency)).collect();
        let queues = !scenario.queues.is_empty();
        let apis = !scenario.apigateway.apis.is_empty();
        files.extend(report::write_charts(
            &out_dir,
            &scenario.name,
            &first.minutes,
            &latencies,
            queues,
            apis,
            &summary,
        )?);
    }
    // last, report.html: the tables and the charts just drawn (not older files of the folder)
    let stems = report::html::chart_stems(&files);
    let html =
        report::html::run_page(&scenario.name, &summary, scenario.slo.as_ref(), &out_dir, &stems);
    let path = out_dir.join("report.html");
    report::write_atomic(&path, html.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    // the other outputs are written first: a failure writing the logs loses nothing else
    if let Some(logs) = first.logs.take() {
        files.extend(logs?);
    }
    Ok(RunReport { out_dir, summary, files, requests, events, elapsed })
}

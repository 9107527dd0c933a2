//! What `slsim run` does, as a library call: run the replications, write every output.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Scenario;
use crate::lambda::logs::{LogSink, SampleRate};
use crate::report;
pub use crate::run::{Simulated, simulate, simulate_with_logs};
use crate::sweep;

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
    pub summary: crate::summary::Summary,
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
        crate::progress::progress_bar(total, "simulated seconds")
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
    summary.write_file(&path).with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    if !summary.functions().is_empty() {
        let path = out_dir.join("functions.csv");
        summary
            .write_functions_csv(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push(path);
    }

    // The time series and charts show the first replication (the one run with the seed itself).
    let path = out_dir.join("timeseries.csv");
    let per_service = crate::service::metrics::timeseries_columns(&first.services);
    report::write_timeseries(&path, &first.minutes, &per_service)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    if opts.charts {
        files.extend(report::write_charts(&out_dir, &scenario.name, &first, &summary)?);
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

/// The messages of `summary.json`'s `warnings`, in order, for the terminal.
pub fn warning_messages(summary: &crate::summary::Summary) -> Vec<&str> {
    summary["warnings"]
        .as_array()
        .map(|ws| ws.iter().filter_map(|w| w["message"].as_str()).collect())
        .unwrap_or_default()
}

/// `slsim sweep`: runs the points (see [`sweep::run`]) and, once every point is in the folder,
/// writes `sweep.csv`, the charts, `recommendation.json` and `report.html`.
pub fn sweep(
    prep: &sweep::Prepared,
    opts: &sweep::SweepOptions,
) -> anyhow::Result<sweep::SweepReport> {
    let mut done = sweep::run(prep, opts)?;
    if done.complete {
        let manifest = sweep::read_manifest(&done.out_dir)?;
        done.files = report::sweep_outputs::finish(&done.out_dir, &manifest, opts.charts)?;
    }
    Ok(done)
}

/// `slsim merge`: gathers the points of shard folders into `out` (see [`sweep::merge_points`])
/// and writes what one unsharded run would have written, byte for byte.
pub fn merge(dirs: &[PathBuf], out: &Path, charts: bool) -> anyhow::Result<(usize, Vec<PathBuf>)> {
    let (points, manifest) = sweep::merge_points(dirs, out)?;
    Ok((points, report::sweep_outputs::finish(out, &manifest, charts)?))
}

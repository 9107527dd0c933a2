//! `slsim import logs`: Lambda REPORT records (`aws logs filter-log-events` JSON, `aws logs
//! tail` or saved log text, JSON-format `platform.report` records, slsim's own `--logs`) turned
//! into a request trace per function and the figures observed per minute.
//!
//! ```text
//! files --read (streaming; REPORT records kept, other lines counted)--> records
//!   --sort by start (= end - Duration - Init Duration)--> per function:
//!        [[trace]] format = "requests" (start, run time on one vCPU by the CPU law)
//!        template: memory_size, timeout, init_duration (empirical), error_rate
//!   --per minute, all functions--> observed.csv (for `slsim compare`)
//! ```
//!
//! Trace time 0 is the start of the UTC minute of the earliest request start, for every
//! function and for `observed.csv`, so a run of the imported scenario lines up with the
//! observed minutes.

mod read;
mod scenario;

use std::path::{Path, PathBuf};

pub use read::{MAX_LINE, Report, Status};

use super::observed::{Metric, Observed};
use super::{ImportError, Output, time};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exported files: aws logs filter-log-events JSON (several files = pages), log text
    /// (aws logs tail, saved logs, slsim's logs/NAME.log) or JSON-format log lines.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Every record belongs to this function (default: the function a JSON record names, else
    /// each file's stem: orders.log gives "orders").
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Share of the run time assumed to be CPU work (0..=1): run times are converted to one
    /// vCPU with it, and the trace replays them with it.
    #[arg(long, value_name = "C", default_value_t = 1.0, value_parser = share)]
    pub cpu_bound: f64,
    /// vCPUs the CPU work is assumed to use at once (1..=1024).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: u32,
    /// The functions' timeout when no record timed out, e.g. "30s" (default: the longest
    /// observed Duration, rounded up to a second).
    #[arg(long, value_name = "DURATION", value_parser = timeout)]
    pub timeout: Option<String>,
    /// The runtime written for a function whose records show no cold start.
    #[arg(long, default_value = "python3.12")]
    pub runtime: String,
    /// The functions' architecture: the price of observed.csv's cost_usd and the scenario's.
    #[arg(long, default_value = "x86_64", value_parser = ["x86_64", "arm64"])]
    pub architecture: String,
}

fn share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(c) if (0.0..=1.0).contains(&c) => Ok(c),
        _ => Err(format!("\"{s}\" is not a share; allowed 0.0..=1.0 (1.0: all CPU work)")),
    }
}

fn timeout(s: &str) -> Result<String, String> {
    let d = crate::units::parse_duration(s)?;
    let secs = d.as_secs_f64();
    if (1.0..=900.0).contains(&secs) {
        Ok(s.trim().to_string())
    } else {
        Err(format!("\"{s}\" is not a Lambda timeout; allowed \"1s\"..=\"900s\""))
    }
}

/// The longest period one import covers (a year of minutes): a timestamp far off would
/// otherwise ask for a table of millions of minutes.
pub const MAX_MINUTES: u32 = 366 * 1440;

/// The records of all files, each placed in time, sorted by start.
#[derive(Debug)]
pub struct Logs {
    pub functions: Vec<String>,
    /// Sorted by start; every `end_ms` is set.
    pub reports: Vec<Report>,
    /// Lines or events that were not REPORT records.
    pub skipped: u64,
    /// Records without a timestamp, placed one after another (their arrival times unknown).
    pub untimed: u64,
    /// Per file: path and REPORT records.
    pub per_file: Vec<(String, u64)>,
    /// Trace time 0: the start of the UTC minute of the earliest start, ms since the epoch.
    pub t0_ms: i64,
    /// Whole minutes from `t0_ms` covering the last end.
    pub minutes: u32,
}

/// When a record's invocation started: its end minus `Duration` and `Init Duration`.
pub fn start_ms(r: &Report) -> f64 {
    r.end_ms.unwrap_or(0.0) - r.duration_ms - r.init_ms.unwrap_or(0.0)
}

/// Reads and places the records of `files`.
pub fn load(files: &[PathBuf], function: Option<&str>) -> Result<Logs, ImportError> {
    let mut reader = read::Reader::new(function);
    for f in files {
        reader.read_file(f)?;
    }
    let read::Reader { functions, mut reports, skipped, per_file, .. } = reader;
    if reports.is_empty() {
        let file = files.first().map_or(Path::new(""), PathBuf::as_path);
        let what = if files.len() > 1 { format!(" in {} files", files.len()) } else { "".into() };
        return Err(ImportError::new(
            file,
            "",
            format!(
                "no REPORT line{what} ({skipped} other lines or events skipped): expected Lambda \
                 REPORT lines (`REPORT RequestId: ... Duration: ... ms ...`) or JSON-format \
                 `platform.report` records"
            ),
        ));
    }
    // records without a timestamp: one after another from the earliest timed start
    let base =
        reports.iter().filter(|r| r.end_ms.is_some()).map(start_ms).fold(f64::INFINITY, f64::min);
    let mut cursor = if base.is_finite() { base } else { 0.0 };
    let mut untimed = 0;
    for r in reports.iter_mut().filter(|r| r.end_ms.is_none()) {
        cursor += r.duration_ms + r.init_ms.unwrap_or(0.0);
        r.end_ms = Some(cursor);
        untimed += 1;
    }
    reports.sort_by(|a, b| start_ms(a).total_cmp(&start_ms(b)).then(a.function.cmp(&b.function)));
    let first = reports.first().map_or(0.0, start_ms);
    // Timestamps are whole ms (truncated), so a start is known to about 1 ms: one that falls
    // within 1 ms before a minute's start belongs to that minute (slsim's first arrival just
    // after time 0 must not open the minute before it).
    let t0_ms = ((first + 1.0) / 60_000.0).floor() as i64 * 60_000;
    let last_end = reports.iter().map(|r| r.end_ms.unwrap_or(0.0)).fold(first, f64::max);
    let minutes = ((last_end - t0_ms as f64) / 60_000.0).ceil().max(1.0);
    if minutes > f64::from(MAX_MINUTES) {
        // name the record that ends last (the first one is as likely wrong: say both times)
        let last = reports
            .iter()
            .max_by(|a, b| a.end_ms.unwrap_or(0.0).total_cmp(&b.end_ms.unwrap_or(0.0)));
        let (file, place) = last.map_or((files.first().cloned(), String::new()), |r| {
            (files.get(r.file as usize).cloned(), r.place())
        });
        return Err(ImportError::new(
            file.as_deref().unwrap_or(Path::new("")),
            place,
            format!(
                "the records span from {} to {}: more than the {} days one import covers; \
                 check the timestamps, or import a shorter period",
                time::format(first as i64),
                time::format(last_end as i64),
                MAX_MINUTES / 1440
            ),
        ));
    }
    Ok(Logs {
        functions,
        reports,
        skipped,
        untimed,
        per_file,
        t0_ms,
        minutes: minutes.min(f64::from(u32::MAX)) as u32,
    })
}

/// The figures of REPORT logs per minute (all functions summed), trace time 0 at the start of
/// the minute of the earliest start; cost at the x86_64 price, or Arm's with `arm64`. For
/// `slsim compare`.
pub fn observed(
    files: &[PathBuf],
    function: Option<&str>,
    arm64: bool,
) -> Result<Observed, ImportError> {
    Ok(observed_of(&load(files, function)?, arm64))
}

/// The on-demand price per GB-s (first volume tier, list price) and per request.
fn prices(arm64: bool) -> (f64, f64) {
    let p = &crate::pricing::US_EAST_1;
    let arch = if arm64 { &p.arm64 } else { &p.x86_64 };
    (arch.duration_tiers[0].usd_per_unit, p.usd_per_request)
}

/// What a record costs at list price without free tier: the request and its billed
/// duration (`Billed Duration`, else Duration plus Init Duration rounded up to a ms).
pub fn cost_usd(r: &Report, arm64: bool) -> f64 {
    let (gb_s, request) = prices(arm64);
    let billed = r.billed_ms.unwrap_or_else(|| (r.duration_ms + r.init_ms.unwrap_or(0.0)).ceil());
    request + billed / 1000.0 * f64::from(r.memory_mb) / 1024.0 * gb_s
}

/// The nearest-rank quantile `q` of sorted values.
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted.get(rank - 1).copied()
}

fn observed_of(logs: &Logs, arm64: bool) -> Observed {
    let minutes = logs.minutes as usize;
    let mut o = Observed::new(logs.t0_ms, 60, minutes);
    let t0 = logs.t0_ms as f64;
    let minute = |t: f64| (((t - t0) / 60_000.0).floor().max(0.0) as usize).min(minutes - 1);
    for m in 0..minutes {
        for metric in [Metric::Invocations, Metric::Errors, Metric::ColdStarts, Metric::CostUsd] {
            o.set(m, metric, 0.0);
        }
    }
    let mut durations = vec![Vec::new(); minutes];
    let mut edges = Vec::with_capacity(2 * logs.reports.len());
    for r in &logs.reports {
        let start = start_ms(r);
        let m = minute(start);
        o.add(m, Metric::Invocations, 1.0);
        if r.status != Status::Success {
            o.add(m, Metric::Errors, 1.0);
        }
        if r.init_ms.is_some() {
            o.add(m, Metric::ColdStarts, 1.0);
        }
        o.add(m, Metric::CostUsd, cost_usd(r, arm64));
        if let Some(d) = durations.get_mut(m) {
            d.push(r.duration_ms);
        }
        // microseconds: ends sort before starts at the same time (an environment is free
        // again when its invocation ends)
        edges.push(((start * 1e3).round() as i64, 1i64));
        edges.push(((r.end_ms.unwrap_or(start) * 1e3).round() as i64, -1));
    }
    for (m, d) in durations.iter_mut().enumerate() {
        d.sort_by(f64::total_cmp);
        if let (Some(p50), Some(p99)) = (nearest_rank(d, 0.5), nearest_rank(d, 0.99)) {
            o.set(m, Metric::DurationP50, p50);
            o.set(m, Metric::DurationP99, p99);
        }
    }
    edges.sort();
    let mut max = vec![0i64; minutes];
    let (mut level, mut current) = (0i64, 0usize);
    for (t, delta) in edges {
        let m = minute(t as f64 / 1e3);
        while current < m {
            current += 1;
            max[current] = max[current].max(level);
        }
        level += delta;
        if delta > 0 {
            max[m] = max[m].max(level);
        }
    }
    for (m, c) in max.into_iter().enumerate() {
        o.set(m, Metric::ConcurrencyMax, c as f64);
    }
    o
}

/// Reads the files; `stem` names the data files written beside the scenario.
pub fn import(args: &Args, stem: &str) -> Result<Output, ImportError> {
    let logs = load(&args.files, args.function.as_deref())?;
    let observed = observed_of(&logs, args.architecture == "arm64");
    Ok(scenario::write(args, stem, &logs, &observed))
}

#[cfg(test)]
mod tests;

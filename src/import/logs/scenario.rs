//! The imported scenario's text and data files: per function a `requests` trace, its
//! template, empirical run-time and init-time files and a commented `[[workload]]`
//! alternative; `observed.csv` for all.

use std::fmt::Write;

use super::{Args, Logs, Report, Status, nearest_rank, start_ms};
use crate::import::observed::Observed;
use crate::import::{Output, time, toml_str};
use crate::trace::lambda_memory;

/// The run-time multiplier of the CPU law at `memory_mb` (as the model applies it):
/// `(1 - C) + C / min(vCPUs, threads)`, vCPUs = memory / 1769, at most 6.
pub fn cpu_factor(memory_mb: u32, cpu_bound: f64, threads: u32) -> f64 {
    let vcpu = (f64::from(memory_mb) / 1769.0).min(6.0);
    (1.0 - cpu_bound) + cpu_bound / vcpu.min(f64::from(threads))
}

/// A record's run time converted to one vCPU.
pub fn one_vcpu_ms(r: &Report, cpu_bound: f64, threads: u32) -> f64 {
    r.duration_ms / cpu_factor(lambda_memory(f64::from(r.memory_mb)), cpu_bound, threads)
}

/// What one function's records show.
struct Seen<'a> {
    name: &'a str,
    records: Vec<&'a Report>,
    cold: usize,
    restores: usize,
    errors: usize,
    timeouts: usize,
    /// Distinct memory sizes in time order.
    sizes: Vec<u32>,
}

impl<'a> Seen<'a> {
    fn of(logs: &'a Logs, f: usize) -> Seen<'a> {
        let records: Vec<&Report> =
            logs.reports.iter().filter(|r| r.function as usize == f).collect();
        let mut sizes = Vec::new();
        for r in &records {
            if sizes.last() != Some(&r.memory_mb) && !sizes.contains(&r.memory_mb) {
                sizes.push(r.memory_mb);
            }
        }
        Seen {
            name: logs.functions.get(f).map_or("", String::as_str),
            cold: records.iter().filter(|r| r.init_ms.is_some()).count(),
            restores: records.iter().filter(|r| r.restore).count(),
            errors: records.iter().filter(|r| r.status == Status::Error).count(),
            timeouts: records.iter().filter(|r| r.status == Status::Timeout).count(),
            sizes,
            records,
        }
    }

    fn memory(&self) -> u32 {
        self.records.last().map_or(128, |r| lambda_memory(f64::from(r.memory_mb)))
    }
}

fn ms(v: f64) -> String {
    format!("{v:.3}ms")
}

fn span(records: &[&Report]) -> String {
    let first = records.first().map_or(0.0, |r| start_ms(r));
    let last = records.iter().map(|r| r.end_ms.unwrap_or(0.0)).fold(first, f64::max);
    format!(
        "{} to {} ({:.1} s)",
        time::format(first.floor() as i64),
        time::format(last.ceil() as i64),
        (last - first) / 1e3
    )
}

/// Writes the scenario and its data files.
pub fn write(args: &Args, stem: &str, logs: &Logs, observed: &Observed) -> Output {
    let mut out = Output::default();
    let mut s = String::new();
    let total = logs.reports.len();
    let files: Vec<String> =
        logs.per_file.iter().map(|(f, n)| format!("{f} ({n} REPORT records)")).collect();
    let _ = writeln!(s, "# Imported by `slsim import logs` from Lambda REPORT records:");
    for f in &files {
        let _ = writeln!(s, "#   {f}");
    }
    let _ = writeln!(
        s,
        "# {total} invocations of {} function(s) ({}), {}.",
        logs.functions.len(),
        logs.functions.join(", "),
        span(&logs.reports.iter().collect::<Vec<_>>())
    );
    let _ = writeln!(
        s,
        "# Skipped: {} lines or events that are not REPORT records (START, END, application \
         output).",
        logs.skipped
    );
    if logs.untimed > 0 {
        let _ = writeln!(
            s,
            "# {} records had no timestamp: they are placed one after another, so their arrival \
             times (and concurrency) are NOT the observed ones.",
            logs.untimed
        );
    }
    let _ = writeln!(
        s,
        "# Trace time 0 = {} (the start of the minute of the earliest request start).",
        time::format(logs.t0_ms)
    );
    let _ = writeln!(
        s,
        "# Assumed: cpu_bound = {} and threads = {} (--cpu-bound, --threads): run times are \
         converted to one vCPU\n# by the CPU law d1 = d / ((1 - C) + C / min(memory/1769, 6, N)), \
         and the trace converts them back at the\n# function's memory size, so a run at the \
         observed memory gives back the observed durations.",
        args.cpu_bound, args.threads
    );
    let _ = writeln!(
        s,
        "# Compare a run with {stem}.observed.csv (`slsim compare {stem}.observed.csv OUT_DIR`) \
         and each\n# function's comments below with summary.json `functions.NAME` \
         (invocations, cold_start_ratio, errors, timeouts)."
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "[simulation]");
    let _ = writeln!(s, "name = {}", toml_str(stem));
    let _ = writeln!(s, "duration = \"{}m\"", logs.minutes);
    let arm64 = args.architecture == "arm64";
    for f in 0..logs.functions.len() {
        let seen = Seen::of(logs, f);
        if seen.records.is_empty() {
            continue;
        }
        function(&mut s, &mut out, args, stem, logs, &seen, arm64);
    }
    out.scenario = s;
    out.files.push((format!("{stem}.observed.csv"), observed.to_csv().into_bytes()));
    out.messages.insert(
        0,
        format!(
            "read {total} REPORT records of {} function(s) from {} file(s); skipped {} other \
             lines or events",
            logs.functions.len(),
            logs.per_file.len(),
            logs.skipped
        ),
    );
    out.messages.push(format!(
        "assumed cpu_bound = {} and threads = {} (--cpu-bound, --threads)",
        args.cpu_bound, args.threads
    ));
    out
}

fn function(
    s: &mut String,
    out: &mut Output,
    args: &Args,
    stem: &str,
    logs: &Logs,
    seen: &Seen,
    arm64: bool,
) {
    let name = seen.name;
    let n = seen.records.len();
    let mut durations: Vec<f64> = seen.records.iter().map(|r| r.duration_ms).collect();
    durations.sort_by(f64::total_cmp);
    let p50 = nearest_rank(&durations, 0.5).unwrap_or(0.0);
    let p99 = nearest_rank(&durations, 0.99).unwrap_or(0.0);
    let longest = durations.last().copied().unwrap_or(0.0);
    let max_used = seen.records.iter().filter_map(|r| r.max_memory_mb).max();
    let memory = seen.memory();
    let _ = writeln!(s);
    let _ = writeln!(s, "# --- function {name} ---");
    let _ = writeln!(
        s,
        "# Observed: {n} invocations, {} cold starts (cold-start ratio {:.4}), {} errors, {} \
         timeouts;\n# Duration p50 {p50:.2} ms, p99 {p99:.2} ms (nearest rank), longest \
         {longest:.2} ms; max memory used {}; {}.",
        seen.cold,
        seen.cold as f64 / n as f64,
        seen.errors,
        seen.timeouts,
        max_used.map_or("not reported".to_string(), |m| format!("{m} MB")),
        span(&seen.records)
    );
    if seen.sizes.len() > 1 {
        let sizes: Vec<String> = seen.sizes.iter().map(|m| format!("{m} MB")).collect();
        let _ = writeln!(
            s,
            "# Memory Size changed during the logs ({}): memory_size is the last; run times \
             were converted at each record's own size.",
            sizes.join(", ")
        );
        out.messages.push(format!(
            "function {name}: several memory sizes ({}); the scenario uses the last, {memory} MB",
            sizes.join(", ")
        ));
    }
    // the trace: start (s from trace time 0) and run time on one vCPU
    let t0 = logs.t0_ms as f64;
    let mut csv = String::from("timestamp,duration_ms\n");
    let mut one_vcpu = String::from("# run times on one vCPU (ms), converted by the CPU law\n");
    let mut sum_d1 = 0.0;
    for r in &seen.records {
        let d1 = one_vcpu_ms(r, args.cpu_bound, args.threads);
        sum_d1 += d1;
        // at most 1 ms before trace time 0 (see `load`): replayed at 0
        let _ = writeln!(csv, "{:.3},{:.3}", ((start_ms(r) - t0) / 1e3).max(0.0), d1);
        let _ = writeln!(one_vcpu, "{}", ms(d1));
    }
    let requests = format!("{stem}-{name}.requests.csv");
    let duration_file = format!("{stem}-{name}.duration.txt");
    out.files.push((requests.clone(), csv.into_bytes()));
    out.files.push((duration_file.clone(), one_vcpu.into_bytes()));
    let _ = writeln!(s, "[[trace]]");
    let _ = writeln!(s, "name = {}", toml_str(name));
    let _ = writeln!(s, "format = \"requests\"");
    let _ = writeln!(s, "path = {}", toml_str(&requests));
    let _ = writeln!(s, "cpu_bound = {:?}", args.cpu_bound);
    let _ = writeln!(s, "threads = {}", args.threads);
    let _ = writeln!(s, "[trace.template]");
    let template = template(args, stem, seen, longest, memory, out);
    s.push_str(&template);
    // the alternative: the same function under a Poisson workload at the observed mean rate
    let rate = n as f64 / (f64::from(logs.minutes) * 60.0);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# Alternative: replace the [[trace]] above by a Poisson workload at the observed mean \
         rate\n# (mean run time on one vCPU {:.2} ms):",
        sum_d1 / n as f64
    );
    let _ = writeln!(s, "# [[lambda.function]]");
    let _ = writeln!(s, "# name = {}", toml_str(name));
    for line in template.lines() {
        let _ = writeln!(s, "# {line}");
    }
    let _ = writeln!(s, "#");
    let _ = writeln!(s, "# [[workload]]");
    let _ = writeln!(s, "# name = {}", toml_str(name));
    let _ = writeln!(s, "# target = {}", toml_str(&format!("function:{name}")));
    let _ = writeln!(s, "# arrivals = {{ process = \"poisson\", rate = {rate:.6} }}");
    let _ =
        writeln!(s, "# duration = {{ dist = \"empirical\", path = {} }}", toml_str(&duration_file));
    let _ = writeln!(s, "# cpu_bound = {:?}", args.cpu_bound);
    let _ = writeln!(s, "# threads = {}", args.threads);
    let cost: f64 = seen.records.iter().map(|r| super::cost_usd(r, arm64)).sum();
    out.messages.push(format!(
        "function {name}: {n} invocations, {} cold starts, {} errors, {} timeouts, {memory} MB, \
         ${cost:.6} at list price",
        seen.cold, seen.errors, seen.timeouts
    ));
}

/// The `[trace.template]` keys of a function (also the commented `[[lambda.function]]`):
/// memory size, architecture, timeout, init time (or runtime) and error rate; writes the
/// init-time file.
fn template(
    args: &Args,
    stem: &str,
    seen: &Seen,
    longest: f64,
    memory: u32,
    out: &mut Output,
) -> String {
    let (name, n) = (seen.name, seen.records.len());
    let mut template = String::new();
    let _ = writeln!(template, "memory_size = {memory}");
    let _ = writeln!(template, "architecture = {}", toml_str(&args.architecture));
    // timeout: what the timed-out records ran, else the flag, else above the longest run
    let timed_out =
        seen.records.iter().filter(|r| r.status == Status::Timeout).map(|r| r.duration_ms);
    if let Some(t) = timed_out.reduce(f64::max) {
        let secs = (t / 1e3).round().clamp(1.0, 900.0);
        let _ =
            writeln!(template, "timeout = \"{secs}s\"  # the Duration of the timed-out records");
    } else if let Some(t) = &args.timeout {
        let _ = writeln!(template, "timeout = {}  # --timeout (no record timed out)", toml_str(t));
    } else {
        let secs = ((longest / 1e3).floor() + 1.0).clamp(1.0, 900.0);
        let _ = writeln!(
            template,
            "timeout = \"{secs}s\"  # assumed: above the longest Duration (no record timed out; \
             --timeout sets it)"
        );
    }
    if seen.cold > 0 {
        let init_file = format!("{stem}-{name}.init.txt");
        let mut init = String::from("# Init Duration of the cold starts (ms)\n");
        for r in &seen.records {
            if let Some(i) = r.init_ms {
                let _ = writeln!(init, "{}", ms(i));
            }
        }
        out.files.push((init_file.clone(), init.into_bytes()));
        let _ = writeln!(
            template,
            "init_duration = {{ dist = \"empirical\", path = {} }}  # {} cold starts",
            toml_str(&init_file),
            seen.cold
        );
        if seen.restores > 0 {
            let _ = writeln!(
                template,
                "# {} of them were SnapStart restores (Restore Duration), taken as init time",
                seen.restores
            );
        }
    } else {
        let _ = writeln!(
            template,
            "runtime = {}  # assumed (no cold start in the logs; --runtime sets it)",
            toml_str(&args.runtime)
        );
    }
    let _ = writeln!(
        template,
        "error_rate = {:.6}  # {} errors of {n} invocations ({} timeouts, which the timeout \
         reproduces)",
        seen.errors as f64 / n as f64,
        seen.errors,
        seen.timeouts
    );
    template
}

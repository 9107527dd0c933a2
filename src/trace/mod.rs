//! Trace replay: `[[trace]]` sections turned into request streams and the components they
//! create (a Lambda function per trace function, or a service per group of them).
//!
//! ```text
//! [[trace]] --prepare (one streaming pass: functions, rows, bad rows)--> TraceConfig
//!     |                      + generated [[lambda.function]]s or [[service]]s (config::validate)
//!     '--open at run start--> TraceStream (one pending arrival) --TraceArrived--> each target:
//!            Lambda (sync or async), a service, an API route, or a queue (`trigger_map`)
//! ```
//!
//! Formats ([`azure2019`], [`records`] for azure2021 and `requests`) read their files as
//! streams: memory grows with the number of trace functions, never with the trace's length.
//! Validation reads each file once to learn its functions and to find malformed rows; the run
//! reads it again, lazily. [`inspect`] describes a trace file for `slsim trace inspect`.
//!
//! Function names: azure2019 functions are named by the first 12 hex digits of
//! `HashFunction`; azure2021 functions by the first 8 of `app`, '-', the first 12 of `func`
//! (`func` is unique only within its app); `requests` functions by their `function` value
//! (letters, digits, '-' and '_' kept, anything else becoming '_'), or by the trace's name
//! when there is no `function` column.

pub mod azure2019;
pub mod inspect;
pub mod records;
pub mod text;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::engine::{SimDuration, SimTime};
use crate::problem::Problem;
use crate::units::RawDuration;

/// Rows a `records` trace sorts in memory at once; longer traces are sorted in runs of this
/// many rows spilled to temporary files and merged (20 bytes a row: about 5 MB).
pub const DEFAULT_CHUNK_ROWS: usize = 1 << 18;

/// The format of a trace's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Per-minute invocation counts of the Azure Functions 2019 dataset (`invocations`,
    /// `durations` and optionally `memory` files).
    Azure2019,
    /// Individual requests of the Azure Functions 2021 dataset (`path`; columns `app`,
    /// `func`, `end_timestamp`, `duration` in seconds).
    Azure2021,
    /// A CSV (`path`) with `timestamp` (seconds from the start) and optional `function` and
    /// `duration_ms` (100 ms without it).
    Requests,
}

/// How a minute's count (azure2019) is placed in its minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    /// Sorted uniform random times in the minute: the arrivals of a Poisson process given
    /// its count.
    // The same law as `Uniform`, kept distinct for the contract's sake.
    Poisson,
    /// Sorted uniform random times in the minute.
    Uniform,
    /// Evenly spaced: `k x 60 s / count` after the minute's start.
    Even,
}

/// A recorded workload replayed against its targets: by default each function of the trace
/// becomes a `[[lambda.function]]` built from `template`, and its requests synchronous
/// invocations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    /// Required. The trace's name; with the `requests` format and no `function` column, also
    /// its one function's name.
    pub name: String,
    /// Required. "azure2019", "azure2021" or "requests".
    pub format: Format,
    /// Required for azure2019: the invocations-per-minute file (one row per function, one
    /// column per minute), relative to the scenario's folder.
    pub invocations: Option<String>,
    /// Required for azure2019: the durations file (run-time percentiles per function).
    pub durations: Option<String>,
    /// azure2019 only: the memory file; `AverageAllocatedMb` sets `memory_size` unless the
    /// template sets it. Default: none.
    pub memory: Option<String>,
    /// Required for azure2021 and requests: the trace's CSV file, relative to the scenario's
    /// folder.
    pub path: Option<String>,
    /// azure2019 only: how a minute's count is placed in its minute: "poisson", "uniform"
    /// or "even". Default "poisson".
    #[schemars(extend("default" = "poisson"))]
    pub spread: Option<Spread>,
    /// Start of the replayed window in trace time; it becomes simulated time 0. Default "0s".
    #[schemars(extend("default" = "0s"))]
    pub start: Option<RawDuration>,
    /// Length of the window in trace time, above "0s". Default: to the end of the trace.
    pub length: Option<RawDuration>,
    /// Simulated time = (trace time - `start`) / `time_scale`: 2 replays twice as fast.
    /// Above 0. Default 1.0.
    #[schemars(extend("default" = 1.0, "exclusiveMinimum" = 0))]
    pub time_scale: Option<f64>,
    /// Where the requests go: "lambda" (a function per trace function, built from
    /// `template`), "service" (a service per group of trace functions, see `group_by`, built
    /// from `template`), "function:NAME", "service:NAME" or "api:NAME" (with `route`): every
    /// request to one declared component. Give `target` or `targets`, not both. Default
    /// "lambda".
    #[schemars(extend("default" = "lambda"))]
    pub target: Option<String>,
    /// Several targets, each receiving an identical copy of the trace's requests (same arrival
    /// times, same run times); at most one of "lambda" and "service".
    pub targets: Option<Vec<String>>,
    /// With an `api:NAME` target: which route the requests call, e.g. "POST /orders";
    /// optional when the API has one route.
    pub route: Option<String>,
    /// With target "service": which trace functions share a service: "function" (one
    /// service each), "app", "owner", "trigger" or "all". Default "function".
    #[schemars(extend("default" = "function"))]
    pub group_by: Option<GroupBy>,
    /// Share, 0..=1, of each request's run time that is CPU work: the trace's run times are
    /// taken as run times on one vCPU, and a function with more (or less) memory runs the
    /// CPU share faster (or slower), as for a `[[workload]]`. Default 0.0 (run times as given).
    #[schemars(extend("default" = 0.0))]
    #[schemars(range(min = 0, max = 1))]
    pub cpu_bound: Option<f64>,
    /// vCPUs the CPU work can use at once, 1..=1024. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 1024))]
    pub threads: Option<i64>,
    /// How the requests of each trigger are delivered: "sync" (the default), "async" (Lambda
    /// targets invoke asynchronously; services and APIs have no asynchronous path and receive
    /// the request as usual) or "queue:NAME" (the request becomes a message on that declared
    /// `[[queue]]`, whose mapping invokes its function, instead of going to the targets).
    /// Keys are the trace's triggers (azure2019 `Trigger`), e.g.
    /// `{ queue = "queue:jobs", timer = "async" }`. Default: every request synchronous.
    pub trigger_map: Option<std::collections::BTreeMap<String, String>>,
    /// The settings of every component the trace creates. Target "lambda": any
    /// `[[lambda.function]]` keys except `name`, `alias` and `copies`; it must give `runtime`
    /// or `init_duration`. Target "service": any `[[service]]` keys except `name`. Default `{}`.
    // The schema refers to these keys as `Template`.
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub template: Option<toml::Table>,
    /// The settings of the services target "service" creates when the trace also targets
    /// "lambda" (whose functions take `template`): any `[[service]]` keys except `name`.
    /// Required then; refused otherwise (a trace with only "service" uses `template`).
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub service_template: Option<toml::Table>,
}

/// Which trace functions share a generated service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// One service per trace function.
    Function,
    /// One service per application (azure2019 `HashApp`, azure2021 `app`).
    App,
    /// One service per owner (azure2019 `HashOwner`).
    Owner,
    /// One service per trigger (azure2019 `Trigger`).
    Trigger,
    /// One service for the whole trace.
    All,
}

/// Where a trace's requests come from.
#[derive(Debug, Clone)]
pub enum Source {
    Azure2019 {
        invocations: PathBuf,
        spread: Spread,
        /// Byte offset of each (good) function row in the invocations file.
        rows: Vec<u64>,
        /// Minute columns.
        minutes: u32,
        /// Run-time quantile function of each function.
        durations: Vec<azure2019::Quantiles>,
    },
    Records {
        path: PathBuf,
        format: Format,
        /// The trace id of each function, in the order of `functions`.
        ids: Vec<String>,
        /// Rows sorted in memory at once (see [`DEFAULT_CHUNK_ROWS`]).
        chunk_rows: usize,
    },
}

/// A validated trace.
#[derive(Debug, Clone)]
pub struct TraceConfig {
    pub name: String,
    pub source: Source,
    /// Window into trace time; its start becomes time 0.
    pub start: SimDuration,
    pub length: Option<SimDuration>,
    /// Simulated time = (trace time - start) / time_scale.
    pub time_scale: f64,
    /// CPU share of the run times (given on one vCPU) and the vCPUs it can use.
    pub cpu_bound: f64,
    pub threads: u32,
    /// Index into `lambda.functions` of each trace function (empty without a `lambda` target).
    pub functions: Vec<usize>,
    /// The functions the trace declares.
    pub function_count: usize,
    /// Where each request goes: one copy to every target.
    pub targets: Vec<Target>,
    /// Each target as written (`lambda`, `service:web`, `api:shop`), for the summary.
    pub target_names: Vec<String>,
    /// With a `service` target: index into `services` of each trace function's service.
    pub groups: Vec<usize>,
    /// How each trace function's requests are delivered (`trigger_map`); empty: all
    /// synchronous.
    pub deliveries: Vec<Delivery>,
    /// Data rows read (good and bad).
    pub rows: u64,
    /// Malformed rows (skipped with `--skip-bad-rows`), in any of the trace's files (for
    /// azure2019 also durations and memory rows, and invocations rows without a durations row).
    pub bad_rows: u64,
    /// The first malformed row: file, line, column and value.
    pub first_bad_row: Option<String>,
}

/// One target of a trace: where a copy of each request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `"lambda"`: each trace function's generated function ([`TraceConfig::functions`]).
    Lambda,
    /// `"function:NAME"`: every request to one declared function (index into the functions).
    Function(usize),
    /// `"service:NAME"`: every request to one declared service (index into the services).
    Service(usize),
    /// `"api:NAME"` with `route`: every request through one route of an API.
    Api { api: usize, route: usize },
    /// `"service"`: each trace function's generated service ([`TraceConfig::groups`]).
    Services,
}

/// How a trace function's requests are delivered (`trigger_map`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// To every target, synchronously.
    Sync,
    /// To every target; Lambda targets invoke asynchronously.
    Async,
    /// Once, as a message on this queue (index into the queues), instead of to the targets.
    Queue(usize),
}

impl TraceConfig {
    /// The functions (indices into `lambda.functions`) that receive asynchronous events.
    pub fn async_functions(&self) -> Vec<usize> {
        let is_async = |f: usize| self.deliveries.get(f) == Some(&Delivery::Async);
        let mut out = Vec::new();
        for t in &self.targets {
            match *t {
                Target::Lambda => out.extend(
                    self.functions.iter().enumerate().filter(|(f, _)| is_async(*f)).map(|x| *x.1),
                ),
                Target::Function(i) if (0..self.function_count).any(is_async) => out.push(i),
                _ => {}
            }
        }
        out
    }
}

/// What validation learns from a trace's files before the functions exist.
pub struct Prepared {
    /// Index of the trace in the scenario's `[[trace]]` list.
    pub index: usize,
    pub config: TraceConfig,
    /// The functions to generate: name, memory from the trace and label (the trigger), if any.
    pub functions: Vec<TraceFunction>,
}

/// What a format's `prepare` learns: the source, the functions (name, memory from the trace),
/// rows, malformed rows and the first of them.
pub type Prep = (Source, Vec<TraceFunction>, u64, u64, Option<String>);

/// A function a trace declares, with what the trace tells of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceFunction {
    /// The generated name (see the module docs).
    pub name: String,
    /// Memory from the trace, a valid Lambda size.
    pub memory_mb: Option<u32>,
    /// The trigger (azure2019's `Trigger`: `http`, `timer`, `queue`, `event`, ...).
    pub trigger: Option<String>,
    /// The application (azure2019's `HashApp`, azure2021's `app`), as written in the trace.
    pub app: Option<String>,
    /// The owner (azure2019's `HashOwner`), as written in the trace.
    pub owner: Option<String>,
}

/// Scanning a trace (the first pass: functions, row offsets, malformed rows) reads the whole
/// file; a sweep validates every point's scenario, so the same trace would be scanned once per
/// point and again per run. Results are kept for the process, keyed by the files (path, size,
/// modification time) and what else the scan depends on (`what`); a changed file is scanned
/// again. Failures are not kept.
fn cached(
    files: &[&Path],
    what: &str,
    scan: impl FnOnce() -> Result<Prep, String>,
) -> Result<Prep, String> {
    use std::sync::{Mutex, OnceLock, PoisonError};
    static SCANS: OnceLock<Mutex<HashMap<String, Prep>>> = OnceLock::new();
    /// A bound on what is kept (each entry is proportional to the trace's functions).
    const MAX_KEPT: usize = 64;
    let mut key = what.to_string();
    for f in files {
        let Ok(meta) = std::fs::metadata(f) else { return scan() };
        let Ok(modified) = meta.modified() else { return scan() };
        let path = std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf());
        key.push_str(&format!("|{}|{}|{modified:?}", path.display(), meta.len()));
    }
    let scans = SCANS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(p) = scans.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Ok(p.clone());
    }
    let p = scan()?;
    let mut kept = scans.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= MAX_KEPT {
        kept.clear();
    }
    kept.insert(key, p.clone());
    Ok(p)
}

/// A malformed row or an unreadable file.
pub fn row_error(
    file: &Path,
    line: u64,
    column: usize,
    name: &str,
    value: &str,
    why: &str,
) -> String {
    format!("{}: line {line}, column {column} ({name}): \"{value}\" {why}", file.display())
}

/// A name Lambda accepts, from a trace id.
pub fn lambda_name(id: &str, max: usize) -> String {
    let s: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(max)
        .collect();
    if s.is_empty() { "_".into() } else { s }
}

/// Reads the files of every `[[trace]]` once; problems name `trace "NAME".KEY`.
pub fn prepare(raw: &[RawTrace], base_dir: &Path, problems: &mut Vec<Problem>) -> Vec<Prepared> {
    let mut out = Vec::new();
    let mut bad = |key: String, message: String| problems.push(Problem { key, message });
    for (i, t) in raw.iter().enumerate() {
        let at = crate::problem::item_key("trace", i, &t.name);
        let key = |k: &str| format!("{at}.{k}");
        let time_scale = t.time_scale.unwrap_or(1.0);
        if !(time_scale.is_finite() && time_scale > 0.0) {
            bad(key("time_scale"), format!("{time_scale} is not allowed; use a number > 0"));
            continue;
        }
        let cpu_bound = t.cpu_bound.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&cpu_bound) {
            bad(key("cpu_bound"), format!("{cpu_bound} is not a share; allowed 0.0..=1.0"));
        }
        let threads = match t.threads {
            None => 1,
            Some(n) if (1..=1024).contains(&n) => n as u32,
            Some(n) => {
                bad(key("threads"), format!("{n} is not allowed; allowed 1..=1024"));
                1
            }
        };
        let length = t.length.map(|l| l.0);
        if length == Some(SimDuration::ZERO) {
            bad(key("length"), "\"0s\" is not allowed; use more than 0s or leave it out".into());
        }
        let path =
            |k: &str, v: &Option<String>| v.as_ref().map(|p| (k.to_string(), base_dir.join(p)));
        let prepared = match t.format {
            Format::Azure2019 => {
                if let Some(p) = &t.path {
                    bad(
                        key("path"),
                        format!(
                            "\"{p}\" is for azure2021 and requests; azure2019 uses invocations, durations and memory"
                        ),
                    );
                }
                let (Some(inv), Some(dur)) =
                    (path("invocations", &t.invocations), path("durations", &t.durations))
                else {
                    bad(key("invocations"), "azure2019 needs `invocations` and `durations` (and optionally `memory`) files".into());
                    continue;
                };
                let mem = path("memory", &t.memory);
                let spread = t.spread.unwrap_or(Spread::Poisson);
                let files: Vec<&Path> = [Some(&inv.1), Some(&dur.1), mem.as_ref().map(|m| &m.1)]
                    .into_iter()
                    .flatten()
                    .map(PathBuf::as_path)
                    .collect();
                cached(&files, &format!("azure2019 {spread:?}"), || {
                    azure2019::prepare(&inv.1, &dur.1, mem.as_ref().map(|m| m.1.as_path()), spread)
                })
            }
            Format::Azure2021 | Format::Requests => {
                for (k, v) in [
                    ("invocations", &t.invocations),
                    ("durations", &t.durations),
                    ("memory", &t.memory),
                ] {
                    if v.is_some() {
                        bad(key(k), "is for azure2019 only; use `path`".into());
                    }
                }
                if t.spread.is_some() {
                    bad(
                        key("spread"),
                        "is for azure2019 only (the other formats have timestamps)".into(),
                    );
                }
                let Some(p) = path("path", &t.path) else {
                    bad(key("path"), "missing: the trace's CSV file".into());
                    continue;
                };
                cached(&[p.1.as_path()], &format!("{:?} {}", t.format, t.name), || {
                    records::prepare(&p.1, t.format, &t.name)
                })
            }
        };
        let (source, functions, rows, bad_rows, first_bad_row) = match prepared {
            Ok(p) => p,
            Err(e) => {
                // blame the key of the file the message is about (each names its file)
                let about = |v: &Option<String>| {
                    v.as_ref().is_some_and(|p| e.contains(&base_dir.join(p).display().to_string()))
                };
                let k = if t.format != Format::Azure2019 {
                    "path"
                } else if about(&t.durations) {
                    "durations"
                } else if about(&t.memory) {
                    "memory"
                } else {
                    "invocations"
                };
                bad(key(k), e);
                continue;
            }
        };
        out.push(Prepared {
            index: i,
            config: TraceConfig {
                name: t.name.clone(),
                source,
                start: t.start.map(|s| s.0).unwrap_or(SimDuration::ZERO),
                length,
                time_scale,
                cpu_bound: cpu_bound.clamp(0.0, 1.0),
                threads,
                functions: Vec::new(),
                function_count: functions.len(),
                targets: Vec::new(),
                target_names: Vec::new(),
                groups: Vec::new(),
                deliveries: Vec::new(),
                rows,
                bad_rows,
                first_bad_row,
            },
            functions,
        });
    }
    out
}

/// A valid Lambda memory size for `mb` (rounded up to a whole MB, within 128..=10240).
pub fn lambda_memory(mb: f64) -> u32 {
    if !mb.is_finite() { 128 } else { (mb.ceil() as i64).clamp(128, 10_240) as u32 }
}

/// Fails with the first malformed row of any trace unless bad rows are skipped.
pub fn check_rows(traces: &[TraceConfig], skip_bad_rows: bool) -> Result<(), String> {
    if skip_bad_rows {
        return Ok(());
    }
    for t in traces {
        if let Some(e) = &t.first_bad_row {
            return Err(format!(
                "trace \"{}\": {e} ({} malformed row(s); `slsim run --skip-bad-rows` skips and counts them)",
                t.name, t.bad_rows
            ));
        }
    }
    Ok(())
}

/// What one trace replayed in one run.
#[derive(Debug, Clone, Default)]
pub struct TraceStats {
    pub rows: u64,
    pub replayed: u64,
    pub functions: u64,
    pub skipped_rows: u64,
    /// Requests delivered asynchronously and requests put on a queue (`trigger_map`).
    pub asynchronous: u64,
    pub queued: u64,
    /// Sorted runs spilled to temporary files (`records` traces longer than a chunk).
    pub spilled_runs: u64,
    /// A file that could not be read during the run (the stream ended there).
    pub error: Option<String>,
}

/// One arrival read from a trace: trace time (ns), trace function, handler run time.
pub type Arrival = (u64, u32, SimDuration);

enum Inner {
    Azure2019(azure2019::Stream),
    Records(records::Stream),
}

/// The requests of one trace, one pending arrival at a time, in time order.
pub struct TraceStream {
    inner: Option<Inner>,
    start_ns: u64,
    stop_ns: u64,
    scale: f64,
    end: SimTime,
    next: Option<(SimTime, u32, SimDuration)>,
    stats: TraceStats,
}

impl TraceStream {
    /// Opens the trace for a run ending at `end`, drawing any randomness from `seed`.
    pub fn open(cfg: &TraceConfig, seed: u64, end: SimTime) -> TraceStream {
        let rng = Pcg64Mcg::seed_from_u64(seed);
        let start_ns = cfg.start.0;
        let stop_ns = cfg.length.map_or(u64::MAX, |l| start_ns.saturating_add(l.0));
        let mut stats = TraceStats {
            rows: cfg.rows,
            functions: cfg.function_count as u64,
            skipped_rows: cfg.bad_rows,
            ..TraceStats::default()
        };
        let inner = match &cfg.source {
            Source::Azure2019 { invocations, spread, rows, minutes, durations } => {
                azure2019::Stream::open(
                    invocations,
                    *spread,
                    rows,
                    *minutes,
                    durations,
                    rng,
                    start_ns,
                    stop_ns,
                )
                .map(Inner::Azure2019)
            }
            Source::Records { path, format, ids, chunk_rows } => {
                records::Stream::open(path, *format, ids, *chunk_rows).map(|s| {
                    stats.spilled_runs = s.runs() as u64;
                    Inner::Records(s)
                })
            }
        };
        let inner = match inner {
            Ok(i) => Some(i),
            Err(e) => {
                stats.error = Some(e);
                None
            }
        };
        let mut s =
            TraceStream { inner, start_ns, stop_ns, scale: cfg.time_scale, end, next: None, stats };
        s.advance();
        s
    }

    fn advance(&mut self) {
        self.next = None;
        while let Some(inner) = &mut self.inner {
            let item = match inner {
                Inner::Azure2019(s) => s.next_arrival(),
                Inner::Records(s) => s.next_arrival(),
            };
            match item {
                Ok(Some((t, f, work))) if t >= self.start_ns => {
                    if t >= self.stop_ns {
                        break;
                    }
                    let at = SimTime(((t - self.start_ns) as f64 / self.scale).round() as u64);
                    if at >= self.end {
                        break;
                    }
                    self.next = Some((at, f, work));
                    return;
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    self.stats.error = Some(e);
                    break;
                }
            }
        }
        self.inner = None;
    }

    /// The next arrival time, or `None` once the trace (or its window, or the run) is over.
    pub fn peek(&self) -> Option<SimTime> {
        self.next.map(|n| n.0)
    }

    /// The arrival at [`peek`](Self::peek): its trace function and run time; advances.
    pub fn take(&mut self) -> Option<(u32, SimDuration)> {
        let (_, f, work) = self.next?;
        self.stats.replayed += 1;
        self.advance();
        Some((f, work))
    }

    pub fn stats(&self) -> &TraceStats {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_is_scanned_once_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "app,func,end_timestamp,duration\na,f,1.5,0.5\n").unwrap();
        let scans = std::cell::Cell::new(0);
        let scan = || {
            scans.set(scans.get() + 1);
            records::prepare(&path, Format::Azure2021, "t")
        };
        let first = cached(&[&path], "azure2021 t", scan).unwrap();
        let again = cached(&[&path], "azure2021 t", scan).unwrap();
        assert_eq!(scans.get(), 1, "the second validation reuses the scan");
        assert_eq!((first.2, again.2), (1, 1));
        // what the scan depends on is part of the key
        cached(&[&path], "azure2021 other-name", scan).unwrap();
        assert_eq!(scans.get(), 2);
        // an edited file is scanned again
        std::fs::write(&path, "app,func,end_timestamp,duration\na,f,1.5,0.5\nb,g,2.5,1.0\n")
            .unwrap();
        let edited = cached(&[&path], "azure2021 t", scan).unwrap();
        assert_eq!(scans.get(), 3);
        assert_eq!(edited.2, 2, "two rows now");
    }

    #[test]
    fn memory_rounds_up_to_a_valid_lambda_size() {
        assert_eq!(lambda_memory(47.5), 128);
        assert_eq!(lambda_memory(144.2), 145);
        assert_eq!(lambda_memory(20_000.0), 10_240);
        assert_eq!(lambda_memory(f64::NAN), 128);
    }

    #[test]
    fn names_keep_what_lambda_accepts() {
        assert_eq!(lambda_name("fdd2e3c3758d30f677", 12), "fdd2e3c3758d");
        assert_eq!(lambda_name("my fn/v2", 64), "my_fn_v2");
        assert_eq!(lambda_name("", 64), "_");
    }
}

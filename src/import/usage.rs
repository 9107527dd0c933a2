//! `--usage`: an infrastructure import (`cfn`, `terraform`) composed with traffic taken from
//! REPORT logs, CloudWatch metrics or another scenario, into one scenario with both.
//!
//! ```text
//! logs ------> import logs -------> per function: per-minute counts, one-vCPU run times,
//!                                    init times, error share --.
//! CloudWatch -> import cloudwatch -> per function: workload, error share -------+--> workloads
//! scenario.toml -------------------> its [[workload]]s and [[trace]]s ----------'    aimed at
//!                                                                            the template's entry
//! ```
//!
//! A function of the traffic that the template declares (by name or logical id) keeps the
//! template's settings, takes the observed init times and error share, and receives its
//! traffic through what fronts it: the API route that integrates it, else the function itself.
//! Logs become a step profile of the observed per-minute invocations (Poisson within each
//! minute) with the observed run times; `slsim import logs` alone replays the exact arrivals.
//! Traffic of functions the template does not declare is kept as the traffic import wrote it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::infra::Infra;
use super::kind::{Kind, detect, head};
use super::{ImportError, Output, cloudwatch, logs};

/// The `--usage` flags of `slsim import cfn` and `slsim import terraform`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct UsageArgs {
    /// Traffic to drive the imported system with: REPORT logs (filter-log-events JSON pages,
    /// log text, JSON-format logs), CloudWatch metric data (with --usage-queries for
    /// get-metric-data) or a scenario whose [[workload]]s and [[trace]]s are taken
    /// (repeatable; several files of one export are its pages).
    #[arg(long = "usage", value_name = "FILE", num_args = 1..)]
    pub usage: Vec<PathBuf>,
    /// The get-metric-data query file of CloudWatch --usage files.
    #[arg(long = "usage-queries", value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// Share of the observed run times that is CPU work (0..=1), for converting them to run
    /// time on one vCPU (see `slsim import logs --cpu-bound`).
    #[arg(long = "usage-cpu-bound", value_name = "C", default_value_t = 1.0)]
    pub cpu_bound: f64,
    /// The function all --usage records are of (logs), or whose metrics to take (CloudWatch;
    /// required for get-metric-statistics files, which do not name it).
    #[arg(long = "usage-function", value_name = "NAME")]
    pub function: Option<String>,
}

/// An error of the traffic import, with its flags named as `--usage` names them.
fn usage_flags(mut e: ImportError) -> ImportError {
    for (flag, usage) in [
        ("--queries", "--usage-queries"),
        ("--function", "--usage-function"),
        ("--cpu-bound", "--usage-cpu-bound"),
    ] {
        e.message = e.message.replace(flag, usage);
        e.place = e.place.replace(flag, usage);
    }
    e
}

/// Traffic to write in place of the stand-in workload.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// Header lines: what was taken from where.
    pub header: Vec<String>,
    /// `simulation.duration` (a duration string).
    pub duration: Option<String>,
    /// The `[[workload]]` and `[[trace]]` sections, as TOML text with comments.
    pub text: String,
    /// Data files the sections refer to.
    pub files: Vec<(String, Vec<u8>)>,
    /// Per function of the template: observed settings (`init_duration`, `error_rate`) to
    /// write with it, as TOML values.
    pub function_settings: BTreeMap<String, Vec<(String, toml::Value)>>,
    /// Entry points (`api:NAME route` or `function:NAME`) the traffic reaches.
    pub reached: Vec<String>,
    pub messages: Vec<String>,
}

/// Reads the `--usage` files (none: `Ok(None)`) and aims their traffic at `infra`'s entry
/// points.
pub fn compose(
    infra: &Infra,
    args: &UsageArgs,
    stem: &str,
) -> Result<Option<Traffic>, ImportError> {
    let Some(first) = args.usage.first() else { return Ok(None) };
    if !(0.0..=1.0).contains(&args.cpu_bound) {
        return Err(ImportError::new(
            first,
            "--usage-cpu-bound",
            format!("{} is not a share; allowed 0..=1", args.cpu_bound),
        ));
    }
    let mut traffic = Traffic::default();
    let (scenarios, exports): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.usage.iter().partition(|p| p.extension().is_some_and(|e| e == "toml"));
    for s in scenarios {
        from_scenario(s, &mut traffic)?;
    }
    if !exports.is_empty() {
        let mut kind = None;
        for path in &exports {
            let k = match detect(path, &head(path)?)? {
                Kind::LogEventsJson | Kind::LogText => Kind::LogText,
                Kind::CloudWatchJson => Kind::CloudWatchJson,
                Kind::Csv => {
                    return Err(ImportError::new(
                        path,
                        "",
                        "is neither REPORT logs nor a CloudWatch export (--usage takes logs, \
                         CloudWatch JSON or a .toml scenario)",
                    ));
                }
            };
            if kind.is_some_and(|first| first != k) {
                return Err(ImportError::new(
                    path,
                    "",
                    "mixes logs and CloudWatch exports: give one kind of export (or import them \
                     separately)",
                ));
            }
            kind = Some(k);
        }
        let files: Vec<PathBuf> = exports.into_iter().cloned().collect();
        match kind {
            Some(Kind::CloudWatchJson) => from_cloudwatch(infra, &files, args, stem, &mut traffic),
            _ => from_logs(infra, &files, args, stem, &mut traffic),
        }
        .map_err(usage_flags)?;
    }
    Ok(Some(traffic))
}

/// How a function of the template is reached: the route of the API that integrates it, else
/// the function itself. `None` when the template does not declare it.
fn entry(infra: &Infra, function: &str) -> Option<(String, String, Option<String>)> {
    let f = infra
        .functions
        .iter()
        .find(|f| f.name == function || f.origins.iter().any(|o| o.id == function))?;
    let target = format!("function:{}", f.name);
    for a in &infra.apis {
        if a.kind == "websocket" {
            continue;
        }
        if let Some(r) = a.routes.iter().find(|r| r.target.as_deref() == Some(target.as_str())) {
            return Some((f.name.clone(), format!("api:{}", a.name), Some(r.key.clone())));
        }
    }
    Some((f.name.clone(), target, None))
}

fn table_text(key: &str, t: toml::Table) -> String {
    let mut outer = toml::Table::new();
    outer.insert(key.into(), toml::Value::Array(vec![toml::Value::Table(t)]));
    toml::to_string(&outer).unwrap_or_default()
}

fn parse(path: &Path, text: &str) -> Result<toml::Table, ImportError> {
    text.parse::<toml::Table>()
        .map_err(|e| ImportError::new(path, "", format!("the traffic import wrote bad TOML: {e}")))
}

fn items<'a>(t: &'a toml::Table, key: &str) -> Vec<&'a toml::Table> {
    t.get(key)
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_table).collect())
        .unwrap_or_default()
}

fn duration_of(t: &toml::Table) -> Option<String> {
    t.get("simulation")?.get("duration")?.as_str().map(str::to_string)
}

/// A step profile of per-minute counts: `[["0s", r0], ["60s", r1], ...]` (requests/s).
fn step_profile(counts: &[u64]) -> toml::Value {
    let points = counts
        .iter()
        .enumerate()
        .map(|(m, &c)| {
            toml::Value::Array(vec![
                toml::Value::String(format!("{}s", m * 60)),
                toml::Value::Float(c as f64 / 60.0),
            ])
        })
        .collect();
    let mut a = toml::Table::new();
    a.insert("process".into(), "profile".into());
    a.insert("shape".into(), "step".into());
    a.insert("profile".into(), toml::Value::Array(points));
    toml::Value::Table(a)
}

/// Requests per minute of a `requests` trace CSV (`timestamp` in seconds, first column).
fn minute_counts(csv: &[u8]) -> Vec<u64> {
    let mut counts: Vec<u64> = Vec::new();
    for line in String::from_utf8_lossy(csv).lines().skip(1) {
        let Some(t) = line.split(',').next().and_then(|s| s.trim().parse::<f64>().ok()) else {
            continue;
        };
        if !(0.0..1e9).contains(&t) {
            continue;
        }
        let m = (t / 60.0) as usize;
        if m >= counts.len() {
            counts.resize(m + 1, 0);
        }
        counts[m] += 1;
    }
    counts
}

fn from_logs(
    infra: &Infra,
    files: &[PathBuf],
    args: &UsageArgs,
    stem: &str,
    traffic: &mut Traffic,
) -> Result<(), ImportError> {
    let first = &files[0];
    let arm64 = infra.functions.iter().all(|f| f.architecture.as_deref() == Some("arm64"))
        && !infra.functions.is_empty();
    let largs = logs::Args {
        files: files.to_vec(),
        function: args.function.clone(),
        cpu_bound: args.cpu_bound,
        threads: 1,
        timeout: None,
        runtime: "python3.12".into(),
        architecture: if arm64 { "arm64".into() } else { "x86_64".into() },
    };
    let out: Output = logs::import(&largs, stem)?;
    let table = parse(first, &out.scenario)?;
    traffic.duration = duration_of(&table);
    traffic.messages.extend(
        out.messages.iter().map(|m| m.replace("(--cpu-bound, --threads)", "(--usage-cpu-bound)")),
    );
    let file = |name: &str| out.files.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let mut used: Vec<String> = Vec::new();
    let _ = writeln!(
        traffic.text,
        "\n# Traffic from the REPORT logs of {} (`slsim import logs`); each function's run \
         times are the observed ones on one vCPU with cpu_bound = {} (--usage-cpu-bound).",
        names(files),
        args.cpu_bound
    );
    for trace in items(&table, "trace") {
        let Some(name) = trace.get("name").and_then(toml::Value::as_str) else { continue };
        let path = trace.get("path").and_then(toml::Value::as_str).unwrap_or_default();
        let template = trace.get("template").and_then(toml::Value::as_table);
        let Some((function, target, route)) = entry(infra, name) else {
            // not in the template: keep the trace, which creates the function
            let _ = writeln!(
                traffic.text,
                "\n# function {name} is in the logs but not in the template: replayed as \
                 `slsim import logs` writes it (its own function, exact arrivals)"
            );
            traffic.text.push_str(&table_text("trace", trace.clone()));
            used.push(path.to_string());
            if let Some(init) = template
                .and_then(|t| t.get("init_duration"))
                .and_then(|v| v.get("path"))
                .and_then(toml::Value::as_str)
            {
                used.push(init.to_string());
            }
            continue;
        };
        let Some(csv) = file(path) else { continue };
        let counts = minute_counts(csv);
        let total: u64 = counts.iter().sum();
        let duration_file = format!("{stem}-{name}.duration.txt");
        let mut settings = Vec::new();
        if let Some(t) = template {
            if let Some(init) = t.get("init_duration") {
                if let Some(p) = init.get("path").and_then(toml::Value::as_str) {
                    used.push(p.to_string());
                }
                settings.push(("init_duration".to_string(), init.clone()));
            }
            if let Some(e) = t.get("error_rate") {
                settings.push(("error_rate".to_string(), e.clone()));
            }
            let logged = t.get("memory_size").and_then(toml::Value::as_integer);
            let declared =
                infra.functions.iter().find(|f| f.name == function).and_then(|f| f.memory_size);
            if let (Some(l), Some(d)) = (logged, declared)
                && l != d
            {
                traffic.messages.push(format!(
                    "function {function}: the logs ran at {l} MB, the template sets {d} MB; the \
                     run uses the template's (run times scale by the CPU law)"
                ));
            }
        }
        traffic.function_settings.insert(function.clone(), settings);
        used.push(duration_file.clone());
        let mut w = toml::Table::new();
        w.insert("name".into(), format!("observed-{name}").into());
        w.insert("target".into(), target.clone().into());
        if let Some(r) = &route {
            w.insert("route".into(), r.clone().into());
        }
        w.insert("arrivals".into(), step_profile(&counts));
        let mut d = toml::Table::new();
        d.insert("dist".into(), "empirical".into());
        d.insert("path".into(), duration_file.into());
        w.insert("duration".into(), toml::Value::Table(d));
        for k in ["cpu_bound", "threads"] {
            if let Some(v) = trace.get(k) {
                w.insert(k.into(), v.clone());
            }
        }
        let reach = match &route {
            Some(r) => format!("{target} route {r}"),
            None => target.clone(),
        };
        let _ = writeln!(
            traffic.text,
            "\n# {name}: {total} observed invocations, replayed as their per-minute counts (a \
             Poisson process within each minute) through {reach}; run times drawn from the \
             observed ones"
        );
        traffic.text.push_str(&table_text("workload", w));
        traffic.reached.push(reach);
    }
    let observed = format!("{stem}.observed.csv");
    used.push(observed.clone());
    for (name, bytes) in &out.files {
        if used.iter().any(|u| u == name) {
            traffic.files.push((name.clone(), bytes.clone()));
        }
    }
    traffic
        .header
        .push(format!("Traffic: REPORT logs {} (compare a run with {observed}).", names(files)));
    Ok(())
}

fn from_cloudwatch(
    infra: &Infra,
    files: &[PathBuf],
    args: &UsageArgs,
    stem: &str,
    traffic: &mut Traffic,
) -> Result<(), ImportError> {
    let first = &files[0];
    let base = cloudwatch::Args {
        files: files.to_vec(),
        queries: args.queries.clone(),
        function: args.function.clone(),
        memory: None,
        runtime: None,
        cpu_bound: Some(args.cpu_bound),
    };
    // the functions in the export, then each imported at its declared memory (the CPU law)
    let all = parse(first, &cloudwatch::import(&base, stem)?.scenario)?;
    let lambda = all.get("lambda").and_then(toml::Value::as_table);
    let functions: Vec<String> = lambda
        .map(|l| items(l, "function"))
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.get("name").and_then(toml::Value::as_str).map(str::to_string))
        .collect();
    traffic.duration = duration_of(&all);
    let _ = writeln!(
        traffic.text,
        "\n# Traffic from the CloudWatch metrics of {} (`slsim import cloudwatch`).",
        names(files)
    );
    let mut observed_csv = None;
    let one = |function: Option<&str>, memory: Option<u32>| {
        let a = cloudwatch::Args { function: function.map(str::to_string), memory, ..base.clone() };
        cloudwatch::import(&a, stem)
    };
    for name in &functions {
        let found = entry(infra, name);
        let memory = found.as_ref().and_then(|(f, _, _)| {
            infra.functions.iter().find(|x| &x.name == f).and_then(|x| x.memory_size)
        });
        let out = one(Some(name), memory.and_then(|m| u32::try_from(m).ok()))?;
        if observed_csv.is_none() {
            observed_csv = out.files.iter().find(|(n, _)| n.ends_with(".observed.csv")).cloned();
        }
        let t = parse(first, &out.scenario)?;
        match found {
            Some((function, target, route)) => {
                let declared = t
                    .get("lambda")
                    .and_then(toml::Value::as_table)
                    .map(|l| items(l, "function"))
                    .unwrap_or_default()
                    .into_iter()
                    .find(|f| f.get("name").and_then(toml::Value::as_str) == Some(name.as_str()))
                    .cloned();
                let settings = declared
                    .and_then(|f| f.get("error_rate").cloned())
                    .map(|e| vec![("error_rate".to_string(), e)])
                    .unwrap_or_default();
                traffic.function_settings.insert(function.clone(), settings);
                for w in items(&t, "workload") {
                    if w.get("target").and_then(toml::Value::as_str)
                        != Some(format!("function:{name}").as_str())
                    {
                        continue;
                    }
                    let mut w = w.clone();
                    w.insert("target".into(), target.clone().into());
                    if let Some(r) = &route {
                        w.insert("route".into(), r.clone().into());
                    }
                    let reach = match &route {
                        Some(r) => format!("{target} route {r}"),
                        None => target.clone(),
                    };
                    let _ = writeln!(
                        traffic.text,
                        "\n# {name}: the observed Invocations per period through {reach}"
                    );
                    traffic.text.push_str(&table_text("workload", w));
                    traffic.reached.push(reach);
                }
            }
            None => {
                let _ = writeln!(
                    traffic.text,
                    "\n# function {name} is in the metrics but not in the template: as `slsim \
                     import cloudwatch` writes it (memory assumed)"
                );
                if let Some(l) = t.get("lambda").and_then(toml::Value::as_table) {
                    for f in items(l, "function") {
                        let mut outer = toml::Table::new();
                        let mut lam = toml::Table::new();
                        lam.insert(
                            "function".into(),
                            toml::Value::Array(vec![toml::Value::Table(f.clone())]),
                        );
                        outer.insert("lambda".into(), toml::Value::Table(lam));
                        traffic.text.push_str(&toml::to_string(&outer).unwrap_or_default());
                    }
                }
                for w in items(&t, "workload") {
                    traffic.text.push_str(&table_text("workload", w.clone()));
                }
            }
        }
    }
    if let Some(o) = observed_csv {
        traffic.header.push(format!(
            "Traffic: CloudWatch metrics {} (compare a run with {}).",
            names(files),
            o.0
        ));
        traffic.files.push(o);
    }
    Ok(())
}

/// Takes another scenario's `[[workload]]`s and `[[trace]]`s, their file paths made absolute
/// (they were relative to that scenario).
fn from_scenario(path: &Path, traffic: &mut Traffic) -> Result<(), ImportError> {
    let text = super::read_text(path, "a scenario")?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| ImportError::new(path, "", format!("not a valid TOML scenario: {e}")))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let (workloads, traces) = (items(&table, "workload"), items(&table, "trace"));
    if workloads.is_empty() && traces.is_empty() {
        return Err(ImportError::new(path, "", "has no [[workload]] and no [[trace]] to take"));
    }
    let _ = writeln!(traffic.text, "\n# Traffic taken from {}", path.display());
    for (key, list) in [("workload", workloads), ("trace", traces)] {
        for item in list {
            let mut item = item.clone();
            absolutize(&mut item, &dir, key == "trace");
            traffic.text.push_str(&table_text(key, item));
        }
    }
    if traffic.duration.is_none() {
        traffic.duration = duration_of(&table);
    }
    traffic.header.push(format!("Traffic: the workloads and traces of {}.", path.display()));
    Ok(())
}

/// Makes the file paths of a workload or trace absolute: `path` keys anywhere (empirical
/// distributions, trace files) and a trace's `invocations`, `durations` and `memory`.
fn absolutize(t: &mut toml::Table, dir: &Path, trace: bool) {
    for (k, v) in t.iter_mut() {
        let is_path =
            k == "path" || (trace && ["invocations", "durations", "memory"].contains(&k.as_str()));
        match v {
            toml::Value::String(s) if is_path && Path::new(s.as_str()).is_relative() => {
                *s = dir.join(&*s).display().to_string();
            }
            toml::Value::Table(inner) => absolutize(inner, dir, false),
            // arrays of tables: a trace template's `extensions`
            toml::Value::Array(list) => {
                for inner in list.iter_mut().filter_map(toml::Value::as_table_mut) {
                    absolutize(inner, dir, false);
                }
            }
            _ => {}
        }
    }
}

fn names(files: &[PathBuf]) -> String {
    files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// `output` (the structure alone) or, with `--usage`, the scenario written again with the
/// traffic (`rewrite`), plus the traffic's data files and messages.
pub fn with_traffic(
    infra: &Infra,
    output: Output,
    args: &UsageArgs,
    stem: &str,
    rewrite: impl FnOnce(&Traffic) -> Result<Output, ImportError>,
) -> Result<Output, ImportError> {
    let Some(traffic) = compose(infra, args, stem)? else { return Ok(output) };
    let mut out = rewrite(&traffic)?;
    out.files.extend(traffic.files.iter().cloned());
    out.messages.extend(traffic.messages.iter().cloned());
    out.messages.push(format!(
        "traffic reaches: {}",
        if traffic.reached.is_empty() {
            "no entry point of the template".to_string()
        } else {
            traffic.reached.join(", ")
        }
    ));
    Ok(out)
}

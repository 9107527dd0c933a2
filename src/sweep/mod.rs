//! `slsim sweep`: run every point of a scenario's `[sweep]` section and tabulate the results.
//!
//! A sweep's output folder holds:
//! - `sweep.json`: the manifest: the swept key paths and every point's values and fingerprint
//!   (a hash of the point's whole scenario, so a resumed or merged run never mixes in results
//!   of a scenario that has since changed);
//! - `points/NNNNN.json`: each point's full `summary.json`, written (atomically) the moment the
//!   point finishes, so an interrupted sweep loses at most the points that were running;
//! - `sweep.csv`: one row per point (the contract's columns), written once every point is in;
//! - the charts of [`crate::report`], drawn from `sweep.csv`'s figures.
//!
//! Points are independent simulations; they run in parallel on the rayon pool, each with the
//! scenario's own seed (common random numbers: two points differ only by their parameters), and
//! their replications derive their seeds as in `slsim run`. Nothing written depends on the number
//! of threads, on `--resume`, or on how the points were split into shards (`--shard I/N` and
//! `slsim merge` give the bytes of one unsharded run).

pub use crate::config::sweep as spec;
pub mod table;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value as Json, json};
use toml::{Table, Value};

pub use spec::{Mode, Point, SweepSpec};

use crate::config::{self, ConfigError, Override, Problem};
use crate::progress::progress_bar;

/// `--param KEY=V1,V2,...`: the values a key takes in a sweep, replacing or adding to
/// `[sweep.parameters]`. The list may be written as TOML (`[128, 256]`, `["10m", "20m"]`) or
/// bare (`128,256`, `10m,20m`): each bare item is read as a TOML value, else as a string.
pub fn parse_param(arg: &str) -> Result<Override, String> {
    let Some((key, raw)) = arg.split_once('=') else {
        return Err(format!(
            "\"{arg}\" is not KEY=V1,V2,... (e.g. lambda.function.api.memory_size=512,1024,2048)"
        ));
    };
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("\"{key}\" is not a key path (e.g. workload.uploads.arrivals.rate)"));
    }
    let raw = raw.trim();
    let toml_value =
        |s: &str| toml::from_str::<Table>(&format!("v = {s}")).ok().and_then(|mut t| t.remove("v"));
    let value = match toml_value(raw) {
        Some(v @ (Value::Array(_) | Value::Table(_))) => v,
        _ => {
            let items: Vec<Value> = raw
                .split(',')
                .map(str::trim)
                .map(|s| toml_value(s).unwrap_or_else(|| Value::String(s.to_string())))
                .collect();
            if raw.is_empty() {
                return Err(format!("--param {key}: no values; give V1,V2,..."));
            }
            Value::Array(items)
        }
    };
    Ok(Override { key: key.to_string(), value })
}

/// `--shard I/N`: run the points whose index is `I` modulo `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The environment variables array jobs set, in the order they are looked at, each with the
/// first index its arrays conventionally use.
pub const SHARD_ENV: [&str; 3] =
    ["AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

/// A `--shard` argument: `I/N`, or `auto/N` to take `I` from the array job's environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    Fixed(Shard),
    Auto { count: u32 },
}

impl FromStr for ShardArg {
    type Err = String;
    fn from_str(s: &str) -> Result<ShardArg, String> {
        let usage = || format!("\"{s}\" is not I/N or auto/N (e.g. --shard 0/8, --shard auto/8)");
        let (i, n) = s.split_once('/').ok_or_else(usage)?;
        let count: u32 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 {
            return Err(format!("\"{s}\": N must be at least 1"));
        }
        if i.trim() == "auto" {
            return Ok(ShardArg::Auto { count });
        }
        let index: u32 = i.trim().parse().map_err(|_| usage())?;
        if index >= count {
            return Err(format!("\"{s}\": I must be below N (0..={})", count - 1));
        }
        Ok(ShardArg::Fixed(Shard { index, count }))
    }
}

impl ShardArg {
    /// The shard to run, reading the array index for `auto/N` from `env` (a lookup so tests
    /// need not touch the process environment). Slurm's index is taken relative to
    /// `SLURM_ARRAY_TASK_MIN` when set, so `--array=1-8` works as well as `--array=0-7`.
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let count = match self {
            ShardArg::Fixed(s) => return Ok(s),
            ShardArg::Auto { count } => count,
        };
        for var in SHARD_ENV {
            let Some(text) = env(var) else { continue };
            let mut index: i64 = text.trim().parse().map_err(|_| {
                format!("--shard auto/{count}: {var}=\"{text}\" is not a whole number")
            })?;
            if var == "SLURM_ARRAY_TASK_ID"
                && let Some(min) =
                    env("SLURM_ARRAY_TASK_MIN").and_then(|m| m.trim().parse::<i64>().ok())
            {
                index -= min;
            }
            if index < 0 || index >= count as i64 {
                return Err(format!(
                    "--shard auto/{count}: {var}={text} gives shard {index}, outside 0..={}; \
                     size the array to {count} tasks",
                    count - 1
                ));
            }
            return Ok(Shard { index: index as u32, count });
        }
        Err(format!(
            "--shard auto/{count}: none of {} is set; run it as an array job, or give --shard I/{count}",
            SHARD_ENV.join(", ")
        ))
    }
}

/// A point ready to run: its overrides of the base scenario and its fingerprint.
#[derive(Debug, Clone)]
pub struct PreparedPoint {
    pub index: usize,
    pub values: Vec<Value>,
    /// The point's scenario table (the base with its values applied, `[sweep]` removed).
    table: Table,
    pub fingerprint: String,
}

/// A sweep whose every point has been validated.
#[derive(Debug)]
pub struct Prepared {
    pub file: PathBuf,
    pub name: String,
    pub spec: SweepSpec,
    pub points: Vec<PreparedPoint>,
    /// The scenario's `[slo]` (validated); kept out of the points' fingerprints, so editing an
    /// objective never invalidates finished points.
    pub slo: Option<crate::config::slo::Slo>,
}

/// Reads the scenario, applies `--set` and `--seed`, reads `[sweep]` with `--param`, and
/// validates the scenario of every point, so a bad value fails before anything runs.
pub fn prepare(
    file: &Path,
    set: &[Override],
    params: &[Override],
    seed: Option<u64>,
) -> Result<Prepared, ConfigError> {
    let mut base = config::load_table(file, set)?;
    let spec = SweepSpec::from_table(&base, params)
        .map_err(|problems| ConfigError { file: file.to_path_buf(), problems })?;
    base.remove("sweep");
    if let Some(key) = spec.keys().find(|k| *k == "slo" || k.starts_with("slo.")) {
        return Err(ConfigError::one(
            file,
            format!("sweep.parameters.\"{key}\""),
            "an SLO is not a parameter of the simulation; give other limits to \
             slsim recommend --slo KEY=VALUE instead",
        ));
    }
    let mut slo = None;
    let mut fixed: Vec<Override> = Vec::new();
    if let Some(seed) = seed {
        let seed = i64::try_from(seed).map_err(|_| {
            ConfigError::one(file, "--seed", format!("{seed} is too large; use 0..={}", i64::MAX))
        })?;
        fixed.push(Override { key: "simulation.seed".into(), value: Value::Integer(seed) });
    }
    if let Some(r) = spec.replications {
        fixed.push(Override {
            key: "simulation.replications".into(),
            value: Value::Integer(r.into()),
        });
    }
    let mut points = Vec::new();
    let mut failing = 0usize;
    let mut first_failure: Option<ConfigError> = None;
    let mut name = String::new();
    let mut checked_traces: Vec<String> = Vec::new();
    for p in spec.points() {
        let mut overrides = fixed.clone();
        overrides.extend(
            spec.keys()
                .zip(&p.values)
                .map(|(k, v)| Override { key: k.to_string(), value: v.clone() }),
        );
        let mut table = base.clone();
        let applied = overrides.iter().try_for_each(|o| {
            config::apply_override(&mut table, o).map_err(|m| (o.key.clone(), m))
        });
        let result = match applied {
            Err((key, m)) => Err(ConfigError::one(file, format!("sweep.parameters.\"{key}\""), m)),
            Ok(()) => config::from_table(file, table.clone(), &[], "--param"),
        };
        let result = result.and_then(|s| {
            // a trace's malformed rows are reported once, not once per point
            let key = format!("{:?}", s.traces.iter().map(|t| &t.name).collect::<Vec<_>>());
            if !s.traces.is_empty() && !checked_traces.contains(&key) {
                crate::trace::check_rows(&s.traces, false)
                    .map_err(|m| ConfigError::one(file, "", m))?;
                checked_traces.push(key);
            }
            Ok(s)
        });
        match result {
            Ok(s) => {
                if name.is_empty() {
                    name = s.name.clone();
                    slo = s.slo.clone();
                }
                // validated with the point; not part of what the point simulates
                table.remove("slo");
                let fingerprint = fingerprint(&table);
                points.push(PreparedPoint { index: p.index, values: p.values, table, fingerprint });
            }
            Err(mut e) => {
                failing += 1;
                if first_failure.is_none() {
                    let at = describe(&spec, &p.values);
                    for problem in &mut e.problems {
                        problem.message = format!("{} (at the point {at})", problem.message);
                    }
                    first_failure = Some(e);
                }
            }
        }
    }
    if let Some(mut e) = first_failure {
        if failing > 1 {
            e.problems.push(Problem {
                key: "sweep".into(),
                message: format!(
                    "{failing} of the sweep's {} points are invalid",
                    spec.point_count().unwrap_or(0)
                ),
            });
        }
        return Err(e);
    }
    Ok(Prepared { file: file.to_path_buf(), name, spec, points, slo })
}

/// `key=value, key=value` for messages.
fn describe(spec: &SweepSpec, values: &[Value]) -> String {
    spec.keys().zip(values).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// FNV-1a (64 bit) of the point's scenario as TOML: stable across runs, machines and releases
/// of Rust (unlike the standard library's hasher).
fn fingerprint(table: &Table) -> String {
    let text = toml::to_string(table).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// How to run a sweep and where to write it.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Output folder; default `output/<simulation.name>/`.
    pub out_dir: Option<PathBuf>,
    /// Worker threads; default one per core. The results do not depend on it.
    pub threads: Option<usize>,
    /// Skip points whose result is already in the output folder (same fingerprint).
    pub resume: bool,
    /// Run only this shard of the points.
    pub shard: Option<Shard>,
    /// Draw the charts when every point is in (done by the caller: see
    /// `crate::app::sweep`).
    pub charts: bool,
    /// Show a progress bar on the terminal (hidden anyway when stderr is not one).
    pub progress: bool,
}

/// What a sweep did.
#[derive(Debug)]
pub struct SweepReport {
    pub out_dir: PathBuf,
    /// Points simulated now.
    pub ran: usize,
    /// Points skipped because their result was already there (`--resume`).
    pub resumed: usize,
    /// Points of the sweep in all, and of this shard.
    pub total: usize,
    pub in_shard: usize,
    /// Every point of the sweep is in the folder: its tables and charts can be written.
    pub complete: bool,
    /// `sweep.csv` and the charts, once every point is in the folder; empty for a shard that
    /// has finished its part before the others.
    pub files: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// The file a point's summary is written to.
pub fn point_path(dir: &Path, index: usize) -> PathBuf {
    dir.join("points").join(format!("{index:05}.json"))
}

/// The manifest: what the sweep is, independent of how it was run.
fn manifest(prep: &Prepared) -> Json {
    let keys: Vec<&str> = prep.spec.keys().collect();
    let mut m = json!({
        "scenario": prep.name,
        "mode": prep.spec.mode.as_str(),
        "parameters": keys,
        "points": prep.points.iter().map(|p| json!({
            "point": p.index,
            "parameters": parameters_json(&prep.spec, &p.values),
            "fingerprint": p.fingerprint,
        })).collect::<Vec<_>>(),
    });
    // the objectives travel with the sweep, so `finish` (and `slsim merge`, which has no
    // scenario) can show the recommendation in report.html
    if let Some(slo) = &prep.slo {
        m["slo"] = slo.to_json();
    }
    m
}

fn parameters_json(spec: &SweepSpec, values: &[Value]) -> Json {
    let mut map = serde_json::Map::new();
    for (k, v) in spec.keys().zip(values) {
        map.insert(k.to_string(), serde_json::to_value(v).unwrap_or(Json::Null));
    }
    Json::Object(map)
}

/// Whether `path` holds the finished result of a point with this fingerprint.
fn finished(path: &Path, fingerprint: &str) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Json>(&b).ok())
        .is_some_and(|j| j["fingerprint"] == fingerprint && j["summary"].is_object())
}

/// Runs the sweep (the points of `opts.shard`, less those already done with `--resume`),
/// writing each point as it finishes, then `sweep.csv` and the charts once all are in.
pub fn run(prep: &Prepared, opts: &SweepOptions) -> anyhow::Result<SweepReport> {
    let started = Instant::now();
    let out_dir = opts.out_dir.clone().unwrap_or_else(|| Path::new("output").join(&prep.name));
    let points_dir = out_dir.join("points");
    std::fs::create_dir_all(&points_dir)
        .with_context(|| format!("cannot create the output folder {}", points_dir.display()))?;
    let manifest = manifest(prep);
    let path = out_dir.join("sweep.json");
    crate::files::write_json(&path, &manifest)
        .with_context(|| format!("cannot write {}", path.display()))?;

    let in_shard: Vec<&PreparedPoint> = prep
        .points
        .iter()
        .filter(|p| opts.shard.is_none_or(|s| p.index % s.count as usize == s.index as usize))
        .collect();
    let todo: Vec<&PreparedPoint> = in_shard
        .iter()
        .copied()
        .filter(|p| !(opts.resume && finished(&point_path(&out_dir, p.index), &p.fingerprint)))
        .collect();

    let bar = if opts.progress {
        progress_bar(todo.len() as u64, "points")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let work = || {
        use rayon::prelude::*;
        todo.par_iter().for_each(|p| {
            if let Err(e) = run_point(prep, p, &out_dir) {
                failures
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((p.index, format!("{e:#}")));
            }
            bar.inc(1);
        });
    };
    match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("cannot start the worker threads")?
            .install(work),
        None => work(),
    }
    bar.finish_and_clear();
    let mut failures = failures.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !failures.is_empty() {
        failures.sort();
        let (index, e) = &failures[0];
        bail!(
            "{} point(s) failed; the others are saved (rerun with --resume); point {index}: {e}",
            failures.len()
        );
    }

    let complete =
        prep.points.iter().all(|p| finished(&point_path(&out_dir, p.index), &p.fingerprint));
    Ok(SweepReport {
        out_dir,
        complete,
        files: Vec::new(),
        ran: todo.len(),
        resumed: in_shard.len() - todo.len(),
        total: prep.points.len(),
        in_shard: in_shard.len(),
        elapsed: started.elapsed(),
    })
}

fn run_point(prep: &Prepared, p: &PreparedPoint, out_dir: &Path) -> anyhow::Result<()> {
    let scenario = config::from_table(&prep.file, p.table.clone(), &[], "--param")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let sim = crate::run::simulate(&scenario);
    let doc = json!({
        "point": p.index,
        "parameters": parameters_json(&prep.spec, &p.values),
        "fingerprint": p.fingerprint,
        "summary": null,
    });
    let path = point_path(out_dir, p.index);
    // streamed: a fleet's point summary is never one tree in memory
    crate::files::write_atomic_with(&path, |w| {
        crate::summary::write_nested(w, &doc, "summary", &sim.summary)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// The swept key paths of a manifest.
fn manifest_keys(manifest: &Json) -> Vec<String> {
    manifest["parameters"]
        .as_array()
        .map(|a| a.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The points' numbers, in manifest order.
pub fn point_numbers(manifest: &Json) -> Vec<usize> {
    manifest["points"]
        .as_array()
        .map(|a| a.iter().map(|p| p["point"].as_u64().unwrap_or(0) as usize).collect())
        .unwrap_or_default()
}

/// The table of `(parameters, summary)` points of a manifest.
pub fn table_of(manifest: &Json, points: &[(Json, Json)]) -> table::SweepTable {
    table::SweepTable::new(manifest_keys(manifest), points)
}

/// `sweep.json` of the sweep in `dir`.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Json> {
    let path = dir.join("sweep.json");
    let bytes = std::fs::read(&path).with_context(|| {
        format!("cannot read {} (is {} the output of slsim sweep?)", path.display(), dir.display())
    })?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a sweep manifest", path.display()))
}

/// The points of `manifest` in `dir`, in order: `(parameters, summary)` of each.
pub fn load_points(dir: &Path, manifest: &Json) -> anyhow::Result<Vec<(Json, Json)>> {
    let points = manifest["points"].as_array().cloned().unwrap_or_default();
    points
        .iter()
        .map(|p| {
            let index = p["point"].as_u64().unwrap_or(0) as usize;
            let path = point_path(dir, index);
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let mut doc: Json = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a point's result", path.display()))?;
            if doc["fingerprint"] != p["fingerprint"] {
                bail!(
                    "{} is the result of another scenario (its fingerprint differs)",
                    path.display()
                );
            }
            Ok((doc["parameters"].take(), doc["summary"].take()))
        })
        .collect()
}

/// The sweep in `dir` as a [`table::SweepTable`] (from `sweep.json` and `points/`).
pub fn load(dir: &Path) -> anyhow::Result<table::SweepTable> {
    let manifest = read_manifest(dir)?;
    Ok(table_of(&manifest, &load_points(dir, &manifest)?))
}

/// `slsim merge`: gathers the points of shard folders into `out`, with their manifest, as one
/// unsharded run would have written them. Every folder must hold the same sweep. Returns the
/// number of points and the manifest (the tables and charts are the caller's to write).
pub fn merge_points(dirs: &[PathBuf], out: &Path) -> anyhow::Result<(usize, Json)> {
    let Some(first) = dirs.first() else { bail!("give at least one folder to merge") };
    let read_manifest = |d: &Path| -> anyhow::Result<Vec<u8>> {
        let path = d.join("sweep.json");
        std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {} (is {} the output of slsim sweep?)",
                path.display(),
                d.display()
            )
        })
    };
    let bytes = read_manifest(first)?;
    for d in &dirs[1..] {
        if read_manifest(d)? != bytes {
            bail!(
                "{} and {} hold different sweeps (their sweep.json differ): \
                 shards must come from the same scenario, flags and seed",
                first.display(),
                d.display()
            );
        }
    }
    let manifest: Json = serde_json::from_slice(&bytes).with_context(|| {
        format!("{} is not a sweep manifest", first.join("sweep.json").display())
    })?;
    std::fs::create_dir_all(out.join("points"))
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let mut missing = Vec::new();
    let points = manifest["points"].as_array().cloned().unwrap_or_default();
    for p in &points {
        let index = p["point"].as_u64().unwrap_or(0) as usize;
        let fp = p["fingerprint"].as_str().unwrap_or("");
        let dest = point_path(out, index);
        let found = dirs.iter().map(|d| point_path(d, index)).find(|src| finished(src, fp));
        match found {
            Some(src) if src == dest => {}
            Some(src) => {
                let b = std::fs::read(&src)
                    .with_context(|| format!("cannot read {}", src.display()))?;
                crate::files::write_atomic(&dest, &b)
                    .with_context(|| format!("cannot write {}", dest.display()))?;
            }
            None => missing.push(index),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(20).map(usize::to_string).collect();
        bail!(
            "{} of {} points are in none of the folders (points {}{}); run their shards \
             (or slsim sweep --resume) and merge again",
            missing.len(),
            points.len(),
            shown.join(", "),
            if missing.len() > 20 { ", ..." } else { "" }
        );
    }
    crate::files::write_atomic(&out.join("sweep.json"), &bytes)
        .with_context(|| format!("cannot write {}", out.join("sweep.json").display()))?;
    Ok((points.len(), manifest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_lists_bare_or_toml() {
        let p = parse_param("lambda.function.f.memory_size=128,256, 512").unwrap();
        assert_eq!(
            p.value,
            Value::Array(vec![Value::Integer(128), Value::Integer(256), Value::Integer(512)])
        );
        let p = parse_param("x=10m,20m").unwrap();
        assert_eq!(p.value, Value::Array(vec!["10m".into(), "20m".into()]));
        let p = parse_param("x=[1.5, 2.5]").unwrap();
        assert_eq!(p.value, Value::Array(vec![Value::Float(1.5), Value::Float(2.5)]));
        let p = parse_param("x={ from = 1, to = 3, step = 1 }").unwrap();
        assert!(p.value.is_table());
        assert!(parse_param("x=").is_err());
        assert!(parse_param("novalue").is_err());
        assert!(parse_param("a..b=1").is_err());
    }

    #[test]
    fn shards_from_flags_and_array_job_environments() {
        let none = |_: &str| None;
        assert_eq!(
            "2/4".parse::<ShardArg>().unwrap().resolve(none).unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("4/4".parse::<ShardArg>().is_err());
        assert!("1/0".parse::<ShardArg>().is_err());
        assert!("x/2".parse::<ShardArg>().is_err());
        let auto: ShardArg = "auto/8".parse().unwrap();
        let err = auto.resolve(none).unwrap_err();
        assert!(err.contains("AWS_BATCH_JOB_ARRAY_INDEX"), "{err}");
        let batch = |k: &str| (k == "AWS_BATCH_JOB_ARRAY_INDEX").then(|| "5".to_string());
        assert_eq!(auto.resolve(batch).unwrap(), Shard { index: 5, count: 8 });
        // Slurm arrays numbered from 1
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("8".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_string()),
            _ => None,
        };
        assert_eq!(auto.resolve(slurm).unwrap(), Shard { index: 7, count: 8 });
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(auto.resolve(k8s).unwrap(), Shard { index: 0, count: 8 });
        let out_of_range = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "8".to_string());
        assert!(auto.resolve(out_of_range).unwrap_err().contains("outside 0..=7"));
        let garbage = |k: &str| (k == "SLURM_ARRAY_TASK_ID").then(|| "two".to_string());
        assert!(auto.resolve(garbage).unwrap_err().contains("not a whole number"));
    }

    #[test]
    fn fingerprints_are_stable_and_sensitive() {
        let a: Table = toml::from_str("[simulation]\nname = \"x\"\nseed = 1").unwrap();
        let b: Table = toml::from_str("[simulation]\nname = \"x\"\nseed = 2").unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 16);
    }
}

//! `slsim compare OBSERVED OUTPUT_DIR`: what an account recorded, period by period, against a
//! run's `timeseries.csv`.
//!
//! ```text
//! observed.csv / logs / CloudWatch --> read_observed --.
//!                                                      +--> align --> stats --> compare.json,
//! OUTPUT_DIR/timeseries.csv ---------> simulated ------'                        verdict lines,
//!                                      (per minute,                             overlay chart,
//!                                       summed into the                         report.html section
//!                                       observed periods)
//! ```
//!
//! Everything is computed before anything is written: bad input (exit code 2) writes nothing.

mod chart;
mod section;
pub mod stats;

use std::path::{Path, PathBuf};

use crate::import::ImportError;
use crate::import::observed::{METRICS, Metric, Observed};
pub use stats::{Aligned, Comparison, Verdict};

/// `slsim compare`'s arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// What was observed: `observed.csv` (as `slsim import` writes it: a `time` column and
    /// columns named like timeseries.csv's), REPORT logs (`aws logs filter-log-events` JSON
    /// pages, saved log text, JSON-format logs) or CloudWatch metric data (get-metric-data
    /// pages with --queries, or get-metric-statistics files). Several files: pages of one
    /// export, all of one kind.
    #[arg(required = true, num_args = 1..)]
    pub observed: Vec<PathBuf>,
    /// The output folder of `slsim run` to compare with (its timeseries.csv, summary.json and
    /// report.html).
    pub output_dir: PathBuf,
    /// Where to write compare.json and the overlay chart [default: OUTPUT_DIR]. The section of
    /// report.html is always added to OUTPUT_DIR's report.html.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Simulated time that the first observed period lines up with, a whole number of minutes
    /// (e.g. "10m"): observed period 0 is compared with the simulated minutes from OFFSET.
    #[arg(long, value_name = "DURATION", default_value = "0m", value_parser = parse_offset)]
    pub offset: u64,
    /// The CloudWatch get-metric-data query file the export was made with (CloudWatch JSON
    /// only).
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// The function whose figures to read, when the observed file holds several (logs and
    /// CloudWatch exports).
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// REPORT logs only: the architecture the observed cost is priced at ("x86_64" or
    /// "arm64"), since REPORT lines do not say.
    #[arg(long, value_name = "ARCH", default_value = "x86_64", value_parser = ["x86_64", "arm64"])]
    pub architecture: String,
    /// Skip drawing the overlay chart.
    #[arg(long)]
    pub no_charts: bool,
}

/// `--offset`: a duration that is a whole number of minutes, in minutes.
fn parse_offset(s: &str) -> Result<u64, String> {
    let d = crate::units::parse_duration(s)?;
    let minute = crate::metrics::MINUTE.0;
    if d.0 % minute != 0 {
        return Err(format!(
            "\"{s}\" is not a whole number of minutes (timeseries.csv has one row per minute)"
        ));
    }
    Ok(d.0 / minute)
}

/// Why `compare` stopped.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// Bad or missing input: exit code 2, nothing written.
    #[error("{0}")]
    Input(#[from] ImportError),
    /// Writing failed: exit code 1.
    #[error("{0}")]
    Io(String),
}

/// What `compare` did: the comparison, the terminal lines and the files written.
#[derive(Debug)]
pub struct Done {
    pub comparison: Comparison,
    pub lines: Vec<String>,
    pub files: Vec<PathBuf>,
}

pub use crate::import::kind::{Kind, detect, head};

/// Reads the observed figures of `paths` (pages of one export), whatever their kind (see
/// [`detect`], from the first file; every file must be of that kind). `queries` is for
/// get-metric-data files, `function` picks one function of logs or CloudWatch files, `arm64`
/// prices logs at the Arm rate.
pub fn read_observed(
    paths: &[PathBuf],
    queries: Option<&Path>,
    function: Option<&str>,
    arm64: bool,
) -> Result<(Kind, Observed), ImportError> {
    let Some(first) = paths.first() else {
        return Err(ImportError::new(Path::new("."), "", "no observed file given"));
    };
    let mut kind = None;
    for path in paths {
        let k = detect(path, &head(path)?)?;
        match kind {
            None => kind = Some(k),
            Some(first_kind) if first_kind != k => {
                return Err(ImportError::new(
                    path,
                    "",
                    format!(
                        "is a {} file, but {} is {}: give the pages of one export",
                        k.name(),
                        first.display(),
                        first_kind.name()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let kind = kind.unwrap_or(Kind::Csv);
    let observed = match kind {
        Kind::Csv => {
            if let Some(extra) = paths.get(1) {
                return Err(ImportError::new(
                    extra,
                    "",
                    "only one observed.csv can be compared at a time",
                ));
            }
            Observed::from_csv(first)?
        }
        Kind::LogEventsJson | Kind::LogText => {
            crate::import::logs::observed(paths, function, arm64)?
        }
        Kind::CloudWatchJson => crate::import::cloudwatch::observed(paths, queries, function)?,
    };
    Ok((kind, observed))
}

/// A run's per-minute figures, read from `dir/timeseries.csv` (first replication), with which
/// minutes count (whole minutes after the warm-up, from `summary.json` when present).
#[derive(Debug, Clone)]
pub struct Simulated {
    /// One row per minute, as [`Observed`] (start 0, period 60 s).
    pub minutes: Observed,
    /// Invocations per minute (the weights of the duration percentiles).
    pub invocations: Vec<f64>,
    /// Per minute: whether it is whole and after the warm-up.
    pub usable: Vec<bool>,
}

/// Reads `dir/timeseries.csv` (and `summary.json` for the duration and warm-up, if there).
pub fn simulated(dir: &Path) -> Result<Simulated, ImportError> {
    let path = dir.join("timeseries.csv");
    if !path.is_file() {
        return Err(ImportError::new(
            &path,
            "",
            "not found: give the output folder of `slsim run` (it holds timeseries.csv)",
        ));
    }
    let err = |place: String, msg: String| ImportError::new(&path, place, msg);
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| err(String::new(), format!("cannot read: {e}")))?;
    let headers = reader.headers().map_err(|e| err("line 1".into(), e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let Some(warmup_col) = col("warmup") else {
        return Err(err(
            "line 1".into(),
            "has no `warmup` column: not slsim's timeseries.csv".into(),
        ));
    };
    // errors on the observed side are CloudWatch's Errors, which count timeouts
    let sources: Vec<(Metric, Vec<usize>)> = Metric::ALL
        .iter()
        .filter_map(|&m| {
            let cols: Option<Vec<usize>> = match m {
                Metric::Errors => [col("errors"), col("timeouts")].into_iter().collect(),
                _ => col(m.column()).map(|c| vec![c]),
            };
            cols.map(|c| (m, c))
        })
        .collect();
    let inv_col = col("invocations");
    // rows wider than a minute (`timeseries_step`, or "auto" past 7 days) cannot be laid
    // against observed periods minute by minute; older files have no width: a minute each
    let width_col = col("width_s");
    let mut minutes = Observed::new(0, 60, 0);
    let (mut invocations, mut usable) = (Vec::new(), Vec::new());
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|e| err(format!("line {line}"), e.to_string()))?;
        if let Some(width) = width_col.and_then(|c| record.get(c)?.trim().parse::<f64>().ok())
            && width > 60.0
        {
            return Err(err(
                format!("line {line}"),
                format!(
                    "has rows of {width} s, not of a minute: compare lays observed periods \
                     against whole simulated minutes, so run the scenario again with \
                     `timeseries_step = \"1m\"` in [simulation] (runs longer than 7 days \
                     take coarser rows by default)"
                ),
            ));
        }
        let number = |c: usize, name: &str| -> Result<Option<f64>, ImportError> {
            let s = record.get(c).unwrap_or("").trim();
            if s.is_empty() {
                return Ok(None);
            }
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                _ => Err(err(
                    format!("line {line}, column {name}"),
                    format!("{s:?} is not a number"),
                )),
            }
        };
        minutes.rows.push([None; METRICS]);
        for (m, cols) in &sources {
            let mut total = None;
            for &c in cols {
                if let Some(v) = number(c, m.column())? {
                    total = Some(total.unwrap_or(0.0) + v);
                }
            }
            if let Some(v) = total {
                minutes.set(n, *m, v);
            }
        }
        invocations.push(match inv_col {
            Some(c) => number(c, "invocations")?.unwrap_or(0.0),
            None => 0.0,
        });
        usable.push(record.get(warmup_col).map(str::trim) == Some("0"));
    }
    if minutes.rows.is_empty() {
        return Err(err(String::new(), "has no rows".into()));
    }
    // the last minute is partial when the duration is not whole minutes
    if let Some(seconds) = summary_seconds(dir) {
        for (i, u) in usable.iter_mut().enumerate() {
            *u &= (i as f64 + 1.0) * 60.0 <= seconds + 1e-9;
        }
    }
    Ok(Simulated { minutes, invocations, usable })
}

/// `simulated_seconds` of `dir/summary.json`, if readable.
fn summary_seconds(dir: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("simulated_seconds")?.as_f64()
}

/// `slsim compare`: reads both sides, compares, then writes compare.json, the chart (unless
/// `--no-charts`) and the section of report.html.
pub fn run(args: &Args) -> Result<Done, CompareError> {
    let arm64 = args.architecture == "arm64";
    let (kind, observed) =
        read_observed(&args.observed, args.queries.as_deref(), args.function.as_deref(), arm64)?;
    let first = args.observed.first().map(PathBuf::as_path).unwrap_or(Path::new("."));
    let sim = simulated(&args.output_dir)?;
    let aligned = Aligned::new(&observed, &sim, args.offset)
        .map_err(|msg| ImportError::new(first, "", msg))?;
    let comparison = Comparison::new(&aligned, &args.observed, kind, &args.output_dir);
    if comparison.periods_compared == 0 {
        let usable: Vec<usize> = (0..sim.usable.len()).filter(|&m| sim.usable[m]).collect();
        let run = match (usable.first(), usable.last()) {
            (Some(a), Some(b)) => format!("the run's usable minutes are {a} to {b}"),
            _ => "the run has no whole minute after its warm-up".to_string(),
        };
        return Err(ImportError::new(
            first,
            "",
            format!(
                "no period to compare: {run}; the {} observed periods of {} s start at minute {} \
                 (--offset) and none has a figure on both sides; check --offset, the run's \
                 duration and warm-up",
                observed.rows.len(),
                observed.period_s,
                args.offset,
            ),
        )
        .into());
    }
    let lines = comparison.verdict_lines();
    let out = args.out.clone().unwrap_or_else(|| args.output_dir.clone());
    let files = write(&out, &args.output_dir, &comparison, &aligned, !args.no_charts)?;
    Ok(Done { comparison, lines, files })
}

/// Writes compare.json, the chart and report.html's section, in that order.
fn write(
    out: &Path,
    run_dir: &Path,
    comparison: &Comparison,
    aligned: &Aligned,
    charts: bool,
) -> Result<Vec<PathBuf>, CompareError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |e: std::io::Error| CompareError::Io(format!("cannot write {path}: {e}"))
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut files = Vec::new();
    let path = out.join("compare.json");
    let json = serde_json::to_value(comparison).map_err(|e| CompareError::Io(e.to_string()))?;
    crate::files::write_json(&path, &json).map_err(io(&path))?;
    files.push(path);
    if charts {
        for ext in ["png", "svg"] {
            let path = out.join(format!("{}.{ext}", chart::STEM));
            let drawn = crate::report::draw_atomic(&path, |p| chart::overlay(p, aligned))
                .map_err(|e| CompareError::Io(e.to_string()))?;
            files.push(drawn);
        }
    }
    let report = run_dir.join("report.html");
    if let Ok(page) = std::fs::read_to_string(&report) {
        let svg = charts.then(|| out.join(format!("{}.svg", chart::STEM)));
        let html = section::html(comparison, svg.as_deref());
        let page = crate::report::html::insert_section(&page, section::ID, &html);
        crate::files::write_atomic(&report, page.as_bytes()).map_err(io(&report))?;
        files.push(report);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_of_file_is_told_by_its_content() {
        let p = Path::new("x");
        let kind = |text: &str| detect(p, text);
        assert_eq!(kind("time,invocations\n2026-01-01T00:00:00Z,1\n"), Ok(Kind::Csv));
        assert_eq!(kind("{\"events\": [], \"searchedLogStreams\": []}"), Ok(Kind::LogEventsJson));
        assert_eq!(kind("{\"MetricDataResults\": [], \"Messages\": []}"), Ok(Kind::CloudWatchJson));
        assert_eq!(kind("{\"Label\": \"Duration\", \"Datapoints\": []}"), Ok(Kind::CloudWatchJson));
        assert_eq!(
            kind("2026-03-02T14:05:00.120Z\tREPORT RequestId: 1a2b\tDuration: 12.00 ms\n"),
            Ok(Kind::LogText)
        );
        let json_logs = "{\"time\":\"2026-03-02T14:05:00Z\",\"type\":\"platform.report\",\"record\":{}}\n\
                         {\"time\":\"2026-03-02T14:05:01Z\",\"type\":\"platform.report\",\"record\":{}}\n";
        assert_eq!(kind(json_logs), Ok(Kind::LogText));
        let err = kind("{\"foo\": 1}").unwrap_err();
        assert!(err.message.contains("without `events`"), "{err}");
        let err = kind("{\"events\": [").unwrap_err();
        assert!(err.to_string().starts_with("x: line 1: not valid JSON"), "{err}");
    }

    #[test]
    fn offsets_are_whole_minutes() {
        assert_eq!(parse_offset("0m"), Ok(0));
        assert_eq!(parse_offset("2h"), Ok(120));
        assert!(parse_offset("90s").unwrap_err().contains("whole number of minutes"));
        assert!(parse_offset("ten").is_err());
    }
}

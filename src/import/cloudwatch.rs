//! `slsim import cloudwatch`: a scenario that replays the per-period traffic CloudWatch
//! recorded for Lambda functions (and ECS services / ALB target groups), with run-time
//! distributions fitted to the `Duration` statistics, plus `observed.csv` for `slsim compare`.
//!
//! ```text
//! files --read--> series (target, metric, stat, period, points)
//!       --table--> one row per period from the first timestamp, per target
//!       --scenario--> [[lambda.function]] + [[workload]] (step profile of Invocations / period)
//!                     [[service]] placeholder + [[workload]] (RequestCount / period)
//!       --observed--> <stem>.observed.csv (Invocations, ConcurrentExecutions, Throttles, ...)
//! ```

mod fit;
mod read;
mod scenario;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use read::{Series, Target};

use super::observed::{Metric, Observed};
use super::{ImportError, Output};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The exported files: `aws cloudwatch get-metric-data` output (one or more pages) and/or
    /// `aws cloudwatch get-metric-statistics` output.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The queries get-metric-data was run with: the `--metric-data-queries` JSON list, or a
    /// `--cli-input-json` object holding `MetricDataQueries`. Required for get-metric-data files.
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// The function get-metric-statistics files describe (they do not name it). Required for
    /// those files.
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Memory size of the functions, MB (CloudWatch does not record it). Default 1024, assumed.
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u32).range(128..=10240))]
    pub memory: Option<u32>,
    /// Runtime of the functions (sets the cold-start time). Default python3.12, assumed.
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<String>,
    /// Share, 0..=1, of the observed run time that is CPU work: the written run times are
    /// converted to one vCPU with it, and the workloads get `cpu_bound` = this. Default 1.0.
    #[arg(long, value_name = "C", value_parser = cpu_share)]
    pub cpu_bound: Option<f64>,
}

fn cpu_share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(c) if (0.0..=1.0).contains(&c) => Ok(c),
        _ => Err(format!("{s:?} is not a share from 0 to 1 (e.g. 0.8)")),
    }
}

/// Per target, per (metric, statistic): the figure of each period, if CloudWatch had one.
pub(crate) type Columns = BTreeMap<(String, String), Vec<Option<f64>>>;

/// Every series on one time grid.
#[derive(Debug)]
pub(crate) struct Table {
    pub start_ms: i64,
    pub period_s: u32,
    pub periods: usize,
    pub targets: BTreeMap<Target, Columns>,
    pub skipped: Vec<String>,
    pub files: usize,
}

impl Table {
    pub fn column(&self, target: &Target, metric: &str, stat: &str) -> Option<&Vec<Option<f64>>> {
        self.targets.get(target).and_then(|c| c.get(&(metric.to_string(), stat.to_string())))
    }
}

/// Reads the files onto one grid: one period for all, from the earliest timestamp.
pub(crate) fn table(
    files: &[PathBuf],
    queries: Option<&Path>,
    function: Option<&str>,
) -> Result<Table, ImportError> {
    let read = read::read(files, queries, function)?;
    let first = files.first().map(PathBuf::as_path).unwrap_or(Path::new("."));
    if read.series.is_empty() {
        return Err(ImportError::new(first, "", "holds no data points: nothing to import"));
    }
    let mut period: Option<(u32, &Series)> = None;
    for s in &read.series {
        let Some(p) = s.period_s else { continue };
        match period {
            None => period = Some((p, s)),
            Some((q, other)) if q != p => {
                return Err(ImportError::new(
                    &s.file,
                    &s.place,
                    format!(
                        "{} {} has a period of {p} s, but {} {} ({}: {}) has {q} s; export \
                         every metric with the same period",
                        s.metric,
                        s.stat,
                        other.metric,
                        other.stat,
                        other.file.display(),
                        other.place
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let mut skipped = read.skipped;
    let period_s = match period {
        Some((p, _)) => p,
        None => {
            skipped.push("no series says its period (one data point each): 60 s assumed".into());
            60
        }
    };
    let start_ms =
        read.series.iter().filter_map(|s| s.points.first()).map(|p| p.0).min().unwrap_or(0);
    let end_ms = read.series.iter().filter_map(|s| s.points.last()).map(|p| p.0).max().unwrap_or(0);
    let step = i64::from(period_s) * 1000;
    let periods = ((end_ms - start_ms) / step + 1) as usize;
    if periods > 1_000_000 {
        return Err(ImportError::new(
            first,
            "",
            format!("spans {periods} periods of {period_s} s; at most 1,000,000"),
        ));
    }
    let mut targets: BTreeMap<Target, Columns> = BTreeMap::new();
    for s in read.series {
        let column = targets
            .entry(s.target.clone())
            .or_default()
            .entry((s.metric.clone(), s.stat.clone()))
            .or_insert_with(|| vec![None; periods]);
        for (t, v) in s.points {
            let i = ((t - start_ms) / step) as usize;
            if let Some(cell) = column.get_mut(i) {
                *cell = Some(v);
            }
        }
    }
    Ok(Table { start_ms, period_s, periods, targets, skipped, files: read.files })
}

/// The observed figures of one function, for `slsim compare`: `function` picks it when the
/// files hold several.
pub fn observed(
    files: &[PathBuf],
    queries: Option<&Path>,
    function: Option<&str>,
) -> Result<Observed, ImportError> {
    let table = table(files, queries, function)?;
    let functions: Vec<&Target> =
        table.targets.keys().filter(|t| matches!(t, Target::Function(_))).collect();
    let first = files.first().map(PathBuf::as_path).unwrap_or(Path::new("."));
    let target = match (function, functions.as_slice()) {
        (Some(f), _) => functions.iter().find(|t| t.name() == f).copied().ok_or_else(|| {
            ImportError::new(first, "", format!("has no metrics of function {f:?}"))
        })?,
        (None, [one]) => *one,
        (None, []) => return Err(ImportError::new(first, "", "has no Lambda function metrics")),
        (None, many) => {
            let names: Vec<&str> = many.iter().map(|t| t.name()).collect();
            return Err(ImportError::new(
                first,
                "",
                format!("holds several functions ({}); pick one with --function", names.join(", ")),
            ));
        }
    };
    Ok(observed_of(&table, target))
}

/// Counts are 0 in periods CloudWatch left out (it writes no data point for a period without
/// invocations); statistics are left empty there.
fn observed_of(table: &Table, target: &Target) -> Observed {
    let mut o = Observed::new(table.start_ms, table.period_s, table.periods);
    let wanted = [
        ("Invocations", "Sum", Metric::Invocations, true),
        ("ConcurrentExecutions", "Maximum", Metric::ConcurrencyMax, false),
        ("Throttles", "Sum", Metric::Throttles, true),
        ("Errors", "Sum", Metric::Errors, true),
        ("Duration", "p50", Metric::DurationP50, false),
        ("Duration", "p99", Metric::DurationP99, false),
    ];
    for (metric, stat, m, count) in wanted {
        let Some(col) = table.column(target, metric, stat) else { continue };
        for (i, v) in col.iter().enumerate() {
            match v {
                Some(v) => o.set(i, m, *v),
                None if count => o.set(i, m, 0.0),
                None => {}
            }
        }
    }
    o
}

/// Reads the files; `stem` names the data files written beside the scenario.
pub fn import(args: &Args, stem: &str) -> Result<Output, ImportError> {
    let table = table(&args.files, args.queries.as_deref(), args.function.as_deref())?;
    scenario::write(args, stem, &table)
}

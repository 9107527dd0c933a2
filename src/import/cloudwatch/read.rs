//! Reading CloudWatch exports into time series: `aws cloudwatch get-metric-data` output (with
//! the queries it was run with) and `aws cloudwatch get-metric-statistics` output.
//!
//! ```text
//! get-metric-data pages --.                      (Id -> namespace, metric, dimensions,
//!   --queries FILE -------+--> merge by Id  ---->  period, stat)       --.
//! get-metric-statistics ---> one series per statistic (--function NAME) --+--> Vec<Series>
//! ```
//!
//! Every error names the file and the JSON path; nothing is half-read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::import::{ImportError, time};

/// What a series measures: a Lambda function, an ECS service or an ALB target group / load
/// balancer, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Function(String),
    /// ECS service (`ServiceName`) or ALB (`TargetGroup`, else `LoadBalancer`): a `[[service]]`.
    Service(String),
}

impl Target {
    pub fn name(&self) -> &str {
        match self {
            Target::Function(n) | Target::Service(n) => n,
        }
    }
}

/// One metric statistic over time.
#[derive(Debug, Clone)]
pub struct Series {
    pub target: Target,
    /// `Invocations`, `Duration`, ...
    pub metric: String,
    /// `Sum`, `Average`, `Maximum`, `p99`, ...
    pub stat: String,
    /// Seconds; `None` when the file does not say (get-metric-statistics with one point).
    pub period_s: Option<u32>,
    /// (Unix ms, value), in time order, one per timestamp.
    pub points: Vec<(i64, f64)>,
    /// Where it came from, for errors.
    pub file: PathBuf,
    pub place: String,
    /// Whether a page said `StatusCode: Complete` (or said nothing): a series whose every page
    /// says `PartialData` is missing periods.
    pub complete: bool,
}

/// What a query says about its Id.
#[derive(Debug, Clone)]
struct Query {
    target: Option<Target>,
    metric: String,
    stat: String,
    period_s: u32,
}

/// Series by Id, in the order first seen (so errors name the later of two series).
#[derive(Default)]
struct Merged {
    series: Vec<Series>,
    index: BTreeMap<String, usize>,
}

impl Merged {
    fn entry(&mut self, id: &str, new: impl FnOnce() -> Series) -> &mut Series {
        let i = *self.index.entry(id.to_string()).or_insert_with(|| {
            self.series.push(new());
            self.series.len() - 1
        });
        &mut self.series[i]
    }
}

/// Everything read, and what was skipped (for the terminal and the scenario's header).
#[derive(Debug, Default)]
pub struct Read {
    pub series: Vec<Series>,
    pub skipped: Vec<String>,
    pub files: usize,
}

fn load_json(file: &Path) -> Result<Value, ImportError> {
    let text = crate::import::read_text(file, "a CloudWatch export")?;
    if text.trim().is_empty() {
        return Err(ImportError::new(
            file,
            "",
            "is empty; expected the JSON an AWS CLI command printed",
        ));
    }
    serde_json::from_str(&text).map_err(|e| {
        ImportError::new(file, format!("line {}", e.line()), format!("is not JSON: {e}"))
    })
}

/// Reads the exports. `queries` is required for get-metric-data files, `function` for
/// get-metric-statistics files.
pub fn read(
    files: &[PathBuf],
    queries: Option<&Path>,
    function: Option<&str>,
) -> Result<Read, ImportError> {
    let mut out = Read::default();
    let queries = match queries {
        Some(q) => Some((q, read_queries(q, &load_json(q)?)?)),
        None => None,
    };
    // get-metric-data results merged by Id across pages, in the order first seen
    let mut merged = Merged::default();
    for file in files {
        let json = load_json(file)?;
        out.files += 1;
        let Some(obj) = json.as_object() else {
            return Err(ImportError::new(file, "$", shape_help()));
        };
        if let Some(results) = obj.get("MetricDataResults") {
            let Some((qfile, queries)) = &queries else {
                return Err(ImportError::new(
                    file,
                    "MetricDataResults",
                    "get-metric-data output names its metrics only by Id: pass the queries it \
                     was run with, --queries FILE (the --metric-data-queries JSON or the \
                     --cli-input-json file)",
                ));
            };
            read_results(file, results, qfile, queries, &mut merged, &mut out.skipped)?;
        } else if let Some(points) = obj.get("Datapoints") {
            let Some(function) = function else {
                return Err(ImportError::new(
                    file,
                    "Datapoints",
                    "get-metric-statistics output does not name the function: pass \
                     --function NAME",
                ));
            };
            read_statistics(file, obj.get("Label"), points, function, &mut out)?;
        } else {
            return Err(ImportError::new(file, "$", shape_help()));
        }
    }
    for mut s in merged.series {
        s.points.sort_by_key(|p| p.0);
        s.points.dedup_by_key(|p| p.0);
        if !s.complete {
            out.skipped.push(format!(
                "{} {} of {} ({}: {}): no page has StatusCode Complete, so periods may be \
                 missing (PartialData: export the next page with NextToken)",
                s.metric,
                s.stat,
                s.target.name(),
                s.file.display(),
                s.place
            ));
        }
        if s.points.is_empty() {
            out.skipped.push(format!(
                "{} {} of {}: no data points",
                s.metric,
                s.stat,
                s.target.name()
            ));
        } else {
            out.series.push(s);
        }
    }
    Ok(out)
}

fn shape_help() -> String {
    "expected the output of `aws cloudwatch get-metric-data` (an object with \
     MetricDataResults) or of `aws cloudwatch get-metric-statistics` (an object with Label and \
     Datapoints)"
        .to_string()
}

/// The query list: a JSON array, or an object holding `MetricDataQueries`.
fn read_queries(file: &Path, json: &Value) -> Result<BTreeMap<String, Query>, ImportError> {
    let (list, base) = match json {
        Value::Array(a) => (a, String::new()),
        Value::Object(o) => match o.get("MetricDataQueries").and_then(Value::as_array) {
            Some(a) => (a, "MetricDataQueries".to_string()),
            None => {
                return Err(ImportError::new(
                    file,
                    "$",
                    "expected the --metric-data-queries list ([{\"Id\": ..., \"MetricStat\": \
                     ...}]) or a --cli-input-json object with MetricDataQueries",
                ));
            }
        },
        _ => return Err(ImportError::new(file, "$", "expected a JSON list or object of queries")),
    };
    let mut out = BTreeMap::new();
    for (i, q) in list.iter().enumerate() {
        let at = format!("{base}[{i}]");
        let id = q.get("Id").and_then(Value::as_str).ok_or_else(|| {
            ImportError::new(file, format!("{at}.Id"), "missing: every query has a string Id")
        })?;
        let Some(stat) = q.get("MetricStat") else {
            // an Expression query: computed, not a metric this import knows
            out.insert(
                id.to_string(),
                Query {
                    target: None,
                    metric: "expression".into(),
                    stat: String::new(),
                    period_s: 0,
                },
            );
            continue;
        };
        let metric = stat.get("Metric");
        let name =
            metric.and_then(|m| m.get("MetricName")).and_then(Value::as_str).ok_or_else(|| {
                ImportError::new(
                    file,
                    format!("{at}.MetricStat.Metric.MetricName"),
                    "missing: a string",
                )
            })?;
        let namespace =
            metric.and_then(|m| m.get("Namespace")).and_then(Value::as_str).unwrap_or("");
        let period =
            stat.get("Period").and_then(Value::as_u64).filter(|&p| p > 0 && p <= 86_400 * 366);
        let period = period.ok_or_else(|| {
            ImportError::new(
                file,
                format!("{at}.MetricStat.Period"),
                "missing or not a whole number of seconds above 0",
            )
        })?;
        let s = stat.get("Stat").and_then(Value::as_str).ok_or_else(|| {
            ImportError::new(
                file,
                format!("{at}.MetricStat.Stat"),
                "missing: Sum, Average, Maximum, p99, ...",
            )
        })?;
        let mut dims = BTreeMap::new();
        if let Some(list) = metric.and_then(|m| m.get("Dimensions")).and_then(Value::as_array) {
            for d in list {
                if let (Some(n), Some(v)) =
                    (d.get("Name").and_then(Value::as_str), d.get("Value").and_then(Value::as_str))
                {
                    dims.insert(n.to_string(), v.to_string());
                }
            }
        }
        out.insert(
            id.to_string(),
            Query {
                target: target_of(namespace, &dims),
                metric: name.to_string(),
                stat: s.to_string(),
                period_s: period as u32,
            },
        );
    }
    Ok(out)
}

/// The function or service a metric's dimensions name.
fn target_of(namespace: &str, dims: &BTreeMap<String, String>) -> Option<Target> {
    match namespace {
        "AWS/Lambda" => dims.get("FunctionName").map(|f| Target::Function(f.clone())),
        "AWS/ECS" => dims.get("ServiceName").map(|s| Target::Service(clean(s))),
        "AWS/ApplicationELB" => dims
            .get("TargetGroup")
            .or_else(|| dims.get("LoadBalancer"))
            .map(|s| Target::Service(clean(s))),
        _ => None,
    }
}

/// A scenario name from an ALB dimension: `targetgroup/orders/73e2d6bc24d8a067` gives `orders`.
fn clean(s: &str) -> String {
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [_, name, _] => name,
        [_, _, name, _] => name, // app/NAME/ID under a prefix
        _ => s,
    };
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect()
}

fn read_results(
    file: &Path,
    results: &Value,
    qfile: &Path,
    queries: &BTreeMap<String, Query>,
    merged: &mut Merged,
    skipped: &mut Vec<String>,
) -> Result<(), ImportError> {
    let list = results
        .as_array()
        .ok_or_else(|| ImportError::new(file, "MetricDataResults", "is not a list of results"))?;
    for (i, r) in list.iter().enumerate() {
        let at = format!("MetricDataResults[{i}]");
        let id = r
            .get("Id")
            .and_then(Value::as_str)
            .ok_or_else(|| ImportError::new(file, format!("{at}.Id"), "missing: a string Id"))?;
        let q = queries.get(id).ok_or_else(|| {
            ImportError::new(
                file,
                format!("{at}.Id"),
                format!("{id:?} is not an Id of the queries in {}", qfile.display()),
            )
        })?;
        let (times, values) = (r.get("Timestamps"), r.get("Values"));
        let times = times.and_then(Value::as_array).ok_or_else(|| {
            ImportError::new(file, format!("{at}.Timestamps"), "missing or not a list")
        })?;
        let values = values.and_then(Value::as_array).ok_or_else(|| {
            ImportError::new(file, format!("{at}.Values"), "missing or not a list")
        })?;
        if times.len() != values.len() {
            return Err(ImportError::new(
                file,
                format!("{at}.Values"),
                format!(
                    "has {} values for {} timestamps; they must pair up",
                    values.len(),
                    times.len()
                ),
            ));
        }
        let complete = r.get("StatusCode").and_then(Value::as_str).is_none_or(|s| s == "Complete");
        let Some(target) = &q.target else {
            if q.stat.is_empty() {
                skipped.push(format!("{id}: an Expression query (computed; not imported)"));
            } else {
                skipped.push(format!(
                    "{id}: {} {} is not a Lambda, ECS or ALB metric with its name dimension",
                    q.metric, q.stat
                ));
            }
            continue;
        };
        let mut points = Vec::with_capacity(times.len());
        for (j, (t, v)) in times.iter().zip(values).enumerate() {
            let ms = timestamp(t).ok_or_else(|| {
                ImportError::new(
                    file,
                    format!("{at}.Timestamps[{j}]"),
                    format!("{t} is not a time such as 2026-03-02T14:05:00+00:00"),
                )
            })?;
            let v = v.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                ImportError::new(file, format!("{at}.Values[{j}]"), format!("{v} is not a number"))
            })?;
            points.push((ms, v));
        }
        let s = merged.entry(id, || Series {
            target: target.clone(),
            metric: q.metric.clone(),
            stat: q.stat.clone(),
            period_s: Some(q.period_s),
            points: Vec::new(),
            file: file.to_path_buf(),
            place: format!("{at} ({id})"),
            complete: false,
        });
        s.complete |= complete;
        s.points.extend(points);
    }
    Ok(())
}

/// An ISO 8601 string, or Unix seconds (the CLI with `cli_timestamp_format = none`).
fn timestamp(t: &Value) -> Option<i64> {
    match t {
        Value::String(s) => time::parse(s),
        Value::Number(n) => n
            .as_f64()
            .filter(|s| s.is_finite() && s.abs() < 1e11)
            .map(|s| (s * 1000.0).round() as i64),
        _ => None,
    }
}

const STATS: [&str; 5] = ["Sum", "Average", "Maximum", "Minimum", "SampleCount"];

fn read_statistics(
    file: &Path,
    label: Option<&Value>,
    points: &Value,
    function: &str,
    out: &mut Read,
) -> Result<(), ImportError> {
    let metric = label.and_then(Value::as_str).ok_or_else(|| {
        ImportError::new(file, "Label", "missing: the metric's name (Invocations, Duration, ...)")
    })?;
    let list =
        points.as_array().ok_or_else(|| ImportError::new(file, "Datapoints", "is not a list"))?;
    if list.is_empty() {
        return Err(ImportError::new(
            file,
            "Datapoints",
            "is empty: no data in the requested time range",
        ));
    }
    let mut by_stat: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for (i, p) in list.iter().enumerate() {
        let at = format!("Datapoints[{i}]");
        let t = p
            .get("Timestamp")
            .ok_or_else(|| ImportError::new(file, format!("{at}.Timestamp"), "missing"))?;
        let ms = timestamp(t).ok_or_else(|| {
            ImportError::new(
                file,
                format!("{at}.Timestamp"),
                format!("{t} is not a time such as 2026-03-02T14:05:00Z"),
            )
        })?;
        let mut any = false;
        for s in STATS {
            if let Some(v) = p.get(s) {
                let v = v.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                    ImportError::new(file, format!("{at}.{s}"), format!("{v} is not a number"))
                })?;
                by_stat.entry(s.to_string()).or_default().push((ms, v));
                any = true;
            }
        }
        if let Some(ext) = p.get("ExtendedStatistics") {
            let ext = ext.as_object().ok_or_else(|| {
                ImportError::new(
                    file,
                    format!("{at}.ExtendedStatistics"),
                    "is not an object such as {\"p99\": 812.5}",
                )
            })?;
            for (k, v) in ext {
                let v = v.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                    ImportError::new(
                        file,
                        format!("{at}.ExtendedStatistics.{k}"),
                        format!("{v} is not a number"),
                    )
                })?;
                by_stat.entry(k.clone()).or_default().push((ms, v));
                any = true;
            }
        }
        if !any {
            return Err(ImportError::new(
                file,
                at,
                "has no statistic (Sum, Average, Maximum, Minimum, SampleCount or ExtendedStatistics)",
            ));
        }
    }
    for (stat, mut points) in by_stat {
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
        // datapoints come unordered: the period is the smallest gap between them
        let period = points.windows(2).map(|w| w[1].0 - w[0].0).filter(|&g| g > 0).min();
        let period_s = period.map(|g| (g / 1000).max(1) as u32);
        out.series.push(Series {
            target: Target::Function(function.to_string()),
            metric: metric.to_string(),
            stat,
            period_s,
            points,
            file: file.to_path_buf(),
            place: "Datapoints".into(),
            complete: true,
        });
    }
    Ok(())
}

//! Observed figures per period (a minute, five minutes, an hour): what `slsim compare` sets
//! against a run's `timeseries.csv`, and what every traffic import also writes as
//! `observed.csv`.
//!
//! `observed.csv` has a `time` column (RFC 3339, UTC; or `start_s`, seconds from the start, as
//! in `timeseries.csv`) and any of the [`Metric`] columns; an empty cell is a period without
//! that figure. Rows are evenly spaced by the period (the gap of the first two rows; one row
//! means a minute); periods without a row have no figures.

use std::path::Path;

use super::ImportError;

/// A figure observed per period. Column names are those of `timeseries.csv` where it has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Invocations started (CloudWatch `Invocations`, Sum; REPORT lines by start).
    Invocations,
    /// Most invocations running at once (`ConcurrentExecutions`, Maximum).
    ConcurrencyMax,
    /// Invocation attempts throttled (`Throttles`, Sum).
    Throttles,
    /// Invocations that failed, timeouts included (`Errors`, Sum: CloudWatch counts a timeout
    /// as an error).
    Errors,
    /// Invocations that started an execution environment (REPORT lines with `Init Duration`).
    ColdStarts,
    /// Median run time (REPORT `Duration`, `Duration` p50), ms.
    DurationP50,
    /// 99th-percentile run time, ms.
    DurationP99,
    /// Lambda charges of the period at list price (requests and duration), USD.
    CostUsd,
}

/// How many metrics there are.
pub const METRICS: usize = 8;

impl Metric {
    pub const ALL: [Metric; METRICS] = [
        Metric::Invocations,
        Metric::ConcurrencyMax,
        Metric::Throttles,
        Metric::Errors,
        Metric::ColdStarts,
        Metric::DurationP50,
        Metric::DurationP99,
        Metric::CostUsd,
    ];

    /// The metric's column in `observed.csv`.
    pub fn column(self) -> &'static str {
        match self {
            Metric::Invocations => "invocations",
            Metric::ConcurrencyMax => "concurrency_max",
            Metric::Throttles => "throttles",
            Metric::Errors => "errors",
            Metric::ColdStarts => "cold_starts",
            Metric::DurationP50 => "duration_p50_ms",
            Metric::DurationP99 => "duration_p99_ms",
            Metric::CostUsd => "cost_usd",
        }
    }

    pub fn from_column(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.column() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Observed figures, one row per period from `start_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Wall-clock start of the first period, ms since the Unix epoch (0 when the source gives
    /// only relative times).
    pub start_ms: i64,
    /// Length of a period, seconds (at least 1).
    pub period_s: u32,
    /// Per period, per [`Metric`] (in [`Metric::ALL`] order): the figure, if observed.
    pub rows: Vec<[Option<f64>; METRICS]>,
}

impl Observed {
    pub fn new(start_ms: i64, period_s: u32, periods: usize) -> Observed {
        Observed { start_ms, period_s: period_s.max(1), rows: vec![[None; METRICS]; periods] }
    }

    pub fn get(&self, period: usize, m: Metric) -> Option<f64> {
        self.rows.get(period).and_then(|r| r[m.index()])
    }

    /// Sets a figure, growing the table when `period` is past its end.
    pub fn set(&mut self, period: usize, m: Metric, value: f64) {
        if period >= self.rows.len() {
            self.rows.resize(period + 1, [None; METRICS]);
        }
        self.rows[period][m.index()] = Some(value);
    }

    /// Adds to a figure (a missing one counts as 0).
    pub fn add(&mut self, period: usize, m: Metric, value: f64) {
        let old = self.get(period, m).unwrap_or(0.0);
        self.set(period, m, old + value);
    }

    /// Whether any period has the metric.
    pub fn has(&self, m: Metric) -> bool {
        self.rows.iter().any(|r| r[m.index()].is_some())
    }

    /// The metrics present, in [`Metric::ALL`] order.
    pub fn metrics(&self) -> Vec<Metric> {
        Metric::ALL.into_iter().filter(|&m| self.has(m)).collect()
    }

    /// `observed.csv`: `time` and the columns of the metrics present.
    pub fn to_csv(&self) -> String {
        let metrics = self.metrics();
        let mut out = String::from("time");
        for m in &metrics {
            out.push(',');
            out.push_str(m.column());
        }
        out.push('\n');
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(&super::time::format(
                self.start_ms + i as i64 * i64::from(self.period_s) * 1000,
            ));
            for m in &metrics {
                out.push(',');
                if let Some(v) = row[m.index()] {
                    out.push_str(&format_value(v));
                }
            }
            out.push('\n');
        }
        out
    }

    /// Reads `observed.csv` (see the module's documentation).
    pub fn from_csv(path: &Path) -> Result<Observed, ImportError> {
        let err = |place: String, msg: String| ImportError::new(path, place, msg);
        use std::io::Read;
        let file = std::fs::File::open(path)
            .map_err(|e| err(String::new(), format!("cannot read: {e}")))?;
        // bounded, so a path such as /dev/zero ends in an error rather than filling memory
        let mut reader =
            csv::ReaderBuilder::new().flexible(false).from_reader(file.take(super::MAX_FILE_BYTES));
        let headers = reader.headers().map_err(|e| err("line 1".into(), e.to_string()))?.clone();
        let time_col = headers.iter().position(|h| h == "time" || h == "timestamp");
        let start_col = headers.iter().position(|h| h == "start_s");
        if time_col.is_none() && start_col.is_none() {
            return Err(err(
                "line 1".into(),
                format!(
                    "needs a `time` column (RFC 3339, e.g. 2026-03-02T14:05:00Z) or `start_s` \
                     (seconds); found {:?}",
                    headers.iter().take(10).map(crate::problem::clip).collect::<Vec<_>>()
                ),
            ));
        }
        let columns: Vec<(usize, Metric)> = headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| Metric::from_column(h).map(|m| (i, m)))
            .collect();
        if columns.is_empty() {
            let known: Vec<&str> = Metric::ALL.iter().map(|m| m.column()).collect();
            return Err(err(
                "line 1".into(),
                format!("has none of the figure columns {}", known.join(", ")),
            ));
        }
        let mut times: Vec<(i64, u64)> = Vec::new(); // (ms, line)
        let mut values: Vec<Vec<(Metric, f64)>> = Vec::new();
        for (n, record) in reader.records().enumerate() {
            let line = n as u64 + 2;
            let record = record.map_err(|e| err(format!("line {line}"), e.to_string()))?;
            let t = if let Some(c) = time_col {
                let s = record.get(c).unwrap_or("");
                super::time::parse(s).ok_or_else(|| {
                    err(
                        format!("line {line}, column time"),
                        format!("{s:?} is not an RFC 3339 time such as 2026-03-02T14:05:00Z"),
                    )
                })?
            } else {
                let s = record.get(start_col.unwrap_or(0)).unwrap_or("");
                match s.trim().parse::<f64>() {
                    Ok(v) if (0.0..1e12).contains(&v) => (v * 1000.0).round() as i64,
                    _ => {
                        return Err(err(
                            format!("line {line}, column start_s"),
                            format!("{s:?} is not a number of seconds, 0 or more"),
                        ));
                    }
                }
            };
            let mut row = Vec::new();
            for &(c, m) in &columns {
                let s = record.get(c).unwrap_or("").trim();
                if s.is_empty() {
                    continue;
                }
                match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => row.push((m, v)),
                    _ => {
                        return Err(err(
                            format!("line {line}, column {}", m.column()),
                            format!("{s:?} is not a number, 0 or more"),
                        ));
                    }
                }
            }
            times.push((t, line));
            values.push(row);
        }
        let Some(&(start_ms, _)) = times.first() else {
            return Err(err(String::new(), "has a header but no rows".into()));
        };
        let period_ms = match times.get(1) {
            Some(&(t, _)) if t > start_ms => t - start_ms,
            Some(&(_, line)) => {
                return Err(err(format!("line {line}"), "times must increase".into()));
            }
            None => 60_000,
        };
        if period_ms % 1000 != 0 || period_ms > 86_400_000 * 31 {
            return Err(err(
                "line 3".into(),
                format!("the period ({} ms) must be whole seconds, at most 31 days", period_ms),
            ));
        }
        let mut observed = Observed::new(start_ms, (period_ms / 1000) as u32, 0);
        let mut last = -1i64;
        for ((t, line), row) in times.into_iter().zip(values) {
            let offset = t - start_ms;
            if offset % period_ms != 0 || offset / period_ms <= last {
                return Err(err(
                    format!("line {line}"),
                    format!(
                        "time is not a later whole period ({} s) after the first row's",
                        period_ms / 1000
                    ),
                ));
            }
            last = offset / period_ms;
            if last > 10_000_000 {
                return Err(err(format!("line {line}"), "more than 10 million periods".into()));
            }
            let period = last as usize;
            observed.rows.resize(period + 1, [None; METRICS]);
            for (m, v) in row {
                observed.set(period, m, v);
            }
        }
        Ok(observed)
    }
}

/// A figure as written in CSV: integers without a fraction, others in the shortest form that
/// reads back to the same number.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_keeps_gaps_and_missing_cells() {
        let mut o = Observed::new(1_767_225_600_000, 60, 3);
        o.set(0, Metric::Invocations, 12.0);
        o.set(2, Metric::Invocations, 7.0);
        o.set(2, Metric::DurationP99, 812.25);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("observed.csv");
        std::fs::write(&path, o.to_csv()).unwrap();
        let back = Observed::from_csv(&path).unwrap();
        assert_eq!(back, o);
        assert!(
            o.to_csv().starts_with("time,invocations,duration_p99_ms\n2026-01-01T00:00:00Z,12,\n")
        );
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.csv");
        for (text, expect) in [
            ("minute,foo\n0,1\n", "needs a `time` column"),
            ("time,foo\n2026-01-01T00:00:00Z,1\n", "has none of the figure columns"),
            ("time,invocations\n", "no rows"),
            ("time,invocations\nyesterday,1\n", "line 2, column time"),
            ("time,invocations\n2026-01-01T00:00:00Z,-1\n", "line 2, column invocations"),
            ("time,invocations\n2026-01-01T00:01:00Z,1\n2026-01-01T00:00:00Z,1\n", "increase"),
            (
                "time,invocations\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,1\n2026-01-01T00:01:30Z,1\n",
                "line 4",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let e = Observed::from_csv(&path).unwrap_err().to_string();
            assert!(e.contains(expect), "{text:?}: {e}");
            assert!(e.contains("o.csv"), "{e}");
        }
    }
}

//! `slsim trace inspect`: what a trace file holds, read as a stream.
//!
//! The format is detected from the header. Memory grows with the number of functions and of
//! 10-minute buckets, not with the number of rows.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use super::{Format, records};

/// Bucket of the rate-over-time table.
const BUCKET_S: f64 = 600.0;

/// What kind of file a header announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Azure2019Invocations,
    Azure2019Durations,
    Azure2019Memory,
    Azure2021,
    Requests,
}

pub fn detect(header: &csv::StringRecord) -> Option<Kind> {
    let has = |n: &str| header.iter().any(|c| c.trim() == n);
    Some(if has("Trigger") && has("HashFunction") {
        Kind::Azure2019Invocations
    } else if has("percentile_Average_50") {
        Kind::Azure2019Durations
    } else if has("AverageAllocatedMb") {
        Kind::Azure2019Memory
    } else if has("end_timestamp") && has("func") {
        Kind::Azure2021
    } else if has("timestamp") {
        Kind::Requests
    } else {
        return None;
    })
}

/// A streaming quantile sketch: log-spaced buckets (2% wide) of durations in ms.
#[derive(Default)]
struct Spread {
    buckets: HashMap<i32, u64>,
    n: u64,
    sum: f64,
}

impl Spread {
    fn add(&mut self, ms: f64) {
        let b = if ms <= 0.001 { i32::MIN } else { (ms.ln() / 0.02_f64.ln_1p()).floor() as i32 };
        *self.buckets.entry(b).or_default() += 1;
        self.n += 1;
        self.sum += ms;
    }
    fn quantile(&self, q: f64) -> f64 {
        let mut keys: Vec<_> = self.buckets.iter().collect();
        keys.sort();
        let target = (q * self.n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (&b, &c) in keys {
            seen += c;
            if seen >= target {
                return if b == i32::MIN { 0.0 } else { 1.02f64.powi(b) };
            }
        }
        0.0
    }
    fn line(&self) -> String {
        if self.n == 0 {
            return "no durations".into();
        }
        format!(
            "mean {:.1} ms, p50 ~{:.1} ms, p90 ~{:.1} ms, p99 ~{:.1} ms, max ~{:.1} ms",
            self.sum / self.n as f64,
            self.quantile(0.5),
            self.quantile(0.9),
            self.quantile(0.99),
            self.quantile(1.0)
        )
    }
}

/// Rate per 10 minutes, or per hour when that would take more than 36 lines.
fn rate_table(out: &mut String, buckets: &[u64]) {
    let per = if buckets.len() > 36 { 6 } else { 1 };
    let label = if per == 1 { "10 minutes" } else { "hour" };
    let _ = writeln!(out, "rate per {label} (invocations/s):");
    for (i, c) in buckets.chunks(per).enumerate() {
        let n: u64 = c.iter().sum();
        let secs = BUCKET_S * per as f64;
        let _ = writeln!(out, "  {:>6} min  {:>10.3}  ({n})", i * 10 * per, n as f64 / secs);
    }
}

fn busiest(out: &mut String, per_fn: &HashMap<String, u64>) {
    let mut v: Vec<_> = per_fn.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(out, "busiest functions:");
    for (id, n) in v.iter().take(5) {
        let _ = writeln!(out, "  {n:>10}  {id}");
    }
}

/// A description of one trace file.
pub fn inspect(path: &Path) -> Result<String, String> {
    let mut r = super::text::open_csv(path)?;
    let h = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    let kind = detect(&h).ok_or_else(|| {
        format!(
            "{}: line 1: not a known trace format (header: {})",
            path.display(),
            h.iter().collect::<Vec<_>>().join(",")
        )
    })?;
    let mut out = String::new();
    let _ = writeln!(out, "{}", path.display());
    let mut bad = 0u64;
    match kind {
        Kind::Azure2019Invocations => {
            let _ = writeln!(out, "format: azure2019 invocations (per-minute counts)");
            let minutes = h.len().saturating_sub(4);
            let mut per_minute = vec![0u64; minutes];
            let mut per_fn = HashMap::new();
            let mut triggers: HashMap<String, u64> = HashMap::new();
            let mut functions = 0u64;
            for rec in r.records() {
                let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
                let counts: Option<Vec<u64>> =
                    (4..h.len()).map(|c| rec.get(c)?.parse().ok()).collect();
                let Some(counts) = counts else {
                    bad += 1;
                    continue;
                };
                functions += 1;
                *triggers.entry(rec.get(3).unwrap_or("").to_string()).or_default() += 1;
                for (m, c) in counts.iter().enumerate() {
                    per_minute[m] += c;
                }
                per_fn.insert(rec.get(2).unwrap_or("").to_string(), counts.iter().sum::<u64>());
            }
            let total: u64 = per_minute.iter().sum();
            let first = h.get(4).unwrap_or("?");
            let last = h.get(h.len() - 1).unwrap_or("?");
            let _ = writeln!(out, "functions: {functions}");
            let _ = writeln!(out, "invocations: {total}");
            let _ = writeln!(out, "span: {minutes} minutes (columns {first}..{last})");
            let buckets: Vec<u64> = per_minute.chunks(10).map(|c| c.iter().sum()).collect();
            rate_table(&mut out, &buckets);
            busiest(&mut out, &per_fn);
            let mut t: Vec<_> = triggers.into_iter().collect();
            t.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let t: Vec<String> = t.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(out, "triggers: {}", t.join(", "));
        }
        Kind::Azure2019Durations | Kind::Azure2019Memory => {
            let col = if kind == Kind::Azure2019Durations {
                "percentile_Average_50"
            } else {
                "AverageAllocatedMb"
            };
            let c = h.iter().position(|x| x == col).unwrap_or(0);
            let mut spread = Spread::default();
            let mut functions = 0u64;
            for rec in r.records() {
                let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
                match rec.get(c).and_then(|v| v.trim().parse::<f64>().ok()) {
                    Some(x) => {
                        functions += 1;
                        spread.add(x);
                    }
                    None => bad += 1,
                }
            }
            let what = if kind == Kind::Azure2019Durations { "durations" } else { "memory (MB)" };
            let _ = writeln!(out, "format: azure2019 {what}");
            let _ = writeln!(out, "functions: {functions}");
            let _ = writeln!(
                out,
                "{col} over functions: {}",
                spread.line().replace(" ms", if what == "durations" { " ms" } else { " MB" })
            );
        }
        Kind::Azure2021 | Kind::Requests => {
            let format = if kind == Kind::Azure2021 { Format::Azure2021 } else { Format::Requests };
            let name = if kind == Kind::Azure2021 {
                "azure2021 (one row per invocation)"
            } else {
                "requests (one row per request)"
            };
            let _ = writeln!(out, "format: {name}");
            let mut per_fn: HashMap<String, u64> = HashMap::new();
            let mut buckets: Vec<u64> = Vec::new();
            let mut spread = Spread::default();
            let (mut lo, mut hi, mut total) = (u64::MAX, 0u64, 0u64);
            records::for_each_row(path, format, |row| match row {
                Ok((t, id, work)) => {
                    total += 1;
                    lo = lo.min(t);
                    hi = hi.max(t);
                    let b = (t as f64 / 1e9 / BUCKET_S) as usize;
                    if buckets.len() <= b {
                        buckets.resize(b + 1, 0);
                    }
                    buckets[b] += 1;
                    spread.add(work.as_millis_f64());
                    *per_fn.entry(id).or_default() += 1;
                }
                Err(_) => bad += 1,
            })?;
            let _ = writeln!(out, "functions: {}", per_fn.len());
            let _ = writeln!(out, "invocations: {total}");
            if total > 0 {
                let _ = writeln!(
                    out,
                    "span: {:.3} s to {:.3} s ({:.1} min)",
                    lo as f64 / 1e9,
                    hi as f64 / 1e9,
                    (hi - lo) as f64 / 60e9
                );
            }
            rate_table(&mut out, &buckets);
            busiest(&mut out, &per_fn);
            let _ = writeln!(out, "durations: {}", spread.line());
        }
    }
    if bad > 0 {
        let _ = writeln!(out, "malformed rows: {bad}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_the_header() {
        let h = |s: &str| csv::StringRecord::from(s.split(',').collect::<Vec<_>>());
        assert_eq!(
            detect(&h("HashOwner,HashApp,HashFunction,Trigger,1")),
            Some(Kind::Azure2019Invocations)
        );
        assert_eq!(detect(&h("app,func,end_timestamp,duration")), Some(Kind::Azure2021));
        assert_eq!(detect(&h("timestamp,function")), Some(Kind::Requests));
        assert_eq!(detect(&h("a,b")), None);
    }

    #[test]
    fn long_traces_are_summarised_per_hour() {
        let mut out = String::new();
        rate_table(&mut out, &[60; 48]);
        assert!(out.starts_with("rate per hour"));
        assert_eq!(out.lines().count(), 9);
    }
}

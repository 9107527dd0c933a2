//! `slsim import power-tuning`: the CPU law fitted to the output of the AWS Lambda Power
//! Tuning state machine (average duration per memory size), written as a scenario whose
//! workload runs `T1` on one vCPU with `cpu_bound = C`, and a commented sweep over the
//! measured sizes.
//!
//! ```text
//! output JSON --find stats--> (power MB, averageDuration ms, averagePrice USD) per power
//!             --least squares--> d(m) = A + B x, x = 1 / min(m / 1769, threads)
//!             --> T1 = A + B (run time on one vCPU), C = B / (A + B) (CPU-bound share)
//! ```
//!
//! The law is the one the Lambda model runs (`LambdaModel::cpu_factor`): the CPU-bound share
//! of a request's run time divides by the vCPUs it can use, the rest does not change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ImportError, Output, toml_str};

/// Memory that buys one vCPU, MB.
const MB_PER_VCPU: f64 = 1769.0;
/// A point whose duration the law misses by more than this share is reported as a failure.
const FAIL_SHARE: f64 = 0.10;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The state machine's output: its JSON (`{"results": {... "stats": [...]}}`, the
    /// `results` object itself, or `aws stepfunctions describe-execution` output whose
    /// `output` holds it). Run the state machine with `"includeOutputResults": true`.
    #[arg(required = true, num_args = 1)]
    pub files: Vec<PathBuf>,
    /// vCPUs the handler's CPU work can use at once (threads): memory above threads x 1769
    /// MB buys no speed. Default 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=6))]
    pub threads: Option<u32>,
    /// The function's name in the scenario (the output does not say it). Default "tuned".
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Runtime of the function (sets the cold-start time). Default python3.12, assumed.
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<String>,
    /// Requests per second of the written workload (Power Tuning measures no traffic).
    /// Default 1.0, assumed.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
}

/// One measured power value.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub memory_mb: u32,
    /// Mean run time at that memory, ms.
    pub duration_ms: f64,
    /// Mean price of an invocation, USD (None when the output leaves it out).
    pub price_usd: Option<f64>,
}

/// The CPU law fitted to the points.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Run time on one vCPU, ms.
    pub t1_ms: f64,
    /// CPU-bound share, 0..=1.
    pub cpu_bound: f64,
    /// Set when the unconstrained fit gave a share outside 0..=1: what it was.
    pub clamped_from: Option<f64>,
    /// Coefficient of determination of the fitted law over the points.
    pub r2: f64,
    /// Per point: predicted ms and residual (observed - predicted) ms.
    pub predicted: Vec<(f64, f64)>,
}

/// The law's run time at `memory_mb`.
pub fn law(t1: f64, c: f64, memory_mb: u32, threads: u32) -> f64 {
    t1 * ((1.0 - c) + c * x_of(memory_mb, threads))
}

fn x_of(memory_mb: u32, threads: u32) -> f64 {
    1.0 / (f64::from(memory_mb) / MB_PER_VCPU).min(f64::from(threads))
}

/// Least squares of d = A + B x. Fewer than two distinct x (e.g. every power at or above
/// threads x 1769 MB) leave C unknowable: `None`.
pub fn fit(points: &[Point], threads: u32) -> Option<Fit> {
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|p| x_of(p.memory_mb, threads)).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.duration_ms).collect();
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 1e-12 * n {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    // a share within rounding of 0 or 1 is that share, not a clamp
    const EPS: f64 = 1e-9;
    let raw = if a + b > 0.0 { b / (a + b) } else { f64::INFINITY };
    let (t1, c, clamped_from) = if raw > 1.0 + EPS {
        // a negative fixed part: all CPU, T1 through the origin
        let t1 = xs.iter().zip(&ys).map(|(x, y)| x * y).sum::<f64>()
            / xs.iter().map(|x| x * x).sum::<f64>();
        (t1, 1.0, Some(raw))
    } else if raw < -EPS {
        // slower with more memory: nothing is CPU work, T1 the mean
        (my, 0.0, Some(raw))
    } else {
        (a + b, raw.clamp(0.0, 1.0), None)
    };
    let predicted: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            let d = law(t1, c, p.memory_mb, threads);
            (d, p.duration_ms - d)
        })
        .collect();
    let ss_res: f64 = predicted.iter().map(|(_, r)| r * r).sum();
    let ss_tot: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    let r2 = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else if ss_res <= 1e-9 {
        1.0
    } else {
        0.0
    };
    Some(Fit { t1_ms: t1, cpu_bound: c, clamped_from, r2, predicted })
}

fn load(file: &Path) -> Result<Value, ImportError> {
    let text = super::read_text(file, "a Power Tuning output")?;
    if text.trim().is_empty() {
        return Err(ImportError::new(
            file,
            "",
            "is empty; expected the Power Tuning state machine's output JSON",
        ));
    }
    serde_json::from_str(&text).map_err(|e| {
        ImportError::new(file, format!("line {}", e.line()), format!("is not JSON: {e}"))
    })
}

/// Finds `stats`: at the top, under `results`, or inside a Step Functions `output` string.
fn find_stats(file: &Path, json: &Value, path: &str) -> Result<(Vec<Value>, String), ImportError> {
    let Some(obj) = json.as_object() else {
        return Err(ImportError::new(file, path_or_root(path), "is not a JSON object"));
    };
    if let Some(stats) = obj.get("stats") {
        let place = join(path, "stats");
        return match stats.as_array() {
            Some(a) => Ok((a.clone(), place)),
            None => Err(ImportError::new(
                file,
                place,
                "is not a list of {value, averagePrice, averageDuration}",
            )),
        };
    }
    if let Some(results) = obj.get("results") {
        return find_stats(file, results, &join(path, "results"));
    }
    if let Some(output) = obj.get("output").and_then(Value::as_str) {
        let place = join(path, "output");
        let inner: Value = serde_json::from_str(output).map_err(|e| {
            ImportError::new(
                file,
                place.clone(),
                format!("is not a JSON string of the state machine's output: {e}"),
            )
        })?;
        return find_stats(file, &inner, &place);
    }
    let hint = if obj.contains_key("power") && obj.contains_key("duration") {
        "has the chosen power but no stats: run the state machine with \"includeOutputResults\": \
         true to get every power's averages"
    } else {
        "has no stats, results or output: expected the Power Tuning output {\"results\": \
         {\"power\": ..., \"stats\": [...]}}"
    };
    Err(ImportError::new(file, path_or_root(path), hint))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn path_or_root(path: &str) -> String {
    if path.is_empty() { "$".into() } else { path.to_string() }
}

/// The measured points, one per power value, in power order; entries without a duration (a
/// failed power) are skipped and counted.
pub fn points(file: &Path) -> Result<(Vec<Point>, Vec<String>), ImportError> {
    let json = load(file)?;
    let (stats, place) = find_stats(file, &json, "")?;
    let mut out: Vec<Point> = Vec::new();
    let mut skipped = Vec::new();
    for (i, s) in stats.iter().enumerate() {
        let at = format!("{place}[{i}]");
        if s.is_null() {
            skipped.push(format!("{at}: empty (the power failed)"));
            continue;
        }
        let value = s
            .get("value")
            .and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|t| t.trim().parse().ok())));
        let memory = value
            .filter(|m| m.fract() == 0.0 && (128.0..=10240.0).contains(m))
            .ok_or_else(|| {
                ImportError::new(
                    file,
                    format!("{at}.value"),
                    "missing or not a memory size: whole MB from 128 to 10240",
                )
            })? as u32;
        let duration = match s.get("averageDuration") {
            None | Some(Value::Null) => {
                skipped.push(format!("{at} ({memory} MB): no averageDuration"));
                continue;
            }
            Some(d) => d.as_f64().filter(|d| d.is_finite() && *d >= 0.0).ok_or_else(|| {
                ImportError::new(
                    file,
                    format!("{at}.averageDuration"),
                    format!("{d} is not a duration in ms, 0 or more"),
                )
            })?,
        };
        if duration == 0.0 {
            skipped.push(format!("{at} ({memory} MB): averageDuration 0"));
            continue;
        }
        let price = match s.get("averagePrice") {
            None | Some(Value::Null) => None,
            Some(p) => {
                Some(p.as_f64().filter(|p| p.is_finite() && *p >= 0.0).ok_or_else(|| {
                    ImportError::new(
                        file,
                        format!("{at}.averagePrice"),
                        format!("{p} is not a price in USD, 0 or more"),
                    )
                })?)
            }
        };
        if out.iter().any(|p| p.memory_mb == memory) {
            return Err(ImportError::new(
                file,
                format!("{at}.value"),
                format!("{memory} MB is measured twice"),
            ));
        }
        out.push(Point { memory_mb: memory, duration_ms: duration, price_usd: price });
    }
    out.sort_by_key(|p| p.memory_mb);
    if out.len() < 2 {
        return Err(ImportError::new(
            file,
            place,
            format!(
                "has {} measured power value(s); fitting the CPU law needs at least 2 distinct ones",
                out.len()
            ),
        ));
    }
    Ok((out, skipped))
}

fn num(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        let s = s.trim_end_matches('0');
        if s.ends_with('.') { format!("{s}0") } else { s.to_string() }
    } else {
        s
    }
}

/// Reads the file; `stem` names the scenario.
pub fn import(args: &Args, stem: &str) -> Result<Output, ImportError> {
    let file = args.files.first().map(PathBuf::as_path).unwrap_or(Path::new("."));
    if args.files.len() > 1 {
        return Err(ImportError::new(&args.files[1], "", "one Power Tuning output at a time"));
    }
    let threads = args.threads.unwrap_or(1);
    let rate = args.rate.unwrap_or(1.0);
    if !rate.is_finite() || rate <= 0.0 || rate > 1e6 {
        return Err(ImportError::new(
            file,
            "--rate",
            format!("{rate} is not a rate above 0 and at most 1e6"),
        ));
    }
    let (points, skipped) = points(file)?;
    let fit = fit(&points, threads).ok_or_else(|| {
        ImportError::new(
            file,
            "stats",
            format!(
                "every measured power is at or above {} MB ({threads} thread(s) x 1769 MB), where \
                 the CPU law predicts one duration: measure at least one smaller power",
                threads * 1769
            ),
        )
    })?;
    let name = args.function.clone().unwrap_or_else(|| "tuned".into());
    let runtime = args.runtime.clone().unwrap_or_else(|| "python3.12".into());
    // the cheapest by averagePrice; without prices, by GB-s
    let cheapest = points
        .iter()
        .min_by(|a, b| {
            let cost =
                |p: &Point| p.price_usd.unwrap_or(p.duration_ms * f64::from(p.memory_mb) * 1e-9);
            cost(a).total_cmp(&cost(b))
        })
        .map_or(1024, |p| p.memory_mb);
    Ok(write(args, stem, file, &points, &skipped, &fit, threads, &name, &runtime, rate, cheapest))
}

#[allow(clippy::too_many_arguments)]
fn write(
    args: &Args,
    stem: &str,
    file: &Path,
    points: &[Point],
    skipped: &[String],
    fit: &Fit,
    threads: u32,
    name: &str,
    runtime: &str,
    rate: f64,
    cheapest: u32,
) -> Output {
    let limit = threads * 1769;
    let failing: Vec<&Point> = points
        .iter()
        .zip(&fit.predicted)
        .filter(|(p, (_, r))| (r / p.duration_ms).abs() > FAIL_SHARE)
        .map(|(p, _)| p)
        .collect();
    let (worst_point, worst) = points
        .iter()
        .zip(&fit.predicted)
        .max_by(|a, b| (a.1.1 / a.0.duration_ms).abs().total_cmp(&(b.1.1 / b.0.duration_ms).abs()))
        .map(|(p, (_, r))| (p.memory_mb, r / p.duration_ms))
        .unwrap_or((0, 0.0));
    let mut s = String::new();
    let _ = writeln!(s, "# Imported by `slsim import power-tuning` from {}", file.display());
    let _ = writeln!(
        s,
        "# {} power values measured ({} MB to {} MB){}.",
        points.len(),
        points.first().map_or(0, |p| p.memory_mb),
        points.last().map_or(0, |p| p.memory_mb),
        if skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped: {}", skipped.join("; "))
        }
    );
    let _ = writeln!(s, "#");
    let _ = writeln!(
        s,
        "# The CPU law d(m) = T1 ((1 - C) + C / min(m / 1769, threads)) fitted by least squares"
    );
    let _ = writeln!(
        s,
        "# (threads = {threads}, --threads): T1 = {} ms on one vCPU, C = {} CPU-bound.",
        num(fit.t1_ms, 3),
        num(fit.cpu_bound, 4)
    );
    if let Some(raw) = fit.clamped_from {
        let _ = writeln!(
            s,
            "# The unconstrained fit gave C = {} (outside 0..=1): C was clamped to {} and T1 refitted.",
            if raw.is_finite() { num(raw, 4) } else { "infinity".into() },
            num(fit.cpu_bound, 1)
        );
    }
    let _ = writeln!(
        s,
        "# R^2 = {}; the largest residual is {}% at {worst_point} MB.",
        num(fit.r2, 4),
        num(worst * 100.0, 1)
    );
    let _ = writeln!(s, "#");
    let _ = writeln!(s, "#   memory MB   observed ms   law ms   residual   avg price USD");
    for (p, (pred, r)) in points.iter().zip(&fit.predicted) {
        let _ = writeln!(
            s,
            "#   {:>9}   {:>11}   {:>6}   {:>7}%   {}",
            p.memory_mb,
            num(p.duration_ms, 2),
            num(*pred, 2),
            num(r / p.duration_ms * 100.0, 1),
            p.price_usd.map_or("-".into(), |v| format!("{v:.10}"))
        );
    }
    let _ = writeln!(s, "#");
    if failing.is_empty() {
        let _ =
            writeln!(s, "# The law explains every measured power within {}%.", FAIL_SHARE * 100.0);
    } else {
        let (below, above): (Vec<&&Point>, Vec<&&Point>) =
            failing.iter().partition(|p| p.memory_mb < limit);
        let list = |v: &[&&Point]| {
            v.iter().map(|p| p.memory_mb.to_string()).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            s,
            "# The law misses by more than {}% at: {}{}.",
            FAIL_SHARE * 100.0,
            if below.is_empty() {
                String::new()
            } else {
                format!("{} MB (below {limit} MB)", list(&below))
            },
            if above.is_empty() {
                String::new()
            } else {
                format!(
                    "{}{} MB (at or above {limit} MB)",
                    if below.is_empty() { "" } else { "; " },
                    list(&above)
                )
            }
        );
        let _ = writeln!(
            s,
            "# Misses above {limit} MB suggest more threads (--threads); misses below it, work that is not CPU-bound in the same way (I/O, memory, a cold start in the averages)."
        );
    }
    let _ = writeln!(
        s,
        "# Power Tuning's averages leave out the fastest and slowest 20% of runs by default"
    );
    let _ = writeln!(
        s,
        "# (discardTopBottom), so the run time below is a constant: add your own spread if you know it."
    );
    let _ = writeln!(
        s,
        "# Assumed: runtime {runtime}{}, {} requests per second{} (Power Tuning measures no traffic).",
        if args.runtime.is_none() { " (--runtime)" } else { "" },
        num(rate, 3),
        if args.rate.is_none() { " (--rate)" } else { "" }
    );
    let _ = writeln!(
        s,
        "# Compare: `slsim sweep` on this file gives the law's cost and duration per power; set them against the table above."
    );
    let _ = writeln!(
        s,
        "\n[simulation]\nname = {}\nduration = \"1h\"\nseed = 1",
        toml_str(&safe(stem))
    );
    let _ = writeln!(s, "\n[[lambda.function]]\nname = {}", toml_str(name));
    let _ = writeln!(
        s,
        "runtime = {}{}",
        toml_str(runtime),
        if args.runtime.is_none() { "        # ASSUMED (--runtime)" } else { "" }
    );
    let _ = writeln!(
        s,
        "memory_size = {cheapest}             # the cheapest measured power (by averagePrice)"
    );
    let _ =
        writeln!(s, "timeout = \"900s\"                # ASSUMED: the maximum, not in the output");
    let _ = writeln!(
        s,
        "\n[[workload]]\nname = {}\ntarget = {}",
        toml_str(name),
        toml_str(&format!("function:{name}"))
    );
    let _ = writeln!(
        s,
        "arrivals = {{ process = \"poisson\", rate = {} }}   # ASSUMED (--rate)",
        toml::Value::Float(rate)
    );
    let _ = writeln!(
        s,
        "duration = \"{}ms\"                # T1: run time on one vCPU, fitted",
        num(fit.t1_ms.max(0.001), 3)
    );
    let _ = writeln!(s, "cpu_bound = {}                  # C, fitted", num(fit.cpu_bound, 4));
    if threads > 1 {
        let _ = writeln!(s, "threads = {threads}");
    }
    let powers: Vec<String> = points.iter().map(|p| p.memory_mb.to_string()).collect();
    let _ = writeln!(s, "\n# Uncomment to run every measured power (slsim sweep THIS_FILE):");
    let _ = writeln!(s, "# [sweep]\n# mode = \"grid\"\n# [sweep.parameters]");
    let _ = writeln!(s, "# \"lambda.function.{name}.memory_size\" = [{}]", powers.join(", "));
    let mut messages = vec![format!(
        "fitted T1 = {} ms on one vCPU, cpu_bound = {} (R^2 {}, largest residual {}% at {worst_point} MB) from {} power values",
        num(fit.t1_ms, 1),
        num(fit.cpu_bound, 3),
        num(fit.r2, 3),
        num(worst * 100.0, 1),
        points.len()
    )];
    if fit.clamped_from.is_some() {
        messages.push(format!(
            "the unconstrained cpu_bound fell outside 0..=1 and was clamped to {}",
            fit.cpu_bound
        ));
    }
    messages.extend(skipped.iter().map(|k| format!("skipped: {k}")));
    Output { scenario: s, files: Vec::new(), messages }
}

fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(128)
        .collect();
    if s.is_empty() { "power-tuning".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t1: f64, c: f64, threads: u32, powers: &[u32]) -> Vec<Point> {
        powers
            .iter()
            .map(|&m| Point { memory_mb: m, duration_ms: law(t1, c, m, threads), price_usd: None })
            .collect()
    }

    #[test]
    fn the_fit_gives_back_t1_and_c() {
        for (t1, c, threads) in [(400.0, 0.8, 1), (25.0, 0.0, 1), (1000.0, 1.0, 1), (300.0, 0.6, 2)]
        {
            let f = fit(&at(t1, c, threads, &[128, 512, 1024, 2048, 3008, 4096]), threads).unwrap();
            assert!((f.t1_ms - t1).abs() < 1e-6 * t1, "{t1} {c}: {f:?}");
            assert!((f.cpu_bound - c).abs() < 1e-9, "{t1} {c}: {f:?}");
            assert!(f.clamped_from.is_none() && (f.r2 - 1.0).abs() < 1e-9, "{f:?}");
        }
    }

    #[test]
    fn shares_outside_zero_to_one_are_clamped_and_t1_refitted() {
        // faster than the law allows: more than all of it CPU work
        let pts = [(128, 1500.0), (1769, 20.0)].map(|(m, d)| Point {
            memory_mb: m,
            duration_ms: d,
            price_usd: None,
        });
        let f = fit(&pts, 1).unwrap();
        assert_eq!(f.cpu_bound, 1.0);
        assert!(f.clamped_from.is_some_and(|c| c > 1.0));
        assert!(f.r2 < 1.0);
        // slower with more memory: nothing is CPU work, T1 the mean
        let pts = [(128, 100.0), (1024, 120.0)].map(|(m, d)| Point {
            memory_mb: m,
            duration_ms: d,
            price_usd: None,
        });
        let f = fit(&pts, 1).unwrap();
        assert_eq!((f.cpu_bound, f.t1_ms), (0.0, 110.0));
    }

    #[test]
    fn powers_that_all_reach_the_thread_limit_cannot_be_fitted() {
        assert!(fit(&at(100.0, 0.5, 1, &[1769, 2048, 3008]), 1).is_none());
        assert!(fit(&at(100.0, 0.5, 2, &[1769, 2048, 3008]), 2).is_some());
    }
}

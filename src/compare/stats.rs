//! The comparison itself: the run's minutes summed into the observed periods, then per metric
//! MAPE, bias, Pearson correlation, the largest gap and the totals, and a verdict.

use std::path::Path;

use serde::Serialize;

use super::{Kind, Simulated};
use crate::import::observed::{Metric, Observed};

/// Per-period error (MAPE) and total bias at or under which a metric is `close`...
const CLOSE: (f64, f64) = (10.0, 5.0);
/// ... and `fair`; above either, `far`.
const FAIR: (f64, f64) = (25.0, 15.0);
fn is_count(column: &str) -> bool {
    ["invocations", "throttles", "errors", "cold_starts"].contains(&column)
}

/// Counts (invocations, throttles, errors, cold starts) observed fewer times than this per
/// period on average are judged by their totals: `close` when the totals differ by at most 2
/// standard deviations of the difference of two Poisson counts (sqrt of their sum), `fair` at
/// most 3, `far` beyond.
pub const SPARSE_PER_PERIOD: f64 = 20.0;

/// Both sides over the observed periods: `sim` holds the run's figures summed into each
/// observed period the run covers whole (after its warm-up), `None` elsewhere.
#[derive(Debug, Clone)]
pub struct Aligned {
    pub obs: Observed,
    pub sim: Observed,
    /// Simulated minute that observed period 0 lines up with.
    pub offset_min: u64,
    /// The run's minutes, and those whole and after the warm-up.
    pub minutes: usize,
    pub minutes_usable: usize,
}

impl Aligned {
    /// Sums the run's minutes into `observed`'s periods from minute `offset_min`: counts and
    /// cost summed, `concurrency_max` the largest, duration percentiles the invocation-weighted
    /// mean of the minutes' (an approximation: percentiles do not add). The error is a
    /// sentence for the user.
    pub fn new(observed: &Observed, sim: &Simulated, offset_min: u64) -> Result<Aligned, String> {
        let period = observed.period_s;
        if period < 60 || !period.is_multiple_of(60) {
            return Err(format!(
                "the observed period is {period} s; slsim compares whole minutes (60 s, 300 s, \
                 3600 s...), as timeseries.csv has one row per minute"
            ));
        }
        let per = (period / 60) as usize;
        let mut out = Observed::new(observed.start_ms, period, observed.rows.len());
        for k in 0..observed.rows.len() {
            let first = offset_min as usize + k * per;
            let minutes = first..first + per;
            let covered = minutes.clone().all(|m| sim.usable.get(m).copied().unwrap_or(false));
            if !covered {
                continue;
            }
            for metric in Metric::ALL {
                if let Some(v) = aggregate(sim, metric, minutes.clone()) {
                    out.set(k, metric, v);
                }
            }
        }
        Ok(Aligned {
            obs: observed.clone(),
            sim: out,
            offset_min,
            minutes: sim.usable.len(),
            minutes_usable: sim.usable.iter().filter(|&&u| u).count(),
        })
    }

    /// Pairs (period, observed, simulated) of `metric` where both sides have it.
    pub fn pairs(&self, metric: Metric) -> Vec<(usize, f64, f64)> {
        (0..self.obs.rows.len())
            .filter_map(|k| Some((k, self.obs.get(k, metric)?, self.sim.get(k, metric)?)))
            .collect()
    }

    /// Whether the observed times are wall-clock times (not seconds from a start).
    pub fn wall_clock(&self) -> bool {
        self.obs.start_ms >= 365 * 86_400_000
    }

    /// Start of observed period `k` in simulated seconds.
    pub fn simulated_s(&self, k: usize) -> f64 {
        self.offset_min as f64 * 60.0 + k as f64 * f64::from(self.obs.period_s)
    }
}

/// One metric over some whole minutes of the run.
fn aggregate(sim: &Simulated, metric: Metric, minutes: std::ops::Range<usize>) -> Option<f64> {
    let values: Vec<(f64, f64)> = minutes
        .filter_map(|m| {
            Some((sim.minutes.get(m, metric)?, sim.invocations.get(m).copied().unwrap_or(0.0)))
        })
        .collect();
    match metric {
        Metric::ConcurrencyMax => values.iter().map(|v| v.0).reduce(f64::max),
        Metric::DurationP50 | Metric::DurationP99 => {
            let weight: f64 = values.iter().map(|v| v.1).sum();
            if values.is_empty() {
                None
            } else if weight > 0.0 {
                Some(values.iter().map(|(v, w)| v * w).sum::<f64>() / weight)
            } else {
                Some(values.iter().map(|v| v.0).sum::<f64>() / values.len() as f64)
            }
        }
        _ => Some(values.iter().map(|v| v.0).sum()),
    }
}

/// How close a metric came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Close,
    Fair,
    Far,
}

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Verdict::Close => "close",
            Verdict::Fair => "fair",
            Verdict::Far => "far",
        }
    }
}

/// The period with the largest absolute difference.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub period: usize,
    /// Start of the period (RFC 3339) when the observed times are wall-clock times.
    pub time: Option<String>,
    pub simulated_s: f64,
    pub observed: f64,
    pub simulated: f64,
    /// simulated - observed.
    pub difference: f64,
}

/// One metric's figures (see the outputs chapter of the book for each field).
#[derive(Debug, Clone, Serialize)]
pub struct MetricStats {
    pub metric: &'static str,
    pub periods: usize,
    pub mape_pct: Option<f64>,
    pub mape_excluded: usize,
    pub bias_pct: Option<f64>,
    pub correlation: Option<f64>,
    pub correlation_note: Option<&'static str>,
    pub largest_gap: Option<Gap>,
    pub observed_total: f64,
    pub simulated_total: f64,
    pub observed_mean: f64,
    pub simulated_mean: f64,
    pub verdict: Verdict,
    /// `periods` (MAPE and bias) or `totals` (sparse counts, see [`SPARSE_PER_PERIOD`]).
    pub verdict_basis: &'static str,
}

/// Where the observed figures came from.
#[derive(Debug, Clone, Serialize)]
pub struct ObservedSource {
    pub file: String,
    pub kind: &'static str,
    pub start: Option<String>,
    pub period_s: u32,
    pub periods: usize,
}

/// The run compared with.
#[derive(Debug, Clone, Serialize)]
pub struct SimulatedSource {
    pub dir: String,
    pub offset_s: f64,
    pub minutes: usize,
    pub minutes_usable: usize,
}

/// `compare.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub observed: ObservedSource,
    pub simulated: SimulatedSource,
    pub periods_compared: usize,
    pub overlap: f64,
    pub metrics: Vec<MetricStats>,
    pub verdict: Verdict,
    pub warnings: Vec<String>,
}

impl Comparison {
    pub fn new(a: &Aligned, files: &[std::path::PathBuf], kind: Kind, dir: &Path) -> Comparison {
        let mut warnings = Vec::new();
        let mut metrics = Vec::new();
        // few invocations a period: every per-period figure is mostly sampling noise (a
        // minute's p99 of 14 run times, its cost), so every verdict is taken on the totals
        let invocations = a.pairs(Metric::Invocations);
        let sparse = !invocations.is_empty()
            && invocations.iter().map(|p| p.1).sum::<f64>() / (invocations.len() as f64)
                < SPARSE_PER_PERIOD;
        if sparse {
            warnings.push(format!(
                "fewer than {SPARSE_PER_PERIOD} invocations a period on average: per-period \
                 figures are mostly sampling noise, so verdicts compare totals and means (bias); \
                 MAPE and r are shown for reference"
            ));
        }
        for m in a.obs.metrics() {
            let pairs = a.pairs(m);
            if pairs.is_empty() {
                let why = if a.sim.has(m) {
                    "no period has it on both sides"
                } else {
                    "the run's timeseries.csv has no figure for it"
                };
                warnings.push(format!("{}: observed but not compared: {why}", m.column()));
                continue;
            }
            metrics.push(metric_stats(a, m, &pairs, sparse));
        }
        let periods = a.obs.rows.len();
        let compared = (0..periods)
            .filter(|&k| {
                Metric::ALL.iter().any(|&m| a.obs.get(k, m).is_some() && a.sim.get(k, m).is_some())
            })
            .count();
        let overlap = if periods == 0 { 0.0 } else { compared as f64 / periods as f64 };
        if compared > 0 && overlap < 0.5 {
            warnings.push(format!(
                "only {compared} of the {periods} observed periods ({:.0}%) were compared: the \
                 run covers less than half of what was observed (check --offset and the run's \
                 duration and warm-up)",
                overlap * 100.0
            ));
        }
        if a.obs.period_s > 60 && metrics.iter().any(|s| s.metric.starts_with("duration_")) {
            warnings.push(format!(
                "duration percentiles over {} s periods are the invocation-weighted means of the \
                 run's per-minute percentiles: an approximation",
                a.obs.period_s
            ));
        }
        Comparison {
            observed: ObservedSource {
                file: files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "),
                kind: kind.name(),
                start: a.wall_clock().then(|| crate::import::time::format(a.obs.start_ms)),
                period_s: a.obs.period_s,
                periods,
            },
            simulated: SimulatedSource {
                dir: dir.display().to_string(),
                offset_s: a.offset_min as f64 * 60.0,
                minutes: a.minutes,
                minutes_usable: a.minutes_usable,
            },
            periods_compared: compared,
            overlap,
            verdict: metrics.iter().map(|s| s.verdict).max().unwrap_or(Verdict::Far),
            metrics,
            warnings,
        }
    }

    /// The terminal's verdict: one line per metric, then the overall line.
    pub fn verdict_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for s in &self.metrics {
            lines.push(format!("{:<16} {:<5}  {}", s.metric, s.verdict.name(), figures(s)));
        }
        let mut groups = Vec::new();
        for v in [Verdict::Close, Verdict::Fair, Verdict::Far] {
            let names: Vec<String> = self
                .metrics
                .iter()
                .filter(|s| s.verdict == v)
                .map(|s| match s.mape_pct {
                    _ if s.verdict_basis == "totals" && !is_count(s.metric) => {
                        format!(
                            "{} (bias {})",
                            s.metric,
                            s.bias_pct.map(signed_pct).unwrap_or_default()
                        )
                    }
                    _ if s.verdict_basis == "totals" => format!(
                        "{} (totals {} vs {} observed)",
                        s.metric,
                        num(s.simulated_total),
                        num(s.observed_total)
                    ),
                    Some(p) => format!("{} {}", s.metric, pct(p)),
                    None if s.simulated_total == 0.0 => format!("{} (0 on both sides)", s.metric),
                    None => {
                        format!("{} (observed 0, simulated {})", s.metric, num(s.simulated_total))
                    }
                })
                .collect();
            if !names.is_empty() {
                groups.push(format!("{}: {}", v.name(), names.join(", ")));
            }
        }
        lines.push(format!(
            "overall: {} over {} period{} of {} s. {} (MAPE per period; rare counts and sparse traffic by totals)",
            self.verdict.name(),
            self.periods_compared,
            if self.periods_compared == 1 { "" } else { "s" },
            self.observed.period_s,
            groups.join("; ")
        ));
        lines.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        lines
    }
}

/// `sparse`: the traffic is sparse (see [`SPARSE_PER_PERIOD`]): verdicts on totals.
fn metric_stats(a: &Aligned, m: Metric, pairs: &[(usize, f64, f64)], sparse: bool) -> MetricStats {
    let n = pairs.len() as f64;
    let (obs_total, sim_total) = pairs.iter().fold((0.0, 0.0), |(o, s), p| (o + p.1, s + p.2));
    let positive: Vec<f64> =
        pairs.iter().filter(|p| p.1 > 0.0).map(|p| (p.2 - p.1).abs() / p.1 * 100.0).collect();
    let mape = (!positive.is_empty()).then(|| positive.iter().sum::<f64>() / positive.len() as f64);
    let bias = (obs_total > 0.0).then(|| (sim_total / obs_total - 1.0) * 100.0);
    let (correlation, correlation_note) = pearson(pairs);
    let largest_gap = pairs
        .iter()
        // the earliest of equal gaps
        .reduce(|best, p| if (p.2 - p.1).abs() > (best.2 - best.1).abs() { p } else { best })
        .map(|&(k, o, s)| Gap {
            period: k,
            time: a.wall_clock().then(|| {
                crate::import::time::format(
                    a.obs.start_ms + k as i64 * i64::from(a.obs.period_s) * 1000,
                )
            }),
            simulated_s: a.simulated_s(k),
            observed: o,
            simulated: s,
            difference: s - o,
        });
    let periods = pairs.len().max(1) as f64;
    let counted =
        matches!(m, Metric::Invocations | Metric::Throttles | Metric::Errors | Metric::ColdStarts);
    let (verdict, verdict_basis) = if counted && (sparse || obs_total / periods < SPARSE_PER_PERIOD)
    {
        // A handful of events per period: each period's figure is mostly counting noise (a
        // Poisson count of mean 5 is off by 45 % on average), so judge the totals: their
        // difference against the noise of two such counts.
        let z = (sim_total - obs_total).abs() / (sim_total + obs_total).max(1.0).sqrt();
        let v = if z <= 2.0 {
            Verdict::Close
        } else if z <= 3.0 {
            Verdict::Fair
        } else {
            Verdict::Far
        };
        (v, "totals")
    } else if sparse {
        let v = match bias {
            Some(b) if b.abs() <= CLOSE.1 => Verdict::Close,
            Some(b) if b.abs() <= FAIR.1 => Verdict::Fair,
            None if sim_total == 0.0 => Verdict::Close,
            _ => Verdict::Far,
        };
        (v, "totals")
    } else {
        let v = match (mape, bias) {
            (Some(p), Some(b)) if p <= CLOSE.0 && b.abs() <= CLOSE.1 => Verdict::Close,
            (Some(p), Some(b)) if p <= FAIR.0 && b.abs() <= FAIR.1 => Verdict::Fair,
            // every observed figure 0: close only if the run has none either
            (None, None) if sim_total == 0.0 => Verdict::Close,
            _ => Verdict::Far,
        };
        (v, "periods")
    };
    MetricStats {
        metric: m.column(),
        periods: pairs.len(),
        mape_pct: mape,
        mape_excluded: pairs.len() - positive.len(),
        bias_pct: bias,
        correlation,
        correlation_note,
        largest_gap,
        observed_total: obs_total,
        simulated_total: sim_total,
        observed_mean: obs_total / n,
        simulated_mean: sim_total / n,
        verdict,
        verdict_basis,
    }
}

/// Pearson's r of observed against simulated; `None` with the reason when undefined.
fn pearson(pairs: &[(usize, f64, f64)]) -> (Option<f64>, Option<&'static str>) {
    if pairs.len() < 2 {
        return (None, Some("fewer than 2 periods"));
    }
    let n = pairs.len() as f64;
    let (mo, ms) = pairs.iter().fold((0.0, 0.0), |(o, s), p| (o + p.1 / n, s + p.2 / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(_, o, s) in pairs {
        sxy += (o - mo) * (s - ms);
        sxx += (o - mo) * (o - mo);
        syy += (s - ms) * (s - ms);
    }
    // a side that varies by less than rounding is constant
    let flat = |ss: f64, mean: f64| ss <= (mean.abs() * 1e-12).powi(2) * n;
    if flat(sxx, mo) {
        return (None, Some("the observed figure is constant"));
    }
    if flat(syy, ms) {
        return (None, Some("the simulated figure is constant"));
    }
    (Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)), None)
}

fn signed_pct(b: f64) -> String {
    format!("{}{}", if b >= 0.0 { "+" } else { "" }, pct(b))
}

fn pct(p: f64) -> String {
    if p.abs() < 10.0 { format!("{p:.1}%") } else { format!("{p:.0}%") }
}

fn totals(s: &MetricStats) -> String {
    format!("observed {} in total, simulated {}", num(s.observed_total), num(s.simulated_total))
}

/// A figure for people: integers as they are, others with 5 significant digits.
pub(super) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals = (4.0 - v.abs().log10().floor()).clamp(0.0, 12.0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// A metric's figures in one line.
fn figures(s: &MetricStats) -> String {
    let mut parts = Vec::new();
    match s.mape_pct {
        Some(p) => parts.push(format!("MAPE {}", pct(p))),
        None => parts.push("MAPE n/a (observed 0 throughout)".to_string()),
    }
    match s.bias_pct {
        Some(b) => parts.push(format!("bias {}", signed_pct(b))),
        None if s.simulated_total == 0.0 => {
            return format!("0 on both sides; {} periods", s.periods);
        }
        None => parts.push(totals(s)),
    }
    match (s.correlation, s.correlation_note) {
        (Some(r), _) => parts.push(format!("r {r:.3}")),
        (None, Some(why)) => parts.push(format!("r n/a ({why})")),
        (None, None) => {}
    }
    let mut line = parts.join(", ");
    line.push_str(&format!("; {} period{}", s.periods, if s.periods == 1 { "" } else { "s" }));
    if s.mape_excluded > 0 && s.mape_pct.is_some() {
        line.push_str(&format!(" ({} with observed 0 left out of MAPE)", s.mape_excluded));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Observed and simulated per period, one metric.
    fn aligned(m: Metric, obs: &[f64], sim: &[f64]) -> Aligned {
        let mut a = Aligned {
            obs: Observed::new(1_767_225_600_000, 60, 0),
            sim: Observed::new(1_767_225_600_000, 60, 0),
            offset_min: 0,
            minutes: sim.len(),
            minutes_usable: sim.len(),
        };
        for (k, (&o, &s)) in obs.iter().zip(sim).enumerate() {
            a.obs.set(k, m, o);
            a.sim.set(k, m, s);
        }
        a
    }

    fn stats(obs: &[f64], sim: &[f64]) -> MetricStats {
        stats_of(Metric::DurationP99, obs, sim)
    }

    fn stats_of(m: Metric, obs: &[f64], sim: &[f64]) -> MetricStats {
        let a = aligned(m, obs, sim);
        metric_stats(&a, m, &a.pairs(m), false)
    }

    #[test]
    fn mape_leaves_out_observed_zeros_and_bias_uses_totals() {
        // errors 50 % and 25 % where observed > 0; the 0 period is left out of MAPE
        let s = stats(&[0.0, 10.0, 20.0], &[3.0, 15.0, 15.0]);
        assert_eq!(s.mape_pct, Some(37.5));
        assert_eq!(s.mape_excluded, 1);
        assert_eq!(s.bias_pct, Some((33.0 / 30.0 - 1.0) * 100.0));
        let gap = s.largest_gap.unwrap();
        assert_eq!((gap.period, gap.difference), (1, 5.0));
        assert_eq!(gap.time.as_deref(), Some("2026-01-01T00:01:00Z"));
        assert_eq!(s.verdict, Verdict::Far);
    }

    #[test]
    fn correlation_is_null_with_a_reason_when_undefined() {
        assert_eq!(stats(&[1.0], &[1.0]).correlation_note, Some("fewer than 2 periods"));
        let flat = stats(&[5.0, 5.0, 5.0], &[4.0, 5.0, 6.0]);
        assert_eq!(
            (flat.correlation, flat.correlation_note),
            (None, Some("the observed figure is constant"))
        );
        let r = stats(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).correlation.unwrap();
        assert!((r + 1.0).abs() < 1e-12);
    }

    #[test]
    fn verdicts_follow_the_documented_thresholds() {
        assert_eq!(stats(&[100.0, 100.0], &[108.0, 101.0]).verdict, Verdict::Close);
        assert_eq!(stats(&[100.0, 100.0], &[112.0, 112.0]).verdict, Verdict::Fair);
        assert_eq!(stats(&[100.0, 100.0], &[70.0, 130.0]).verdict, Verdict::Far, "MAPE 30 %");
        assert_eq!(stats(&[0.0, 0.0], &[0.0, 0.0]).verdict, Verdict::Close);
        assert_eq!(stats(&[0.0, 0.0], &[0.0, 1.0]).verdict, Verdict::Far);
        // counts of 20 or more a period: judged per period like the others
        let many = stats_of(Metric::Errors, &[100.0, 100.0], &[70.0, 130.0]);
        assert_eq!((many.verdict, many.verdict_basis), (Verdict::Far, "periods"));
    }

    #[test]
    fn sparse_counts_are_judged_by_their_totals_against_counting_noise() {
        // 6 errors observed over 30 minutes, 7 simulated in other minutes: per-period MAPE is
        // 100 %, but the totals differ by 1, a third of the noise of two such counts
        let mut obs = vec![0.0; 30];
        let mut sim = vec![0.0; 30];
        for k in [2, 7, 11, 19, 23, 28] {
            obs[k] = 1.0;
        }
        for k in [1, 5, 9, 14, 20, 25, 29] {
            sim[k] = 1.0;
        }
        let s = stats_of(Metric::Errors, &obs, &sim);
        assert_eq!(s.mape_pct, Some(100.0));
        assert_eq!((s.verdict, s.verdict_basis), (Verdict::Close, "totals"));
        // 6 throttles observed and none simulated: |6 - 0| / sqrt(6) = 2.45 standard deviations
        let s = stats_of(Metric::Throttles, &obs, &[0.0; 30]);
        assert_eq!((s.verdict, s.verdict_basis), (Verdict::Fair, "totals"));
        // 25 against 5: 20 / sqrt(30) = 3.65 standard deviations
        let s = stats_of(Metric::ColdStarts, &[12.0, 13.0], &[2.0, 3.0]);
        assert_eq!((s.verdict, s.verdict_basis), (Verdict::Far, "totals"));
    }

    #[test]
    fn longer_periods_weight_duration_percentiles_by_invocations() {
        let mut minutes = Observed::new(0, 60, 0);
        for (m, (inv, p99)) in [(10.0, 100.0), (30.0, 200.0)].into_iter().enumerate() {
            minutes.set(m, Metric::Invocations, inv);
            minutes.set(m, Metric::DurationP99, p99);
            minutes.set(m, Metric::ConcurrencyMax, inv / 10.0);
        }
        let sim = Simulated { minutes, invocations: vec![10.0, 30.0], usable: vec![true, true] };
        let mut obs = Observed::new(0, 120, 0);
        obs.set(0, Metric::Invocations, 1.0);
        let a = Aligned::new(&obs, &sim, 0).unwrap();
        assert_eq!(a.sim.get(0, Metric::DurationP99), Some(175.0));
        assert_eq!(a.sim.get(0, Metric::Invocations), Some(40.0));
        assert_eq!(a.sim.get(0, Metric::ConcurrencyMax), Some(3.0));
        assert!(Aligned::new(&Observed::new(0, 90, 1), &sim, 0).is_err());
    }

    #[test]
    fn sparse_traffic_judges_every_metric_on_its_totals() {
        // 10 and 12 invocations a minute: each minute's p99 is a handful of samples, so the
        // swapped figures (MAPE 118 %) with a +2.5 % total are close, and said to be so
        let mut a = aligned(Metric::Invocations, &[10.0, 12.0], &[11.0, 11.0]);
        for (k, (o, s)) in [(100.0, 300.0), (300.0, 110.0)].into_iter().enumerate() {
            a.obs.set(k, Metric::DurationP99, o);
            a.sim.set(k, Metric::DurationP99, s);
        }
        let c = Comparison::new(&a, &[], Kind::Csv, Path::new("out"));
        let p99 = c.metrics.iter().find(|m| m.metric == "duration_p99_ms").unwrap();
        assert!(p99.mape_pct.unwrap() > 100.0);
        assert_eq!((p99.verdict, p99.verdict_basis), (Verdict::Close, "totals"));
        assert!(c.warnings.iter().any(|w| w.contains("sampling noise")), "{:?}", c.warnings);
        // the same figures with 100 invocations a minute: judged per period, far
        let mut a = aligned(Metric::Invocations, &[100.0, 120.0], &[110.0, 110.0]);
        for (k, (o, s)) in [(100.0, 300.0), (300.0, 110.0)].into_iter().enumerate() {
            a.obs.set(k, Metric::DurationP99, o);
            a.sim.set(k, Metric::DurationP99, s);
        }
        let c = Comparison::new(&a, &[], Kind::Csv, Path::new("out"));
        let p99 = c.metrics.iter().find(|m| m.metric == "duration_p99_ms").unwrap();
        assert_eq!((p99.verdict, p99.verdict_basis), (Verdict::Far, "periods"));
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(num(33713.0), "33713");
        assert_eq!(num(3596.178), "3596.2");
        assert_eq!(num(0.045123), "0.045123");
        assert_eq!(num(0.0451), "0.0451");
    }
}

//! A run-time distribution from CloudWatch `Duration` statistics.
//!
//! Each statistic is first reduced to one figure: its mean over the periods, weighted by the
//! period's `Invocations` (Sum) where that is known (a busy minute's p99 says more than a quiet
//! one's), unweighted otherwise. Then, in this order of preference:
//!
//! | statistics | lognormal |
//! |---|---|
//! | p50 and p99 | median = p50, sigma = ln(p99 / p50) / 2.3263 (z of 0.99) |
//! | p50 and p90 | median = p50, sigma = ln(p90 / p50) / 1.2816 (z of 0.90) |
//! | Average and p99 | mean = Average and 99th percentile = p99: sigma is the smaller root of sigma^2 / 2 - 2.3263 sigma + ln(p99 / Average) = 0 |
//! | Average and p50 | median = p50, sigma = sqrt(2 ln(Average / p50)) (Average above p50) |
//! | Average alone, p50 alone | sigma = 0.5 assumed (no spread is known); the mean or median kept |

use super::Table;
use super::read::Target;

/// z-scores of the 99th and 90th percentiles of the standard normal.
pub const Z99: f64 = 2.326_347_874;
pub const Z90: f64 = 1.281_551_566;
/// The spread assumed when the statistics give none.
pub const ASSUMED_SIGMA: f64 = 0.5;

/// A lognormal run time as observed (at the function's memory size), ms, and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationFit {
    pub median_ms: f64,
    pub sigma: f64,
    /// One sentence for the scenario's comment.
    pub how: String,
    /// Whether the spread was assumed rather than fitted.
    pub assumed: bool,
    /// The weighted statistics used, by name (`p50` = 180.2).
    pub figures: Vec<(String, f64)>,
}

/// The invocation-weighted mean of a statistic over the periods that have it.
pub fn weighted(table: &Table, target: &Target, metric: &str, stat: &str) -> Option<f64> {
    let col = table.column(target, metric, stat)?;
    let weights = table.column(target, "Invocations", "Sum");
    let (mut sum, mut total) = (0.0, 0.0);
    for (i, v) in col.iter().enumerate() {
        let Some(v) = v else { continue };
        let w = match weights {
            Some(w) => w.get(i).copied().flatten().unwrap_or(0.0),
            None => 1.0,
        };
        if w > 0.0 {
            sum += v * w;
            total += w;
        }
    }
    // every period with the statistic had no invocations recorded: fall back to unweighted
    if total <= 0.0 {
        let values: Vec<f64> = col.iter().flatten().copied().collect();
        return (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    }
    Some(sum / total)
}

/// The run-time distribution of `target`'s `Duration` statistics (ms), if it has any.
pub fn duration(table: &Table, target: &Target) -> Option<DurationFit> {
    let get = |stat: &str| weighted(table, target, "Duration", stat).filter(|v| *v > 0.0);
    let (p50, p90, p99, avg) = (get("p50"), get("p90"), get("p99"), get("Average"));
    let figures: Vec<(String, f64)> = [("p50", p50), ("p90", p90), ("p99", p99), ("Average", avg)]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n.to_string(), v)))
        .collect();
    let fit = |median_ms: f64, sigma: f64, how: String, assumed: bool| DurationFit {
        median_ms,
        // the scenario accepts 0..=10; beyond is no run-time distribution anyone observed
        sigma: sigma.clamp(0.0, 10.0),
        how,
        assumed,
        figures: figures.clone(),
    };
    if let (Some(p50), Some(p99)) = (p50, p99) {
        let sigma = (p99 / p50).ln().max(0.0) / Z99;
        return Some(fit(
            p50,
            sigma,
            "lognormal through p50 and p99: median = p50, sigma = ln(p99 / p50) / 2.3263".into(),
            false,
        ));
    }
    if let (Some(p50), Some(p90)) = (p50, p90) {
        let sigma = (p90 / p50).ln().max(0.0) / Z90;
        return Some(fit(
            p50,
            sigma,
            "lognormal through p50 and p90: median = p50, sigma = ln(p90 / p50) / 1.2816".into(),
            false,
        ));
    }
    if let (Some(avg), Some(p99)) = (avg, p99) {
        let l = (p99 / avg).ln();
        let disc = Z99 * Z99 - 2.0 * l;
        if l > 0.0 && disc >= 0.0 {
            let sigma = Z99 - disc.sqrt();
            return Some(fit(
                avg / (sigma * sigma / 2.0).exp(),
                sigma,
                "lognormal with mean = Average and 99th percentile = p99".into(),
                false,
            ));
        }
    }
    if let (Some(avg), Some(p50)) = (avg, p50)
        && avg > p50
    {
        let sigma = (2.0 * (avg / p50).ln()).sqrt();
        return Some(fit(
            p50,
            sigma,
            "lognormal with median = p50 and mean = Average".into(),
            false,
        ));
    }
    if let Some(avg) = avg {
        let s = ASSUMED_SIGMA;
        return Some(fit(
            avg / (s * s / 2.0).exp(),
            s,
            "lognormal with mean = Average; sigma = 0.5 ASSUMED (export p50 and p99 to fit it)"
                .into(),
            true,
        ));
    }
    p50.map(|p50| {
        fit(
            p50,
            ASSUMED_SIGMA,
            "lognormal with median = p50; sigma = 0.5 ASSUMED (export p99 to fit it)".into(),
            true,
        )
    })
}

/// Run-time multiplier at `memory_mb` for a CPU-bound share `c` on one thread (the CPU law of
/// `LambdaModel::cpu_factor`): observed = one-vCPU time x this.
pub fn cpu_factor(memory_mb: u32, c: f64) -> f64 {
    let vcpu = (f64::from(memory_mb) / 1769.0).min(6.0);
    (1.0 - c) + c / vcpu.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_law_matches_the_model_at_known_points() {
        assert!((cpu_factor(1769, 1.0) - 1.0).abs() < 1e-12);
        assert!(
            (cpu_factor(3538, 1.0) - 1.0).abs() < 1e-12,
            "one thread gains nothing past 1 vCPU"
        );
        // 884.5 MB is half a vCPU: fully CPU-bound takes twice as long, half CPU-bound 1.5x
        assert!((cpu_factor(884, 1.0) - 1769.0 / 884.0).abs() < 1e-12);
        assert!((cpu_factor(1024, 0.0) - 1.0).abs() < 1e-12);
        assert!((cpu_factor(1024, 0.5) - (0.5 + 0.5 * 1769.0 / 1024.0)).abs() < 1e-12);
    }
}

#[cfg(test)]
mod fit_tests {
    use std::collections::BTreeMap;

    use super::*;

    fn table(cols: &[(&str, &str, Vec<Option<f64>>)]) -> (Table, Target) {
        let t = Target::Function("f".into());
        let mut columns = BTreeMap::new();
        for (m, s, v) in cols {
            columns.insert((m.to_string(), s.to_string()), v.clone());
        }
        let periods = cols.first().map_or(0, |c| c.2.len());
        let mut targets = BTreeMap::new();
        targets.insert(t.clone(), columns);
        (Table { start_ms: 0, period_s: 60, periods, targets, skipped: vec![], files: 1 }, t)
    }

    #[test]
    fn statistics_are_weighted_by_invocations() {
        let (t, f) = table(&[
            ("Invocations", "Sum", vec![Some(100.0), Some(300.0), None]),
            ("Duration", "p50", vec![Some(200.0), Some(100.0), Some(999.0)]),
        ]);
        // (100 x 200 + 300 x 100) / 400; the period without invocations does not count
        assert_eq!(weighted(&t, &f, "Duration", "p50"), Some(125.0));
    }

    #[test]
    fn a_lognormal_through_two_percentiles_has_them_as_its_quantiles() {
        let (t, f) = table(&[
            ("Duration", "p50", vec![Some(100.0)]),
            ("Duration", "p99", vec![Some(400.0)]),
        ]);
        let d = duration(&t, &f).unwrap();
        assert_eq!(d.median_ms, 100.0);
        assert!((d.median_ms * (Z99 * d.sigma).exp() - 400.0).abs() < 1e-9);
        assert!(!d.assumed);
    }

    #[test]
    fn average_and_p99_give_a_lognormal_with_that_mean_and_tail() {
        let (t, f) = table(&[
            ("Duration", "Average", vec![Some(120.0)]),
            ("Duration", "p99", vec![Some(400.0)]),
        ]);
        let d = duration(&t, &f).unwrap();
        let mean = d.median_ms * (d.sigma * d.sigma / 2.0).exp();
        assert!((mean - 120.0).abs() < 1e-9, "{d:?}");
        assert!((d.median_ms * (Z99 * d.sigma).exp() - 400.0).abs() < 1e-9, "{d:?}");
        // the average alone: the spread is assumed, the mean kept
        let (t, f) = table(&[("Duration", "Average", vec![Some(120.0)])]);
        let d = duration(&t, &f).unwrap();
        assert!(d.assumed && d.sigma == ASSUMED_SIGMA);
        assert!((d.median_ms * (d.sigma * d.sigma / 2.0).exp() - 120.0).abs() < 1e-9);
    }
}

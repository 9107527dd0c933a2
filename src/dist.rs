//! Random durations: the distribution tables of the scenario format, ready to sample.
//!
//! Every random quantity in a scenario (run times, init times, keep-alive) is a [`Dist`]. They
//! are built once at validation (parameters checked, empirical files loaded) and sampled on the
//! hot path without allocation.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::engine::SimDuration;
use crate::units::{DurationVisitor, RawDuration, parse_duration};

/// A distribution as written in the file: a duration string (shorthand for `constant`) or a
/// table tagged by `dist`.
#[derive(Clone, Debug)]
pub enum RawDist {
    Constant(SimDuration),
    Table(DistTable),
}

/// The kind of a distribution; each takes exactly its own keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DistKind {
    /// Always `value`.
    Constant,
    /// Exponential with mean `mean` (a mean of "0s" gives always 0).
    Exponential,
    /// Uniform on [`low`, `high`].
    Uniform,
    /// Normal with `mean` and `std`, redrawn until non-negative.
    Normal,
    /// exp(N(ln `median`, `sigma`²)); mean = median x exp(sigma² / 2).
    Lognormal,
    /// A value of the file at `path`, drawn uniformly.
    Empirical,
}

/// A distribution table: `dist` names the kind, and the table takes exactly that kind's keys
/// (a missing key or a key of another kind is an error).
// A flat struct rather than a tagged enum, so that a bad value is reported at its own key
// path (`workload[0].duration.mean`), not at the table's.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistTable {
    /// Required. The kind: "constant", "exponential", "uniform", "normal", "lognormal" or
    /// "empirical".
    pub dist: Option<DistKind>,
    /// Required for constant: the constant duration.
    pub value: Option<RawDuration>,
    /// Required for exponential and normal: the mean (of the normal before truncation).
    pub mean: Option<RawDuration>,
    /// Required for uniform: the lower end.
    pub low: Option<RawDuration>,
    /// Required for uniform: the upper end, at least `low`.
    pub high: Option<RawDuration>,
    /// Required for normal: the standard deviation.
    pub std: Option<RawDuration>,
    /// Required for lognormal: the median (exp of the underlying normal's mean), above "0s".
    pub median: Option<RawDuration>,
    /// Required for lognormal: standard deviation of the underlying normal, dimensionless,
    /// 0..=10.
    #[schemars(range(min = 0, max = 10))]
    pub sigma: Option<f64>,
    /// Required for empirical: a file relative to the scenario's folder, with one duration
    /// with a unit per line (`#` starts a comment) or a CSV with a `duration_ms` column
    /// (milliseconds); at least one value.
    pub path: Option<String>,
}

impl JsonSchema for RawDist {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A random duration: a duration string (always that value) or a table \
                            with `dist` = constant (`value`), exponential (`mean`), uniform \
                            (`low`, `high`), normal (`mean`, `std`), lognormal (`median`, \
                            `sigma`) or empirical (`path`).",
            "anyOf": [
                generator.subschema_for::<RawDuration>(),
                generator.subschema_for::<DistTable>(),
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration string (e.g. \"300ms\") or a table with `dist` = constant, \
                     exponential, uniform, normal, lognormal or empirical",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
                parse_duration(v).map(RawDist::Constant).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
                DurationVisitor.visit_i64(v).map(RawDist::Constant)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
                DurationVisitor.visit_u64(v).map(RawDist::Constant)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
                DurationVisitor.visit_f64(v).map(RawDist::Constant)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                DistTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawDist::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// A validated distribution of durations.
#[derive(Clone, Debug)]
pub enum Dist {
    Constant(SimDuration),
    /// In nanoseconds.
    Exponential(Exp<f64>),
    /// `[low, low + span]` in nanoseconds.
    Uniform {
        low: f64,
        span: f64,
    },
    /// In nanoseconds; redrawn until non-negative.
    Normal(Normal<f64>),
    /// In nanoseconds.
    LogNormal(LogNormal<f64>),
    Empirical(Arc<[SimDuration]>),
}

impl Dist {
    /// Checks parameters and loads empirical files (relative to `base_dir`). The error is the
    /// reason only; the caller adds the file and key path.
    pub fn from_raw(raw: &RawDist, base_dir: &Path) -> Result<Dist, String> {
        let t = match raw {
            RawDist::Constant(d) => return Ok(Dist::Constant(*d)),
            RawDist::Table(t) => t,
        };
        let kind = t.dist.ok_or(
            "the table needs `dist` = \"constant\", \"exponential\", \"uniform\", \"normal\", \"lognormal\" or \"empirical\"",
        )?;
        let (name, keys): (&str, &[&str]) = match kind {
            DistKind::Constant => ("constant", &["value"]),
            DistKind::Exponential => ("exponential", &["mean"]),
            DistKind::Uniform => ("uniform", &["low", "high"]),
            DistKind::Normal => ("normal", &["mean", "std"]),
            DistKind::Lognormal => ("lognormal", &["median", "sigma"]),
            DistKind::Empirical => ("empirical", &["path"]),
        };
        let present = [
            ("value", t.value.is_some()),
            ("mean", t.mean.is_some()),
            ("low", t.low.is_some()),
            ("high", t.high.is_some()),
            ("std", t.std.is_some()),
            ("median", t.median.is_some()),
            ("sigma", t.sigma.is_some()),
            ("path", t.path.is_some()),
        ];
        for (key, is_there) in present {
            if is_there != keys.contains(&key) {
                let verb = if is_there { "does not take" } else { "needs" };
                return Err(format!(
                    "dist = \"{name}\" {verb} `{key}` (it takes {})",
                    keys.join(", ")
                ));
            }
        }
        let ns = |d: Option<RawDuration>| d.map(|d| d.0.0 as f64).unwrap_or(0.0);
        Ok(match kind {
            DistKind::Constant => Dist::Constant(t.value.map(|v| v.0).unwrap_or_default()),
            DistKind::Exponential if ns(t.mean) == 0.0 => Dist::Constant(SimDuration::ZERO),
            DistKind::Exponential => {
                Dist::Exponential(Exp::new(1.0 / ns(t.mean)).map_err(|e| format!("bad mean: {e}"))?)
            }
            DistKind::Uniform => {
                let (low, high) = (ns(t.low), ns(t.high));
                if high < low {
                    return Err(format!(
                        "high ({}) is below low ({})",
                        SimDuration(high as u64),
                        SimDuration(low as u64)
                    ));
                }
                Dist::Uniform { low, span: high - low }
            }
            DistKind::Normal => Dist::Normal(
                Normal::new(ns(t.mean), ns(t.std)).map_err(|e| format!("bad std: {e}"))?,
            ),
            DistKind::Lognormal => {
                let sigma = t.sigma.unwrap_or(0.0);
                if ns(t.median) <= 0.0 {
                    return Err("median must be above zero".into());
                }
                if !sigma.is_finite() || !(0.0..=10.0).contains(&sigma) {
                    return Err(format!("sigma = {sigma} is outside 0..=10"));
                }
                Dist::LogNormal(
                    LogNormal::new(ns(t.median).ln(), sigma)
                        .map_err(|e| format!("bad sigma: {e}"))?,
                )
            }
            DistKind::Empirical => {
                let path = t.path.as_deref().unwrap_or_default();
                Dist::Empirical(load_empirical(&base_dir.join(path))?.into())
            }
        })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match self {
            Dist::Constant(d) => *d,
            Dist::Exponential(e) => SimDuration::from_secs_f64(e.sample(rng) * 1e-9),
            Dist::Uniform { low, span } => {
                let u: f64 = rand::RngExt::random(rng);
                SimDuration::from_secs_f64((low + span * u) * 1e-9)
            }
            Dist::Normal(n) => loop {
                let x = n.sample(rng);
                if x >= 0.0 {
                    break SimDuration::from_secs_f64(x * 1e-9);
                }
            },
            Dist::LogNormal(l) => SimDuration::from_secs_f64(l.sample(rng) * 1e-9),
            Dist::Empirical(values) => {
                let i = rand::RngExt::random_range(rng, 0..values.len());
                values[i]
            }
        }
    }

    pub fn is_constant(&self) -> bool {
        matches!(self, Dist::Constant(_))
    }
}

/// Reads an empirical file: either one duration with a unit per line (`#` starts a comment),
/// or a CSV whose header has a `duration_ms` column (numbers in milliseconds).
pub fn load_empirical(path: &Path) -> Result<Vec<SimDuration>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read empirical file {shown}: {e}"))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    });
    let mut values = Vec::new();
    let Some((first_no, first)) = lines.next() else {
        return Err(format!("empirical file {shown} has no values"));
    };
    let header: Vec<&str> = first.split(',').map(str::trim).collect();
    if let Some(col) = header.iter().position(|h| *h == "duration_ms") {
        for (no, line) in lines {
            let cell = line.split(',').nth(col).map(str::trim).unwrap_or("");
            let ms: f64 = cell.parse().map_err(|_| {
                format!(
                    "{shown}:{}: duration_ms = \"{cell}\" is not a number of milliseconds",
                    no + 1
                )
            })?;
            if !ms.is_finite() || ms < 0.0 {
                return Err(format!("{shown}:{}: duration_ms = {ms} must be non-negative", no + 1));
            }
            values.push(SimDuration::from_secs_f64(ms / 1e3));
        }
    } else if header.len() > 1 {
        return Err(format!(
            "{shown}:{}: a CSV empirical file needs a `duration_ms` column; found {:?}",
            first_no + 1,
            header
        ));
    } else {
        for (no, line) in std::iter::once((first_no, first)).chain(lines) {
            values.push(parse_duration(line).map_err(|e| format!("{shown}:{}: {e}", no + 1))?);
        }
    }
    if values.is_empty() {
        return Err(format!("empirical file {shown} has no values"));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng).as_secs_f64()).sum::<f64>() / n as f64
    }

    fn table(t: DistTable) -> Dist {
        Dist::from_raw(&RawDist::Table(t), Path::new(".")).unwrap()
    }
    fn dur(ms: u64) -> Option<RawDuration> {
        Some(RawDuration(SimDuration::from_millis(ms)))
    }
    fn of(kind: DistKind) -> DistTable {
        DistTable { dist: Some(kind), ..DistTable::default() }
    }

    #[test]
    fn sample_means_match_the_parameters() {
        let exp = table(DistTable { mean: dur(2000), ..of(DistKind::Exponential) });
        assert!((mean_of(&exp, 200_000) - 2.0).abs() < 0.03);
        let uni = table(DistTable { low: dur(100), high: dur(300), ..of(DistKind::Uniform) });
        assert!((mean_of(&uni, 200_000) - 0.2).abs() < 0.002);
        // lognormal mean = median * exp(sigma^2 / 2)
        let ln = table(DistTable { median: dur(100), sigma: Some(0.5), ..of(DistKind::Lognormal) });
        assert!((mean_of(&ln, 400_000) - 0.1 * (0.125f64).exp()).abs() < 0.002);
    }

    #[test]
    fn normal_is_never_negative() {
        let n = table(DistTable { mean: dur(10), std: dur(50), ..of(DistKind::Normal) });
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        for _ in 0..10_000 {
            let _ = n.sample(&mut rng); // SimDuration is unsigned; the loop must terminate
        }
        // the truncated normal's mean is above the untruncated one
        assert!(mean_of(&n, 100_000) > 0.03);
    }

    #[test]
    fn refuses_inverted_uniform_and_bad_sigma() {
        let err = |t| Dist::from_raw(&RawDist::Table(t), Path::new(".")).unwrap_err();
        assert!(
            err(DistTable { low: dur(5), high: dur(1), ..of(DistKind::Uniform) })
                .contains("below low")
        );
        assert!(
            err(DistTable { median: dur(5), sigma: Some(-1.0), ..of(DistKind::Lognormal) })
                .contains("sigma")
        );
        // keys that do not belong to the kind, or missing ones, are named
        let e = err(DistTable { mean: dur(5), sigma: Some(1.0), ..of(DistKind::Exponential) });
        assert!(e.contains("does not take `sigma`"), "{e}");
        let e = err(DistTable { low: dur(5), ..of(DistKind::Uniform) });
        assert!(e.contains("needs `high`"), "{e}");
        assert!(err(DistTable::default()).contains("needs `dist`"));
    }

    #[test]
    fn empirical_reads_both_formats_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("d.txt");
        std::fs::write(&plain, "# run times\n100ms\n\n300ms\n").unwrap();
        let v = load_empirical(&plain).unwrap();
        assert_eq!(v, vec![SimDuration::from_millis(100), SimDuration::from_millis(300)]);
        let csv = dir.path().join("d.csv");
        std::fs::write(&csv, "id,duration_ms\n1,2.5\n2,7\n").unwrap();
        let v = load_empirical(&csv).unwrap();
        assert_eq!(v, vec![SimDuration(2_500_000), SimDuration::from_millis(7)]);
        std::fs::write(&csv, "id,duration_ms\n1,abc\n").unwrap();
        let err = load_empirical(&csv).unwrap_err();
        assert!(err.contains("d.csv:2") && err.contains("abc"), "{err}");
    }
}

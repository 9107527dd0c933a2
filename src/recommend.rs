//! `slsim recommend`: the cheapest point of a finished sweep that meets every objective of
//! `[slo]`, the runner-up, and why each other point fails.
//!
//! "Cheapest" is by the mean of `cost_usd.total` over replications (ties: the lower point
//! number). Whether a point meets an objective is judged by the mean of the figure, or, on the
//! conservative basis (`--conservative`), by the upper end of its 95% confidence interval
//! (mean + half-width): a point passes only if the objective holds with that confidence.

use std::path::Path;

use anyhow::Context;
use serde_json::{Value as Json, json};

use crate::slo::{Check, Components, Slo};
use crate::sweep::table::SweepTable;

/// One point judged against the objectives.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The point's number in the sweep.
    pub point: usize,
    /// The swept values, `{ key path: value }`.
    pub parameters: Json,
    /// `memory_size=1024, rate=5`: the swept values for people (the last two segments of each
    /// key path).
    pub label: String,
    /// Mean and 95% CI half-width of `cost_usd.total`.
    pub cost: Option<(f64, f64)>,
    pub checks: Vec<Check>,
}

impl Verdict {
    pub fn passes(&self) -> bool {
        self.checks.iter().all(Check::pass)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.pass())
    }

    /// `point 3 (memory_size=1024)`.
    pub fn name(&self) -> String {
        if self.label.is_empty() {
            format!("point {}", self.point)
        } else {
            format!("point {} ({})", self.point, self.label)
        }
    }

    fn cost_text(&self) -> String {
        match self.cost {
            Some((m, c)) if c > 0.0 => format!("${m:.4} ± {c:.4}"),
            Some((m, _)) => format!("${m:.4}"),
            None => "no cost".into(),
        }
    }

    fn to_json(&self, with_checks: bool) -> Json {
        let mut v = json!({
            "point": self.point,
            "parameters": self.parameters,
            "cost_usd": self.cost.map(|c| c.0),
            "cost_usd_ci95": self.cost.map(|c| c.1),
        });
        let checks: Vec<Json> = if with_checks {
            self.checks.iter().map(Check::to_json).collect()
        } else {
            self.failures().map(Check::to_json).collect()
        };
        v[if with_checks { "checks" } else { "failures" }] = Json::Array(checks);
        v
    }
}

/// The outcome: every point judged, the passing ones ranked by cost.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub scenario: String,
    pub slo: Slo,
    pub conservative: bool,
    /// In point order.
    pub verdicts: Vec<Verdict>,
    /// Indexes into `verdicts` of the passing points, cheapest first.
    pub ranked: Vec<usize>,
}

/// The nearest miss of one objective for one component, when no point meets every objective.
#[derive(Debug, Clone)]
pub struct Closest<'a> {
    pub check: &'a Check,
    pub verdict: &'a Verdict,
}

/// Short names of the swept keys: their last two segments (`resize.memory_size`).
pub fn short_key(key: &str) -> String {
    let segs: Vec<&str> = key.rsplit('.').take(2).collect();
    segs.into_iter().rev().collect::<Vec<_>>().join(".")
}

fn value_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Recommendation {
    /// Judges every row of `table` (whose summaries' components are `components`, one per row,
    /// and whose point numbers are `numbers`).
    pub fn new(
        scenario: &str,
        table: &SweepTable,
        numbers: &[usize],
        components: &[Components],
        slo: &Slo,
        conservative: bool,
    ) -> Recommendation {
        let cost = table.figure("cost_usd.total");
        let verdicts: Vec<Verdict> = (0..table.rows.len())
            .map(|r| {
                let figure = |name: &str| table.figure(name).and_then(|f| table.value(r, f));
                let empty = Components::default();
                let comps = components.get(r).unwrap_or(&empty);
                let row = &table.rows[r];
                let mut parameters = serde_json::Map::new();
                let mut label = Vec::new();
                for (k, v) in table.keys.iter().zip(&row.values) {
                    parameters.insert(k.clone(), v.clone());
                    label.push(format!("{}={}", short_key(k), value_text(v)));
                }
                Verdict {
                    point: numbers.get(r).copied().unwrap_or(r),
                    parameters: Json::Object(parameters),
                    label: label.join(", "),
                    cost: cost.and_then(|f| table.value(r, f)),
                    checks: slo.evaluate(comps, &figure, conservative),
                }
            })
            .collect();
        let mut ranked: Vec<usize> =
            (0..verdicts.len()).filter(|&i| verdicts[i].passes()).collect();
        ranked.sort_by(|&a, &b| {
            let c = |i: usize| verdicts[i].cost.map_or(f64::INFINITY, |c| c.0);
            c(a).total_cmp(&c(b)).then(verdicts[a].point.cmp(&verdicts[b].point))
        });
        Recommendation {
            scenario: scenario.to_string(),
            slo: slo.clone(),
            conservative,
            verdicts,
            ranked,
        }
    }

    /// The cheapest passing point.
    pub fn best(&self) -> Option<&Verdict> {
        self.ranked.first().map(|&i| &self.verdicts[i])
    }

    /// The second cheapest passing point.
    pub fn runner_up(&self) -> Option<&Verdict> {
        self.ranked.get(1).map(|&i| &self.verdicts[i])
    }

    /// Points that fail, in point order.
    pub fn failing(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().filter(|v| !v.passes())
    }

    pub fn basis(&self) -> &'static str {
        if self.conservative { "conservative" } else { "mean" }
    }

    /// For each objective and component (in check order), the point whose figure comes
    /// closest to (or furthest under) the limit: the smallest value.
    pub fn closest(&self) -> Vec<Closest<'_>> {
        let mut out: Vec<Closest> = Vec::new();
        for v in &self.verdicts {
            for c in &v.checks {
                let Some(value) = c.value else { continue };
                match out
                    .iter_mut()
                    .find(|o| o.check.key == c.key && o.check.component == c.component)
                {
                    Some(o) => {
                        if o.check.value.is_none_or(|best| value < best) {
                            *o = Closest { check: c, verdict: v };
                        }
                    }
                    None => out.push(Closest { check: c, verdict: v }),
                }
            }
        }
        out
    }

    /// `recommendation.json`.
    pub fn to_json(&self) -> Json {
        let closest: Vec<Json> = if self.best().is_none() {
            self.closest()
                .iter()
                .map(|c| {
                    json!({
                        "slo": c.check.key.as_str(),
                        "component": c.check.component,
                        "limit": c.check.limit,
                        "point": c.verdict.point,
                        "parameters": c.verdict.parameters,
                        "value": c.check.value,
                        "pass": c.check.pass(),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        json!({
            "scenario": self.scenario,
            "basis": self.basis(),
            "slo": self.slo.to_json(),
            "points": self.verdicts.len(),
            "recommended": self.best().map(|v| v.to_json(true)),
            "runner_up": self.runner_up().map(|v| v.to_json(true)),
            "passing": self.ranked.iter().map(|&i| {
                let v = &self.verdicts[i];
                json!({ "point": v.point, "parameters": v.parameters, "cost_usd": v.cost.map(|c| c.0) })
            }).collect::<Vec<_>>(),
            "failing": self.failing().map(|v| v.to_json(false)).collect::<Vec<_>>(),
            "closest": closest,
        })
    }

    /// The failing points for people: one line per point, or, beyond `per_point` of them, one
    /// line per group of points failing the same objectives (with the range of their values).
    pub fn failure_lines(&self, per_point: usize) -> Vec<String> {
        let failing: Vec<&Verdict> = self.failing().collect();
        if failing.len() <= per_point {
            return failing
                .iter()
                .map(|v| {
                    let why: Vec<String> =
                        v.failures().map(|c| format!("{} {}", c.what(), c.verdict())).collect();
                    format!("{} [{}]: {}", v.name(), v.cost_text(), why.join("; "))
                })
                .collect();
        }
        // group by the objectives failed, in order of first appearance
        let mut groups: Vec<(Vec<String>, Vec<&Verdict>)> = Vec::new();
        for v in failing {
            let whats: Vec<String> = v.failures().map(Check::what).collect();
            match groups.iter_mut().find(|g| g.0 == whats) {
                Some(g) => g.1.push(v),
                None => groups.push((whats, vec![v])),
            }
        }
        groups
            .iter()
            .map(|(whats, vs)| {
                let why: Vec<String> = whats
                    .iter()
                    .enumerate()
                    .map(|(i, what)| {
                        let checks: Vec<&Check> =
                            vs.iter().filter_map(|v| v.failures().nth(i)).collect();
                        let key = checks[0].key;
                        let values: Vec<f64> = checks.iter().filter_map(|c| c.value).collect();
                        let range = match (
                            values.iter().copied().reduce(f64::min),
                            values.iter().copied().reduce(f64::max),
                        ) {
                            (Some(lo), Some(hi)) if lo < hi => {
                                format!("{} .. {}", key.format(lo), key.format(hi))
                            }
                            (Some(lo), _) => key.format(lo),
                            _ => "no such component".into(),
                        };
                        format!("{what} {range} > {}", key.format(checks[0].limit))
                    })
                    .collect();
                let mut points: Vec<String> =
                    vs.iter().take(8).map(|v| v.point.to_string()).collect();
                if vs.len() > 8 {
                    points.push(format!("... ({} in all)", vs.len()));
                }
                format!(
                    "{} point{} fail{} {}: points {}",
                    vs.len(),
                    if vs.len() == 1 { "" } else { "s" },
                    if vs.len() == 1 { "s" } else { "" },
                    why.join("; "),
                    points.join(", ")
                )
            })
            .collect()
    }

    /// What `slsim recommend` prints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let basis = if self.conservative {
            "judged by mean + 95% CI half-width (conservative)"
        } else {
            "judged by the mean over replications"
        };
        out.push_str(&format!("SLOs: {} ({basis})\n", self.slo.describe()));
        match self.best() {
            Some(best) => {
                out.push_str(&format!("recommended: {}: {}\n", best.name(), best.cost_text()));
                match self.runner_up() {
                    Some(r) => {
                        out.push_str(&format!("runner-up:   {}: {}\n", r.name(), r.cost_text()))
                    }
                    None => out.push_str("runner-up:   none (no other point meets every SLO)\n"),
                }
                if self.ranked.len() > 2 {
                    let rest: Vec<String> = self.ranked[2..]
                        .iter()
                        .map(|&i| self.verdicts[i].point.to_string())
                        .collect();
                    out.push_str(&format!(
                        "also meeting them, dearer: point{} {}\n",
                        if rest.len() == 1 { "" } else { "s" },
                        rest.join(", ")
                    ));
                }
            }
            None => {
                out.push_str(&format!(
                    "no point meets every SLO ({} point{} checked)\nclosest per SLO:\n",
                    self.verdicts.len(),
                    if self.verdicts.len() == 1 { "" } else { "s" }
                ));
                for c in self.closest() {
                    out.push_str(&format!(
                        "  {}: {} at {}\n",
                        c.check.what(),
                        c.check.verdict(),
                        c.verdict.name()
                    ));
                }
            }
        }
        let lines = self.failure_lines(12);
        if !lines.is_empty() {
            out.push_str("failing:\n");
            for l in lines {
                out.push_str(&format!("  {l}\n"));
            }
        }
        out
    }
}

/// Judges the finished sweep in `dir`.
pub fn from_dir(dir: &Path, slo: &Slo, conservative: bool) -> anyhow::Result<Recommendation> {
    let manifest = crate::sweep::read_manifest(dir)?;
    Ok(from_manifest(dir, &manifest, slo, conservative)?.0)
}

/// Judges the points of `manifest` in `dir`; also returns the table it built.
pub fn from_manifest(
    dir: &Path,
    manifest: &Json,
    slo: &Slo,
    conservative: bool,
) -> anyhow::Result<(Recommendation, SweepTable)> {
    let points = crate::sweep::load_points(dir, manifest)?;
    let table = crate::sweep::table_of(manifest, &points);
    let numbers = crate::sweep::point_numbers(manifest);
    let components: Vec<Components> = points.iter().map(|p| Components::of_summary(&p.1)).collect();
    let scenario = manifest["scenario"].as_str().unwrap_or_default();
    Ok((Recommendation::new(scenario, &table, &numbers, &components, slo, conservative), table))
}

/// Writes `recommendation.json` into `dir` (atomically).
pub fn write(dir: &Path, rec: &Recommendation) -> anyhow::Result<std::path::PathBuf> {
    let path = dir.join("recommendation.json");
    crate::files::write_json(&path, &rec.to_json())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Reads the scenario and its `[slo]`, with `--slo KEY=VALUE` flags adding to or replacing its
/// keys (`--slo p99_ms=none` drops a limit; `--slo components=function:a,service:b`).
/// Errors name the file, the key (or the flag), the value and what is allowed; no objective at
/// all is an error too.
pub fn load_slo(
    file: &Path,
    flags: &[String],
) -> Result<(crate::config::Scenario, Slo), crate::config::ConfigError> {
    use crate::config::{self, ConfigError};
    use toml::Value;
    let mut table = config::load_table(file, &[])?;
    let mut flagged: Vec<String> = Vec::new();
    for arg in flags {
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(ConfigError::one(
                file,
                "--slo",
                format!(
                    "\"{arg}\" is not KEY=VALUE (e.g. --slo p99_ms=300); keys: {}",
                    crate::slo::allowed_keys()
                ),
            ));
        };
        let (key, raw) = (key.trim(), raw.trim());
        let at = format!("--slo {key}");
        let value = if key == "components" {
            let items: Vec<Value> = raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect();
            Some(Value::Array(items))
        } else if crate::slo::SloKey::parse(key).is_some() {
            if matches!(raw, "none" | "off") {
                None
            } else {
                let v: f64 = raw.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                    ConfigError::one(
                        file,
                        &at,
                        format!("\"{raw}\" is not a number (or none to drop the limit)"),
                    )
                })?;
                Some(Value::Float(v))
            }
        } else {
            return Err(ConfigError::one(
                file,
                &at,
                format!("\"{key}\" is not an SLO key; use one of {}", crate::slo::allowed_keys()),
            ));
        };
        let slo = table.entry("slo").or_insert_with(|| Value::Table(toml::Table::new()));
        let Value::Table(slo) = slo else {
            return Err(ConfigError::one(file, "slo", "is not a table; write it as [slo]"));
        };
        match value {
            Some(v) => slo.insert(key.to_string(), v),
            None => slo.remove(key),
        };
        flagged.push(key.to_string());
    }
    let scenario = config::from_table(file, table, &[], "--slo").map_err(|mut e| {
        // a problem with a value given by a flag names the flag
        for p in &mut e.problems {
            if let Some(rest) = p.key.strip_prefix("slo.") {
                let head = rest.split(['[', '.']).next().unwrap_or(rest);
                if flagged.iter().any(|f| f == head) {
                    p.key = format!("--slo {rest}");
                }
            }
        }
        e
    })?;
    let Some(slo) = scenario.slo.clone() else {
        return Err(ConfigError::one(
            file,
            "slo",
            "the scenario has no [slo] section and no --slo was given: nothing to meet; add e.g. \
             [slo] with p99_ms = 300, or pass --slo p99_ms=300",
        ));
    };
    Ok((scenario, slo))
}

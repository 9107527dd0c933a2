//! `slsim recommend`: the point of a finished sweep that meets every objective of `[slo]` and
//! is best by a strategy, the runner-up, and why each other point fails.
//!
//! Whether a point meets an objective is judged by the mean of the figure over replications,
//! or, on the conservative basis (`--conservative`), by the upper end of its 95% confidence
//! interval (mean + half-width): a point passes only if the objective holds with that
//! confidence. Among the passing points, by [`Strategy`]:
//!
//! - `cost` (the default): the cheapest by mean `cost_usd.total`, with the tie rule: a point
//!   whose cost exceeds the cheapest passing point's by no more than 0.5% of that cost, or by
//!   no more than the 95% confidence half-width of the paired difference of their costs
//!   (replication by replication, whichever is larger: [`tie_margin`]), is tied with it, and
//!   the tie goes to the better latency objective, then to the smaller swept values (less
//!   memory), then the lower point number. Noise never decides.
//! - `speed`: the lowest latency objective (then cost, smaller values, point number).
//! - `balanced` with a weight `w` in 0..=1: the lowest `w * cost' + (1 - w) * latency'`, where
//!   `x' = (x - min) / (max - min)` over the passing points (0 when they are all equal).
//!
//! The latency objective is the first latency limit of `[slo]` (`p95_ms` judges p95), taken
//! as the worst over the components it checks; with no latency limit, the worst p99.

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
    /// The latency objective (ms): the worst over the components of the SLO's first latency
    /// limit (on the basis judged), or the worst p99 when `[slo]` sets no latency limit.
    pub latency: Option<f64>,
    pub checks: Vec<Check>,
    /// `(seed, cost_usd.total)` of each replication (empty with one replication), to compare
    /// costs paired.
    pub replications: Vec<(u64, f64)>,
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

    /// What the point misses, for tables: `p95 3,412 ms > 3,000 ms; throttle_ratio 0.2% >
    /// 0.1%` (the component named when the SLO checks several).
    pub fn misses(&self) -> String {
        let several = self.checks.iter().filter(|c| c.key == self.checks[0].key).count() > 1;
        self.failures()
            .map(|c| {
                let name = c.key.as_str();
                let name = name.strip_suffix("_ms").unwrap_or(name);
                let of = match (&c.component, several) {
                    (Some(comp), true) => format!(" of {comp}"),
                    _ => String::new(),
                };
                match c.value {
                    Some(v) => format!(
                        "{name}{of} {} > {}",
                        short_value(c.key, v),
                        short_value(c.key, c.limit)
                    ),
                    None => format!("{name}{of}: no such component"),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
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
            "latency_ms": self.latency,
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

/// A value for tables: latencies in whole milliseconds with thousands separators
/// (`3,412 ms`), ratios and costs as [`SloKey::format`] writes them.
fn short_value(key: crate::slo::SloKey, v: f64) -> String {
    if key.as_str().ends_with("_ms") && v.is_finite() && v.abs() < 1e15 {
        let digits = format!("{:.0}", v.abs());
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        format!("{}{out} ms", if v < 0.0 { "-" } else { "" })
    } else {
        key.format(v)
    }
}

/// How the passing points are ranked (see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// Cheapest, ties (within [`tie_margin`]) to the better latency objective.
    Cost,
    /// Lowest latency objective.
    Speed,
    /// Lowest `w * normalised cost + (1 - w) * normalised latency`, `w` in 0..=1.
    Balanced(f64),
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Cost => "cost",
            Strategy::Speed => "speed",
            Strategy::Balanced(_) => "balanced",
        }
    }
}

/// The share of the cheapest passing cost within which another point is tied with it.
pub const TIE_SHARE: f64 = 0.005;

/// How much dearer than the cheapest passing point (mean cost `cheapest`) a point may be and
/// still be tied with it: [`TIE_SHARE`] of the cheapest cost, or `paired` (the 95% half-width
/// of the paired cost difference, [`paired_half_width`]) when that is larger.
pub fn tie_margin(cheapest: f64, paired: Option<f64>) -> f64 {
    let share = TIE_SHARE * cheapest.abs();
    paired.filter(|h| h.is_finite()).map_or(share, |h| h.max(share))
}

/// The 95% Student-t half-width of the mean difference of two points' costs, replication by
/// replication: points of a sweep run replication `k` with the same seed (common random
/// numbers), so the difference of their costs is far less noisy than either cost. `None`
/// unless both points have the same seeds in the same order, at least two of them.
pub fn paired_half_width(a: &[(u64, f64)], b: &[(u64, f64)]) -> Option<f64> {
    if a.len() < 2 || a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.0 != y.0) {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x.1 - y.1).collect();
    Some(crate::summary::mean_ci95(&d).1)
}

/// The outcome: every point judged, the passing ones ranked by the strategy.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub scenario: String,
    pub slo: Slo,
    pub conservative: bool,
    pub strategy: Strategy,
    /// The latency objective ranked by: `p95_ms` (an SLO key), or `p99` when `[slo]` has no
    /// latency limit.
    pub latency_objective: String,
    /// In point order.
    pub verdicts: Vec<Verdict>,
    /// Indexes into `verdicts` of the passing points, best first.
    pub ranked: Vec<usize>,
    /// Index into `verdicts` of the cheapest passing point.
    pub cheapest: Option<usize>,
    /// Indexes of the passing points tied with the cheapest by cost ([`tie_margin`]), best
    /// first (the cheapest among them); empty when no point passes.
    pub tie_set: Vec<usize>,
    /// Whether any point's tie was judged on its paired interval (wider than the 0.5%).
    pub paired_ties: bool,
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
        let latency_key = slo.limits.iter().map(|l| l.0).find(|k| k.latency().is_some());
        let worst_p99 = |r: usize| -> Option<f64> {
            ["functions", "apis", "services"]
                .iter()
                .flat_map(|b| table.components(b, "latency_ms.p99"))
                .filter_map(|(_, f)| table.value(r, f).map(|v| v.0))
                .reduce(f64::max)
        };
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
                let checks = slo.evaluate(comps, &figure, conservative);
                let latency = match latency_key {
                    Some(k) => checks
                        .iter()
                        .filter(|c| c.key == k)
                        .filter_map(|c| c.value)
                        .reduce(f64::max),
                    None => worst_p99(r),
                };
                Verdict {
                    point: numbers.get(r).copied().unwrap_or(r),
                    parameters: Json::Object(parameters),
                    label: label.join(", "),
                    cost: cost.and_then(|f| table.value(r, f)),
                    latency,
                    checks,
                    replications: row.replications.clone(),
                }
            })
            .collect();
        let mut rec = Recommendation {
            scenario: scenario.to_string(),
            slo: slo.clone(),
            conservative,
            strategy: Strategy::Cost,
            latency_objective: latency_key.map_or("p99".into(), |k| k.as_str().to_string()),
            verdicts,
            ranked: Vec::new(),
            cheapest: None,
            tie_set: Vec::new(),
            paired_ties: false,
        };
        rec.rank();
        rec
    }

    /// The same verdicts ranked by `strategy`.
    pub fn with_strategy(mut self, strategy: Strategy) -> Recommendation {
        self.strategy = strategy;
        self.rank();
        self
    }

    /// Fills `ranked`, `cheapest` and `tie_set` from the verdicts and the strategy.
    fn rank(&mut self) {
        let v = &self.verdicts;
        let cost = |i: usize| v[i].cost.map_or(f64::INFINITY, |c| c.0);
        let latency = |i: usize| v[i].latency.unwrap_or(f64::INFINITY);
        // the smaller swept values first (less memory), numbers compared as numbers
        let resource = |a: usize, b: usize| {
            let (pa, pb) = (&v[a].parameters, &v[b].parameters);
            let values = |p: &Json| -> Vec<f64> {
                p.as_object()
                    .map(|m| m.values().map(|x| x.as_f64().unwrap_or(0.0)).collect())
                    .unwrap_or_default()
            };
            let (va, vb) = (values(pa), values(pb));
            va.iter()
                .zip(&vb)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(v[a].point.cmp(&v[b].point))
        };
        let passing: Vec<usize> = (0..v.len()).filter(|&i| v[i].passes()).collect();
        let by_cost = |a: &usize, b: &usize| cost(*a).total_cmp(&cost(*b)).then(resource(*a, *b));
        let cheapest = passing.iter().copied().min_by(by_cost);
        let paired = |i: usize, c: usize| paired_half_width(&v[i].replications, &v[c].replications);
        let tied = |i: usize| match (cheapest, v[i].cost) {
            (Some(c), Some((m, h))) => {
                let (m0, _) = v[c].cost.unwrap_or((m, h));
                m - m0 <= tie_margin(m0, paired(i, c))
            }
            (Some(c), None) => i == c,
            (None, _) => false,
        };
        let by_latency =
            |a: &usize, b: &usize| latency(*a).total_cmp(&latency(*b)).then(resource(*a, *b));
        let mut tie_set: Vec<usize> = passing.iter().copied().filter(|&i| tied(i)).collect();
        tie_set.sort_by(by_latency);
        let mut ranked = passing.clone();
        match self.strategy {
            Strategy::Cost => {
                let mut rest: Vec<usize> =
                    passing.iter().copied().filter(|i| !tie_set.contains(i)).collect();
                rest.sort_by(by_cost);
                ranked = tie_set.iter().copied().chain(rest).collect();
            }
            Strategy::Speed => {
                ranked.sort_by(|a, b| latency(*a).total_cmp(&latency(*b)).then(by_cost(a, b)))
            }
            Strategy::Balanced(w) => {
                let norm = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
                    let vals: Vec<f64> = passing.iter().map(|&i| f(i)).collect();
                    let finite = vals.iter().copied().filter(|x| x.is_finite());
                    let lo = finite.clone().fold(f64::INFINITY, f64::min);
                    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
                    vals.iter()
                        .map(|&x| match x.is_finite() {
                            false => 1.0,
                            true if hi > lo => (x - lo) / (hi - lo),
                            true => 0.0,
                        })
                        .collect()
                };
                let (nc, nl) = (norm(&cost), norm(&latency));
                let score = |i: usize| {
                    let k = passing.iter().position(|&p| p == i).unwrap_or(0);
                    w * nc[k] + (1.0 - w) * nl[k]
                };
                ranked.sort_by(|a, b| score(*a).total_cmp(&score(*b)).then(by_cost(a, b)));
            }
        }
        self.paired_ties = cheapest.is_some_and(|c| {
            tie_set.iter().any(|&i| {
                let d = cost(i) - cost(c);
                d > tie_margin(cost(c), None)
            })
        });
        self.ranked = ranked;
        self.cheapest = cheapest;
        self.tie_set = tie_set;
    }

    /// The tie set and the cost margin within which points tie with the cheapest (USD), per
    /// [`tie_margin`]; `None` without a passing point.
    pub fn tie_text(&self) -> Option<String> {
        let c = self.cheapest?;
        let (m0, _) = self.verdicts[c].cost?;
        let names: Vec<String> = self
            .tie_set
            .iter()
            .map(|&i| {
                let v = &self.verdicts[i];
                let lat = v.latency.map_or("-".into(), |l| format!("{l:.1} ms"));
                format!("{} {} {lat}", v.name(), v.cost_text())
            })
            .collect();
        let within = if self.paired_ties {
            "within 0.5% of it or the 95% CI of the paired difference"
        } else {
            "within 0.5% of it"
        };
        Some(format!(
            "tied with the cheapest passing point (${m0:.4}; {within}), by {}: {}",
            self.latency_objective,
            names.join(", ")
        ))
    }

    /// The recommended point: the first passing point by the strategy.
    pub fn best(&self) -> Option<&Verdict> {
        self.ranked.first().map(|&i| &self.verdicts[i])
    }

    /// The second passing point by the strategy.
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
        let brief = |i: &usize| {
            let v = &self.verdicts[*i];
            json!({ "point": v.point, "parameters": v.parameters,
                    "cost_usd": v.cost.map(|c| c.0), "latency_ms": v.latency })
        };
        // the tie set with each point's margin: the cost difference from the cheapest and the
        // 95% half-width of that difference, paired (null when the points cannot be paired)
        let tie = |i: &usize| {
            let mut b = brief(i);
            if let (Some(c), Json::Object(m)) = (self.cheapest, &mut b) {
                let (v, v0) = (&self.verdicts[*i], &self.verdicts[c]);
                let diff = match (v.cost, v0.cost) {
                    (Some(a), Some(b)) => Some(a.0 - b.0),
                    _ => None,
                };
                m.insert("cost_difference_usd".into(), json!(diff));
                m.insert(
                    "paired_ci95_usd".into(),
                    json!(paired_half_width(&v.replications, &v0.replications)),
                );
            }
            b
        };
        json!({
            "scenario": self.scenario,
            "basis": self.basis(),
            "strategy": self.strategy.name(),
            "balance": match self.strategy { Strategy::Balanced(w) => Some(w), _ => None },
            "latency_objective": self.latency_objective,
            "cheapest_passing": self.cheapest.map(|i| self.verdicts[i].point),
            "tie_set": self.tie_set.iter().map(tie).collect::<Vec<_>>(),
            "slo": self.slo.to_json(),
            "points": self.verdicts.len(),
            "recommended": self.best().map(|v| v.to_json(true)),
            "runner_up": self.runner_up().map(|v| v.to_json(true)),
            "passing": self.ranked.iter().map(brief).collect::<Vec<_>>(),
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
        out.push_str(&match self.strategy {
            Strategy::Cost => format!(
                "strategy: cost (cheapest passing; ties within 0.5% of its cost or the 95% CI of \
                 the paired difference go to the lower {}, then the smaller resource)\n",
                self.latency_objective
            ),
            Strategy::Speed => format!("strategy: speed (lowest {})\n", self.latency_objective),
            Strategy::Balanced(w) => format!(
                "strategy: balanced ({w} x normalised cost + {} x normalised {}, min-max over \
                 the passing points)\n",
                1.0 - w,
                self.latency_objective
            ),
        });
        match self.best() {
            Some(best) => {
                if let Some(tie) = self.tie_text() {
                    out.push_str(&tie);
                    out.push('\n');
                }
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
    Ok(from_manifest(dir, &manifest, slo, conservative, Strategy::Cost)?.0)
}

/// Judges the points of `manifest` in `dir`; also returns the table it built.
pub fn from_manifest(
    dir: &Path,
    manifest: &Json,
    slo: &Slo,
    conservative: bool,
    strategy: Strategy,
) -> anyhow::Result<(Recommendation, SweepTable)> {
    let points = crate::sweep::load_points(dir, manifest)?;
    let table = crate::sweep::table_of(manifest, &points);
    let numbers = crate::sweep::point_numbers(manifest);
    let components: Vec<Components> = points.iter().map(|p| Components::of_summary(&p.1)).collect();
    let scenario = manifest["scenario"].as_str().unwrap_or_default();
    let rec = Recommendation::new(scenario, &table, &numbers, &components, slo, conservative)
        .with_strategy(strategy);
    Ok((rec, table))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::slo::SloKey;

    /// One point per `(memory, cost, cost ci95, p95)`, function `f`, with `p95_ms <= 1000`.
    fn judged(points: &[(u64, f64, f64, f64)]) -> Recommendation {
        let rows: Vec<(Json, Json)> = points
            .iter()
            .map(|&(m, cost, ci, p95)| {
                (
                    json!({ "lambda.function.f.memory_size": m }),
                    json!({
                        "functions": { "f": { "latency_ms": { "p95": p95, "p99": p95 } } },
                        "cost_usd": { "total": cost },
                        "ci95": { "cost_usd": { "total": ci } },
                    }),
                )
            })
            .collect();
        judge(&rows)
    }

    /// [`judged`] with each point's per-replication costs (seeds 1, 2, 3, ...).
    fn judged_paired(points: &[(u64, &[f64], f64)]) -> Recommendation {
        let rows: Vec<(Json, Json)> = points
            .iter()
            .map(|&(m, costs, p95)| {
                let (mean, ci) = crate::summary::mean_ci95(costs);
                let seeds: Vec<u64> = (1..=costs.len() as u64).collect();
                (
                    json!({ "lambda.function.f.memory_size": m }),
                    json!({
                        "functions": { "f": { "latency_ms": { "p95": p95, "p99": p95 } } },
                        "cost_usd": { "total": mean },
                        "ci95": { "cost_usd": { "total": ci } },
                        "replication_seeds": seeds,
                        "replication_costs_usd": costs,
                    }),
                )
            })
            .collect();
        judge(&rows)
    }

    /// The points `(parameters, summary)` of function `f`'s memory sweep judged against
    /// `p95_ms <= 1000`.
    fn judge(rows: &[(Json, Json)]) -> Recommendation {
        let table = SweepTable::new(vec!["lambda.function.f.memory_size".into()], rows);
        let comps: Vec<Components> = rows.iter().map(|r| Components::of_summary(&r.1)).collect();
        let slo = Slo {
            limits: vec![(SloKey::P95Ms, 1000.0)],
            components: None,
            raw: crate::config::raw::RawSlo { p95_ms: Some(1000.0), ..Default::default() },
        };
        let numbers: Vec<usize> = (0..rows.len()).collect();
        Recommendation::new("s", &table, &numbers, &comps, &slo, false)
    }

    #[test]
    fn paired_half_width_by_hand() {
        // differences 1, 2, 3: mean 2, sd 1, t(2) = 4.303: 4.303 / sqrt(3)
        let a = [(1, 11.0), (2, 22.0), (3, 33.0)];
        let b = [(1, 10.0), (2, 20.0), (3, 30.0)];
        let h = paired_half_width(&a, &b).unwrap_or(f64::NAN);
        assert!((h - 4.303 / 3f64.sqrt()).abs() < 1e-9, "{h}");
        // other seeds, or one replication: cannot be paired
        assert_eq!(paired_half_width(&a, &[(1, 1.0), (2, 2.0), (9, 3.0)]), None);
        assert_eq!(paired_half_width(&a[..1], &b[..1]), None);
    }

    #[test]
    fn a_noisy_paired_difference_ties_a_steady_one_does_not() {
        // point 1 is 2% dearer on average but its difference swings -4%..+8% from replication
        // to replication: the paired interval (about 12%) is wider than the difference: tied,
        // and the faster wins
        let noisy =
            judged_paired(&[(512, &[1.00, 1.00, 1.00], 900.0), (1024, &[0.96, 1.02, 1.08], 600.0)]);
        assert_eq!((best(&noisy), noisy.tie_set.clone()), (1, vec![1, 0]));
        assert!(noisy.paired_ties);
        assert!(noisy.render().contains("95% CI of the paired difference"), "{}", noisy.render());
        let j = noisy.to_json();
        assert!(
            (j["tie_set"][0]["cost_difference_usd"].as_f64().unwrap_or(0.0) - 0.02).abs() < 1e-12
        );
        assert!(j["tie_set"][0]["paired_ci95_usd"].as_f64().unwrap_or(0.0) > 0.1);
        // 2% dearer in every replication: the paired interval is 0, the 0.5% decides: not tied
        let steady = judged_paired(&[
            (512, &[0.90, 1.00, 1.10], 900.0),
            (1024, &[0.918, 1.02, 1.122], 600.0),
        ]);
        assert_eq!((best(&steady), steady.tie_set.clone()), (0, vec![0]));
        assert!(!steady.paired_ties);
    }

    fn best(r: &Recommendation) -> usize {
        r.best().map(|v| v.point).unwrap_or(usize::MAX)
    }

    #[test]
    fn strategies_on_a_hand_checked_case() {
        // 0: $1.000 p95 900 ms; 1: $1.004 (0.4% dearer: tied) 600 ms; 2: $2.000 300 ms;
        // 3 fails its p95
        let pts = [
            (512, 1.0, 0.0, 900.0),
            (1024, 1.004, 0.0, 600.0),
            (2048, 2.0, 0.0, 300.0),
            (128, 0.5, 0.0, 3412.0),
        ];
        let r = judged(&pts);
        assert_eq!(r.cheapest, Some(0));
        assert_eq!(r.tie_set, [1, 0], "tied, the faster first");
        assert_eq!(best(&r), 1, "the tie goes to the better p95");
        assert_eq!(r.ranked, [1, 0, 2]);
        assert_eq!(r.latency_objective, "p95_ms");
        let j = r.to_json();
        assert_eq!(j["strategy"], "cost");
        assert_eq!(j["cheapest_passing"], 0);
        assert_eq!(j["tie_set"][0]["point"], 1);
        assert_eq!(j["tie_set"][1]["latency_ms"], 900.0);
        assert!(r.render().contains("tied with the cheapest passing point ($1.0000"));
        // speed: the lowest p95
        assert_eq!(best(&r.clone().with_strategy(Strategy::Speed)), 2);
        // balanced, by hand: normalised cost 0, 0.004, 1 and p95 1, 0.5, 0 give scores
        // w = 0.5: 0.5, 0.252, 0.5 -> point 1; w = 1: cost alone -> 0; w = 0: p95 alone -> 2
        assert_eq!(best(&r.clone().with_strategy(Strategy::Balanced(0.5))), 1);
        assert_eq!(best(&r.clone().with_strategy(Strategy::Balanced(1.0))), 0);
        assert_eq!(best(&r.clone().with_strategy(Strategy::Balanced(0.0))), 2);
        // the failing point names what it misses, with value and limit
        assert_eq!(r.verdicts[3].misses(), "p95 3,412 ms > 1,000 ms");
    }

    #[test]
    fn ties_are_within_half_a_percent_of_the_cheapest() {
        // 0.6% dearer: not tied, the cheapest wins, whatever the intervals
        let r = judged(&[(512, 1.0, 0.01, 900.0), (1024, 1.006, 0.01, 600.0)]);
        assert_eq!((best(&r), r.tie_set.clone()), (0, vec![0]));
        // 0.4% dearer: tied, the faster wins
        let r = judged(&[(512, 1.0, 0.0, 900.0), (1024, 1.004, 0.0, 600.0)]);
        assert_eq!((best(&r), r.tie_set.clone()), (1, vec![1, 0]));
        assert_eq!(tie_margin(100.0, None), 0.5);
        assert_eq!(tie_margin(100.0, Some(0.2)), 0.5, "the 0.5% when larger");
        assert_eq!(tie_margin(100.0, Some(2.0)), 2.0, "the paired interval when larger");
        // equal latency: the smaller memory
        let r = judged(&[(1024, 1.0, 0.0, 600.0), (512, 1.0, 0.0, 600.0)]);
        assert_eq!(best(&r), 1);
    }
}

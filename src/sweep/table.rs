//! `sweep.csv`: one row per point, the swept values then every figure of the summary.
//!
//! Columns, per the contract: one per swept key path (named by the path), then one per number
//! in `summary.json`, named by its path joined with dots (`functions.f.latency_ms.p99`,
//! `cost_usd.total`), holding the mean over replications, each followed by `NAME:ci95`, the
//! half-width of its 95% confidence interval (empty with one replication). Bookkeeping that is
//! not a result (`seed`, `replications`, the replication seeds, the price table) is left out.
//! Figures are listed in the order they first appear, point by point, so a sweep whose points
//! have different components (say, `copies` swept) still gets one column per figure, empty
//! where a point has none.

use std::collections::HashMap;

use serde_json::Value as Json;

/// Top-level summary keys that are not results.
const NOT_FIGURES: [&str; 7] = [
    "scenario",
    "seed",
    "replications",
    "replication_seeds",
    "replication_costs_usd",
    "price_table",
    "ci95",
];

/// The results of a sweep in memory: what `sweep.csv` holds, with typed access for charts and
/// recommendations.
#[derive(Debug, Clone)]
pub struct SweepTable {
    /// Swept key paths, in the order of `[sweep.parameters]`.
    pub keys: Vec<String>,
    /// Figure names (dotted summary paths), in column order.
    pub figures: Vec<String>,
    pub rows: Vec<SweepRow>,
    /// `(api, "function:NAME" | "service:NAME")`: what each API's routes integrate with (from
    /// the first point's `apis.*.integrations`), to count an API's cost with its platform.
    pub links: Vec<(String, String)>,
    /// The column of each figure name (a fleet has hundreds of thousands of them).
    index: HashMap<String, usize>,
}

/// One point.
#[derive(Debug, Clone)]
pub struct SweepRow {
    /// The swept values (JSON: numbers, strings, ...), one per key.
    pub values: Vec<Json>,
    /// Mean of each figure (by column index into `figures`); `None` where the point has none.
    pub means: Vec<Option<Json>>,
    /// Its 95% CI half-width; `None` with one replication.
    pub ci95: Vec<Option<Json>>,
    /// `(seed, cost_usd.total)` of each replication, in order (`replication_seeds` and
    /// `replication_costs_usd`); empty with one replication or in results written before
    /// these were kept.
    pub replications: Vec<(u64, f64)>,
}

impl SweepTable {
    /// From `(parameters, summary)` per point, in point order.
    pub fn new(keys: Vec<String>, points: &[(Json, Json)]) -> SweepTable {
        let mut figures: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut flat: Vec<Vec<(usize, Json)>> = Vec::with_capacity(points.len());
        for (_, summary) in points {
            let mut leaves = Vec::new();
            if let Json::Object(map) = summary {
                for (k, v) in map {
                    if !NOT_FIGURES.contains(&k.as_str()) {
                        collect(k, v, &mut leaves);
                    }
                }
            }
            let mut row = Vec::with_capacity(leaves.len());
            for (name, v) in leaves {
                let i = *index.entry(name.clone()).or_insert_with(|| {
                    figures.push(name);
                    figures.len() - 1
                });
                row.push((i, v));
            }
            flat.push(row);
        }
        let rows = points
            .iter()
            .zip(flat)
            .map(|((params, summary), leaves)| {
                let mut means = vec![None; figures.len()];
                let mut ci95 = vec![None; figures.len()];
                for (i, v) in leaves {
                    ci95[i] = lookup(&summary["ci95"], &figures[i]).filter(|c| c.is_number());
                    means[i] = Some(v);
                }
                SweepRow {
                    values: keys
                        .iter()
                        .map(|k| params.get(k).cloned().unwrap_or(Json::Null))
                        .collect(),
                    means,
                    ci95,
                    replications: replications(summary),
                }
            })
            .collect();
        let mut links = Vec::new();
        if let Some(Json::Object(apis)) = points.first().map(|p| &p.1["apis"]) {
            for (api, a) in apis {
                for target in a["integrations"].as_array().into_iter().flatten() {
                    if let Some(target) = target.as_str() {
                        links.push((api.clone(), target.to_string()));
                    }
                }
            }
        }
        SweepTable { keys, figures, rows, links, index }
    }

    /// The column of a figure, if any point has it.
    pub fn figure(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Mean and CI half-width (0 when there is none) of figure `f` at row `r`.
    pub fn value(&self, r: usize, f: usize) -> Option<(f64, f64)> {
        let row = &self.rows[r];
        let m = row.means[f].as_ref()?.as_f64()?;
        let c = row.ci95[f].as_ref().and_then(Json::as_f64).unwrap_or(0.0);
        Some((m, c))
    }

    /// Figures whose names match `prefix.*.suffix` (e.g. `functions`, `latency_ms.p99`):
    /// the component names found, with their column.
    pub fn components(&self, prefix: &str, suffix: &str) -> Vec<(String, usize)> {
        let head = format!("{prefix}.");
        let tail = format!(".{suffix}");
        self.figures
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let name = f.strip_prefix(&head)?.strip_suffix(&tail)?;
                // a component name may contain dots (`trace.fn`), but an API's routes are
                // blocks inside it, not components
                (!name.contains(".routes.")).then(|| (name.to_string(), i))
            })
            .collect()
    }

    /// The latency columns a table of points shows: for each quantile (`p95`, `mean`), the
    /// `latency_ms` of every function, API and service, headed `NAME p95 ms`. The quantiles
    /// are those of the latency objectives in `[slo]` ([`latency_quantiles`]).
    pub fn latency_columns(&self, quantiles: &[&str]) -> Vec<(String, usize)> {
        let mut cols = Vec::new();
        for q in quantiles {
            for block in ["functions", "apis", "services"] {
                for (name, i) in self.components(block, &format!("latency_ms.{q}")) {
                    cols.push((format!("{name} {q} ms"), i));
                }
            }
        }
        cols
    }

    /// `sweep.csv` bytes.
    pub fn to_csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = self.keys.clone();
        for f in &self.figures {
            header.push(f.clone());
            header.push(format!("{f}:ci95"));
        }
        w.write_record(&header)?;
        for row in &self.rows {
            let mut rec: Vec<String> = row.values.iter().map(cell).collect();
            for (m, c) in row.means.iter().zip(&row.ci95) {
                rec.push(m.as_ref().map(cell).unwrap_or_default());
                rec.push(c.as_ref().map(cell).unwrap_or_default());
            }
            w.write_record(&rec)?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("cannot write sweep.csv: {e}"))
    }
}

/// The latency quantiles of the objectives in `slo` (`p95` for `p95_ms`), in its order;
/// `p99` when it sets none (or there is no `[slo]`).
pub fn latency_quantiles(slo: Option<&crate::slo::Slo>) -> Vec<&'static str> {
    let qs: Vec<&'static str> =
        slo.map(|s| s.limits.iter().filter_map(|l| l.0.latency()).collect()).unwrap_or_default();
    if qs.is_empty() { vec!["p99"] } else { qs }
}

/// A CSV cell: strings bare, numbers as JSON writes them (shortest round-trip form).
/// `(seed, cost)` per replication from a summary; empty unless both lists are whole and equal
/// in length.
fn replications(summary: &Json) -> Vec<(u64, f64)> {
    let seeds = summary["replication_seeds"].as_array();
    let costs = summary["replication_costs_usd"].as_array();
    let (Some(seeds), Some(costs)) = (seeds, costs) else {
        return Vec::new();
    };
    let pairs: Vec<(u64, f64)> =
        seeds.iter().zip(costs).filter_map(|(s, c)| Some((s.as_u64()?, c.as_f64()?))).collect();
    if pairs.len() == seeds.len() && pairs.len() == costs.len() { pairs } else { Vec::new() }
}

fn cell(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn collect(path: &str, v: &Json, out: &mut Vec<(String, Json)>) {
    match v {
        Json::Number(_) => out.push((path.to_string(), v.clone())),
        Json::Object(map) => {
            for (k, v) in map {
                collect(&format!("{path}.{k}"), v, out);
            }
        }
        _ => {}
    }
}

/// The value at a dotted figure path in a mirror tree (`ci95`). Component names may contain
/// dots, so the path is matched greedily against the tree's keys rather than split blindly.
fn lookup(tree: &Json, path: &str) -> Option<Json> {
    let Json::Object(map) = tree else {
        return (path.is_empty()).then(|| tree.clone());
    };
    if let Some(v) = map.get(path) {
        return Some(v.clone());
    }
    for (k, v) in map {
        if let Some(rest) = path.strip_prefix(k.as_str()).and_then(|r| r.strip_prefix('.'))
            && let Some(found) = lookup(v, rest)
        {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_follow_the_contract() {
        let a = json!({
            "scenario": "s", "seed": 1, "replications": 2,
            "functions": { "f": { "invocations": 10, "latency_ms": { "p99": 12.5 }, "architecture": "x86_64" } },
            "cost_usd": { "total": 1.25 },
            "ci95": { "functions": { "f": { "invocations": 1.5, "latency_ms": { "p99": 0.5 } } },
                      "cost_usd": { "total": 0.25 } },
            "price_table": { "region": "us-east-1", "free_tier": 0 }
        });
        let b = json!({
            "functions": { "f": { "invocations": 20, "latency_ms": { "p99": 10.0 } },
                           "g.h": { "invocations": 3 } },
            "cost_usd": { "total": 2.0 }
        });
        let t = SweepTable::new(
            vec!["lambda.function.f.memory_size".into()],
            &[
                (json!({"lambda.function.f.memory_size": 128}), a),
                (json!({"lambda.function.f.memory_size": 256}), b),
            ],
        );
        let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "lambda.function.f.memory_size,functions.f.invocations,functions.f.invocations:ci95,\
             functions.f.latency_ms.p99,functions.f.latency_ms.p99:ci95,cost_usd.total,\
             cost_usd.total:ci95,functions.g.h.invocations,functions.g.h.invocations:ci95"
        );
        assert_eq!(lines.next().unwrap(), "128,10,1.5,12.5,0.5,1.25,0.25,,");
        assert_eq!(lines.next().unwrap(), "256,20,,10.0,,2.0,,3,");
        assert_eq!(t.components("functions", "invocations").len(), 2);
        assert_eq!(t.value(0, t.figure("cost_usd.total").unwrap()), Some((1.25, 0.25)));
    }
}

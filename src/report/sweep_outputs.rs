//! The outputs of a finished sweep: `sweep.csv`, the sweep charts, `recommendation.json`
//! (with an `[slo]`), `report.html`, and the short table printed on the terminal.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value as Json;

use crate::files::write_atomic;
use crate::report;
use crate::sweep::{load_points, point_numbers, table_of};

/// Reads every point of `manifest` from `dir` and writes `sweep.csv`, the charts, with an
/// `[slo]` in the manifest `recommendation.json`, and last `report.html`.
pub fn finish(dir: &Path, manifest: &Json, charts: bool) -> anyhow::Result<Vec<PathBuf>> {
    let results = load_points(dir, manifest)?;
    let sweep = table_of(manifest, &results);
    let mut files = Vec::new();
    let path = dir.join("sweep.csv");
    write_atomic(&path, &sweep.to_csv()?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    let recommendation = manifest
        .get("slo")
        .and_then(crate::slo::Slo::from_json)
        .map(|slo| recommendation(manifest, &results, &sweep, &slo));
    if charts {
        files.extend(report::sweep_chart::write(dir, &sweep, recommendation.as_ref())?);
    }
    if let Some(rec) = &recommendation {
        files.push(crate::recommend::write(dir, rec)?);
    }
    // the charts drawn now, not whatever else the folder holds (a `slsim run` of the same
    // scenario writes its own charts into the same default folder)
    let stems = report::html::chart_stems(&files);
    let title = manifest["scenario"].as_str().unwrap_or_default();
    let html = report::html::sweep_page(title, &sweep, recommendation.as_ref(), dir, &stems);
    let path = dir.join("report.html");
    write_atomic(&path, html.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    files.push(path);
    Ok(files)
}

/// A short terminal table of a finished sweep: the swept values, the total cost and the
/// latency of up to four components (functions, APIs, services) at the quantiles of the
/// latency objectives in `[slo]` (p99 without one), one line per point; with `[slo]`, a last
/// column says whether the point is recommended, tied with the cheapest, meets the SLOs, or
/// which objective it misses, with the value and the limit (`fails p95 3,412 ms > 3,000 ms`).
pub fn summary_table(dir: &Path) -> anyhow::Result<String> {
    let manifest = crate::sweep::read_manifest(dir)?;
    let results = load_points(dir, &manifest)?;
    let t = table_of(&manifest, &results);
    let slo = manifest.get("slo").and_then(crate::slo::Slo::from_json);
    let rec = slo.as_ref().map(|slo| recommendation(&manifest, &results, &t, slo));
    Ok(points_table(&t, rec.as_ref()))
}

/// The recommendation of the points on the mean basis, by cost (what `finish` writes).
fn recommendation(
    manifest: &Json,
    results: &[(Json, Json)],
    t: &crate::sweep::table::SweepTable,
    slo: &crate::slo::Slo,
) -> crate::recommend::Recommendation {
    let components: Vec<crate::slo::Components> =
        results.iter().map(|p| crate::slo::Components::of_summary(&p.1)).collect();
    let scenario = manifest["scenario"].as_str().unwrap_or_default();
    crate::recommend::Recommendation::new(
        scenario,
        t,
        &point_numbers(manifest),
        &components,
        slo,
        false,
    )
}

/// The table of [`summary_table`], from the sweep's table and its recommendation.
pub fn points_table(
    t: &crate::sweep::table::SweepTable,
    rec: Option<&crate::recommend::Recommendation>,
) -> String {
    use crate::report::sweep_chart::{short, text};
    let quantiles = crate::sweep::table::latency_quantiles(rec.map(|r| &r.slo));
    let mut cols = t.latency_columns(&quantiles);
    cols.truncate(4);
    let cost = t.figure("cost_usd.total");
    let mut header: Vec<String> = t.keys.iter().map(|k| short(k)).collect();
    header.push("cost $".into());
    header.extend(cols.iter().map(|c| c.0.clone()));
    if rec.is_some() {
        header.push("SLOs".into());
    }
    let mut lines = vec![header];
    for (r, row) in t.rows.iter().enumerate() {
        let mut line: Vec<String> = row.values.iter().map(text).collect();
        let fmt = |f: Option<usize>, digits: usize| {
            f.and_then(|f| t.value(r, f))
                .map(|(m, _)| format!("{m:.digits$}"))
                .unwrap_or_else(|| "-".into())
        };
        line.push(fmt(cost, 4));
        line.extend(cols.iter().map(|c| fmt(Some(c.1), 1)));
        if let Some(rec) = rec {
            line.push(standing(rec, r));
        }
        lines.push(line);
    }
    crate::report::table::aligned(&lines)
}

/// Where row `r` stands: `recommended`, `tied` (with the cheapest), `meets`, or `fails` and
/// what it misses.
pub fn standing(rec: &crate::recommend::Recommendation, r: usize) -> String {
    let Some(v) = rec.verdicts.get(r) else { return String::new() };
    if rec.ranked.first() == Some(&r) {
        "recommended".into()
    } else if rec.tie_set.contains(&r) {
        "tied".into()
    } else if v.passes() {
        "meets".into()
    } else {
        format!("fails {}", v.misses())
    }
}

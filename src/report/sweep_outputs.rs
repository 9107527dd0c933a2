//! The outputs of a finished sweep: `sweep.csv`, the sweep charts, `recommendation.json`
//! (with an `[slo]`), `report.html`, and the short table printed on the terminal.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value as Json;

use crate::files::write_atomic;
use crate::report;
use crate::sweep::{load, load_points, point_numbers, table_of};

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
    if charts {
        files.extend(report::sweep_chart::write(dir, &sweep)?);
    }
    let recommendation = manifest.get("slo").and_then(crate::slo::Slo::from_json).map(|slo| {
        let components: Vec<crate::slo::Components> =
            results.iter().map(|p| crate::slo::Components::of_summary(&p.1)).collect();
        let scenario = manifest["scenario"].as_str().unwrap_or_default();
        crate::recommend::Recommendation::new(
            scenario,
            &sweep,
            &point_numbers(manifest),
            &components,
            &slo,
            false,
        )
    });
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

/// A short terminal table of a finished sweep: the swept values, the total cost and the p99
/// latency of up to four components (functions, APIs, services), one line per point.
pub fn summary_table(dir: &Path) -> anyhow::Result<String> {
    use crate::report::sweep_chart::{short, text};
    let t = load(dir)?;
    let mut cols: Vec<(String, usize)> = Vec::new();
    for block in ["functions", "apis", "services"] {
        for (name, i) in t.components(block, "latency_ms.p99") {
            cols.push((format!("{name} p99 ms"), i));
        }
    }
    cols.truncate(4);
    let cost = t.figure("cost_usd.total");
    let mut header: Vec<String> = t.keys.iter().map(|k| short(k)).collect();
    header.push("cost $".into());
    header.extend(cols.iter().map(|c| c.0.clone()));
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
        lines.push(line);
    }
    Ok(crate::report::table::aligned(&lines))
}

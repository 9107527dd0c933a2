//! Outputs of a run: `summary.json`, `timeseries.csv`, PNG charts and the terminal table.
//!
//! Every file is written under a temporary name in the same folder and renamed into place, so
//! an interrupted run never leaves a half-written file under a real name.

pub mod chart;
pub mod comparison;
pub mod fleet_chart;
pub mod html;
pub mod sweep_chart;
pub mod sweep_outputs;
pub mod table;

use std::io;
use std::path::{Path, PathBuf};

pub use crate::files::{temp_path, write_atomic, write_json};
use crate::metrics::{Histogram, MinuteRow};
use crate::service::metrics::ServiceMinute;
use crate::sim::RunOutput;

/// `timeseries.csv`: one row per row of the time series (a minute, or the scenario's
/// `timeseries_step`; [`crate::metrics::RowGrid`] bounds them to about ten thousand by
/// default): the fields of [`MinuteRow`], then the `extra` columns (a name and one value per
/// row, e.g. per-service metrics).
pub fn write_timeseries(
    path: &Path,
    rows: &[MinuteRow],
    extra: &[(String, Vec<f64>)],
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row).map_err(io::Error::other)?;
    }
    let mut bytes = w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
    if !extra.is_empty() && !rows.is_empty() {
        bytes = with_columns(&bytes, extra)?;
    }
    write_atomic(path, &bytes)
}

/// `csv` (with a header) with the `extra` columns appended to every record.
fn with_columns(csv_bytes: &[u8], extra: &[(String, Vec<f64>)]) -> io::Result<Vec<u8>> {
    let mut r = csv::Reader::from_reader(csv_bytes);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = r.headers().map_err(io::Error::other)?.clone();
    for (name, _) in extra {
        header.push_field(name);
    }
    w.write_record(&header).map_err(io::Error::other)?;
    for (i, record) in r.records().enumerate() {
        let mut record = record.map_err(io::Error::other)?;
        for (_, values) in extra {
            record.push_field(&values.get(i).map_or(String::new(), |v| v.to_string()));
        }
        w.write_record(&record).map_err(io::Error::other)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Latency curves drawn at most on `latency_cdf`: the busiest components, so a fleet of
/// thousands of functions stays drawable.
pub const MAX_CURVES: usize = 8;

/// Every component of a run that serves requests, with the histogram of its latencies (as
/// `summary.json`'s `latency_ms` blocks: successful invocations, completed API and service
/// requests), in the scenario's order: `function NAME`, `api NAME`, `service NAME`.
pub fn component_latencies(run: &RunOutput) -> Vec<(String, &Histogram)> {
    let functions = run.functions.iter().map(|(c, s)| (format!("function {}", c.name), &s.latency));
    let apis = run.apis.iter().map(|(c, s, _)| (format!("api {}", c.name), &s.latency));
    let services = run.services.iter().map(|(c, s)| (format!("service {}", c.name), &s.latency));
    functions.chain(apis).chain(services).collect()
}

/// The latency CDFs to draw, as staircases in ms: those of the `max` components with the most
/// completed requests (ties in the given order), busiest first, and how many were left out.
/// Components without a completed request are never drawn nor counted as left out.
pub fn latency_curves(
    latencies: &[(String, &Histogram)],
    max: usize,
) -> (Vec<chart::LatencyCurve>, usize) {
    let mut busy: Vec<&(String, &Histogram)> =
        latencies.iter().filter(|(_, h)| h.count() > 0).collect();
    busy.sort_by_key(|(_, h)| std::cmp::Reverse(h.count())); // stable: ties keep their order
    let left_out = busy.len().saturating_sub(max);
    let curves = busy
        .into_iter()
        .take(max)
        .map(|(name, h)| {
            let ms: Vec<(f64, f64)> = h.cdf().into_iter().map(|(ns, s)| (ns / 1e6, s)).collect();
            chart::LatencyCurve { name: name.clone(), points: chart::cdf_steps(&ms) }
        })
        .collect();
    (curves, left_out)
}

/// Draws the run's charts into `dir`, each as PNG and SVG: requests, concurrency, latency CDF
/// (the [`MAX_CURVES`] busiest components), `queues` if the run has queues, `api` if it has
/// APIs, `services` if it has services, `compare` if the summary's platforms are compared (see
/// [`table::compared`]), `cost` (stacked by what is charged) if anything costs; returns the
/// files written.
pub fn write_charts(
    dir: &Path,
    title: &str,
    run: &RunOutput,
    summary: &crate::summary::Summary,
) -> Result<Vec<PathBuf>, chart::ChartError> {
    let rows = &run.minutes[..];
    // the components counted one by one per minute (two to eight), named in slot order
    let slots = crate::metrics::ComponentSlots::new(
        run.functions.len(),
        run.apis.len(),
        run.services.len(),
    );
    let components: Vec<String> = if slots.tracked {
        let f = run.functions.iter().map(|(c, _)| format!("function {}", c.name));
        let a = run.apis.iter().map(|(c, _, _)| format!("api {}", c.name));
        let s = run.services.iter().map(|(c, _)| format!("service {}", c.name));
        f.chain(a).chain(s).collect()
    } else {
        Vec::new()
    };
    let components = &components;
    // the same comparison as the terminal's side-by-side table (from the summary: the mean
    // over replications)
    let platforms: Vec<chart::CompareBar> = comparison::compare(summary)
        .into_iter()
        .map(|c| chart::CompareBar {
            fails: c.failure.as_ref().map(comparison::Failure::describe),
            name: c.platform.name,
            monthly_usd: c.monthly_usd,
            p99_ms: c.platform.p99_ms,
            cheapest: c.cheapest,
        })
        .collect();
    let platforms = &platforms;
    let costs = cost_parts(summary);
    let costs = &costs;
    let (curves, left_out) = latency_curves(&component_latencies(run), MAX_CURVES);
    let cdf_title = match left_out {
        0 => format!("{title}: latency CDF"),
        n => format!("{title}: latency CDF ({MAX_CURVES} busiest; {n} more not drawn)"),
    };
    let services: Vec<(String, &[ServiceMinute])> =
        run.services.iter().map(|(c, s)| (c.name.clone(), &s.minutes[..])).collect();
    let services = &services;
    type Draw<'a> = Box<dyn Fn(&Path) -> Result<(), chart::ChartError> + 'a>;
    // a fleet: how its functions are distributed (a table of thousands says nothing)
    let fleet =
        (summary.functions().len() > table::LISTED).then(|| fleet_chart::distributions(summary));
    let mut charts: Vec<(&str, Draw)> = vec![
        (
            "requests",
            Box::new(|p| {
                chart::requests_over_time(
                    p,
                    &format!("{title}: requests per {}", chart::row_unit(rows)),
                    rows,
                    components,
                )
            }),
        ),
        (
            "concurrency",
            Box::new(|p| {
                chart::concurrency_over_time(
                    p,
                    &format!("{title}: concurrency and environments"),
                    rows,
                )
            }),
        ),
        ("latency_cdf", Box::new(|p| chart::latency_cdf(p, &cdf_title, &curves))),
    ];
    if !run.queues.is_empty() {
        charts.push((
            "queues",
            Box::new(|p| {
                chart::queues_over_time(p, &format!("{title}: queue backlog and age"), rows)
            }),
        ));
    }
    if !run.apis.is_empty() {
        charts.push((
            "api",
            Box::new(|p| chart::api_over_time(p, &format!("{title}: API Gateway requests"), rows)),
        ));
    }
    if !services.is_empty() {
        charts.push((
            "services",
            Box::new(|p| {
                let title = format!("{title}: service tasks and CPU");
                chart::services_over_time(p, &title, rows, services)
            }),
        ));
    }
    // past LISTED options a bar each is unreadable: the tables say so instead
    if !platforms.is_empty() && platforms.len() <= table::LISTED {
        charts.push((
            "compare",
            Box::new(|p| {
                chart::compare_platforms(
                    p,
                    &format!("{title}: monthly cost (with what fronts it) and p99 by platform"),
                    platforms,
                )
            }),
        ));
    }
    if let Some(panels) = &fleet {
        let n = summary.functions().len();
        charts.push((
            "fleet",
            Box::new(move |p| {
                let t = format!(
                    "{title}: the fleet's {} functions (share of functions)",
                    table::count(n as f64)
                );
                fleet_chart::fleet(p, &t, panels)
            }),
        ));
    }
    if costs.iter().any(|(_, parts)| parts.iter().any(|p| p.1 > 0.0)) {
        charts.push((
            "cost",
            Box::new(|p| chart::cost_breakdown(p, &format!("{title}: cost by component"), costs)),
        ));
    }
    let mut written = Vec::new();
    for (stem, draw) in &charts {
        for ext in ["png", "svg"] {
            written.push(draw_atomic(&dir.join(format!("{stem}.{ext}")), draw)?);
        }
    }
    Ok(written)
}

/// Draws a chart under a temporary name, then renames it into place.
pub fn draw_atomic(
    path: &Path,
    draw: impl Fn(&Path) -> Result<(), chart::ChartError>,
) -> Result<PathBuf, chart::ChartError> {
    // plotters picks the image format from the extension, so the temporary name keeps it
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let tmp = temp_path(path, &ext);
    draw(&tmp).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        chart::ChartError { path: path.display().to_string(), message: e.to_string() }
    })?;
    Ok(path.to_path_buf())
}

/// Past this many components the cost chart draws the costliest and one bar for the rest:
/// each bar keeps room for a readable name.
pub const COST_BARS: usize = 10;

/// A component's bar of the cost chart: its name and its parts (label, USD).
pub type CostBar = (String, Vec<(String, f64)>);

/// The cost of every function, API and service, split by what it is charged for (the keys of
/// its `cost_usd` block but `total` and `monthly`): one bar per component for the cost chart;
/// past [`COST_BARS`] components, the costliest and one bar for the rest.
pub fn cost_parts(summary: &crate::summary::Summary) -> Vec<CostBar> {
    let mut out: Vec<CostBar> = Vec::new();
    for (block, kind) in [("functions", "Lambda"), ("apis", "API Gateway"), ("services", "service")]
    {
        for (name, item) in summary.entries(block) {
            let Some(cost) = item.get("cost_usd").and_then(serde_json::Value::as_object) else {
                continue;
            };
            let parts = cost
                .iter()
                // `monthly` is the same cost over a month, not a part of it
                .filter(|(k, _)| !matches!(k.as_str(), "total" | "monthly"))
                .filter_map(|(k, v)| Some((format!("{kind} {}", k.replace('_', " ")), v.as_f64()?)))
                .collect();
            out.push((name.to_string(), parts));
        }
    }
    // past COST_BARS components: the costliest (a stable sort: ties keep the summary's
    // order), then one bar for the rest, its parts summed
    if out.len() > COST_BARS {
        let total = |parts: &[(String, f64)]| parts.iter().map(|p| p.1).sum::<f64>();
        out.sort_by(|a, b| total(&b.1).total_cmp(&total(&a.1)));
        let rest = out.split_off(COST_BARS);
        let mut others: Vec<(String, f64)> = Vec::new();
        for (label, usd) in rest.iter().flat_map(|(_, parts)| parts) {
            match others.iter_mut().find(|o| o.0 == *label) {
                Some(o) => o.1 += usd,
                None => others.push((label.clone(), *usd)),
            }
        }
        out.push((format!("{} more", table::count(rest.len() as f64)), others));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        write_atomic(&path, b"{}\n").unwrap();
        write_atomic(&path, b"{\"a\":1}\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\":1}\n");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn cost_parts_leave_out_the_monthly_figure_and_sum_up_a_fleet() {
        let function = |usd: f64| {
            serde_json::json!({ "cost_usd": { "requests": usd / 4.0, "duration": usd * 0.75,
                                              "total": usd, "monthly": usd * 720.0 } })
        };
        let mut functions = serde_json::Map::new();
        for i in 0..25 {
            functions.insert(format!("f{i}"), function(f64::from(i + 1)));
        }
        let summary = crate::summary::Summary::from_value(
            serde_json::json!({ "functions": functions, "apis": {}, "services": {} }),
        );
        let parts = cost_parts(&summary);
        // the 10 costliest (f24 = $25 first), then the 15 others: 1 + 2 + ... + 15 = $120
        assert_eq!(parts.len(), 11);
        assert_eq!(parts[0].0, "f24");
        assert_eq!(parts[9].0, "f15");
        assert_eq!(parts[10].0, "15 more");
        let sum = |p: &[(String, f64)]| p.iter().map(|x| x.1).sum::<f64>();
        assert_eq!(sum(&parts[10].1), 120.0);
        assert_eq!(sum(&parts[0].1), 25.0, "no monthly part: {:?}", parts[0].1);
        let labels: Vec<&str> = parts[10].1.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(labels, ["Lambda requests", "Lambda duration"]);
    }
}

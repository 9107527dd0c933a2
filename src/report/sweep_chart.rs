//! Charts of a sweep, each as PNG and SVG, chosen by what was swept:
//!
//! - `sweep-cost`, `sweep-p50`, `sweep-p95`, `sweep-p99`, `sweep-cold-start-ratio`,
//!   `sweep-throttle-ratio`: the figure against the first swept parameter, one line per
//!   component (function, API, service) and per value of the other swept parameters, markers
//!   only at the points run, bars for the 95% confidence half-width;
//! - `power-tuning` when a function's `memory_size` is swept: its cost and latency (at the
//!   quantile of the latency objective in `[slo]`, p95 without one) against memory, the
//!   recommended, the cheapest passing and the fastest passing sizes marked (a size failing
//!   the SLOs is never marked cheapest or fastest);
//! - `break-even` when a workload's arrival rate is swept and the scenario has two platforms or
//!   more: the cost per 30-day month of each (a function with the APIs in front of it, a
//!   service with its load balancer; the summary's `cost_usd.monthly`, the same month) against
//!   the request rate, crossings labelled;
//! - `keep-alive` when a keep-alive setting is swept: cold-start ratio against idle GB-seconds,
//!   each point labelled with its setting.
//!
//! With `[slo]`, each chart of a figure that an objective limits draws the limit as a
//! horizontal line and shades the failing region above it, and the cost chart marks the
//! recommended point. Axes go logarithmic when the data spans two decades or more; tick labels
//! carry as many decimals as their spacing needs (no two alike); confidence bars stop at 0,
//! since every figure charted is a cost, a latency or a ratio.

use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use serde_json::Value as Json;

use super::chart::{
    Area, COLOURS, ChartError, FAMILY, SIZE, category, fail, format_number, legend, no_data,
    render, span,
};
use crate::recommend::Recommendation;
use crate::slo::SloKey;
use crate::sweep::table::SweepTable;

/// Seconds in the month of the monthly figures (30 days, as `cost_usd.monthly`).
const MONTH_S: f64 = crate::summary::MONTH_SECONDS;
/// At most this many lines on one chart (the rest would be unreadable).
const MAX_LINES: usize = 10;

/// One line: label and points `(x, y, ci95 half-width)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// A labelled point (the cheapest size, a crossing).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

/// The x axis: its description, and labels for a non-numeric parameter (positions 0, 1, ...).
#[derive(Debug, Clone, Default)]
pub struct XAxis {
    pub desc: String,
    pub categories: Option<Vec<String>>,
}

/// An objective's limit on a panel's figure: a horizontal line, the region above it shaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub y: f64,
    /// `SLO p95_ms <= 2500 ms`.
    pub label: String,
}

/// One panel: a figure against x, with its lines, marks and SLO limits.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub y_desc: String,
    pub lines: Vec<Line>,
    pub marks: Vec<Mark>,
    pub limits: Vec<Limit>,
}

/// A chart of one or more panels stacked vertically, sharing the x axis.
pub fn panels(path: &Path, title: &str, x: &XAxis, panels: &[Panel]) -> Result<(), ChartError> {
    render!(path, |root| {
        let root = root.titled(title, (FAMILY, 24)).map_err(fail(path))?;
        let areas = root.split_evenly((panels.len().max(1), 1));
        for (area, p) in areas.iter().zip(panels) {
            panel_on(area, path, x, p)?;
        }
    })
}

/// Whether values span two decades or more (and are all positive): worth a log axis.
fn spans_decades(values: impl Iterator<Item = f64>) -> bool {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo > 0.0 && hi.is_finite() && hi / lo >= 100.0
}

fn panel_on<DB: DrawingBackend>(
    area: &Area<DB>,
    path: &Path,
    x: &XAxis,
    p: &Panel,
) -> Result<(), ChartError> {
    let xs = || {
        p.lines.iter().flat_map(|l| l.points.iter().map(|q| q.0)).chain(p.marks.iter().map(|m| m.x))
    };
    let ys = || {
        p.lines
            .iter()
            .flat_map(|l| l.points.iter().flat_map(|q| [low(q), q.1 + q.2]))
            .chain(p.marks.iter().map(|m| m.y))
            .chain(p.limits.iter().map(|l| l.y))
    };
    let log_x = x.categories.is_none() && spans_decades(xs());
    let log_y = spans_decades(ys()) && ys().all(|v| v > 0.0);
    let bounds = |vals: &mut dyn Iterator<Item = f64>| {
        vals.filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (x_lo, x_hi) = bounds(&mut xs());
    let (y_lo, y_hi) = bounds(&mut ys());
    let x_range = if log_x {
        x_lo / 1.3..x_hi * 1.3
    } else {
        let pad = ((x_hi - x_lo) * 0.05).max(0.5);
        span(x_lo - pad, x_hi + pad)
    };
    let y_range = if log_y {
        y_lo / 1.5..y_hi * 3.0
    } else {
        let lo = y_lo.min(0.0);
        span(lo, y_hi + (y_hi - lo) * 0.35)
    };
    match (log_x, log_y) {
        (false, false) => draw_panel(area, path, x, p, x_range, y_range, (false, false)),
        (true, false) => draw_panel(area, path, x, p, x_range.log_scale(), y_range, (true, false)),
        (false, true) => draw_panel(area, path, x, p, x_range, y_range.log_scale(), (false, true)),
        (true, true) => {
            draw_panel(area, path, x, p, x_range.log_scale(), y_range.log_scale(), (true, true))
        }
    }
}

/// The lower end of a point's confidence bar: never below 0 (costs, latencies and ratios
/// cannot be negative), nor below the point itself.
fn low(q: &(f64, f64, f64)) -> f64 {
    (q.1 - q.2).max(0.0_f64.min(q.1))
}

/// Tick labels with as many decimals as a spacing of `step` needs, so that no two ticks read
/// alike (`0.0101`, `0.0102` rather than `0.01` twice); large values keep the k/M suffixes.
pub(crate) fn tick_label(v: f64, step: f64) -> String {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 || v.abs() >= 1e4 {
        return format_number(v);
    }
    let digits = ((-step.log10()).ceil() as i64 + 1).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn draw_panel<DB, XR, YR>(
    area: &Area<DB>,
    path: &Path,
    x: &XAxis,
    p: &Panel,
    x_range: XR,
    y_range: YR,
    logs: (bool, bool),
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    XR: AsRangedCoord<Value = f64>,
    YR: AsRangedCoord<Value = f64>,
    XR::CoordDescType: ValueFormatter<f64>,
    YR::CoordDescType: ValueFormatter<f64>,
{
    let err = fail(path);
    let mut chart = ChartBuilder::on(area)
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range, y_range)
        .map_err(&err)?;
    // the spacing of the ticks on a linear axis: about a tenth of the range at the finest;
    // on a log axis ticks are at round values and three significant digits tell them apart
    let step =
        |r: std::ops::Range<f64>, log: bool| if log { 0.0 } else { (r.end - r.start) / 12.0 };
    let (x_step, y_step) = (step(chart.x_range(), logs.0), step(chart.y_range(), logs.1));
    let label =
        move |v: f64, step: f64| if step > 0.0 { tick_label(v, step) } else { significant(v) };
    let categories = x.categories.clone();
    let x_fmt = move |v: &f64| match &categories {
        Some(labels) => category(*v, |i| labels.get(i).cloned()),
        None => label(*v, x_step),
    };
    let y_fmt = move |v: &f64| label(*v, y_step);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x.desc.as_str())
        .y_desc(p.y_desc.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 15))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .max_light_lines(4);
    if let Some(labels) = &x.categories {
        mesh.x_labels(labels.len().max(1));
    }
    mesh.draw().map_err(&err)?;
    let (x_lo, x_hi) = (chart.x_range().start, chart.x_range().end);
    let y_top = chart.y_range().end;
    for limit in p.limits.iter().filter(|l| l.y.is_finite()) {
        let red = RGBColor(200, 30, 30);
        if limit.y < y_top {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x_lo, limit.y), (x_hi, y_top)],
                    red.mix(0.07).filled(),
                )))
                .map_err(&err)?;
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(x_lo, limit.y), (x_hi, limit.y)],
                8,
                5,
                red.stroke_width(2),
            ))
            .map_err(&err)?
            .label(limit.label.as_str())
            .legend(move |(px, py)| PathElement::new(vec![(px, py), (px + 24, py)], red));
    }
    for (i, line) in p.lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let pts: Vec<(f64, f64, f64)> =
            line.points.iter().copied().filter(|q| q.0.is_finite() && q.1.is_finite()).collect();
        chart
            .draw_series(LineSeries::new(pts.iter().map(|q| (q.0, q.1)), colour.stroke_width(2)))
            .map_err(&err)?
            .label(line.label.as_str())
            .legend(move |(px, py)| {
                PathElement::new(vec![(px, py), (px + 24, py)], colour.stroke_width(2))
            });
        chart
            .draw_series(pts.iter().map(|q| Circle::new((q.0, q.1), 4, colour.filled())))
            .map_err(&err)?;
        // confidence bars, from max(0, mean - half-width) up
        chart
            .draw_series(pts.iter().filter(|q| q.2 > 0.0 && q.2.is_finite()).map(|q| {
                PathElement::new(vec![(q.0, low(q)), (q.0, q.1 + q.2)], colour.stroke_width(1))
            }))
            .map_err(&err)?;
    }
    for (k, m) in p.marks.iter().enumerate() {
        if !(m.x.is_finite() && m.y.is_finite()) {
            continue;
        }
        // labels alternate above and below their points, and step away from them, so nearby
        // marks (two crossings at close rates) do not write over each other
        let step = 18 * (k as i32 / 2);
        let offset = if k % 2 == 0 { (10, -22 - step) } else { (10, 12 + step) };
        chart
            .draw_series(std::iter::once(Circle::new((m.x, m.y), 9, BLACK.stroke_width(2))))
            .map_err(&err)?;
        let style = TextStyle::from((FAMILY, 14).into_font()).color(&BLACK);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((m.x, m.y)) + Text::new(m.label.clone(), offset, style.clone()),
            ))
            .map_err(&err)?;
    }
    if p.lines.iter().all(|l| l.points.is_empty()) {
        no_data(area).map_err(&err)?;
    }
    if !p.lines.is_empty() || !p.limits.is_empty() {
        legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(&err)?;
    }
    Ok(())
}

/// The last two segments of a key path (`memory_size` of `lambda.function.f.memory_size` is
/// ambiguous alone): `f.memory_size`.
pub(crate) fn short(key: &str) -> String {
    let segs: Vec<&str> = key.split('.').collect();
    segs[segs.len().saturating_sub(2)..].join(".")
}

/// A swept value as written: strings bare, numbers as JSON writes them.
pub(crate) fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A swept key as an axis title, with the unit of the keys whose unit is fixed by the
/// contract (memory in MB, rates in requests per second, vCPUs).
fn with_unit(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    let unit = match last {
        "memory_size" | "memory" | "memory_base" => " (MB)",
        "rate" if key.contains(".arrivals.") => " (requests per second)",
        "vcpu" => " (vCPU)",
        _ => "",
    };
    format!("{key}{unit}")
}

/// How the rows map onto charts: x of each row, and groups of rows sharing the values of the
/// other swept parameters.
struct Layout {
    x: XAxis,
    xs: Vec<f64>,
    /// (label suffix, rows) per group, in first-appearance order.
    groups: Vec<(String, Vec<usize>)>,
}

fn layout(t: &SweepTable) -> Layout {
    let first: Vec<&Json> = t.rows.iter().map(|r| &r.values[0]).collect();
    let numeric = first.iter().all(|v| v.as_f64().is_some());
    let (xs, categories) = if numeric {
        (first.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect(), None)
    } else {
        let mut labels: Vec<String> = Vec::new();
        let xs = first
            .iter()
            .map(|v| {
                let s = text(v);
                let i = labels.iter().position(|l| *l == s).unwrap_or_else(|| {
                    labels.push(s);
                    labels.len() - 1
                });
                i as f64
            })
            .collect();
        (xs, Some(labels))
    };
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let label: Vec<String> = t.keys[1..]
            .iter()
            .zip(&row.values[1..])
            .map(|(k, v)| format!("{}={}", short(k), text(v)))
            .collect();
        let label = label.join(", ");
        match groups.iter_mut().find(|g| g.0 == label) {
            Some(g) => g.1.push(r),
            None => groups.push((label, vec![r])),
        }
    }
    Layout { x: XAxis { desc: with_unit(&t.keys[0]), categories }, xs, groups }
}

/// One line per (component, group) for the figure columns `cols` (`(component, column)`).
fn lines_of(t: &SweepTable, l: &Layout, cols: &[(String, usize)]) -> Vec<Line> {
    let mut out = Vec::new();
    for (name, col) in cols {
        for (suffix, rows) in &l.groups {
            let label = match (cols.len() > 1 || name.is_empty(), suffix.is_empty()) {
                (_, true) => name.clone(),
                (true, false) if !name.is_empty() => format!("{name}, {suffix}"),
                _ => suffix.clone(),
            };
            let points: Vec<(f64, f64, f64)> = rows
                .iter()
                .filter_map(|&r| t.value(r, *col).map(|(m, c)| (l.xs[r], m, c)))
                .collect();
            if !points.is_empty() {
                out.push(Line { label, points });
            }
        }
    }
    out.truncate(MAX_LINES);
    out
}

/// The limit `[slo]` sets on `key`, as a line on a chart.
fn limit_of(rec: Option<&Recommendation>, key: SloKey) -> Vec<Limit> {
    rec.and_then(|r| r.slo.limit(key))
        .map(|y| Limit { y, label: format!("SLO {} <= {}", key.as_str(), key.format(y)) })
        .into_iter()
        .collect()
}

/// The SLO key limiting a latency quantile (`p95` -> `p95_ms`).
fn latency_key(q: &str) -> Option<SloKey> {
    SloKey::parse(&format!("{q}_ms"))
}

/// Draws every chart that fits the sweep into `dir` (with `rec`, the SLO limits and the
/// recommended point); returns the files written.
pub fn write(
    dir: &Path,
    t: &SweepTable,
    rec: Option<&Recommendation>,
) -> Result<Vec<PathBuf>, ChartError> {
    let mut written = Vec::new();
    for (stem, title, x, ps) in &charts(t, rec) {
        for ext in ["png", "svg"] {
            let path = dir.join(format!("{stem}.{ext}"));
            written.push(super::draw_atomic(&path, |p| panels(p, title, x, ps))?);
        }
    }
    Ok(written)
}

/// What [`write`] draws: `(stem, title, x axis, panels)` per chart.
pub fn charts(
    t: &SweepTable,
    rec: Option<&Recommendation>,
) -> Vec<(String, String, XAxis, Vec<Panel>)> {
    if t.rows.is_empty() || t.keys.is_empty() {
        return Vec::new();
    }
    let l = layout(t);
    let mut charts: Vec<(String, String, XAxis, Vec<Panel>)> = Vec::new();
    let name = |f: &str| format!("{f} against {}", short(&t.keys[0]));

    if let Some(cost) = t.figure("cost_usd.total") {
        let lines = lines_of(t, &l, &[("total".into(), cost)]);
        // the recommended point, where the chart shows it
        let marks = rec
            .and_then(|r| r.ranked.first().map(|&i| (i, r.verdicts[i].label.clone())))
            .and_then(|(i, label)| {
                let y = t.value(i, cost)?.0;
                Some(Mark { x: l.xs[i], y, label: format!("recommended: {label}") })
            })
            .into_iter()
            .collect();
        let panel = Panel {
            y_desc: "total cost (USD, simulated period)".into(),
            lines,
            marks,
            limits: limit_of(rec, SloKey::CostUsd),
        };
        charts.push(("sweep-cost".into(), name("cost"), l.x.clone(), vec![panel]));
    }
    for q in ["p50", "p95", "p99"] {
        let mut cols = Vec::new();
        for block in ["functions", "apis", "services"] {
            cols.extend(t.components(block, &format!("latency_ms.{q}")));
        }
        if !cols.is_empty() {
            let lines = lines_of(t, &l, &cols);
            let limits = latency_key(q).map(|k| limit_of(rec, k)).unwrap_or_default();
            let panel = Panel { y_desc: format!("{q} latency (ms)"), lines, marks: vec![], limits };
            charts.push((
                format!("sweep-{q}"),
                name(&format!("{q} latency")),
                l.x.clone(),
                vec![panel],
            ));
        }
    }
    for (figure, stem, desc, key) in [
        ("cold_start_ratio", "sweep-cold-start-ratio", "cold-start ratio", SloKey::ColdStartRatio),
        ("throttle_ratio", "sweep-throttle-ratio", "throttle ratio", SloKey::ThrottleRatio),
    ] {
        let cols = t.components("functions", figure);
        if !cols.is_empty() {
            let lines = lines_of(t, &l, &cols);
            let limits = limit_of(rec, key);
            let panel = Panel { y_desc: desc.into(), lines, marks: vec![], limits };
            charts.push((stem.into(), name(desc), l.x.clone(), vec![panel]));
        }
    }
    if let Some(c) = power_tuning(t, rec) {
        charts.push(c);
    }
    if let Some(c) = break_even(t) {
        charts.push(c);
    }
    if let Some(c) = keep_alive(t) {
        charts.push(c);
    }
    charts
}

/// The swept key naming a function's `memory_size`, and the function.
fn memory_key(t: &SweepTable) -> Option<(usize, String)> {
    t.keys.iter().enumerate().find_map(|(i, k)| {
        let f = k.strip_prefix("lambda.function.")?.strip_suffix(".memory_size")?;
        Some((i, f.to_string()))
    })
}

/// Cost and latency against memory for the function whose memory is swept (the first group
/// of the other parameters): the latency at the quantile of the SLO's first latency limit (p95
/// without one), with that limit; the recommended, cheapest passing and fastest passing sizes
/// marked (without `[slo]`: the cheapest and the fastest).
fn power_tuning(
    t: &SweepTable,
    rec: Option<&Recommendation>,
) -> Option<(String, String, XAxis, Vec<Panel>)> {
    let (k, f) = memory_key(t)?;
    let cost = t.figure(&format!("functions.{f}.cost_usd.total"))?;
    let key = rec
        .and_then(|r| r.slo.limits.iter().map(|l| l.0).find(|k| k.latency().is_some()))
        .unwrap_or(SloKey::P95Ms);
    let q = key.latency().unwrap_or("p95");
    let lat = t.figure(&format!("functions.{f}.latency_ms.{q}"))?;
    // the rows of the first combination of the other parameters
    let others = |r: usize| -> Vec<&Json> {
        t.rows[r].values.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, v)| v).collect()
    };
    let base = others(0);
    let rows: Vec<usize> = (0..t.rows.len()).filter(|&r| others(r) == base).collect();
    let passes = |r: usize| rec.is_none_or(|rec| rec.verdicts.get(r).is_some_and(|v| v.passes()));
    // (row, memory, mean, ci) by memory
    let pts = |col: usize| -> Vec<(usize, f64, f64, f64)> {
        let mut v: Vec<(usize, f64, f64, f64)> = rows
            .iter()
            .filter_map(|&r| {
                let m = t.rows[r].values[k].as_f64()?;
                t.value(r, col).map(|(y, c)| (r, m, y, c))
            })
            .collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1));
        v
    };
    let qualifier = if rec.is_some() { " passing" } else { "" };
    let recommended = rec.and_then(|r| r.ranked.first().copied());
    let marks = |v: &[(usize, f64, f64, f64)], what: &str| -> Vec<Mark> {
        let best = v.iter().filter(|q| passes(q.0)).min_by(|a, b| a.2.total_cmp(&b.2));
        let mut out = Vec::new();
        if let Some(q) = recommended.and_then(|r| v.iter().find(|q| q.0 == r)) {
            let also = if best.is_some_and(|b| b.0 == q.0) {
                format!(", {what}{qualifier}")
            } else {
                String::new()
            };
            out.push(Mark {
                x: q.1,
                y: q.2,
                label: format!("recommended{also}: {} MB", format_number(q.1)),
            });
        }
        if let Some(q) = best.filter(|b| Some(b.0) != recommended) {
            out.push(Mark {
                x: q.1,
                y: q.2,
                label: format!("{what}{qualifier}: {} MB", format_number(q.1)),
            });
        }
        out
    };
    let line = |label: String, v: &[(usize, f64, f64, f64)]| Line {
        label,
        points: v.iter().map(|q| (q.1, q.2, q.3)).collect(),
    };
    let (c, l) = (pts(cost), pts(lat));
    let x = XAxis { desc: format!("{f} memory (MB)"), categories: None };
    let panels = vec![
        Panel {
            y_desc: "cost (USD, simulated period)".into(),
            marks: marks(&c, "cheapest"),
            lines: vec![line(format!("{f} cost"), &c)],
            limits: vec![],
        },
        Panel {
            y_desc: format!("{q} latency (ms)"),
            marks: marks(&l, "fastest"),
            lines: vec![line(format!("{f} {q}"), &l)],
            limits: limit_of(rec, key),
        },
    ];
    Some(("power-tuning".into(), format!("power tuning: {f}"), x, panels))
}

/// A platform of the break-even chart: a function or service and the APIs in front of it.
fn platform_costs(t: &SweepTable) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (block, kind) in [("functions", "function"), ("services", "service")] {
        for (name, col) in t.components(block, "cost_usd.total") {
            let mut cols = vec![col];
            for (api, target) in &t.links {
                if *target == format!("{kind}:{name}")
                    && let Some(c) = t.figure(&format!("apis.{api}.cost_usd.total"))
                {
                    cols.push(c);
                }
            }
            let label = if cols.len() > 1 { format!("{name} (with API Gateway)") } else { name };
            out.push((label, cols));
        }
    }
    out
}

/// Monthly cost of each platform against the swept arrival rate, crossings labelled.
fn break_even(t: &SweepTable) -> Option<(String, String, XAxis, Vec<Panel>)> {
    let k =
        t.keys.iter().position(|k| k.starts_with("workload.") && k.ends_with(".arrivals.rate"))?;
    let platforms = platform_costs(t);
    if platforms.len() < 2 {
        return None;
    }
    let measured = t.figure("measured_seconds")?;
    let others = |r: usize| -> Vec<&Json> {
        t.rows[r].values.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, v)| v).collect()
    };
    let base = others(0);
    let rows: Vec<usize> = (0..t.rows.len()).filter(|&r| others(r) == base).collect();
    let lines: Vec<Line> = platforms
        .iter()
        .map(|(label, cols)| {
            let mut points: Vec<(f64, f64, f64)> = rows
                .iter()
                .filter_map(|&r| {
                    let rate = t.rows[r].values[k].as_f64()?;
                    let (mut y, mut c) = (0.0, 0.0);
                    for &col in cols {
                        let (m, h) = monthly(t, r, col, measured)?;
                        y += m;
                        c += h;
                    }
                    Some((rate, y, c))
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Line { label: label.clone(), points }
        })
        .collect();
    let marks = crossings(&lines);
    let x = XAxis { desc: "request rate (requests per second)".into(), categories: None };
    let panel =
        Panel { y_desc: "cost per 30-day month (USD)".into(), lines, marks, limits: vec![] };
    let title = "break-even: cost per 30-day month by platform";
    Some(("break-even".into(), title.into(), x, vec![panel]))
}

/// A component's cost per 30-day month at point `r`, with its 95% half-width, from the
/// component's `cost_usd.total` figure `col`: its `cost_usd.monthly` (tiers and free tier
/// applied to the month's volume), or, in sweeps written before that figure existed, the
/// period's cost scaled to the month.
fn monthly(t: &SweepTable, r: usize, col: usize, measured: usize) -> Option<(f64, f64)> {
    let name = t.figures[col].strip_suffix(".total")?;
    if let Some(m) = t.figure(&format!("{name}.monthly")) {
        return t.value(r, m);
    }
    let secs = t.value(r, measured)?.0;
    let scale = if secs > 0.0 { MONTH_S / secs } else { return None };
    let (m, h) = t.value(r, col)?;
    Some((m * scale, h * scale))
}

/// Where two lines cross between consecutive x values they share (linear interpolation).
pub fn crossings(lines: &[Line]) -> Vec<Mark> {
    let mut out = Vec::new();
    for (i, a) in lines.iter().enumerate() {
        for b in &lines[i + 1..] {
            let shared: Vec<(f64, f64, f64)> = a
                .points
                .iter()
                .filter_map(|p| b.points.iter().find(|q| q.0 == p.0).map(|q| (p.0, p.1, q.1)))
                .collect();
            for w in shared.windows(2) {
                let (x0, a0, b0) = w[0];
                let (x1, a1, b1) = w[1];
                let (d0, d1) = (a0 - b0, a1 - b1);
                if d0 == 0.0 || d1 == 0.0 || d0.signum() == d1.signum() {
                    continue;
                }
                let f = d0 / (d0 - d1);
                let x = x0 + f * (x1 - x0);
                let y = a0 + f * (a1 - a0);
                out.push(Mark {
                    x,
                    y,
                    label: format!("{} = {} at {} req/s", a.label, b.label, significant(x)),
                });
            }
        }
    }
    out
}

/// Three significant digits, without trailing zeros: 16.046 -> "16", 6.576 -> "6.58".
fn significant(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format_number(x);
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// Cold-start ratio against idle GB-seconds when a keep-alive setting is swept: each point
/// labelled with its setting, one line per function.
fn keep_alive(t: &SweepTable) -> Option<(String, String, XAxis, Vec<Panel>)> {
    let k = t.keys.iter().position(|k| k.contains("keep_alive"))?;
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for (f, cold) in t.components("functions", "cold_start_ratio") {
        let idle = t.figure(&format!("functions.{f}.idle_gb_seconds"))?;
        let mut points = Vec::new();
        for r in 0..t.rows.len() {
            let (Some((x, _)), Some((y, c))) = (t.value(r, idle), t.value(r, cold)) else {
                continue;
            };
            points.push((x, y, c));
            marks.push(Mark { x, y, label: text(&t.rows[r].values[k]) });
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        lines.push(Line { label: f, points });
    }
    lines.truncate(MAX_LINES);
    let x = XAxis { desc: "idle GB-seconds (memory kept warm)".into(), categories: None };
    let panel = Panel { y_desc: "cold-start ratio".into(), lines, marks, limits: vec![] };
    Some((
        "keep-alive".into(),
        format!("keep-alive trade-off ({})", short(&t.keys[k])),
        x,
        vec![panel],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, pts: &[(f64, f64)]) -> Line {
        Line { label: label.into(), points: pts.iter().map(|p| (p.0, p.1, 0.0)).collect() }
    }

    /// Three sizes of `f`: 128 MB the cheapest but failing `p95_ms <= 1000`, 512 and 1024 MB
    /// passing; 1024 MB is 10% dearer (not tied) and faster.
    fn tuned() -> (SweepTable, Recommendation) {
        use serde_json::json;
        let rows: Vec<(Json, Json)> =
            [(128, 0.5, 0.02, 3000.0), (512, 1.0, 0.0, 900.0), (1024, 1.1, 0.0, 500.0)]
                .iter()
                .map(|&(m, cost, ci, p95)| {
                    let f = json!({ "cost_usd": { "total": cost }, "latency_ms": { "p95": p95 } });
                    (
                        json!({ "lambda.function.f.memory_size": m }),
                        json!({ "functions": { "f": f }, "cost_usd": { "total": cost },
                            "ci95": { "cost_usd": { "total": ci },
                                      "functions": { "f": { "cost_usd": { "total": ci } } } } }),
                    )
                })
                .collect();
        let t = SweepTable::new(vec!["lambda.function.f.memory_size".into()], &rows);
        let comps: Vec<_> = rows.iter().map(|r| crate::slo::Components::of_summary(&r.1)).collect();
        let slo = crate::slo::Slo {
            limits: vec![(SloKey::P95Ms, 1000.0)],
            components: None,
            raw: crate::config::raw::RawSlo { p95_ms: Some(1000.0), ..Default::default() },
        };
        let rec = Recommendation::new("s", &t, &[0, 1, 2], &comps, &slo, false);
        (t, rec)
    }

    #[test]
    fn slo_limits_and_the_recommendation_are_charted() {
        let (t, rec) = tuned();
        let charts = charts(&t, Some(&rec));
        let find = |stem: &str| charts.iter().find(|c| c.0 == stem).map(|c| &c.3).unwrap();
        let pt = find("power-tuning");
        let labels = |p: &Panel| p.marks.iter().map(|m| m.label.clone()).collect::<Vec<_>>();
        // 128 MB is the cheapest but fails: never labelled cheapest
        assert_eq!(labels(&pt[0]), ["recommended, cheapest passing: 512 MB"]);
        assert_eq!(labels(&pt[1]), ["recommended: 512 MB", "fastest passing: 1024 MB"]);
        assert_eq!(pt[1].y_desc, "p95 latency (ms)");
        assert_eq!(pt[1].limits, [Limit { y: 1000.0, label: "SLO p95_ms <= 1000.0 ms".into() }]);
        assert!(pt[0].limits.is_empty());
        let p95 = find("sweep-p95");
        assert_eq!(p95[0].limits.len(), 1);
        assert_eq!(p95[0].limits[0].y, 1000.0);
        let cost = find("sweep-cost");
        assert_eq!(labels(&cost[0]), ["recommended: f.memory_size=512"]);
        assert!(cost[0].limits.is_empty(), "no cost_usd limit in [slo]");
        // without [slo]: no limits, the plain cheapest and fastest
        let charts = super::charts(&t, None);
        let pt = &charts.iter().find(|c| c.0 == "power-tuning").unwrap().3;
        assert_eq!(labels(&pt[0]), ["cheapest: 128 MB"]);
        assert!(pt.iter().all(|p| p.limits.is_empty()));
        // the 128 MB cost bar, 0.5 +- 0.02, stays as is; a bar wider than its mean stops at 0
        assert_eq!(low(&(128.0, 0.5, 0.02)), 0.48);
        assert_eq!(low(&(1.0, 0.001, 0.004)), 0.0);
    }

    #[test]
    fn tick_labels_are_distinct() {
        // costs 0.0100 .. 0.0105 a tenth of a thousandth apart: format_number's three decimals
        // would print "0.01" six times
        let ticks: Vec<String> = (0..6).map(|i| tick_label(0.01 + i as f64 * 1e-4, 1e-4)).collect();
        assert_eq!(ticks, ["0.01", "0.0101", "0.0102", "0.0103", "0.0104", "0.0105"]);
        assert_eq!(tick_label(2500.0, 250.0), "2500");
        assert_eq!(tick_label(12000.0, 1000.0), "12k");
        assert_eq!(tick_label(0.0, 1e-4), "0");
    }

    #[test]
    fn crossings_are_interpolated() {
        // lambda grows linearly from 0, a fixed fleet costs 100: they cross at x = 50
        let lambda = line("lambda", &[(0.0, 0.0), (40.0, 80.0), (60.0, 120.0), (100.0, 200.0)]);
        let fleet = line("ec2", &[(0.0, 100.0), (40.0, 100.0), (60.0, 100.0), (100.0, 100.0)]);
        let marks = crossings(&[lambda.clone(), fleet]);
        assert_eq!(marks.len(), 1);
        assert!((marks[0].x - 50.0).abs() < 1e-9 && (marks[0].y - 100.0).abs() < 1e-9);
        assert_eq!(marks[0].label, "lambda = ec2 at 50 req/s");
        assert_eq!(significant(16.046), "16");
        assert_eq!(significant(6.576), "6.58");
        assert_eq!(significant(1234.6), "1235");
        // parallel lines never cross
        let above = line("above", &[(0.0, 10.0), (100.0, 210.0)]);
        assert!(crossings(&[lambda, above]).is_empty());
    }

    #[test]
    fn panels_cope_with_any_data() {
        let dir = tempfile::tempdir().unwrap();
        let x = XAxis { desc: "x".into(), categories: None };
        let cases = [
            vec![],
            vec![Panel {
                y_desc: "y".into(),
                lines: vec![line("one", &[(1.0, 1.0)])],
                marks: vec![],
                limits: vec![],
            }],
            vec![Panel {
                y_desc: "decades".into(),
                lines: vec![line("a", &[(1.0, 0.01), (10.0, 1.0), (1000.0, 100.0)])],
                marks: vec![Mark { x: 10.0, y: 1.0, label: "here".into() }],
                limits: vec![Limit { y: 50.0, label: "SLO".into() }],
            }],
            vec![Panel {
                y_desc: "bad".into(),
                lines: vec![line("nan", &[(f64::NAN, 1.0), (2.0, f64::INFINITY)])],
                marks: vec![],
                limits: vec![],
            }],
        ];
        for (i, ps) in cases.iter().enumerate() {
            for ext in ["png", "svg"] {
                let path = dir.path().join(format!("c{i}.{ext}"));
                panels(&path, "t", &x, ps).unwrap();
                assert!(std::fs::metadata(&path).unwrap().len() > 100);
            }
        }
        let cat = XAxis {
            desc: "policy".into(),
            categories: Some(vec!["fixed".into(), "hybrid".into()]),
        };
        let path = dir.path().join("cat.svg");
        let ps = [Panel {
            y_desc: "y".into(),
            lines: vec![line("f", &[(0.0, 1.0), (1.0, 2.0)])],
            marks: vec![],
            limits: vec![],
        }];
        panels(&path, "t", &cat, &ps).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let texts: Vec<&str> =
            svg.split("</text>").filter_map(|t| t.rsplit('>').next()).map(str::trim).collect();
        assert!(
            texts.contains(&"fixed") && texts.contains(&"hybrid"),
            "category labels drawn: {texts:?}"
        );
    }
}

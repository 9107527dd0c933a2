//! The `fleet` chart: how a fleet's functions are distributed, as the Azure Functions 2019
//! characterisation (Shahrad et al., USENIX ATC 2020) draws them: the share of functions (a
//! cumulative distribution over functions, not over requests) by invocations per day, by
//! cold-start ratio and by idle memory (GB-seconds kept warm per day). A table of 50,000 rows
//! says none of this; three curves do.
//!
//! Each curve is drawn through at most [`POINTS`] exact points of the empirical distribution
//! (the value at evenly spaced ranks, the first and the last included), so the file's size
//! does not grow with the fleet.

use std::path::Path;

use plotters::prelude::*;

use super::chart::{Area, COLOURS, ChartError, FAMILY, SIZE, fail, format_number, render};
use crate::summary::Summary;

/// Points per curve at most.
pub const POINTS: usize = 400;

/// One panel's data: the values over the functions it covers, and how many it leaves out
/// (not invoked, or nothing to show on a log axis).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distribution {
    pub label: &'static str,
    /// (value, share of the covered functions at or below it), sorted, at most [`POINTS`].
    pub points: Vec<(f64, f64)>,
    pub covered: usize,
    pub left_out: usize,
    /// What the left-out functions are (`not invoked`).
    pub left_out_as: &'static str,
    pub log: bool,
}

/// The empirical CDF of `values` at up to [`POINTS`] evenly spaced ranks (first and last
/// included): each point is exact, the share counting every value at or below it.
pub fn cdf_points(mut values: Vec<f64>) -> Vec<(f64, f64)> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let k = POINTS.min(n);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(k);
    for j in 0..k {
        let i = if k == 1 { n - 1 } else { j * (n - 1) / (k - 1) };
        // the share at a value counts its ties too
        let v = values[i];
        let at_or_below = values.partition_point(|x| *x <= v);
        let p = (v, at_or_below as f64 / n as f64);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

/// The three distributions of a summary's functions.
pub fn distributions(summary: &Summary) -> [Distribution; 3] {
    let days = summary["measured_seconds"].as_f64().unwrap_or(0.0) / 86_400.0;
    let per_day = |x: f64| if days > 0.0 { x / days } else { 0.0 };
    let t = summary.functions();
    let figure = |n: &str, k: &str| t.figure(n, &[k]).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (mut invocations, mut cold, mut idle) = (Vec::new(), Vec::new(), Vec::new());
    for name in t.names() {
        let n = figure(name, "invocations");
        if n > 0.0 {
            invocations.push(per_day(n));
            cold.push(figure(name, "cold_start_ratio"));
        }
        let gb_s = figure(name, "idle_gb_seconds");
        if gb_s > 0.0 {
            idle.push(per_day(gb_s));
        }
    }
    let all = t.len();
    let make = |label, values: Vec<f64>, left_out_as, log| {
        let covered = values.len();
        let points = cdf_points(values);
        Distribution { label, points, covered, left_out: all - covered, left_out_as, log }
    };
    [
        make("invocations per day", invocations, "not invoked", true),
        make("cold-start ratio", cold, "not invoked", false),
        make("idle GB-seconds per day", idle, "never idle", true),
    ]
}

/// Draws the three distributions side by side.
pub fn fleet(path: &Path, title: &str, panels: &[Distribution; 3]) -> Result<(), ChartError> {
    render!(path, |root| fleet_on(&root, path, title, panels)?)
}

fn fleet_on<DB: DrawingBackend>(
    root: &Area<DB>,
    path: &Path,
    title: &str,
    panels: &[Distribution; 3],
) -> Result<(), ChartError> {
    let err = fail(path);
    let root = root.titled(title, (FAMILY, 22)).map_err(&err)?;
    let areas = root.split_evenly((1, 3));
    for (i, (area, d)) in areas.iter().zip(panels).enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let count = super::table::count;
        let desc = if d.left_out > 0 {
            format!(
                "{} functions ({} {})",
                count(d.covered as f64),
                count(d.left_out as f64),
                d.left_out_as
            )
        } else {
            format!("{} functions", count(d.covered as f64))
        };
        let area = area.titled(d.label, (FAMILY, 15)).map_err(&err)?;
        let lo = d.points.first().map_or(0.0, |p| p.0);
        let hi = d.points.last().map_or(1.0, |p| p.0);
        // a staircase through the exact points: the distribution never drawn above itself
        let steps = super::chart::cdf_steps(&d.points);
        let line = LineSeries::new(steps.into_iter().skip(1), colour.stroke_width(2));
        if d.log {
            let lo = if lo > 0.0 { lo } else { 1e-3 };
            let hi = if hi > lo { hi } else { lo * 10.0 };
            panel(&area, path, (lo * 0.9..hi * 1.1).log_scale(), &desc, line)?;
        } else {
            panel(&area, path, 0.0..1.0, &desc, line)?;
        }
    }
    Ok(())
}

/// One panel: share of functions (0 to 1) against the figure on `x`.
fn panel<DB, XR>(
    area: &Area<DB>,
    path: &Path,
    x: XR,
    desc: &str,
    line: LineSeries<DB, (f64, f64)>,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    XR: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    XR::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let err = fail(path);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(50)
        .build_cartesian_2d(x, 0.0..1.02)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(desc)
        .y_desc("share of functions")
        .x_labels(5)
        .x_label_formatter(&|v| format_number(*v))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 13))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(&err)?;
    chart.draw_series(line).map_err(&err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_points_are_exact_and_bounded() {
        // 1..=10: every value is a point, the share of 3 is 3/10
        let p = cdf_points((1..=10).map(f64::from).collect());
        assert_eq!(p.len(), 10);
        assert_eq!(p[2], (3.0, 0.3));
        assert_eq!(p[9], (10.0, 1.0));
        // ties: the share at a value counts all its copies
        assert_eq!(cdf_points(vec![1.0, 1.0, 2.0]), vec![(1.0, 2.0 / 3.0), (2.0, 1.0)]);
        // a large fleet: at most POINTS, first and last kept
        let many: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 0.5).collect();
        let p = cdf_points(many);
        assert!(p.len() <= POINTS);
        assert_eq!(p[0], (0.0, 1.0 / 100_000.0));
        assert_eq!(*p.last().unwrap(), (49_999.5, 1.0));
        assert!(cdf_points(vec![f64::NAN]).is_empty());
    }
}

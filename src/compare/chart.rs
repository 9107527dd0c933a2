//! `compare-observed.png` / `.svg`: observed and simulated over time, one panel per metric
//! compared, in the run charts' style (src/report/chart.rs).

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::Aligned;
use crate::import::observed::Metric;
use crate::report::chart::{
    COLOURS, ChartError, FAMILY, fail, format_number, legend, register_embedded_font, span,
};

/// The chart's file stem.
pub const STEM: &str = "compare-observed";
/// Width, and height of one row of panels, in pixels.
const WIDTH: u32 = 1200;
const ROW: u32 = 300;

/// Draws the overlay at `path`: SVG if it ends in `.svg`, PNG otherwise.
pub fn overlay(path: &Path, a: &Aligned) -> Result<(), ChartError> {
    register_embedded_font().map_err(fail(path))?;
    let metrics: Vec<Metric> =
        a.obs.metrics().into_iter().filter(|&m| !a.pairs(m).is_empty()).collect();
    let cols = if metrics.len() <= 2 { 1 } else { 2 };
    let rows = metrics.len().div_ceil(cols).max(1);
    let size = (WIDTH, 60 + ROW * rows as u32);
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) {
        let root = SVGBackend::new(path, size).into_drawing_area();
        draw(&root, path, a, &metrics, (rows, cols))?;
        root.present().map_err(fail(path))
    } else {
        let root = BitMapBackend::new(path, size).into_drawing_area();
        draw(&root, path, a, &metrics, (rows, cols))?;
        root.present().map_err(fail(path))
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    path: &Path,
    a: &Aligned,
    metrics: &[Metric],
    grid: (usize, usize),
) -> Result<(), ChartError> {
    let err = fail(path);
    root.fill(&WHITE).map_err(&err)?;
    let title = format!("Observed and simulated, per {} s period", a.obs.period_s);
    let root = root.titled(&title, (FAMILY, 24)).map_err(&err)?;
    let areas = root.split_evenly(grid);
    for (area, &m) in areas.iter().zip(metrics) {
        panel(area, path, a, m)?;
    }
    Ok(())
}

/// One metric: observed (solid) and simulated (dashed) against minutes since the first observed
/// period.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &Path,
    a: &Aligned,
    m: Metric,
) -> Result<(), ChartError> {
    let err = fail(path);
    let minutes = f64::from(a.obs.period_s) / 60.0;
    // each period's figure drawn mid-period
    let side = |o: &crate::import::observed::Observed| -> Vec<(f64, f64)> {
        (0..a.obs.rows.len())
            .filter_map(|k| Some(((k as f64 + 0.5) * minutes, o.get(k, m)?)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    };
    let (obs, sim) = (side(&a.obs), side(&a.sim));
    let all = || obs.iter().chain(&sim);
    let x = span(0.0, all().map(|p| p.0 + minutes / 2.0).fold(minutes, f64::max));
    let y_hi = all().map(|p| p.1).fold(0.0, f64::max);
    let y = span(0.0, y_hi * 1.35);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .caption(m.column(), (FAMILY, 18))
        .build_cartesian_2d(x, y)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc("minutes since the first observed period")
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| label(*v, y_hi))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .max_light_lines(4)
        .draw()
        .map_err(&err)?;
    let observed = COLOURS[0].stroke_width(2);
    chart
        .draw_series(LineSeries::new(obs.iter().copied(), observed))
        .map_err(&err)?
        .label("observed")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], observed));
    let simulated = COLOURS[1].stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new(sim.iter().copied(), 8, 5, simulated))
        .map_err(&err)?
        .label("simulated")
        .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 24, y)], 8, 5, simulated));
    // a lone period would draw no line: mark the points too
    if obs.len() == 1 || sim.len() == 1 {
        chart
            .draw_series(obs.iter().map(|&p| Circle::new(p, 4, observed.filled())))
            .map_err(&err)?;
        chart
            .draw_series(sim.iter().map(|&p| Circle::new(p, 4, simulated.filled())))
            .map_err(&err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(&err)
}

/// A y label: as the run charts' for figures of 1 and more; small ones (costs of a cent a
/// minute) with the decimals their scale needs, so neighbouring labels differ.
fn label(v: f64, top: f64) -> String {
    if top >= 1.0 || top <= 0.0 || !top.is_finite() {
        return format_number(v);
    }
    let decimals = (1.0 - top.log10().floor()).clamp(1.0, 12.0) as usize;
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_labels_keep_their_digits() {
        assert_eq!(label(0.0025, 0.0035), "0.0025");
        assert_eq!(label(0.003, 0.0035), "0.0030");
        assert_eq!(label(250.0, 600.0), "250");
    }
}

//! Charts as PNG or SVG (by the file's extension), drawn with plotters; one function per chart
//! kind, each drawing on any plotters backend.
//!
//! Text uses an embedded DejaVu Sans (plotters' `ab_glyph` backend, no system fonts). Every
//! function copes with any input (empty, single-point, all-zero or non-finite data) without
//! panicking: non-finite values are skipped and axis ranges are always non-empty.

use std::fmt::Display;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use crate::metrics::MinuteRow;
use crate::service::metrics::ServiceMinute;

/// Image size in pixels.
pub(crate) const SIZE: (u32, u32) = (1000, 600);
/// Font family every text uses (registered from [`FONT`]).
pub(crate) const FAMILY: &str = "sans-serif";
const FONT: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans.ttf"));
/// Smallest latency drawn on the log axis; smaller (and zero) latencies are clamped to it.
const MIN_LATENCY_MS: f64 = 0.001;
/// Distinct series colours (Tableau 10), readable on white.
pub(crate) const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Latency CDF points of one function: (latency in milliseconds, cumulative share 0..=1), sorted by latency.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencyCurve {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart {path}: {message}")]
pub struct ChartError {
    pub path: String,
    pub message: String,
}

/// Draws `$body` (an expression using the drawing area `$root`) on a new white canvas at
/// `$path`: SVG if the path ends in `.svg`, PNG otherwise.
macro_rules! render {
    ($path:expr, |$root:ident| $body:expr) => {{
        let path: &Path = $path;
        $crate::report::chart::register_embedded_font()
            .map_err($crate::report::chart::fail(path))?;
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) {
            let $root = SVGBackend::new(path, SIZE).into_drawing_area();
            $root.fill(&WHITE).map_err(fail(path))?;
            $body;
            $root.present().map_err(fail(path))
        } else {
            let $root = BitMapBackend::new(path, SIZE).into_drawing_area();
            $root.fill(&WHITE).map_err(fail(path))?;
            $body;
            $root.present().map_err(fail(path))
        }
    }};
}
pub(crate) use render;

/// A drawing area on any backend.
pub(crate) type Area<DB> = DrawingArea<DB, Shift>;

/// One line of a chart: label, stroke, dashed or not, and finite points.
struct Series {
    label: String,
    style: ShapeStyle,
    dashed: bool,
    points: Vec<(f64, f64)>,
    /// A line of maxima (`..._max`): drawn through the highest point of each pixel column only
    /// when there are more points than columns (the lowest of the maxima would only blur it).
    peaks: bool,
}

impl Series {
    fn peaks(self) -> Series {
        Series { peaks: true, ..self }
    }
}

/// Requests per minute over time, in two panels. Top: the requests generated (each workload's
/// and trace's requests once, whatever their targets), what reached each kind of component when
/// there are several (functions, APIs, services, queues) or when the functions received more
/// than was generated (a workload with two targets), and Lambda invocations. Bottom, on a scale
/// of their own so they stay readable beside the requests: throttles, cold starts, errors plus
/// timeouts, and with APIs or services their 429s and 503s.
///
/// `components` names the components counted one by one in [`MinuteRow::components`] (see
/// [`crate::metrics::ComponentSlots`]: two to eight of them), in slot order: each then gets its
/// own line in place of the per-kind totals (queues keep theirs). Empty: per-kind lines.
pub fn requests_over_time(
    path: &Path,
    title: &str,
    rows: &[MinuteRow],
    components: &[String],
) -> Result<(), ChartError> {
    let mut top = vec![minute_series(
        "requests (workloads and traces)",
        COLOURS[0].stroke_width(3),
        false,
        rows,
        |r| r.requests as f64,
    )];
    let per_kind = component_arrivals(rows);
    let lines: Vec<(String, Box<PerMinute>)> = if components.is_empty() {
        per_kind.into_iter().map(|(l, v)| (l.to_string(), Box::new(v) as Box<_>)).collect()
    } else {
        let tracked = components.iter().take(crate::metrics::TRACKED).enumerate().map(|(k, l)| {
            (l.clone(), Box::new(move |r: &MinuteRow| f64::from(r.components[k])) as Box<_>)
        });
        let queues = per_kind
            .into_iter()
            .filter(|(l, _)| l.contains("queues"))
            .map(|(l, v)| (l.to_string(), Box::new(v) as Box<_>));
        tracked.chain(queues).collect()
    };
    for (i, (label, value)) in lines.iter().enumerate() {
        let style = COLOURS[(5 + i) % COLOURS.len()].stroke_width(2);
        top.push(minute_series(label, style, true, rows, value));
    }
    top.push(minute_series("invocations", COLOURS[2].stroke_width(2), true, rows, |r| {
        r.invocations as f64
    }));
    let mut bottom = vec![
        minute_series("throttles", COLOURS[3].stroke_width(2), false, rows, |r| r.throttles as f64),
        minute_series("cold starts", COLOURS[1].stroke_width(2), false, rows, |r| {
            r.cold_starts as f64
        }),
        minute_series("errors + timeouts", COLOURS[4].stroke_width(2), false, rows, |r| {
            r.errors.saturating_add(r.timeouts) as f64
        }),
    ];
    if rows.iter().any(|r| r.api_requests > 0) {
        bottom.push(minute_series("API 429 + 504", COLOURS[8].stroke_width(2), true, rows, |r| {
            r.api_throttles.saturating_add(r.api_timeouts) as f64
        }));
    }
    if rows.iter().any(|r| r.service_requests > 0) {
        bottom.push(minute_series(
            "service 503 (rejected)",
            COLOURS[9].stroke_width(2),
            true,
            rows,
            |r| r.service_rejected as f64,
        ));
    }
    // the lower panel is small: lines at zero all along leave the legend and are named under
    // the axis instead
    let mut zero = Vec::new();
    for s in bottom.iter_mut().filter(|s| s.points.iter().all(|p| p.1 == 0.0)) {
        zero.push(std::mem::take(&mut s.label));
    }
    let (axis, per) = (time_axis(rows).label, row_unit(rows));
    let x_desc = match zero.is_empty() {
        true => axis.to_string(),
        false => format!("{axis}; none in any {per}: {}", zero.join(", ")),
    };
    render!(path, |root| {
        let (upper, lower) = root.split_vertically(SIZE.1 * 3 / 5);
        let requests = format!("requests per {per}");
        time_panel(&upper, path, (title, axis), &requests, rows, &top)?;
        time_panel(&lower, path, ("", &x_desc), &format!("per {per}"), rows, &bottom)?;
    })
}

/// A per-minute count of a row.
type Count = fn(&MinuteRow) -> f64;

/// A per-minute figure of a row, capturing what it needs (a component's slot).
type PerMinute = dyn Fn(&MinuteRow) -> f64;

/// What reached each kind of component, per minute, to draw beside the requests generated:
/// every kind that received anything when there are several, or the functions alone when they
/// received more than was generated (each target of a workload counts an arrival). Empty when
/// it would only repeat the requests line.
pub(crate) fn component_arrivals(rows: &[MinuteRow]) -> Vec<(&'static str, Count)> {
    let kinds: [(&'static str, Count); 4] = [
        ("arrivals at functions", |r| r.arrivals as f64),
        ("requests at APIs", |r| r.api_requests as f64),
        ("requests at services", |r| r.service_requests as f64),
        ("records put on queues", |r| r.queue_records as f64),
    ];
    let present: Vec<(&'static str, Count)> =
        kinds.into_iter().filter(|(_, v)| rows.iter().any(|r| v(r) > 0.0)).collect();
    let repeats = |v: Count| rows.iter().all(|r| v(r) == r.requests as f64);
    match present.as_slice() {
        [(_, v)] if repeats(*v) => Vec::new(),
        _ => present,
    }
}

/// API Gateway per minute: requests, those accepted, throttled (429) and timed out (504).
pub fn api_over_time(path: &Path, title: &str, rows: &[MinuteRow]) -> Result<(), ChartError> {
    let series = [
        minute_series("requests", COLOURS[0].stroke_width(3), false, rows, |r| {
            r.api_requests as f64
        }),
        minute_series("accepted", COLOURS[2].stroke_width(2), true, rows, |r| {
            r.api_requests.saturating_sub(r.api_throttles) as f64
        }),
        minute_series("throttled (429)", COLOURS[3].stroke_width(2), false, rows, |r| {
            r.api_throttles as f64
        }),
        minute_series("timed out (504)", COLOURS[4].stroke_width(2), false, rows, |r| {
            r.api_timeouts as f64
        }),
    ];
    time_chart(path, title, &format!("requests per {}", row_unit(rows)), rows, &series)
}

/// Concurrency (mean and max per minute) and environments (mean and max per minute) over time.
pub fn concurrency_over_time(
    path: &Path,
    title: &str,
    rows: &[MinuteRow],
) -> Result<(), ChartError> {
    let series = [
        minute_series("concurrency (mean)", COLOURS[0].stroke_width(2), false, rows, |r| {
            r.concurrency_mean
        }),
        minute_series("concurrency (max)", COLOURS[0].mix(0.7).stroke_width(2), true, rows, |r| {
            f64::from(r.concurrency_max)
        })
        .peaks(),
        minute_series("environments (mean)", COLOURS[1].stroke_width(2), false, rows, |r| {
            r.environments_mean
        }),
        minute_series("environments (max)", COLOURS[1].mix(0.7).stroke_width(2), true, rows, |r| {
            f64::from(r.environments_max)
        })
        .peaks(),
    ];
    time_chart(path, title, "concurrent executions / environments", rows, &series)
}

/// Queues and streams over time, in two panels: records held (the most in each minute, and
/// records put on the queues per minute) above, the oldest record's age (the most in each
/// minute) below.
pub fn queues_over_time(path: &Path, title: &str, rows: &[MinuteRow]) -> Result<(), ChartError> {
    let backlog = [
        minute_series("backlog (max)", COLOURS[0].stroke_width(3), false, rows, |r| {
            r.queue_backlog_max as f64
        })
        .peaks(),
        minute_series("records in", COLOURS[2].stroke_width(2), true, rows, |r| {
            r.queue_records as f64
        }),
        minute_series("failed", COLOURS[3].stroke_width(2), false, rows, |r| r.queue_failed as f64),
    ];
    let age =
        [minute_series("oldest record (max)", COLOURS[1].stroke_width(3), false, rows, |r| {
            r.queue_age_max_s
        })
        .peaks()];
    render!(path, |root| {
        let (top, bottom) = root.split_vertically(SIZE.1 / 2);
        let axis = time_axis(rows).label;
        time_panel(&top, path, (title, axis), "records", rows, &backlog)?;
        time_panel(&bottom, path, ("", axis), "age (s)", rows, &age)?;
    })
}

/// Services drawn on the `services` chart at most: each takes three lines of the legend.
pub const MAX_SERVICES_DRAWN: usize = 4;

/// Services over time, in two panels: tasks running (serving), desired (dashed) and pending
/// (starting, thin) above, CPU utilisation (%) below; one colour per service, the first
/// [`MAX_SERVICES_DRAWN`] in the scenario's order (the title says how many more there are).
/// `services` holds each service's name and its minutes, the same minutes as `rows`.
pub fn services_over_time(
    path: &Path,
    title: &str,
    rows: &[MinuteRow],
    services: &[(String, &[ServiceMinute])],
) -> Result<(), ChartError> {
    let drawn = &services[..services.len().min(MAX_SERVICES_DRAWN)];
    let title = match services.len() - drawn.len() {
        0 => title.to_string(),
        more => format!("{title} ({more} more not drawn)"),
    };
    // one service: a legend entry per line; several: one per service (its running line)
    let several = services.len() > 1;
    let named = |name: &str, what: &str| match (several, what) {
        (false, _) => what.to_string(),
        // the CPU lines take the colours of the tasks' legend
        (true, "running") => name.to_string(),
        (true, _) => String::new(),
    };
    let (mut tasks, mut cpu) = (Vec::new(), Vec::new());
    for (i, (name, minutes)) in drawn.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let values = |v: fn(&ServiceMinute) -> f64| minutes.iter().map(v).collect::<Vec<f64>>();
        let line = |what: &str, style: ShapeStyle, dashed, v: fn(&ServiceMinute) -> f64| {
            indexed_series(&named(name, what), style, dashed, rows, &values(v))
        };
        tasks.push(line("running", colour.stroke_width(3), false, |m| m.tasks_running));
        tasks.push(line("desired", colour.stroke_width(2), true, |m| m.tasks_desired));
        tasks.push(line("pending", colour.mix(0.6).stroke_width(1), false, |m| m.tasks_pending));
        cpu.push(line("CPU", colour.stroke_width(2), false, |m| m.cpu_pct));
    }
    // several services: the kinds of line are told under the axis, the lower panel's telling
    // the minutes
    let axis = time_axis(rows).label;
    let key = if several { "thick: running, dashed: desired, thin: pending" } else { axis };
    let y_tasks = format!("tasks (mean over the {})", row_unit(rows));
    render!(path, |root| {
        let (upper, lower) = root.split_vertically(SIZE.1 * 3 / 5);
        time_panel(&upper, path, (&title, key), &y_tasks, rows, &tasks)?;
        time_panel(&lower, path, ("", axis), "CPU utilisation (%)", rows, &cpu)?;
    })
}

/// Latency CDF, one line per curve (functions, APIs, services), drawn through its points as
/// given ([`cdf_steps`] makes a histogram's CDF a staircase, so a constant latency shows as a
/// vertical jump): latency in ms against the share of completed requests, on a log axis when
/// the points span more than a decade ([`latency_log_axis`]), linear from 0 otherwise.
pub fn latency_cdf(path: &Path, title: &str, curves: &[LatencyCurve]) -> Result<(), ChartError> {
    render!(path, |root| latency_cdf_on(&root, path, title, curves)?)
}

/// Whether the latency axis is logarithmic: the largest non-zero latency drawn is more than
/// ten times the smallest.
pub fn latency_log_axis(curves: &[LatencyCurve]) -> bool {
    crate::report::comparison::spans_decades(
        curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)),
    )
}

/// A CDF's points (latency, share at or below it; sorted by latency) as a staircase: the
/// share holds until the next latency, then jumps, starting from 0 at the first. One latency
/// gives a vertical line from 0 to its share.
pub fn cdf_steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    let mut below = 0.0;
    for &(x, share) in points {
        out.push((x, below));
        out.push((x, share));
        below = share;
    }
    out
}

fn latency_cdf_on<DB: DrawingBackend>(
    root: &Area<DB>,
    path: &Path,
    title: &str,
    curves: &[LatencyCurve],
) -> Result<(), ChartError> {
    let log = latency_log_axis(curves);
    let series: Vec<Series> = curves
        .iter()
        .enumerate()
        .map(|(i, c)| Series {
            label: c.name.clone(),
            style: COLOURS[i % COLOURS.len()].stroke_width(2),
            dashed: false,
            peaks: false,
            points: c
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| {
                    (if log { x.max(MIN_LATENCY_MS) } else { x.max(0.0) }, y.clamp(0.0, 1.0))
                })
                .collect(),
        })
        .collect();
    let xs = || series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    if log {
        let x = log_range(xs());
        cdf_panel(root, path, title, &series, x.log_scale(), "latency (ms, log scale)")
    } else {
        let hi = xs().fold(0.0, f64::max);
        // room on the right keeps a jump at the largest latency clear of the legend
        cdf_panel(root, path, title, &series, span(0.0, hi * 1.25), "latency (ms)")
    }
}

/// The body of the latency CDF on either latency axis.
fn cdf_panel<DB, XR>(
    root: &Area<DB>,
    path: &Path,
    title: &str,
    series: &[Series],
    x: XR,
    x_desc: &str,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    XR: AsRangedCoord<Value = f64>,
    XR::CoordDescType: ValueFormatter<f64>,
{
    let err = fail(path);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x, 0.0..1.04)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("share of completed requests")
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .max_light_lines(4)
        .draw()
        .map_err(&err)?;
    for s in series {
        draw_series(&mut chart, s).map_err(&err)?;
    }
    if series.iter().all(|s| s.points.is_empty()) {
        no_data(root).map_err(&err)?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight).map_err(&err)
}

/// One bar pair of the `compare` chart: an option's monthly cost (with what fronts it) and p99.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareBar {
    /// `orders-fn + http api`.
    pub name: String,
    /// Cost of a 30-day month (USD).
    pub monthly_usd: f64,
    pub p99_ms: f64,
    /// `64 % rejected` when it does not carry its load: drawn grey and hatched, with this text.
    pub fails: Option<String>,
    /// The cheapest option that carries its load (marked "cheapest").
    pub cheapest: bool,
}

/// Options side by side: monthly cost (USD) above, p99 latency (ms) below, one bar per option; the latency axis turns logarithmic when the p99s span more than a decade.
pub fn compare_platforms(path: &Path, title: &str, bars: &[CompareBar]) -> Result<(), ChartError> {
    render!(path, |root| compare_platforms_on(&root, path, title, bars)?)
}

fn compare_platforms_on<DB: DrawingBackend>(
    root: &Area<DB>,
    path: &Path,
    title: &str,
    bars: &[CompareBar],
) -> Result<(), ChartError> {
    let err = fail(path);
    let root = root.titled(title, (FAMILY, 24)).map_err(&err)?;
    // stacked, so each panel has the page's width for the names under its bars
    let panels = root.split_evenly((2, 1));
    let top = |v: &dyn Fn(&CompareBar) -> f64| {
        let top = bars.iter().map(v).filter(|v| v.is_finite()).fold(0.0, f64::max);
        if top > 0.0 { top * 1.2 } else { 1.0 }
    };
    let cost = |b: &CompareBar| b.monthly_usd;
    let p99 = |b: &CompareBar| b.p99_ms;
    let desc = "cost per month (USD, 30 days)";
    bar_panel(&panels[0], path, bars, desc, &cost, 0.0..top(&cost), true)?;
    if crate::report::comparison::spans_decades(bars.iter().map(p99)) {
        let range = log_range(bars.iter().map(p99));
        let range = range.start..range.end * 2.0; // room for the labels above the bars
        let desc = "p99 latency (ms, log scale)";
        bar_panel(&panels[1], path, bars, desc, &p99, range.log_scale(), false)?;
    } else {
        bar_panel(&panels[1], path, bars, "p99 latency (ms)", &p99, 0.0..top(&p99), false)?;
    }
    if bars.is_empty() {
        no_data(&root).map_err(&err)?;
    }
    Ok(())
}

/// One panel of the `compare` chart: a bar per option from the axis' floor to `value`; failing
/// options grey and hatched with their failure above, the cheapest marked if `mark_cheapest`.
fn bar_panel<DB, YR>(
    panel: &Area<DB>,
    path: &Path,
    bars: &[CompareBar],
    desc: &str,
    value: &dyn Fn(&CompareBar) -> f64,
    y: YR,
    mark_cheapest: bool,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    YR: AsRangedCoord<Value = f64>,
    YR::CoordDescType: ValueFormatter<f64>,
{
    let err = fail(path);
    let mut chart = ChartBuilder::on(panel)
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..(bars.len().max(1) as f64 - 0.5), y)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len().max(1))
        .x_label_formatter(&|x| category(*x, |i| bars.get(i).map(|b| b.name.clone())))
        .y_desc(desc)
        .y_label_formatter(&|v| format_number(*v))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(&err)?;
    let floor = chart.y_range().start;
    let ceiling = chart.y_range().end;
    let height = |b: &CompareBar| value(b).clamp(floor, ceiling);
    let finite: Vec<(usize, &CompareBar)> =
        bars.iter().enumerate().filter(|(_, b)| value(b).is_finite()).collect();
    chart
        .draw_series(finite.iter().map(|&(i, b)| {
            let x = i as f64;
            let fill = match b.fails {
                Some(_) => RGBColor(200, 200, 200).filled(),
                None => COLOURS[i % COLOURS.len()].filled(),
            };
            Rectangle::new([(x - 0.35, floor), (x + 0.35, height(b))], fill)
        }))
        .map_err(&err)?;
    // hatching: diagonal strokes across each failing bar, drawn in pixels so they stay
    // diagonal on any axis
    for &(i, b) in finite.iter().filter(|(_, b)| b.fails.is_some()) {
        let x = i as f64;
        let (left, top) = chart.backend_coord(&(x - 0.35, height(b)));
        let (right, bottom) = chart.backend_coord(&(x + 0.35, floor));
        let (dx, dy) = panel.get_base_pixel();
        let mut k = left - (bottom - top);
        while k < right {
            // the segment from (k, bottom) rising at 45 degrees, clipped to the bar
            let (x0, y0) = if k < left { (left, bottom - (left - k)) } else { (k, bottom) };
            let run = (right - x0).min(y0 - top);
            if run > 0 {
                let line = PathElement::new(
                    vec![(x0 - dx, y0 - dy), (x0 + run - dx, y0 - run - dy)],
                    RGBColor(90, 90, 90).stroke_width(1),
                );
                panel.draw(&line).map_err(&err)?;
            }
            k += 10;
        }
    }
    let style = TextStyle::from((FAMILY, 13).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    for &(i, b) in &finite {
        let note = match (&b.fails, b.cheapest) {
            (Some(f), _) => format!("fails: {f}"),
            (None, true) if mark_cheapest => "cheapest".to_string(),
            _ => continue,
        };
        let (px, py) = chart.backend_coord(&(i as f64, height(b)));
        let (dx, dy) = panel.get_base_pixel();
        panel.draw(&Text::new(note, (px - dx, py - dy - 4), style.clone())).map_err(&err)?;
    }
    Ok(())
}

/// Cost by component, one bar per function, API or service (`(name, [(category, usd)])`),
/// stacked by what it is charged for, with a legend of the categories.
pub fn cost_breakdown(
    path: &Path,
    title: &str,
    bars: &[(String, Vec<(String, f64)>)],
) -> Result<(), ChartError> {
    render!(path, |root| cost_breakdown_on(&root, path, title, bars)?)
}

fn cost_breakdown_on<DB: DrawingBackend>(
    root: &Area<DB>,
    path: &Path,
    title: &str,
    bars: &[(String, Vec<(String, f64)>)],
) -> Result<(), ChartError> {
    let err = fail(path);
    let positive = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let mut categories: Vec<&str> = Vec::new();
    for (_, parts) in bars {
        for (c, v) in parts {
            if positive(*v) > 0.0 && !categories.contains(&c.as_str()) {
                categories.push(c);
            }
        }
    }
    let top = bars
        .iter()
        .map(|(_, parts)| parts.iter().map(|p| positive(p.1)).sum::<f64>())
        .fold(0.0, f64::max);
    // headroom for the legend
    let top = if top > 0.0 { top * 1.5 } else { 1.0 };
    let n = bars.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 24))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            category(*x, |i| bars.get(i).map(|b| fit_label(&b.0, BAR_AREA_PX / n as f64)))
        })
        .y_desc("cost (USD, simulated period)")
        .y_label_formatter(&|v| format_number(*v))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(&err)?;
    for (k, category) in categories.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()].filled();
        let rects: Vec<Rectangle<(f64, f64)>> = bars
            .iter()
            .enumerate()
            .filter_map(|(i, (_, parts))| {
                let below: f64 = parts
                    .iter()
                    .filter(|p| categories[..k].contains(&p.0.as_str()))
                    .map(|p| positive(p.1))
                    .sum();
                let v: f64 = parts.iter().filter(|p| p.0 == *category).map(|p| positive(p.1)).sum();
                let x = i as f64;
                (v > 0.0)
                    .then(|| Rectangle::new([(x - 0.35, below), (x + 0.35, below + v)], colour))
            })
            .collect();
        chart
            .draw_series(rects)
            .map_err(&err)?
            .label(*category)
            .legend(move |(px, py)| Rectangle::new([(px, py - 6), (px + 20, py + 6)], colour));
    }
    if categories.is_empty() {
        no_data(root).map_err(&err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(&err)
}

/// Shared body of the per-minute charts: x in minutes since start, y from zero, warm-up shaded.
fn time_chart(
    path: &Path,
    title: &str,
    y_desc: &str,
    rows: &[MinuteRow],
    series: &[Series],
) -> Result<(), ChartError> {
    let axis = time_axis(rows).label;
    render!(path, |root| time_panel(&root, path, (title, axis), y_desc, rows, series)?)
}

/// The time axis of the charts over time: minutes since the start for runs up to 7 days (as
/// long as they keep a row per minute by default), hours up to 90 days, days beyond.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TimeAxis {
    /// Minutes in one unit of the axis.
    minutes: f64,
    label: &'static str,
}

fn time_axis(rows: &[MinuteRow]) -> TimeAxis {
    let end = rows.last().map_or(0.0, |r| start_minutes(r) + width_minutes(r));
    match end {
        _ if end > 90.0 * 1440.0 => TimeAxis { minutes: 1440.0, label: "days since start" },
        _ if end > 7.0 * 1440.0 => TimeAxis { minutes: 60.0, label: "hours since start" },
        _ => TimeAxis { minutes: 1.0, label: "minutes since start" },
    }
}

/// What one row covers, for the axes' "per ...": the widest row (the step; rows cut by the
/// warm-up or the end are narrower), as "minute", "5 minutes", "hour", "6 hours", "day".
pub(crate) fn row_unit(rows: &[MinuteRow]) -> String {
    let widest = rows.iter().map(width_minutes).fold(1.0, f64::max).round() as u64;
    match widest {
        1 => "minute".to_string(),
        60 => "hour".to_string(),
        1440 => "day".to_string(),
        m if m % 1440 == 0 => format!("{} days", m / 1440),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

/// One per-minute chart drawn on `area` (the whole image, or a panel of it), with its title
/// (none if empty) and the description under its x axis.
fn time_panel<DB: DrawingBackend>(
    area: &Area<DB>,
    path: &Path,
    (title, x_desc): (&str, &str),
    y_desc: &str,
    rows: &[MinuteRow],
    series: &[Series],
) -> Result<(), ChartError> {
    let err = fail(path);
    let xs = || series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    // points sit mid-row; the axis spans the whole rows
    let unit = time_axis(rows).minutes;
    let half = rows.iter().map(width_minutes).fold(1.0, f64::max) / unit / 2.0;
    let x = span(
        xs().fold(f64::INFINITY, f64::min) - half,
        xs().fold(f64::NEG_INFINITY, f64::max) + half,
    );
    let (y_lo, y_hi) = ys.fold((0.0_f64, 0.0_f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    // headroom above the data keeps the legend clear of the lines
    let entries = series.iter().filter(|s| !s.label.is_empty()).count()
        + usize::from(rows.iter().any(|r| r.warmup == 1));
    let plot_px = area.dim_in_pixel().1 as f64 - if title.is_empty() { 90.0 } else { 125.0 };
    let top = y_hi + (y_hi - y_lo) * headroom(entries, plot_px);
    let y = span(y_lo, if top.is_finite() { top } else { y_hi });
    let mut builder = ChartBuilder::on(area);
    builder.margin(20).x_label_area_size(50).y_label_area_size(80);
    if !title.is_empty() {
        builder.caption(title, (FAMILY, 24));
    }
    let mut chart = builder.build_cartesian_2d(x.clone(), y.clone()).map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| format_number(*v))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .max_light_lines(4)
        .draw()
        .map_err(&err)?;
    if let Some((a, b)) = warmup_band(rows, &x) {
        let shade = BLACK.mix(0.08).filled();
        chart
            .draw_series(std::iter::once(Rectangle::new([(a, y.start), (b, y.end)], shade)))
            .map_err(&err)?
            .label("warm-up")
            .legend(move |(px, py)| Rectangle::new([(px, py - 6), (px + 20, py + 6)], shade));
    }
    // no more than two points per pixel column, the lowest and the highest of each (a year
    // of minutes would otherwise draw half a million points per line)
    let columns = chart.plotting_area().dim_in_pixel().0;
    for s in series {
        let points = downsample(&s.points, &x, columns, s.peaks);
        // a thinned line zigzags within each column: drawn thin, as the bitmap backend's wide
        // strokes grow long spikes at sharp turns
        let style = match points.len() < s.points.len() {
            true => ShapeStyle { stroke_width: 1, ..s.style },
            false => s.style,
        };
        let s = Series { label: s.label.clone(), points, style, ..*s };
        draw_series(&mut chart, &s).map_err(&err)?;
    }
    if series.iter().all(|s| s.points.is_empty()) {
        no_data(area).map_err(&err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(&err)
}

/// The share of the data's range to leave free above it so that a legend of `entries` lines
/// in the upper corner of a plot `plot_px` high stays clear of the lines: 0.45 for a short
/// legend, more for a long one, at most 1.5 (the data keeps 40 % of the height).
fn headroom(entries: usize, plot_px: f64) -> f64 {
    // the legend box: 12 px from the edge, 20 px a line (a little more than drawn), 12 px of
    // padding
    let legend = (24.0 + 20.0 * entries as f64) / plot_px.max(1.0);
    if legend >= 0.6 { 1.5 } else { (legend / (1.0 - legend)).clamp(0.45, 1.5) }
}

pub(crate) type Chart<'a, DB, X, Y> = ChartContext<'a, DB, Cartesian2d<X, Y>>;
pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws one labelled line (a marker if it has a single point).
fn draw_series<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut Chart<'a, DB, X, Y>,
    s: &Series,
) -> DrawResult<DB>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = s.style;
    let pts = s.points.iter().copied();
    let anno = if s.points.len() == 1 {
        chart.draw_series(pts.map(|p| Circle::new(p, 4, style.filled())))?
    } else if s.dashed {
        chart.draw_series(DashedLineSeries::new(pts, 8, 5, style))?
    } else {
        chart.draw_series(LineSeries::new(pts, style))?
    };
    if s.label.is_empty() {
        return Ok(()); // no legend entry
    }
    let dashed = s.dashed;
    anno.label(s.label.as_str()).legend(move |(x, y)| {
        if dashed {
            DashedPathElement::new(vec![(x, y), (x + 24, y)], 8, 5, style).into_dyn()
        } else {
            PathElement::new(vec![(x, y), (x + 24, y)], style).into_dyn()
        }
    });
    Ok(())
}

/// Legend box: white, semi-transparent, with a thin border.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut Chart<'a, DB, X, Y>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(12)
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .draw()
}

/// "no data" in the middle of the area, for charts without a single point.
pub(crate) fn no_data<DB: DrawingBackend>(root: &Area<DB>) -> DrawResult<DB> {
    let grey = BLACK.mix(0.5);
    let style = TextStyle::from((FAMILY, 22).into_font()).color(&grey).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    let (w, h) = root.dim_in_pixel();
    root.draw_text("no data", &style, (w as i32 / 2, h as i32 / 2))
}

/// Registers the embedded font as [`FAMILY`] once per process.
pub(crate) fn register_embedded_font() -> Result<(), &'static str> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err("embedded font DejaVuSans.ttf is not a valid font") }
}

/// Maps any error into a [`ChartError`] for `path`.
pub(crate) fn fail<E: Display>(path: &Path) -> impl Fn(E) -> ChartError + '_ {
    move |e| ChartError { path: path.display().to_string(), message: e.to_string() }
}

/// The points of a line to draw in `columns` pixel columns spanning `x`: for each column, the
/// point with the lowest value and the one with the highest (in their order), so every peak
/// and every trough survives; all the points when they are no more than two per column. With
/// `peaks` (a line of maxima), the highest point of each column alone, once there are more
/// points than columns. `points` are in increasing x.
pub(crate) fn downsample(
    points: &[(f64, f64)],
    x: &Range<f64>,
    columns: u32,
    peaks: bool,
) -> Vec<(f64, f64)> {
    let columns = columns.max(1) as usize;
    if points.len() <= if peaks { columns } else { 2 * columns } {
        return points.to_vec();
    }
    let width = (x.end - x.start).max(f64::MIN_POSITIVE);
    let last = (columns - 1) as f64;
    let column =
        |p: &(f64, f64)| ((p.0 - x.start) / width * columns as f64).floor().clamp(0.0, last);
    let mut out = Vec::with_capacity(2 * columns);
    let mut i = 0;
    while i < points.len() {
        let c = column(&points[i]);
        let (mut lo, mut hi, mut j) = (i, i, i + 1);
        while j < points.len() && column(&points[j]) == c {
            if points[j].1 < points[lo].1 {
                lo = j;
            }
            if points[j].1 > points[hi].1 {
                hi = j;
            }
            j += 1;
        }
        if peaks {
            out.push(points[hi]);
        } else {
            out.push(points[lo.min(hi)]);
            if lo != hi {
                out.push(points[lo.max(hi)]);
            }
        }
        i = j;
    }
    out
}

/// A series of one value per row: x in the chart's time unit (middle of each row), non-finite
/// values skipped.
fn minute_series(
    label: &str,
    style: ShapeStyle,
    dashed: bool,
    rows: &[MinuteRow],
    value: impl Fn(&MinuteRow) -> f64,
) -> Series {
    let unit = time_axis(rows).minutes;
    let points = rows
        .iter()
        .map(|r| (midpoint(r) / unit, value(r)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    Series { label: label.to_string(), style, dashed, points, peaks: false }
}

/// A series of one value per row: the `i`th drawn in the middle of `rows[i]` (of minute `i`
/// past the rows), non-finite values skipped.
fn indexed_series(
    label: &str,
    style: ShapeStyle,
    dashed: bool,
    rows: &[MinuteRow],
    values: &[f64],
) -> Series {
    let unit = time_axis(rows).minutes;
    let points = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (rows.get(i).map_or(i as f64 + 0.5, midpoint) / unit, v))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    Series { label: label.to_string(), style, dashed, points, peaks: false }
}

/// Start of a row in minutes since the start of the run.
fn start_minutes(r: &MinuteRow) -> f64 {
    if r.start_s.is_finite() { r.start_s / 60.0 } else { r.minute as f64 }
}

/// Length of a row in minutes (a minute when it does not say).
fn width_minutes(r: &MinuteRow) -> f64 {
    if r.width_s.is_finite() && r.width_s > 0.0 { r.width_s / 60.0 } else { 1.0 }
}

/// Where a row's totals are drawn, in minutes: the middle of the row.
fn midpoint(r: &MinuteRow) -> f64 {
    start_minutes(r) + width_minutes(r) / 2.0
}

/// The warm-up period as an x interval in the chart's time unit (from the start of the first
/// warm-up row to the end of the last), clipped to `x`.
fn warmup_band(rows: &[MinuteRow], x: &Range<f64>) -> Option<(f64, f64)> {
    let unit = time_axis(rows).minutes;
    let warm = rows.iter().filter(|r| r.warmup == 1).filter(|r| start_minutes(r).is_finite());
    let (lo, hi) = warm.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
        let m = start_minutes(r);
        (lo.min(m / unit), hi.max((m + width_minutes(r)) / unit))
    });
    let (lo, hi) = (lo.max(x.start), hi.min(x.end));
    (lo < hi).then_some((lo, hi))
}

/// A valid (finite, non-empty) range covering `lo..hi`; `0..1` when there is nothing to cover.
pub(crate) fn span(lo: f64, hi: f64) -> Range<f64> {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return 0.0..1.0;
    }
    let hi = if hi > lo { hi } else { lo + (lo.abs() * 1e-6).max(1.0) };
    if hi.is_finite() && hi > lo { lo..hi } else { lo - lo.abs() * 1e-6 - 1.0..lo }
}

/// Whole decades (plus a small margin) covering the positive values; `1..1000` ms when there are none.
pub(crate) fn log_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !(lo.is_finite() && hi.is_finite()) {
        return 0.8..1250.0;
    }
    let (a, b) = (lo.log10().floor().clamp(-300.0, 300.0), hi.log10().ceil().clamp(-300.0, 300.0));
    let b = if b > a { b } else { a + 1.0 };
    // a little room beyond the outer decades keeps their labels and edge markers visible
    10f64.powf(a) / 1.25..10f64.powf(b) * 1.25
}

/// The label of the bar or category at whole position `x` (`name(i)`); empty between them, so
/// an axis of categories shows each name once, under its bar or point.
/// The width of the cost chart's plot area in pixels (the image less its margins and y labels).
const BAR_AREA_PX: f64 = SIZE.0 as f64 - 2.0 * 20.0 - 80.0;

/// `name` cut to what `px` pixels of 14-pixel text hold (about 8 pixels a character, a space
/// kept between labels), ending in `…` when cut: many bars' names side by side never overlap.
pub(crate) fn fit_label(name: &str, px: f64) -> String {
    let room = ((px / 8.0).floor() as usize).saturating_sub(1).max(2);
    if name.chars().count() <= room {
        return name.to_string();
    }
    let mut out: String = name.chars().take(room - 1).collect();
    out.push('…');
    out
}

pub(crate) fn category(x: f64, name: impl Fn(usize) -> Option<String>) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        name(i as usize).unwrap_or_default()
    } else {
        String::new()
    }
}

/// Short axis label: integers without decimals, large values with k/M/G suffixes, small ones with up to 3 decimals.
pub(crate) fn format_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = match a {
        _ if a >= 1e9 => (v / 1e9, "G"),
        _ if a >= 1e6 => (v / 1e6, "M"),
        _ if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = format!("{scaled:.3}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    let s = if s == "-0" { "0" } else { s };
    format!("{s}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_to_their_bar() {
        // 880 px for 1 bar: whole; 11 bars (80 px) hold 9 characters; 21 (41.9 px) 4, the
        // last an ellipsis
        assert_eq!(fit_label("CreateThumbnail", BAR_AREA_PX), "CreateThumbnail");
        assert_eq!(fit_label("f00029491", BAR_AREA_PX / 11.0), "f00029491");
        assert_eq!(fit_label("1fa065352036", BAR_AREA_PX / 11.0), "1fa06535…");
        assert_eq!(fit_label("f00029491", BAR_AREA_PX / 21.0), "f00…");
        assert_eq!(fit_label("ab", 1.0), "ab");
        assert_eq!(fit_label("abc", 1.0), "a…");
    }

    fn rows(n: u64) -> Vec<MinuteRow> {
        (0..n)
            .map(|m| {
                let t = m as f64;
                let arrivals = (600.0
                    + 400.0 * (t / 9.0).sin()
                    + if (30..36).contains(&m) { 900.0 } else { 0.0 })
                    as u64;
                let throttles = if (30..36).contains(&m) { 250 + 20 * (m - 30) } else { 0 };
                MinuteRow {
                    minute: m,
                    start_s: t * 60.0,
                    warmup: u8::from(m < 5),
                    arrivals,
                    requests: arrivals / 2,
                    service_requests: arrivals / 3,
                    service_rejected: throttles / 2,
                    invocations: arrivals - throttles,
                    cold_starts: if m < 3 { 40 - 10 * m } else { m % 7 },
                    throttles,
                    errors: m % 5,
                    timeouts: u64::from(m % 11 == 0),
                    concurrency_mean: arrivals as f64 / 60.0 * 0.8,
                    concurrency_max: (arrivals as f64 / 60.0 * 1.6) as u32,
                    environments_mean: arrivals as f64 / 60.0 * 0.9 + 2.0,
                    environments_max: (arrivals as f64 / 60.0 * 1.7) as u32 + 2,
                    cost_usd: arrivals as f64 * 2e-6,
                    queue_records: arrivals,
                    queue_failed: m % 13,
                    queue_backlog_max: if (30..40).contains(&m) { 400 * (m - 29) } else { 30 },
                    queue_age_max_s: if (30..40).contains(&m) {
                        20.0 * (m - 29) as f64
                    } else {
                        2.0
                    },
                    ..MinuteRow::default()
                }
            })
            .collect()
    }

    fn curve(name: &str, median_ms: f64, spread: f64) -> LatencyCurve {
        // log-logistic CDF sampled on a log grid
        let points = (0..=200)
            .map(|i| {
                let x = median_ms * 10f64.powf((i as f64 - 100.0) / 80.0);
                (x, 1.0 / (1.0 + (median_ms / x).powf(spread)))
            })
            .collect();
        LatencyCurve { name: name.to_string(), points }
    }

    fn assert_png(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.len() > 8, "{} is empty", path.display());
        assert_eq!(&bytes[..4], b"\x89PNG", "{} is not a PNG", path.display());
    }

    proptest::proptest! {
        // See: issue 16
        #[test]
        fn downsampling_keeps_every_pixel_columns_lowest_and_highest(
            ys in proptest::collection::vec(-1e6f64..1e6, 1..5000),
            columns in 1u32..400,
            peaks: bool,
        ) {
            let points: Vec<(f64, f64)> =
                ys.iter().enumerate().map(|(i, &y)| (i as f64 * 0.37 + 5.0, y)).collect();
            let x = span(4.0, points[points.len() - 1].0 + 1.0);
            let drawn = downsample(&points, &x, columns, peaks);
            let per_column = if peaks { 1 } else { 2 };
            let thinned = points.len() > per_column * columns as usize;
            let most = if thinned { per_column * columns as usize } else { points.len() };
            proptest::prop_assert!(drawn.len() <= most, "{} points", drawn.len());
            proptest::prop_assert!(drawn.windows(2).all(|w| w[0].0 < w[1].0), "in x order");
            proptest::prop_assert!(drawn.iter().all(|p| points.contains(p)), "points of the data");
            let col = |p: &(f64, f64)| ((p.0 - x.start) / (x.end - x.start) * columns as f64) as u32;
            for c in 0..columns {
                let extremes = |pts: &[(f64, f64)]| {
                    let ys = pts.iter().filter(|p| col(p) == c).map(|p| p.1);
                    ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)))
                };
                let (kept, all) = (extremes(&drawn), extremes(&points));
                proptest::prop_assert_eq!(kept.1, all.1, "the highest of column {}", c);
                if !(peaks && thinned) {
                    proptest::prop_assert_eq!(kept.0, all.0, "the lowest of column {}", c);
                }
            }
        }
    }

    #[test]
    fn a_year_of_minutes_draws_a_small_chart_with_its_one_spike() {
        // See: issue 16: 518,400 minutes drew a 224 MB SVG
        let dir = tempfile::tempdir().unwrap();
        let minutes = 360 * 1440;
        let rows: Vec<MinuteRow> = (0..minutes)
            .map(|m| MinuteRow {
                minute: m,
                start_s: m as f64 * 60.0,
                width_s: 60.0,
                requests: if m == 200_000 { 5_000 } else { m % 7 },
                concurrency_max: (m % 3) as u32,
                ..MinuteRow::default()
            })
            .collect();
        let svg = dir.path().join("requests.svg");
        requests_over_time(&svg, "a year", &rows, &[]).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.len() < 2_000_000, "{} bytes", text.len());
        assert!(text.contains("days since start") && text.contains("requests per minute"));
        // the spike's minute is drawn at its height: the y axis reaches past 5k
        // the requests line (the longest blue one, thinned): at most two points per pixel
        // column, and its one spike still drawn (every other minute is within 6 of zero)
        let ys_of = |l: &str| -> Vec<f64> {
            let points = l.split("points=\"").nth(1).unwrap_or_default();
            points
                .split_whitespace()
                .take_while(|p| p.contains(','))
                .filter_map(|p| p.split(',').nth(1)?.parse().ok())
                .collect()
        };
        let blue = text.split("<polyline").filter(|l| l.contains("stroke=\"#1F77B4\""));
        let ys = blue.map(ys_of).max_by_key(Vec::len).unwrap_or_default();
        assert!(ys.len() > 500 && ys.len() <= 2 * SIZE.0 as usize, "{} points", ys.len());
        let base = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let high: Vec<f64> = ys.iter().copied().filter(|&y| y < base - 10.0).collect();
        assert_eq!(high.len(), 1, "one spike: {high:?}");
        assert!(base - high[0] > 100.0, "drawn at its height: {} px", base - high[0]);
        let png = dir.path().join("concurrency.png");
        concurrency_over_time(&png, "a year", &rows).unwrap();
        assert_png(&png);
    }

    #[test]
    fn draws_realistic_charts() {
        let dir = tempfile::tempdir().unwrap();
        let (req, conc, cdf) =
            (dir.path().join("req.png"), dir.path().join("conc.png"), dir.path().join("cdf.png"));
        let rows = rows(60);
        requests_over_time(&req, "demo: requests per minute", &rows, &[]).unwrap();
        concurrency_over_time(&conc, "demo: concurrency and environments", &rows).unwrap();
        let curves = [curve("api", 45.0, 4.0), curve("thumbnailer", 800.0, 2.5)];
        latency_cdf(&cdf, "demo: latency CDF", &curves).unwrap();
        let queues = dir.path().join("queues.png");
        queues_over_time(&queues, "demo: queue backlog and age", &rows).unwrap();
        for p in [&req, &conc, &cdf, &queues] {
            assert_png(p);
        }
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let one = rows(1);
        let zeros = vec![MinuteRow::default(); 3];
        let all_warm: Vec<MinuteRow> =
            rows(4).into_iter().map(|r| MinuteRow { warmup: 1, ..r }).collect();
        let weird = vec![
            MinuteRow {
                start_s: f64::NAN,
                concurrency_mean: f64::NAN,
                environments_mean: f64::INFINITY,
                ..rows(1)[0].clone()
            },
            MinuteRow {
                minute: 1,
                start_s: 60.0,
                arrivals: u64::MAX,
                errors: u64::MAX,
                timeouts: u64::MAX,
                concurrency_mean: f64::MAX,
                ..MinuteRow::default()
            },
        ];
        let row_sets: [&[MinuteRow]; 5] = [&[], &one, &zeros, &all_warm, &weird];
        for (i, rows) in row_sets.iter().enumerate() {
            let (req, conc) =
                (dir.path().join(format!("req{i}.png")), dir.path().join(format!("conc{i}.png")));
            requests_over_time(&req, "", rows, &[]).unwrap();
            concurrency_over_time(&conc, "degenerate", rows).unwrap();
            let queues = dir.path().join(format!("queues{i}.png"));
            queues_over_time(&queues, "degenerate", rows).unwrap();
            assert_png(&req);
            assert_png(&conc);
            assert_png(&queues);
        }
        let empty_curve = LatencyCurve { name: "empty".into(), points: vec![] };
        let one_point = LatencyCurve { name: "one".into(), points: vec![(12.0, 1.0)] };
        let zero =
            LatencyCurve { name: "zero latency".into(), points: vec![(0.0, 0.0), (0.0, 1.0)] };
        let nan = LatencyCurve {
            name: String::new(),
            points: vec![(f64::NAN, 0.5), (-3.0, f64::INFINITY), (1e300, 2.0)],
        };
        let curve_sets: [&[LatencyCurve]; 5] = [
            &[],
            std::slice::from_ref(&empty_curve),
            std::slice::from_ref(&one_point),
            std::slice::from_ref(&zero),
            &[nan, one_point.clone(), empty_curve.clone()],
        ];
        for (i, curves) in curve_sets.iter().enumerate() {
            let cdf = dir.path().join(format!("cdf{i}.png"));
            latency_cdf(&cdf, "degenerate", curves).unwrap();
            assert_png(&cdf);
        }
    }

    fn service_minutes(n: usize, scale_at: usize) -> Vec<ServiceMinute> {
        (0..n)
            .map(|m| {
                let tasks = if m < scale_at { 2.0 } else { 6.0 };
                let pending = if m == scale_at { 2.0 } else { 0.0 };
                ServiceMinute {
                    cpu_pct: if m < scale_at { 85.0 } else { 40.0 },
                    tasks_running: tasks - pending,
                    tasks_pending: pending,
                    tasks_desired: tasks,
                    tasks_max: tasks as u32,
                    ..ServiceMinute::default()
                }
            })
            .collect()
    }

    #[test]
    fn steps_jump_at_each_latency() {
        // See: issue 14
        assert_eq!(cdf_steps(&[(100.0, 1.0)]), vec![(100.0, 0.0), (100.0, 1.0)]);
        assert_eq!(
            cdf_steps(&[(10.0, 0.25), (20.0, 1.0)]),
            vec![(10.0, 0.0), (10.0, 0.25), (20.0, 0.25), (20.0, 1.0)]
        );
        assert!(cdf_steps(&[]).is_empty());
    }

    #[test]
    fn log_latency_axis_only_past_a_decade() {
        // See: issue 14
        let c = |points: Vec<(f64, f64)>| LatencyCurve { name: "c".into(), points };
        // 30 ms to 900 ms across two curves: log
        assert!(latency_log_axis(&[c(vec![(30.0, 1.0)]), c(vec![(900.0, 1.0)])]));
        // 100 ms to 1,000 ms is exactly a decade: linear; zero latencies are not looked at
        assert!(!latency_log_axis(&[c(vec![(0.0, 0.0), (100.0, 0.5), (1000.0, 1.0)])]));
        assert!(latency_log_axis(&[c(vec![(100.0, 0.5), (1000.1, 1.0)])]));
        assert!(!latency_log_axis(&[c(vec![(100.0, 0.0), (100.0, 1.0)])]));
        assert!(!latency_log_axis(&[]));
        let dir = tempfile::tempdir().unwrap();
        let svg = |curves: &[LatencyCurve]| {
            let path = dir.path().join("cdf.svg");
            latency_cdf(&path, "cdf", curves).unwrap();
            std::fs::read_to_string(&path).unwrap()
        };
        let narrow = svg(&[c(cdf_steps(&[(100.0, 1.0)]))]);
        assert!(narrow.contains("latency (ms)") && !narrow.contains("log scale"));
        let wide = svg(&[c(cdf_steps(&[(2.0, 0.5), (400.0, 1.0)]))]);
        assert!(wide.contains("latency (ms, log scale)"));
    }

    #[test]
    fn requests_draw_what_reached_each_kind_only_when_it_tells_something() {
        // See: issue 14
        let row = |requests, arrivals, api_requests| MinuteRow {
            requests,
            arrivals,
            api_requests,
            ..MinuteRow::default()
        };
        let labels = |rows: &[MinuteRow]| {
            component_arrivals(rows).into_iter().map(|(l, _)| l).collect::<Vec<_>>()
        };
        // one function per workload: the arrivals are the requests
        assert!(labels(&[row(10, 10, 0), row(7, 7, 0)]).is_empty());
        // a workload with two targets: the functions get twice the requests
        assert_eq!(labels(&[row(10, 20, 0)]), ["arrivals at functions"]);
        // an API in front of a function: both kinds
        assert_eq!(labels(&[row(10, 10, 10)]), ["arrivals at functions", "requests at APIs"]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("req.svg");
        requests_over_time(&path, "req", &rows(30), &[]).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        for label in [
            "requests (workloads and traces)",
            "arrivals at functions",
            "requests at services",
            "throttles",
            "service 503 (rejected)",
        ] {
            assert!(svg.contains(label), "{label}");
        }
        assert!(!svg.contains("API 429"), "no API, no API line");
    }

    #[test]
    fn services_chart_names_each_service_and_bounds_them() {
        // See: issue 14
        let dir = tempfile::tempdir().unwrap();
        let rows = rows(30);
        let minutes = service_minutes(30, 12);
        let one = [("web".to_string(), &minutes[..])];
        let path = dir.path().join("services.svg");
        services_over_time(&path, "svc", &rows, &one).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        for label in ["running", "desired", "pending", "CPU utilisation (%)", "tasks (mean"] {
            assert!(svg.contains(label), "{label}");
        }
        assert!(!svg.contains("web:"), "one service: lines named by what they show");
        let many: Vec<(String, &[ServiceMinute])> =
            (0..6).map(|i| (format!("svc{i}"), &minutes[..])).collect();
        services_over_time(&path, "svc", &rows, &many).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        // SVG text sits on a line of its own
        for label in ["\nsvc0\n", "\nsvc3\n", "dashed: desired"] {
            assert!(svg.contains(label), "{label}");
        }
        assert!(!svg.contains("svc4") && svg.contains("(2 more not drawn)"));
        let png = dir.path().join("services.png");
        services_over_time(&png, "demo: service tasks and CPU", &rows, &one).unwrap();
        assert_png(&png);
        // degenerate: nothing, or more minutes than rows
        services_over_time(&png, "", &[], &[]).unwrap();
        services_over_time(&png, "", &rows[..3], &one).unwrap();
        assert_png(&png);
    }

    #[test]
    fn compares_platforms_whatever_the_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str, c: f64, l: f64| CompareBar {
            name: n.to_string(),
            monthly_usd: c,
            p99_ms: l,
            fails: (l > 10_000.0).then(|| "64 % rejected".to_string()),
            cheapest: c == 0.84,
        };
        let cases = [
            vec![p("fn", 1.87, 312.5), p("fargate", 0.84, 256.9), p("ec2", 0.99, 254.8)],
            vec![],
            vec![p("zero", 0.0, 0.0)],
            vec![p("nan", f64::NAN, f64::INFINITY), p("ok", 1.0, 2.0)],
            vec![p("fn", 65.65, 306.0), p("fails", 0.2, 33_000.0), p("fargate", 0.84, 302.0)],
        ];
        for (i, c) in cases.iter().enumerate() {
            let path = dir.path().join(format!("compare{i}.png"));
            compare_platforms(&path, "compare", c).unwrap();
            assert_png(&path);
        }
    }

    #[test]
    fn compare_marks_failing_and_cheapest_and_switches_to_a_log_axis() {
        // See: issue 14
        let dir = tempfile::tempdir().unwrap();
        let bar = |n: &str, c: f64, l: f64, fails: Option<&str>, cheapest| CompareBar {
            name: n.into(),
            monthly_usd: c,
            p99_ms: l,
            fails: fails.map(str::to_string),
            cheapest,
        };
        let svg = |bars: &[CompareBar]| {
            let path = dir.path().join("compare.svg");
            compare_platforms(&path, "compare", bars).unwrap();
            std::fs::read_to_string(&path).unwrap()
        };
        let wide = svg(&[
            bar("lambda", 65.65, 306.0, None, false),
            bar("fargate 2-10", 20.0, 33_000.0, Some("64 % rejected"), false),
            bar("fargate max 60", 44.52, 302.0, None, true),
        ]);
        for text in ["fails: 64 % rejected", "cheapest", "p99 latency (ms, log scale)"] {
            assert!(wide.contains(text), "{text}");
        }
        // within a decade: a linear axis, and nothing failing or cheapest to mark
        let narrow = svg(&[bar("a", 1.0, 300.0, None, false), bar("b", 2.0, 2_999.0, None, false)]);
        assert!(narrow.contains("p99 latency (ms)") && !narrow.contains("log scale"));
        assert!(!narrow.contains("fails") && !narrow.contains("cheapest"));
    }

    #[test]
    fn cost_breakdown_and_svg_output() {
        let dir = tempfile::tempdir().unwrap();
        let bars = vec![
            (
                "api-fn".to_string(),
                vec![("Lambda requests".into(), 0.2), ("Lambda duration".into(), 1.5)],
            ),
            (
                "web".to_string(),
                vec![("service tasks".into(), 0.8), ("service load balancer".into(), 0.4)],
            ),
            ("nan".to_string(), vec![("Lambda duration".into(), f64::NAN)]),
        ];
        for (i, b) in [bars, vec![]].iter().enumerate() {
            let png = dir.path().join(format!("cost{i}.png"));
            cost_breakdown(&png, "cost", b).unwrap();
            assert_png(&png);
            let svg = dir.path().join(format!("cost{i}.svg"));
            cost_breakdown(&svg, "cost", b).unwrap();
            let text = std::fs::read_to_string(&svg).unwrap();
            assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{text}");
            if i == 0 {
                assert!(text.contains("service load balancer") && text.contains("api-fn"));
            }
        }
    }

    #[test]
    fn unwritable_path_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("req.png");
        let e = requests_over_time(&path, "x", &rows(3), &[]).unwrap_err();
        assert_eq!(e.path, path.display().to_string());
        assert!(e.to_string().starts_with("cannot draw chart"), "{e}");
    }

    #[test]
    fn ranges_are_always_valid() {
        for (lo, hi) in [
            (0.0, 0.0),
            (5.0, 5.0),
            (f64::INFINITY, f64::NEG_INFINITY),
            (1e18, 1e18),
            (f64::MAX, f64::MAX),
            (-f64::MAX, -f64::MAX),
        ] {
            let r = span(lo, hi);
            assert!(
                r.start.is_finite() && r.end.is_finite() && r.end > r.start,
                "{lo} {hi} -> {r:?}"
            );
        }
        assert_eq!(log_range([0.0, -1.0, f64::NAN].into_iter()), 0.8..1250.0);
        assert_eq!(log_range([5.0].into_iter()), 0.8..12.5);
        let r = log_range([0.001, 2500.0].into_iter());
        assert!((r.start - 0.0008).abs() < 1e-12 && (r.end - 12500.0).abs() < 1e-6, "{r:?}");
        for r in [log_range([f64::MAX].into_iter()), log_range([f64::MIN_POSITIVE].into_iter())] {
            assert!(r.start > 0.0 && r.end.is_finite() && r.end > r.start, "{r:?}");
        }
        // a short legend keeps the usual headroom; a long one gets more, up to 1.5
        assert_eq!(headroom(2, 400.0), 0.45);
        assert!((headroom(5, 300.0) - 124.0 / 176.0).abs() < 1e-12);
        assert_eq!(headroom(8, 235.0), 1.5);
        assert_eq!(headroom(3, 0.0), 1.5);
        assert_eq!(format_number(1500.0), "1500");
        assert_eq!(format_number(25000.0), "25k");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(-0.0), "0");
    }
}

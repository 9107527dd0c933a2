//! `report.html`: one self-contained page per output folder, readable offline.
//!
//! The page opens with what to conclude: the verdicts (the side-by-side comparison's, the SLO
//! checks', a sweep's recommendation) and the warnings. Then come the summary tables (of a run,
//! or of a sweep's points) and the charts drawn by the same command, each inlined as SVG when
//! `NAME.svg` exists beside `NAME.png`, else as the PNG in a base64 `data:` URI. It has no
//! scripts, fonts or links to fetch, and no timestamp: the same results give the same bytes.
//! Every text taken from the scenario (names, parameter values) is HTML-escaped. It uses the
//! window's width: tables wider than it scroll sideways in their own box, charts share the
//! width in columns and scale to them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::recommend::{Recommendation, short_key};
use crate::slo::{Check, Slo};
use crate::summary::Summary;
use crate::sweep::table::SweepTable;

use super::{comparison, table};

mod opening;

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for `data:` URIs.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The chart names (file stems) among `files` written by a command, in order, once each:
/// `requests.png` and `requests.svg` are one chart, `requests`.
pub fn chart_stems(files: &[PathBuf]) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "png" | "svg") {
            continue;
        }
        if let Some(stem) = f.file_stem().and_then(|s| s.to_str())
            && !stems.iter().any(|s| s == stem)
        {
            stems.push(stem.to_string());
        }
    }
    stems
}

/// A caption for a chart, from its file name.
fn caption(stem: &str) -> String {
    let known = match stem {
        "requests" => {
            "Requests per row of the time series (a minute, or `timeseries_step`; each \
             workload once), what reached each kind of component, and throttles, cold starts, \
             errors and rejections"
        }
        "concurrency" => "Concurrency and execution environments over time",
        "latency_cdf" => "Latency distribution (CDF) per function, API and service",
        "services" => "Service tasks (running, desired, pending) and CPU utilisation over time",
        "cost" => "Cost by component and what is charged",
        "queues" => "Queue backlog and age of the oldest record",
        "api" => "API Gateway requests, throttles and timeouts over time",
        "compare" => "Cost and p99 latency by platform",
        "fleet" => {
            "The fleet's functions: the share of functions by invocations per day, cold-start \
             ratio and idle GB-seconds per day"
        }
        _ => "",
    };
    if known.is_empty() { stem.replace(['_', '-'], " ") } else { known.to_string() }
}

/// An SVG file's markup from `<svg` on (any XML declaration or doctype dropped), if readable.
pub fn inline_svg(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let start = text.find("<svg")?;
    Some(text[start..].trim_end().to_string())
}

/// Every chart of `stems`, as figures: inline SVG, else the PNG as a `data:` URI.
fn charts(dir: &Path, stems: &[String]) -> String {
    if stems.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for stem in stems {
        let cap = escape(&caption(stem));
        let _ = writeln!(out, "<figure id=\"chart-{}\">", escape(stem));
        let file = if let Some(svg) = inline_svg(&dir.join(format!("{stem}.svg"))) {
            out.push_str(&svg);
            out.push('\n');
            format!("{stem}.svg")
        } else if let Ok(png) = std::fs::read(dir.join(format!("{stem}.png"))) {
            let _ =
                writeln!(out, "<img alt=\"{cap}\" src=\"data:image/png;base64,{}\">", base64(&png));
            format!("{stem}.png")
        } else {
            let _ = writeln!(out, "<p class=\"missing\">{}.svg / .png not found</p>", escape(stem));
            format!("{stem}.svg")
        };
        let _ = writeln!(out, "<figcaption>{cap} ({})</figcaption>\n</figure>", escape(&file));
    }
    out.push_str("</section>\n");
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
margin:1em 2em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\
th,td{border:1px solid #ddd;padding:.25em .6em}td{white-space:nowrap}th{background:#f3f3f3;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.best{background:#e6f4e6}tr.second{background:#f0f7ff}tr.fail td.slo{color:#a00}\
.pass{color:#060}.fail{color:#a00}.meta{color:#555}\
#verdicts{border-left:4px solid #369;background:#eef4fb;padding:.3em 1em;margin:.5em 0}\
#verdicts p{margin:.4em 0}\
#charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:0 1.5em}\
#charts h2{grid-column:1/-1}\
figure{margin:1em 0;min-width:0}figure svg,figure img{width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#555;font-size:.9em}";

/// `page` with `section` (a whole `<section id="ID">...</section>`, written by a later command
/// such as `slsim compare`) in place of the page's section of the same id, or else just before
/// `</body>`: running the command again replaces its section instead of adding another.
pub fn insert_section(page: &str, id: &str, section: &str) -> String {
    let open = format!("<section id=\"{id}\">");
    if let Some(start) = page.find(&open)
        && let Some(len) = page[start..].find("</section>\n")
    {
        let end = start + len + "</section>\n".len();
        return format!("{}{section}{}", &page[..start], &page[end..]);
    }
    match page.rfind("</body>") {
        Some(at) => format!("{}{section}{}", &page[..at], &page[at..]),
        None => format!("{page}{section}"),
    }
}

/// The page around `body`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// A table: header cells, then rows of (cell, numeric?) ; `class` per row.
fn html_table(id: &str, header: &[String], rows: &[(String, Vec<(String, bool)>)]) -> String {
    let mut out = format!("<div class=\"scroll\">\n<table id=\"{id}\">\n<thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (class, cells) in rows {
        if class.is_empty() {
            out.push_str("<tr>");
        } else {
            let _ = write!(out, "<tr class=\"{class}\">");
        }
        for (cell, numeric) in cells {
            if *numeric {
                let _ = write!(out, "<td class=\"n\">{}</td>", escape(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

fn num(v: &Json, path: &[&str]) -> f64 {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Json::as_f64).unwrap_or(0.0)
}

fn text(s: impl Into<String>) -> (String, bool) {
    (s.into(), false)
}

fn n(s: impl Into<String>) -> (String, bool) {
    (s.into(), true)
}

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

/// A measured period for people: `15 min`, `2 h 55 min`, `90 s`.
fn span(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// The tables of one summary: functions, APIs, services, side by side, costs.
fn summary_tables(summary: &Summary) -> String {
    let mut out = String::new();
    let block = |name: &str| summary.get(name).and_then(Json::as_object).filter(|m| !m.is_empty());
    let functions = table::listed(summary, "functions", &["invocations"]);
    if !functions.rows.is_empty() {
        let rows: Vec<_> = functions
            .rows
            .iter()
            .map(|(name, f)| {
                (
                    String::new(),
                    vec![
                        text(name.to_string()),
                        n(table::count(num(f, &["invocations"]))),
                        n(format!("{:.2}", 100.0 * num(f, &["cold_start_ratio"]))),
                        n(table::count(num(f, &["throttles"]))),
                        n(table::count(num(f, &["errors"]))),
                        n(table::count(num(f, &["timeouts"]))),
                        n(format!("{:.1}", num(f, &["latency_ms", "p50"]))),
                        n(format!("{:.1}", num(f, &["latency_ms", "p95"]))),
                        n(format!("{:.1}", num(f, &["latency_ms", "p99"]))),
                        n(table::count(num(f, &["concurrency", "max"]))),
                        n(format!("{:.1}", num(f, &["instances", "mean"]))),
                        n(format!("{:.4}", num(f, &["cost_usd", "total"]))),
                        n(format!("{:.2}", num(f, &["cost_usd", "monthly"]))),
                    ],
                )
            })
            .collect();
        out.push_str("<h2>Functions</h2>\n");
        if let Some(note) = functions.note("functions", "invocations") {
            let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&note));
        }
        out.push_str(&html_table(
            "functions",
            &headers(&[
                "function",
                "invocations",
                "cold %",
                "throttles",
                "errors",
                "timeouts",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max concurrency",
                "mean environments",
                "USD, period",
                "USD per 30-day month",
            ]),
            &rows,
        ));
    }
    if let Some(apis) = block("apis") {
        let rows: Vec<_> = apis
            .iter()
            .map(|(name, a)| {
                (
                    String::new(),
                    vec![
                        text(name.clone()),
                        text(a.get("type").and_then(Json::as_str).unwrap_or("")),
                        n(table::count(num(a, &["requests"]))),
                        n(table::count(num(a, &["throttles"]))),
                        n(table::count(num(a, &["errors"]))),
                        n(table::count(num(a, &["timeouts"]))),
                        n(format!("{:.1}", num(a, &["latency_ms", "p50"]))),
                        n(format!("{:.1}", num(a, &["latency_ms", "p95"]))),
                        n(format!("{:.1}", num(a, &["latency_ms", "p99"]))),
                        n(format!("{:.4}", num(a, &["cost_usd", "total"]))),
                        n(format!("{:.2}", num(a, &["cost_usd", "monthly"]))),
                    ],
                )
            })
            .collect();
        out.push_str("<h2>APIs</h2>\n");
        out.push_str(&html_table(
            "apis",
            &headers(&[
                "api",
                "type",
                "requests",
                "throttled",
                "5xx",
                "timed out",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "USD, period",
                "USD per 30-day month",
            ]),
            &rows,
        ));
    }
    let services = table::listed(summary, "services", &["requests"]);
    if !services.rows.is_empty() {
        let rows: Vec<_> = services
            .rows
            .iter()
            .map(|(name, v)| {
                (
                    String::new(),
                    vec![
                        text(name.to_string()),
                        text(v.get("platform").and_then(Json::as_str).unwrap_or("")),
                        n(table::count(num(v, &["requests"]))),
                        n(table::count(num(v, &["rejected"]))),
                        n(format!("{:.1}", num(v, &["latency_ms", "p50"]))),
                        n(format!("{:.1}", num(v, &["latency_ms", "p95"]))),
                        n(format!("{:.1}", num(v, &["latency_ms", "p99"]))),
                        n(format!("{:.1}", num(v, &["tasks", "mean"]))),
                        n(table::count(num(v, &["tasks", "max"]))),
                        n(format!("{:.4}", num(v, &["cost_usd", "total"]))),
                        n(format!("{:.2}", num(v, &["cost_usd", "monthly"]))),
                    ],
                )
            })
            .collect();
        out.push_str("<h2>Services</h2>\n");
        if let Some(note) = services.note("services", "requests") {
            let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&note));
        }
        out.push_str(&html_table(
            "services",
            &headers(&[
                "service",
                "platform",
                "requests",
                "rejected",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "mean tasks",
                "max tasks",
                "USD, period",
                "USD per 30-day month",
            ]),
            &rows,
        ));
    }
    let options = comparison::compare(summary);
    if options.len() > table::LISTED {
        let _ = writeln!(
            out,
            "<h2>Side by side</h2>\n<p class=\"meta\">{}</p>",
            escape(&table::too_many_options(options.len()))
        );
    } else if !options.is_empty() {
        let rows: Vec<_> = options
            .iter()
            .map(|c| {
                let p = &c.platform;
                let failed = if p.requests > 0.0 { 100.0 * p.failed / p.requests } else { 0.0 };
                let per_million =
                    if p.requests > 0.0 { c.cost_usd / p.requests * 1e6 } else { 0.0 };
                (
                    if c.failure.is_some() { "fail".to_string() } else { String::new() },
                    vec![
                        text(p.name.clone()),
                        text(c.includes.clone()),
                        n(table::count(p.requests)),
                        n(format!("{:.1}", p.p50_ms)),
                        n(format!("{:.1}", p.p95_ms)),
                        n(format!("{:.1}", p.p99_ms)),
                        n(format!("{failed:.2}")),
                        n(format!("{:.1}", p.capacity)),
                        n(format!("{:.4}", c.cost_usd)),
                        n(format!("{:.2}", c.monthly_usd)),
                        n(format!("{per_million:.2}")),
                        text(table::status(c)),
                    ],
                )
            })
            .collect();
        out.push_str(
            "<h2>Side by side</h2>\n<p class=\"meta\">capacity: mean environments or tasks; \
             cost with what fronts each platform (its ALB, its share of the APIs in front); \
             the verdict opens the page</p>\n",
        );
        out.push_str(&html_table(
            "compare",
            &headers(&[
                "platform",
                "includes",
                "requests",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "failed %",
                "capacity",
                "USD, period",
                "USD per 30-day month",
                "USD per M requests",
                "carries load",
            ]),
            &rows,
        ));
    }
    // fleets: each group's functions paired with its service, summed up in one line
    for (name, t) in summary.get("traces").and_then(Json::as_object).into_iter().flatten() {
        if let Some(f) = t.get("fleet").filter(|f| f.is_object()) {
            out.push_str(&format!(
                "<h2>Fleet {}</h2>\n<p>{}</p>\n",
                escape(name),
                escape(table::fleet_line(name, f).trim_end())
            ));
        }
    }
    if let Some(costs) = summary.get("cost_usd").and_then(Json::as_object) {
        let ci = summary.get("ci95").and_then(|c| c.get("cost_usd"));
        let period = span(num(&summary["measured_seconds"], &[]));
        let rows: Vec<_> = costs
            .iter()
            .filter_map(|(k, v)| {
                let m = v.as_f64()?;
                let part = if k == "monthly" {
                    "total per 30-day month".to_string()
                } else {
                    format!("{}, measured period ({period})", k.replace('_', " "))
                };
                let mut cells = vec![text(part), n(format!("{m:.4}"))];
                if let Some(ci) = ci {
                    let half = ci.get(k).and_then(Json::as_f64);
                    cells.push(n(half.map(|h| format!("± {h:.4}")).unwrap_or_default()));
                }
                Some((if k == "total" { "total".to_string() } else { String::new() }, cells))
            })
            .collect();
        let mut header = headers(&["part", "USD"]);
        if ci.is_some() {
            header.push("95% CI".into());
        }
        out.push_str("<h2>Cost</h2>\n");
        out.push_str(&html_table("cost", &header, &rows));
    }
    out
}

/// The objectives and how each check went, as a table.
fn checks_table(slo: &Slo, checks: &[Check], basis: &str) -> String {
    let mut out = format!(
        "<h2>SLOs</h2>\n<p>{} <span class=\"meta\">({})</span></p>\n",
        escape(&slo.describe()),
        escape(basis)
    );
    let rows: Vec<_> = checks
        .iter()
        .map(|c| {
            let pass = c.pass();
            (
                if pass { String::new() } else { "fail".to_string() },
                vec![
                    text(c.key.as_str()),
                    text(c.component.clone().unwrap_or_else(|| "total".into())),
                    n(c.value.map(|v| c.key.format(v)).unwrap_or_else(|| "absent".into())),
                    n(c.key.format(c.limit)),
                    text(if pass { "meets" } else { "fails" }),
                ],
            )
        })
        .collect();
    out.push_str(&html_table("slo", &headers(&["SLO", "component", "value", "limit", ""]), &rows));
    out
}

/// `report.html` of `slsim run`: the summary's tables, the SLO checks when the scenario has
/// `[slo]`, then the charts of `stems`.
pub fn run_page(
    title: &str,
    summary: &Summary,
    slo: Option<&Slo>,
    dir: &Path,
    stems: &[String],
) -> String {
    let mut body = format!("<h1>slsim run: {}</h1>\n", escape(title));
    let checks = slo.map(|slo| {
        let components = crate::slo::Components {
            functions: summary.names("functions"),
            apis: summary.names("apis"),
            services: summary.names("services"),
        };
        // each figure looked up where it is (a fleet's summary is never flattened whole)
        let figure = |name: &str| summary.dotted_figure(name);
        slo.evaluate(&components, &figure, false)
    });
    let judged = slo.zip(checks.as_deref());
    body.push_str(&opening::run_verdicts(&comparison::compare(summary), judged, summary));
    body.push_str(&opening::warnings_block(summary));
    let top = |key: &str| num(&summary[key], &[]);
    let reps = top("replications");
    let _ = writeln!(
        body,
        "<p class=\"meta\">seed {}, {} simulated seconds ({} measured: {}), {} replication{}{}; \
         costs are of the measured period unless per 30-day month</p>",
        top("seed"),
        top("simulated_seconds"),
        top("measured_seconds"),
        span(top("measured_seconds")),
        reps,
        if reps == 1.0 { "" } else { "s: figures are means" },
        summary["price_table"]["region"]
            .as_str()
            .map(|r| format!(", prices of {}", escape(r)))
            .unwrap_or_default(),
    );
    body.push_str(&summary_tables(summary));
    if let Some((slo, checks)) = judged {
        body.push_str(&checks_table(slo, checks, "judged by the mean over replications"));
    }
    body.push_str(&charts(dir, stems));
    page(&format!("slsim run: {title}"), &body)
}

/// The recommendation for people.
fn recommendation_section(rec: &Recommendation) -> String {
    let basis = if rec.conservative {
        "judged by mean + 95% CI half-width"
    } else {
        "judged by the mean over replications"
    };
    let mut out = format!(
        "<section id=\"recommendation\">\n<h2>Recommendation</h2>\n<p>SLOs: {} <span class=\"meta\">({basis})</span></p>\n<ul>\n",
        escape(&rec.slo.describe())
    );
    let cost = |v: &crate::recommend::Verdict| match v.cost {
        Some((m, c)) if c > 0.0 => format!("${m:.4} ± {c:.4}"),
        Some((m, _)) => format!("${m:.4}"),
        None => "no cost".into(),
    };
    match rec.best() {
        Some(best) => {
            let _ = writeln!(
                out,
                "<li class=\"pass\"><b>recommended</b>: {}, {}</li>",
                escape(&best.name()),
                escape(&cost(best))
            );
            match rec.runner_up() {
                Some(r) => {
                    let _ = writeln!(
                        out,
                        "<li><b>runner-up</b>: {}, {}</li>",
                        escape(&r.name()),
                        escape(&cost(r))
                    );
                }
                None => out.push_str("<li>runner-up: none (no other point meets every SLO)</li>\n"),
            }
        }
        None => {
            let _ = writeln!(
                out,
                "<li class=\"fail\"><b>no point meets every SLO</b> ({} checked); closest per SLO:<ul>",
                rec.verdicts.len()
            );
            for c in rec.closest() {
                let _ = writeln!(
                    out,
                    "<li>{}: {} at {}</li>",
                    escape(&c.check.what()),
                    escape(&c.check.verdict()),
                    escape(&c.verdict.name())
                );
            }
            out.push_str("</ul></li>\n");
        }
    }
    out.push_str("</ul>\n");
    let lines = rec.failure_lines(12);
    if !lines.is_empty() {
        out.push_str("<p>Failing:</p>\n<ul id=\"failing\">\n");
        for l in lines {
            let _ = writeln!(out, "<li>{}</li>", escape(&l));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// At most this many components get a p99 column in a sweep's table.
const MAX_COMPONENT_COLUMNS: usize = 8;

/// `report.html` of `slsim sweep` and `slsim merge`: the recommendation (with `[slo]`), the
/// points with their cost and p99 latencies, then the charts of `stems`.
pub fn sweep_page(
    title: &str,
    t: &SweepTable,
    rec: Option<&Recommendation>,
    dir: &Path,
    stems: &[String],
) -> String {
    let mut body = format!("<h1>slsim sweep: {}</h1>\n", escape(title));
    if let Some(rec) = rec {
        body.push_str(&recommendation_section(rec));
    }
    body.push_str(&opening::sweep_warnings(dir));
    let keys: Vec<String> = t.keys.iter().map(|k| short_key(k)).collect();
    let _ = writeln!(
        body,
        "<p class=\"meta\">{} point{}; swept: {}</p>",
        t.rows.len(),
        if t.rows.len() == 1 { "" } else { "s" },
        escape(&t.keys.join(", "))
    );
    // the latency columns of the objectives (p95 when the SLO is on p95), p99 without any
    let quantiles = crate::sweep::table::latency_quantiles(rec.map(|r| &r.slo));
    let mut cols = t.latency_columns(&quantiles);
    let hidden = cols.len().saturating_sub(MAX_COMPONENT_COLUMNS);
    cols.truncate(MAX_COMPONENT_COLUMNS);
    let cost = t.figure("cost_usd.total");
    let mut header = vec!["point".to_string()];
    header.extend(keys);
    header.push("USD, period".into());
    header.push("95% CI".into());
    header.extend(cols.iter().map(|c| c.0.clone()));
    if rec.is_some() {
        header.push("SLOs".into());
    }
    let rows: Vec<_> = (0..t.rows.len())
        .map(|r| {
            let verdict = rec.and_then(|rec| rec.verdicts.get(r));
            let mut cells = vec![n(verdict.map_or(r, |v| v.point).to_string())];
            cells.extend(t.rows[r].values.iter().map(|v| {
                n(match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                })
            }));
            let (m, c) = cost.and_then(|f| t.value(r, f)).unwrap_or((f64::NAN, 0.0));
            cells.push(n(if m.is_nan() { "-".into() } else { format!("{m:.4}") }));
            cells.push(n(if c > 0.0 { format!("± {c:.4}") } else { String::new() }));
            for (_, f) in &cols {
                cells.push(n(t.value(r, *f).map_or("-".into(), |(m, _)| format!("{m:.1}"))));
            }
            let mut class = String::new();
            if let (Some(rec), Some(v)) = (rec, verdict) {
                // recommended, tied (with the cheapest), meets, or what a failing point misses
                let label = crate::report::sweep_outputs::standing(rec, r);
                class = if rec.ranked.first() == Some(&r) {
                    "best"
                } else if !v.passes() {
                    "fail"
                } else if rec.tie_set.contains(&r) {
                    "second"
                } else {
                    ""
                }
                .to_string();
                cells.push(text(label));
            }
            (class, cells)
        })
        .collect();
    body.push_str("<h2>Points</h2>\n");
    if hidden > 0 {
        let _ = writeln!(
            body,
            "<p class=\"meta\">latency of the first {MAX_COMPONENT_COLUMNS} components; {hidden} more are in sweep.csv</p>"
        );
    }
    body.push_str(&html_table("points", &header, &rows));
    body.push_str(&charts(dir, stems));
    page(&format!("slsim sweep: {title}"), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_goes_before_the_body_end_and_replaces_its_older_self() {
        let page = page("t", "<h1>t</h1>\n");
        let one = insert_section(&page, "x", "<section id=\"x\">\n1\n</section>\n");
        assert!(one.ends_with("<section id=\"x\">\n1\n</section>\n</body>\n</html>\n"));
        let two = insert_section(&one, "x", "<section id=\"x\">\n2\n</section>\n");
        assert_eq!(two, one.replace("\n1\n", "\n2\n"));
    }

    #[test]
    fn base64_matches_rfc_4648() {
        let cases =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")];
        for (plain, enc) in cases {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00, 0x10]), "//4AEA==");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn stems_pair_png_and_svg() {
        let files: Vec<PathBuf> =
            ["a/summary.json", "a/requests.png", "a/requests.svg", "a/api.svg"]
                .iter()
                .map(PathBuf::from)
                .collect();
        assert_eq!(chart_stems(&files), ["requests", "api"]);
    }

    #[test]
    fn charts_prefer_svg_and_fall_back_to_png() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.svg"),
            "<?xml version=\"1.0\"?>\n<svg width=\"1\"></svg>\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("a.png"), b"not used").unwrap();
        std::fs::write(dir.path().join("b.png"), b"foo").unwrap();
        let html = charts(dir.path(), &["a".into(), "b".into(), "c".into()]);
        assert!(html.contains("<figure id=\"chart-a\">\n<svg width=\"1\"></svg>\n"), "{html}");
        assert!(!html.contains("<?xml"));
        assert!(html.contains("src=\"data:image/png;base64,Zm9v\""), "{html}");
        assert!(html.contains("c.svg / .png not found"), "{html}");
    }

    #[test]
    fn sweep_page_escapes_names_and_values() {
        use serde_json::json;
        let t = SweepTable::new(
            vec!["workload.<w>.x".into()],
            &[(
                json!({ "workload.<w>.x": "<script>alert(1)</script>" }),
                json!({ "functions": { "a&b": { "latency_ms": { "p99": 1.0 } } },
                        "cost_usd": { "total": 1.0 } }),
            )],
        );
        let html = sweep_page("t<i>", &t, None, Path::new("."), &[]);
        assert!(!html.contains("<script") && !html.contains("<i>") && !html.contains("<w>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("<th>a&amp;b p99 ms</th>"), "{html}");
        assert!(html.contains("<title>slsim sweep: t&lt;i&gt;</title>"), "{html}");
    }
}

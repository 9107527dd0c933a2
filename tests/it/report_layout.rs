//! One month everywhere (the break-even chart and `cost_usd.monthly`), and `report.html`'s
//! layout: the verdicts and warnings open the page, before any table; no narrow fixed column;
//! the cost table says which period each figure covers.
// See: issue 14

use serde_json::{Value, json};
use slsim::report::sweep_chart;
use slsim::sweep::table::SweepTable;

use crate::common::*;

/// A function behind an HTTP API and a Fargate service behind an ALB, both fed `rate`
/// requests per second of 100 ms for 15 measured minutes.
fn two_platforms(rate: f64) -> Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "month"
        duration = "20m"
        warmup = "5m"
        [pricing]
        free_tier = false
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        memory_size = 512
        [[api]]
        name = "http"
        type = "http"
        [[api.route]]
        route = "GET /x"
        target = "function:f"
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 0.5
        memory = 1024
        concurrency = 20
        capacity = {{ min = 1, max = 1, initial = 1 }}
        load_balancer = "alb"
        [[workload]]
        name = "w"
        targets = ["api:http", "service:web"]
        route = "GET /x"
        arrivals = {{ process = "constant", rate = {rate} }}
        duration = "100ms"
        "#
    )))
}

#[test]
fn the_break_even_month_is_the_summarys_30_day_month() {
    let key = "workload.w.arrivals.rate";
    let points: Vec<(Value, Value)> =
        [1.0, 4.0].iter().map(|&r| (json!({ key: r }), two_platforms(r))).collect();
    let t = SweepTable::new(vec![key.into()], &points);
    let charts = sweep_chart::charts(&t, None);
    let (_, title, _, panels) =
        charts.iter().find(|c| c.0 == "break-even").expect("a break-even chart");
    assert!(title.contains("30-day month"), "{title}");
    assert_eq!(panels[0].y_desc, "cost per 30-day month (USD)");
    let line = |label: &str| {
        panels[0].lines.iter().find(|l| l.label == label).unwrap_or_else(|| panic!("{label}"))
    };
    let lambda = line("f (with API Gateway)");
    let service = line("web");
    for (r, (_, s)) in points.iter().enumerate() {
        // the chart's month is the summary's: the function with its API, the service
        let f = f64_at(s, "functions.f.cost_usd.monthly") + f64_at(s, "apis.http.cost_usd.monthly");
        assert!((lambda.points[r].1 - f).abs() < 1e-9 * f, "{} vs {f}", lambda.points[r].1);
        let v = f64_at(s, "services.web.cost_usd.monthly");
        assert_eq!(service.points[r].1, v);
        // no tier or free tier in play: the period's cost x 30 days / 15 minutes
        let month = 30.0 * 86_400.0 / 900.0;
        let period = f64_at(s, "services.web.cost_usd.total");
        assert!((v - period * month).abs() < 1e-9 * v);
        let period =
            f64_at(s, "functions.f.cost_usd.total") + f64_at(s, "apis.http.cost_usd.total");
        assert!((f - period * month).abs() < 1e-9 * f, "{f} vs {}", period * month);
    }
}

/// `html`'s position of `needle`, or a failure naming it.
fn at(html: &str, needle: &str) -> usize {
    html.find(needle).unwrap_or_else(|| panic!("no {needle} in the page:\n{html}"))
}

/// The page uses the window's width: no narrow column, every table in a box that scrolls.
fn uses_the_width(html: &str) {
    let style = &html[at(html, "<style>")..at(html, "</style>")];
    let body = &style[at(style, "body{")..];
    let body = &body[..at(body, "}")];
    assert!(!body.contains("max-width"), "the body has no fixed width: {body}");
    assert!(style.contains(".scroll{overflow-x:auto"), "{style}");
    assert_eq!(
        html.matches("<table").count(),
        html.matches("<div class=\"scroll\">\n<table").count(),
        "every table scrolls in its own box"
    );
    assert!(style.contains("figure svg,figure img{width:100%;height:auto"), "{style}");
}

#[test]
fn a_run_page_opens_with_the_verdicts_and_warnings_before_any_table() {
    // the service is left at one request per task: it rejects most requests and warns
    let text = r#"
        [simulation]
        name = "layout"
        duration = "20m"
        warmup = "5m"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        memory_size = 512
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 0.5
        memory = 1024
        queue_limit = 0
        capacity = { min = 1, max = 1, initial = 1 }
        [[workload]]
        name = "w"
        targets = ["function:f", "service:web"]
        arrivals = { process = "constant", rate = 5.0 }
        duration = "1s"
        [slo]
        p99_ms = 500
    "#;
    let s = scenario(text);
    let summary = summarize(&s);
    let dir = tempfile::tempdir().expect("temp dir");
    let html = slsim::report::html::run_page(
        "layout",
        &slsim::summary::Summary::from_value(summary.clone()),
        s.slo.as_ref(),
        dir.path(),
        &[],
    );
    let first_table = at(&html, "<table");
    let verdicts = at(&html, "<section id=\"verdicts\">");
    let warnings = at(&html, "<div id=\"warnings\"");
    assert!(verdicts < warnings && warnings < first_table, "verdicts, warnings, then tables");
    // the comparison's verdict line and the SLO outcome are in the opening, not further down
    let verdict = slsim::report::comparison::verdict(&slsim::report::comparison::compare(
        &slsim::summary::Summary::from_value(summary.clone()),
    ));
    let line = at(&html, &slsim::report::html::escape(&verdict));
    assert!(verdicts < line && line < warnings, "{html}");
    // both run 1 s against a 500 ms objective
    let slo = at(&html, "<b>SLOs:</b> fails 2 of 2: p99_ms of function:f 1000.0 ms &gt; 500.0 ms");
    assert!(slo < warnings);
    assert!(at(&html, "service:web rejected") < first_table);
    uses_the_width(&html);
    // the cost table says which period each row covers
    assert!(html.contains("<td>total, measured period (15 min)</td>"), "{html}");
    assert!(html.contains("<td>total per 30-day month</td>"), "{html}");
    assert!(html.contains("<th>USD, period</th><th>USD per 30-day month</th>"), "{html}");
}

#[test]
fn a_sweep_page_opens_with_the_recommendation_and_the_points_warnings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        r#"
        [simulation]
        name = "sweep-layout"
        duration = "10m"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        error_rate = 0.05
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "constant", rate = 2.0 }
        duration = "200ms"
        [slo]
        p95_ms = 1000
        [sweep]
        [sweep.parameters]
        "workload.w.arrivals.rate" = [1.0, 2.0]
        "#,
    )
    .expect("scenario written");
    let out = dir.path().join("out");
    let run = slsim_cli(&[
        "sweep",
        file.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
        "--no-charts",
        "-q",
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let first_table = at(&html, "<table");
    let rec = at(&html, "<section id=\"recommendation\">");
    let warnings = at(&html, "<div id=\"warnings\"");
    assert!(rec < warnings && warnings < first_table, "recommendation, warnings, then the points");
    // each warning once, with the points where it fired
    assert!(html.contains("<code>errors</code> at every point: function:f failed "), "{html}");
    assert!(
        html.contains("<code>implicit_default</code> at every point: function:f runs at 128 MB")
    );
    uses_the_width(&html);
}

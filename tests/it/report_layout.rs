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

//! Issue 14 "Comparisons": each platform costed with what fronts it, failing options marked
//! and never cheapest, the verdict line, and the chart drawn from the same figures.
// See: issue 14

use serde_json::Value;
use slsim::report::comparison::{self, Failure, MONTH_SECONDS};

use crate::common::{f64_at, scenario, summarize};

/// One HTTP API in front of a function (route /a) and a Fargate service (route /b), both
/// carrying their load; and `tiny`, one task of concurrency 1 offered 30 requests per second
/// of 80 ms (2.4 Erlangs on one server): it rejects most of them.
const SCENARIO: &str = r#"
[simulation]
name = "comparisons"
duration = "10m"
seed = 7

[[lambda.function]]
name = "fn"
runtime = "nodejs20.x"
memory_size = 1024

[[service]]
name = "web"
platform = "fargate"
vcpu = 1.0
memory = 2048
concurrency = 20
queue_limit = 100
capacity = { min = 2, max = 2, initial = 2 }
load_balancer = "alb"

[[service]]
name = "tiny"
platform = "fargate"
vcpu = 0.25
memory = 512
concurrency = 1
queue_limit = 1
capacity = { min = 1, max = 1, initial = 1 }
load_balancer = "alb"

[[api]]
name = "shop"
type = "http"
[[api.route]]
route = "POST /a"
target = "function:fn"
[[api.route]]
route = "POST /b"
target = "service:web"

[[workload]]
name = "a"
target = "api:shop"
route = "POST /a"
arrivals = { process = "poisson", rate = 10.0 }
duration = { dist = "lognormal", median = "80ms", sigma = 0.5 }

[[workload]]
name = "b"
target = "api:shop"
route = "POST /b"
arrivals = { process = "poisson", rate = 30.0 }
duration = { dist = "lognormal", median = "80ms", sigma = 0.5 }

[[workload]]
name = "c"
target = "service:tiny"
arrivals = { process = "poisson", rate = 30.0 }
duration = { dist = "lognormal", median = "80ms", sigma = 0.5 }
"#;

fn summary() -> Value {
    summarize(&scenario(SCENARIO))
}

#[test]
fn the_api_cost_in_the_comparison_is_the_price_arithmetic() {
    let s = summary();
    let api_requests = f64_at(&s, "apis.shop.requests");
    // HTTP API: $1.00 per million requests (first 300 million a month, us-east-1)
    let api_usd = api_requests * 1.00 / 1e6;
    assert!((f64_at(&s, "apis.shop.cost_usd.total") - api_usd).abs() < 1e-12);
    let (fn_requests, web_requests) =
        (f64_at(&s, "functions.fn.invocations"), f64_at(&s, "services.web.requests"));
    let c = comparison::compare(&slsim::summary::Summary::from_value(s.clone()));
    let names: Vec<(&str, &str)> =
        c.iter().map(|c| (c.label.as_str(), c.includes.as_str())).collect();
    assert_eq!(
        names,
        [
            ("fn + http api", "lambda + http api"),
            ("web + http api", "fargate + alb + http api"),
            ("tiny", "fargate + alb"),
        ]
    );
    // the API is shared by the requests each target received
    let fn_share = api_usd * fn_requests / (fn_requests + web_requests);
    let web_share = api_usd * web_requests / (fn_requests + web_requests);
    let expect = [
        f64_at(&s, "functions.fn.cost_usd.total") + fn_share,
        f64_at(&s, "services.web.cost_usd.total") + web_share,
        f64_at(&s, "services.tiny.cost_usd.total"),
    ];
    for (c, e) in c.iter().zip(expect) {
        assert!((c.cost_usd - e).abs() < 1e-12, "{}: {} against {e}", c.label, c.cost_usd);
        let month = e * MONTH_SECONDS / f64_at(&s, "measured_seconds");
        assert!((c.monthly_usd - month).abs() < 1e-9, "{}", c.label);
    }
    // everything in front is counted once: the options add up to the run's total
    let sum: f64 = c.iter().map(|c| c.cost_usd).sum();
    assert!((sum - f64_at(&s, "cost_usd.total")).abs() < 1e-9);
}

#[test]
fn an_overloaded_option_is_marked_failing_and_never_cheapest() {
    let s = summary();
    let c = comparison::compare(&slsim::summary::Summary::from_value(s.clone()));
    let tiny = c.iter().find(|c| c.platform.name == "tiny").expect("tiny compared");
    let failure = tiny.failure.as_ref().expect("tiny fails");
    let rejected = f64_at(&s, "services.tiny.rejected") / f64_at(&s, "services.tiny.requests");
    assert_eq!(failure, &Failure::Share { what: "rejected", share: rejected });
    assert!(rejected > 0.5, "{rejected}");
    // the cheapest by cost, but failing: the cheapest mark goes to a passing option
    assert!(c.iter().all(|o| tiny.cost_usd < o.cost_usd || o.platform.name == "tiny"));
    assert!(!tiny.cheapest);
    let cheapest: Vec<&str> =
        c.iter().filter(|c| c.cheapest).map(|c| c.platform.name.as_str()).collect();
    assert_eq!(cheapest, ["fn"]);
    // the healthy ones stay silent
    assert!(c.iter().filter(|c| c.platform.name != "tiny").all(|c| c.failure.is_none()));
    // the terminal table says so
    let table = slsim::report::table::render(&slsim::summary::Summary::from_value(s.clone()));
    let table = table.split("side by side").nth(1).expect("a side-by-side table");
    let row = table.lines().find(|l| l.starts_with("tiny ")).expect(table);
    assert!(row.ends_with(&format!("fails: {}", failure.describe())), "{row}");
    let row = table.lines().find(|l| l.starts_with("fn ")).expect(table);
    assert!(row.ends_with("yes, cheapest"), "{row}");
}

#[test]
fn the_verdict_line_follows_the_table() {
    let s = summary();
    let c = comparison::compare(&slsim::summary::Summary::from_value(s.clone()));
    let verdict = comparison::verdict(&c);
    let (f, w) = (&c[0], &c[1]);
    let expect = format!(
        "fn + http api: ${:.2}/month, p99 {} ms: {:.2}x cheaper than web; \
         web + http api: ${:.2}/month, p99 {} ms; tiny: fails ({} % rejected)",
        f.monthly_usd,
        f.platform.p99_ms.round(),
        w.cost_usd / f.cost_usd,
        w.monthly_usd,
        w.platform.p99_ms.round(),
        (100.0 * f64_at(&s, "services.tiny.rejected") / f64_at(&s, "services.tiny.requests"))
            .round(),
    );
    assert_eq!(verdict, expect);
    let table = slsim::report::table::render(&slsim::summary::Summary::from_value(s.clone()));
    assert!(table.contains(&format!("\n{verdict}\n")), "{table}");
}

#[test]
fn the_report_marks_the_failing_option_and_prints_the_verdict() {
    let s = summary();
    let page = slsim::report::html::run_page(
        "t",
        &slsim::summary::Summary::from_value(s.clone()),
        None,
        std::path::Path::new("."),
        &[],
    );
    let verdict =
        comparison::verdict(&comparison::compare(&slsim::summary::Summary::from_value(s.clone())));
    assert!(page.contains(&slsim::report::html::escape(&verdict)), "{page}");
    assert!(page.contains("<tr class=\"fail\"><td>tiny</td>"), "{page}");
    assert!(page.contains("fails: "), "{page}");
}

#[test]
fn a_service_whose_queue_grows_through_the_run_fails_with_its_backlog() {
    // tiny again, with room to queue everything: nothing is rejected, the queue grows all run
    let text = SCENARIO.replace("queue_limit = 1\n", "queue_limit = 100000\n");
    let s = summarize(&scenario(&text));
    assert_eq!(f64_at(&s, "services.tiny.rejected"), 0.0);
    let c = comparison::compare(&slsim::summary::Summary::from_value(s.clone()));
    let tiny = c.iter().find(|c| c.platform.name == "tiny").expect("tiny compared");
    let p50 = f64_at(&s, "services.tiny.latency_ms.p50");
    assert!(p50 > 60_000.0, "{p50}");
    assert_eq!(tiny.failure, Some(Failure::Backlog { p50_ms: p50, measured_seconds: 600.0 }));
    assert!(!tiny.cheapest && c[0].cheapest);
    assert!(comparison::verdict(&c).ends_with(&format!(
        "tiny: fails (backlog: p50 {} s in a 600 s run)",
        (p50 / 1e3).round()
    )));
}

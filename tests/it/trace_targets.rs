//! Trace targets (issue 15): one trace replayed against Lambda, a service, an API or several
//! of them at once; services generated per group of trace functions; the errors of a bad
//! target.

use std::fmt::Write as _;
use std::path::Path;

use slsim::config::{self, Scenario};

use crate::common::*;

/// Writes `files` and `scenario.toml` (`body` as written) to `dir` and loads the scenario.
fn load(dir: &Path, body: &str, files: &[(&str, &str)]) -> Result<Scenario, String> {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let path = dir.join("scenario.toml");
    std::fs::write(&path, body).unwrap();
    config::load(&path, &[]).map_err(|e| e.to_string())
}

fn ok(r: Result<Scenario, String>) -> Scenario {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// A `requests` trace: `n` requests, `gap_ms` apart from 0.5 s, each `ms` long, cycling over
/// `functions`.
fn requests(n: usize, gap_ms: f64, ms: f64, functions: &[&str]) -> String {
    let mut csv = String::from("timestamp,function,duration_ms\n");
    for i in 0..n {
        let f = functions[i % functions.len()];
        let _ = writeln!(csv, "{:.3},{f},{ms}", 0.5 + i as f64 * gap_ms / 1e3);
    }
    csv
}

const WEB: &str = r#"
[[service]]
name = "web"
platform = "fargate"
vcpu = 1.0
memory = 2048
concurrency = 1000
load_balancer = "none"
capacity = { min = 1, max = 1, initial = 1 }
"#;

const FUNCTION_F: &str = r#"
[[lambda.function]]
name = "f"
runtime = "python3.12"
memory_size = 1769
"#;

#[test]
fn one_trace_replayed_to_lambda_and_a_service_gives_both_the_same_requests_minute_by_minute() {
    // See: issue 15. 3 requests a second for 10 minutes over two trace functions.
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"
        [simulation]
        name = "both"
        duration = "10m"
        {WEB}
        [[trace]]
        name = "t"
        format = "requests"
        path = "t.csv"
        targets = ["lambda", "service:web"]
        template = {{ runtime = "python3.12" }}
        "#
    );
    let csv = requests(1790, 333.0, 120.0, &["a", "b"]);
    let s = ok(load(dir.path(), &body, &[("t.csv", &csv)]));
    let run = slsim::sim::run(&s, 1);
    let lambda: Vec<u64> = run.minutes.iter().map(|m| m.invocations).collect();
    let service: Vec<u64> = run.minutes.iter().map(|m| m.service_requests).collect();
    assert_eq!(lambda.len(), 10);
    assert_eq!(lambda, service, "the same arrivals per minute on both targets");
    assert_eq!(lambda.iter().sum::<u64>(), 1790);
    let summary = summarize(&s);
    let trace = &summary["traces"]["t"];
    assert_eq!(trace["targets"], serde_json::json!(["lambda", "service:web"]));
    assert_eq!(f64_at(trace, "invocations"), 1790.0);
    let invoked =
        f64_at(&summary, "functions.a.invocations") + f64_at(&summary, "functions.b.invocations");
    assert_eq!(invoked, 1790.0);
    assert_eq!(f64_at(&summary, "services.web.requests"), 1790.0);
    // the side-by-side comparison picks up both platforms
    let options =
        slsim::report::comparison::compare(&slsim::summary::Summary::from_value(summary.clone()));
    let names: Vec<&str> = options.iter().map(|o| o.platform.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "web"]);
}

#[test]
fn a_trace_sent_to_one_function_and_through_an_api_keeps_its_run_times() {
    // 100 ms requests: the declared function (1769 MB, one vCPU) runs each 100 ms, also behind
    // the API (an HTTP API's own overhead aside)
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"
        [simulation]
        name = "api"
        duration = "10m"
        {FUNCTION_F}
        [[api]]
        name = "shop"
        type = "http"
        [[api.route]]
        route = "GET /items"
        target = "function:f"
        [[trace]]
        name = "t"
        format = "requests"
        path = "t.csv"
        targets = ["function:f", "api:shop"]
        route = "GET /items"
        cpu_bound = 1.0
        "#
    );
    let csv = requests(500, 1000.0, 100.0, &["a", "b"]);
    let s = ok(load(dir.path(), &body, &[("t.csv", &csv)]));
    let summary = summarize(&s);
    // every request once directly and once through the API
    assert_eq!(f64_at(&summary, "functions.f.invocations"), 1000.0);
    assert_eq!(f64_at(&summary, "apis.shop.requests"), 500.0);
    // 1,000 runs of 100 ms at 1769 MB (one vCPU, so cpu_bound changes nothing), plus the
    // billed init of the cold starts
    let f = &summary["functions"]["f"];
    let init_s = f64_at(f, "cold_starts") * f64_at(f, "init_ms.mean") / 1e3;
    let gbs = f64_at(f, "billed_gb_seconds");
    let want = (1000.0 * 0.1 + init_s) * 1769.0 / 1024.0;
    assert!((gbs - want).abs() < 1e-3, "{gbs} vs {want}");
    assert_eq!(f64_at(&summary, "traces.t.functions"), 2.0);
}

/// Poisson arrivals at `rate` per second with exponential run times of mean `mean_s`, for
/// `secs` seconds, from a fixed seed (splitmix64): the trace of an M/M/c experiment.
fn poisson_trace(rate: f64, mean_s: f64, secs: f64) -> String {
    let mut state: u64 = 42;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut csv = String::from("timestamp,duration_ms\n");
    let mut t = 0.0;
    loop {
        t += -uniform().ln() / rate;
        if t >= secs {
            return csv;
        }
        let ms = -uniform().ln() * mean_s * 1e3;
        let _ = writeln!(csv, "{t:.6},{ms:.3}");
    }
}

#[test]
fn a_poisson_trace_on_one_service_reproduces_erlang_c() {
    // See: issue 15. As tests/it/services.rs's synthetic workload: c = 4, a = 3 (3/s x 1 s):
    // P(wait) = C(4, 3), mean latency 1 + C / (4 - 3) s, within the same tolerances.
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
        [simulation]
        name = "mmc"
        duration = "20h"
        warmup = "10m"
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 1.0
        memory = 2048
        load_balancer = "none"
        concurrency = 4
        queue_limit = 1000000
        capacity = { min = 1, max = 1, initial = 1 }
        [[trace]]
        name = "poisson"
        format = "requests"
        path = "t.csv"
        target = "service:web"
    "#;
    let csv = poisson_trace(3.0, 1.0, 20.0 * 3600.0);
    let s = ok(load(dir.path(), body, &[("t.csv", &csv)]));
    let summary = summarize(&s);
    let web = &summary["services"]["web"];
    let c = erlang_c(4, 3.0);
    let waited = f64_at(web, "queued") / f64_at(web, "requests");
    assert!((waited - c).abs() < 0.03, "P(wait) {waited}, Erlang C {c}");
    let mean_s = f64_at(web, "latency_ms.mean") / 1000.0;
    assert!((mean_s - (1.0 + c)).abs() < 0.06 * (1.0 + c), "mean latency {mean_s}");
    assert_eq!(f64_at(web, "rejected"), 0.0);
    assert!(summary["functions"].as_object().unwrap().is_empty(), "no function was created");
}

#[test]
fn a_bad_target_names_the_key_the_value_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let csv = requests(3, 1000.0, 10.0, &["a"]);
    let err = |keys: &str| {
        let body = format!(
            "[simulation]\nname = \"e\"\nduration = \"1m\"\n{FUNCTION_F}\n[[api]]\nname = \"two\"\n\
             type = \"http\"\n[[api.route]]\nroute = \"GET /a\"\ntarget = \"function:f\"\n\
             [[api.route]]\nroute = \"GET /b\"\ntarget = \"function:f\"\n\
             [[trace]]\nname = \"t\"\nformat = \"requests\"\npath = \"t.csv\"\n{keys}\n"
        );
        load(dir.path(), &body, &[("t.csv", &csv)]).expect_err("invalid")
    };
    let e = err("target = \"ecs\"");
    assert!(e.contains("trace \"t\".target") && e.contains("\"ecs\" is not a trace target"), "{e}");
    assert!(e.contains("allowed \"lambda\", \"service\""), "{e}");
    let e = err("target = \"service:nope\"");
    assert!(e.contains("trace \"t\".target") && e.contains("no service named \"nope\""), "{e}");
    let e = err("targets = [\"function:f\", \"function:g\"]");
    assert!(e.contains("trace \"t\".targets[1]") && e.contains("no function named \"g\""), "{e}");
    assert!(e.contains("declared functions: f"), "{e}");
    let e = err("target = \"api:two\"");
    assert!(e.contains("trace \"t\".route") && e.contains("GET /a, GET /b"), "{e}");
    let e = err("target = \"function:f\"\nroute = \"GET /a\"");
    assert!(e.contains("a route applies only to api targets"), "{e}");
    let e = err("target = \"lambda\"\ntargets = [\"lambda\"]");
    assert!(e.contains("give either `target` or `targets`"), "{e}");
    let e = err("target = \"function:f\"\ngroup_by = \"app\"");
    assert!(e.contains("trace \"t\".group_by") && e.contains("only to target \"service\""), "{e}");
    let e = err("target = \"function:f\"\ntemplate = { runtime = \"python3.12\" }");
    assert!(e.contains("trace \"t\".template"), "{e}");
}

const INVOCATIONS: &str = "HashOwner,HashApp,HashFunction,Trigger,1,2,3\n\
o1,app1,f1,http,60,0,30\n\
o1,app1,f2,queue,6,6,6\n\
o2,app2,f3,timer,1,1,1\n";
const DURATIONS: &str = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,\
percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,\
percentile_Average_75,percentile_Average_99,percentile_Average_100\n\
o1,app1,f1,10,1,,,10,10,10,10,10,10,10\n\
o1,app1,f2,10,1,,,10,10,10,10,10,10,10\n\
o2,app2,f3,10,1,,,10,10,10,10,10,10,10\n";

/// The three-function azure2019 trace above (apps app1 = f1 + f2 and app2 = f3) with `keys`.
fn grouped(dir: &Path, keys: &str) -> Result<Scenario, String> {
    let body = format!(
        r#"
        [simulation]
        name = "groups"
        duration = "3m"
        [[trace]]
        name = "az"
        format = "azure2019"
        invocations = "inv.csv"
        durations = "dur.csv"
        spread = "even"
        {keys}
        "#
    );
    load(dir, &body, &[("inv.csv", INVOCATIONS), ("dur.csv", DURATIONS)])
}

const TEMPLATE: &str = "template = { platform = \"fargate\", vcpu = 1.0, memory = 2048, \
                        concurrency = 100, load_balancer = \"none\" }";

#[test]
fn group_by_app_makes_one_service_per_app_with_the_apps_requests() {
    // See: issue 15. app1: 60 + 30 (f1) + 18 (f2) = 108 requests; app2: 3.
    let dir = tempfile::tempdir().unwrap();
    let s =
        ok(grouped(dir.path(), &format!("target = \"service\"\ngroup_by = \"app\"\n{TEMPLATE}")));
    let names: Vec<&str> = s.services.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["app1", "app2"]);
    assert!(s.lambda.functions.is_empty());
    let summary = summarize(&s);
    assert_eq!(f64_at(&summary, "services.app1.requests"), 108.0);
    assert_eq!(f64_at(&summary, "services.app2.requests"), 3.0);
    assert_eq!(f64_at(&summary, "traces.az.services"), 2.0);
    assert_eq!(f64_at(&summary, "traces.az.invocations"), 111.0);
    // by owner: the same split here; by trigger: three; all: one named after the trace
    for (by, want) in [
        ("owner", vec!["o1", "o2"]),
        ("trigger", vec!["http", "queue", "timer"]),
        ("all", vec!["az"]),
        ("function", vec!["f1", "f2", "f3"]),
    ] {
        let s = ok(grouped(
            dir.path(),
            &format!("target = \"service\"\ngroup_by = \"{by}\"\n{TEMPLATE}"),
        ));
        let names: Vec<&str> = s.services.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, want, "group_by {by}");
    }
}

#[test]
fn generated_service_names_stay_distinct_when_identifiers_collide() {
    // See: issue 15. "a b" and "a_b" both shorten to "a_b"; a declared service is "web".
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"
        [simulation]
        name = "names"
        duration = "1m"
        {WEB}
        [[trace]]
        name = "web"
        format = "requests"
        path = "t.csv"
        targets = ["service", "service:web"]
        {TEMPLATE}
        "#
    );
    let csv = "timestamp,function,duration_ms\n1,a b,10\n2,a_b,10\n3,a_b,10\n4,,10\n";
    let s = ok(load(dir.path(), &body, &[("t.csv", csv)]));
    let names: Vec<&str> = s.services.iter().map(|c| c.name.as_str()).collect();
    // the trace's nameless function is named after the trace: "web", taken by the declared one
    assert_eq!(names, ["web", "a_b", "a_b-2", "web-2"]);
    let summary = summarize(&s);
    for (name, want) in [("a_b", 1.0), ("a_b-2", 2.0), ("web-2", 1.0), ("web", 4.0)] {
        assert_eq!(f64_at(&summary, &format!("services.{name}.requests")), want, "{name}");
    }
}

#[test]
fn a_service_template_is_checked_once_at_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let e = grouped(
        dir.path(),
        "target = \"service\"\ntemplate = { platform = \"fargate\", vcpu = 3.0 }",
    )
    .expect_err("3 vCPU is no Fargate size");
    assert!(e.contains("trace \"az\".template.vcpu"), "{e}");
    assert_eq!(e.matches("template.vcpu").count(), 1, "{e}");
    let e = grouped(
        dir.path(),
        "target = \"service\"\ntemplate = { name = \"x\", platform = \"fargate\" }",
    )
    .expect_err("no name");
    assert!(e.contains("trace \"az\".template") && e.contains("unknown key `name`"), "{e}");
    // a service key in a function template is refused by the function's keys
    let e = grouped(dir.path(), "template = { runtime = \"python3.12\", vcpu = 1.0 }")
        .expect_err("vcpu is a service key");
    assert!(e.contains("trace \"az\".template") && e.contains("vcpu"), "{e}");
    let e = grouped(
        dir.path(),
        "target = \"service\"\ngroup_by = \"owner\"\ntemplate = { platform = \"fargate\" }",
    );
    assert!(e.is_ok(), "{e:?}");
    let body = "timestamp,function\n1,a\n";
    let e = load(
        dir.path(),
        "[simulation]\nname = \"r\"\nduration = \"1m\"\n[[trace]]\nname = \"r\"\nformat = \"requests\"\n\
         path = \"r.csv\"\ntarget = \"service\"\ngroup_by = \"app\"\ntemplate = { platform = \"fargate\" }\n",
        &[("r.csv", body)],
    )
    .expect_err("requests have no app");
    assert!(
        e.contains("trace \"r\".group_by") && e.contains("does not give each function's app"),
        "{e}"
    );
}

#[test]
fn triggers_mapped_to_a_queue_or_async_take_exactly_their_share() {
    // See: issue 15. f1 (http) 90 requests stay synchronous, f2 (queue) 18 go through the
    // queue, f3 (timer) 3 are asynchronous: 90 + 18 + 3 = 111, every request accounted for.
    let dir = tempfile::tempdir().unwrap();
    let keys = format!(
        r#"
        targets = ["lambda", "service:web"]
        template = {{ runtime = "python3.12" }}
        trigger_map = {{ queue = "queue:jobs", timer = "async" }}
        {WEB}
        [[lambda.function]]
        name = "worker"
        runtime = "python3.12"
        [[queue]]
        name = "jobs"
        kind = "sqs"
        target = "function:worker"
        "#
    );
    let s = ok(grouped(dir.path(), &keys));
    let summary = summarize(&s);
    let at = |p: &str| f64_at(&summary, p);
    assert_eq!(at("traces.az.invocations"), 111.0);
    assert_eq!((at("traces.az.queued_requests"), at("traces.az.async_requests")), (18.0, 3.0));
    assert_eq!(at("queues.jobs.records"), 18.0);
    assert_eq!(at("queues.jobs.succeeded"), 18.0);
    assert_eq!(at("functions.f1.invocations"), 90.0);
    assert_eq!(at("functions.f2.invocations"), 0.0, "its requests went to the queue");
    assert_eq!(at("functions.f3.async.events"), 3.0);
    assert_eq!(at("functions.f3.invocations"), 3.0);
    // the service has no asynchronous path: it serves the timer's requests as they come, but
    // not the queued ones
    assert_eq!(at("services.web.requests"), 93.0);
    assert!(summary["functions"]["f1"].get("async").is_none());
}

#[test]
fn a_bad_trigger_map_names_the_trigger_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let err = |map: &str| {
        grouped(
            dir.path(),
            &format!("template = {{ runtime = \"python3.12\" }}\ntrigger_map = {map}"),
        )
        .expect_err("invalid")
    };
    let e = err("{ cron = \"async\" }");
    assert!(e.contains("trace \"az\".trigger_map.cron"), "{e}");
    assert!(e.contains("its triggers: http, queue, timer"), "{e}");
    let e = err("{ queue = \"queue:nope\" }");
    assert!(e.contains("no queue named \"nope\""), "{e}");
    let e = err("{ queue = \"later\" }");
    assert!(
        e.contains("\"later\" is not a delivery; allowed \"sync\", \"async\", \"queue:NAME\""),
        "{e}"
    );
    let csv = requests(3, 1000.0, 10.0, &["a"]);
    let body = "[simulation]\nname = \"r\"\nduration = \"1m\"\n[[trace]]\nname = \"r\"\n\
                format = \"requests\"\npath = \"t.csv\"\ntemplate = { runtime = \"python3.12\" }\n\
                trigger_map = { timer = \"async\" }\n";
    let e = load(dir.path(), body, &[("t.csv", &csv)]).expect_err("no triggers");
    assert!(e.contains("trace \"r\".trigger_map") && e.contains("gives no triggers"), "{e}");
}

#[test]
fn a_fleet_pairs_each_groups_functions_with_its_service() {
    // See: issue 15 ("the distribution over groups ... not a table of every group").
    // app1 = f1 + f2 (108 requests in 3 minutes: 0.6/s), app2 = f3 (3: 0.017/s); each app
    // is a Fargate service of one task (about $0.0025 for 3 minutes) and its functions on
    // Lambda (108 requests of 10 ms: a few millionths of a dollar), so Lambda is cheaper in
    // both groups
    let dir = tempfile::tempdir().unwrap();
    let s = ok(grouped(
        dir.path(),
        &format!(
            "targets = [\"lambda\", \"service\"]\ngroup_by = \"app\"\n\
             template = {{ runtime = \"python3.12\" }}\nservice_{TEMPLATE}"
        ),
    ));
    let summary = summarize(&s);
    let fleet = &summary["traces"]["az"]["fleet"];
    assert_eq!(fleet["groups"], 2, "{fleet}");
    let lambda: f64 = ["f1", "f2", "f3"]
        .iter()
        .map(|f| f64_at(&summary, &format!("functions.{f}.cost_usd.total")))
        .sum();
    let services: f64 = ["app1", "app2"]
        .iter()
        .map(|a| f64_at(&summary, &format!("services.{a}.cost_usd.total")))
        .sum();
    assert!((f64_at(fleet, "lambda.cost_usd") - lambda).abs() < 1e-12, "{fleet}");
    assert!((f64_at(fleet, "services.cost_usd") - services).abs() < 1e-12, "{fleet}");
    assert!(lambda > 0.0 && lambda < services);
    assert_eq!(f64_at(fleet, "cheaper_on_lambda"), 2.0);
    assert_eq!(f64_at(fleet, "cheaper_on_services") + f64_at(fleet, "neither"), 0.0);
    // by request rate: one group per decade, 0.1-1/s and 0.01-0.1/s
    let bins = fleet["by_rate"].as_array().unwrap();
    let ranges: Vec<(f64, f64, f64)> = bins
        .iter()
        .map(|b| {
            (f64_at(b, "requests_per_s_from"), f64_at(b, "requests_per_s_to"), f64_at(b, "groups"))
        })
        .collect();
    assert_eq!(ranges, [(0.01, 0.1, 1.0), (0.1, 1.0, 1.0)]);
    // break-even by hand: a group's service cost per second over its functions' cost per
    // request (both services keep their one task, neither side fails)
    let measured = f64_at(&summary, "measured_seconds");
    let group = |fs: &[&str], app: &str| {
        let f = |k: &str| -> f64 {
            fs.iter().map(|f| f64_at(&summary, &format!("functions.{f}.{k}"))).sum()
        };
        let requests = f64_at(&summary, &format!("services.{app}.requests"));
        let usd = f64_at(&summary, &format!("services.{app}.cost_usd.total"));
        usd / measured / (f("cost_usd.total") / requests)
    };
    let mut want = [group(&["f1", "f2"], "app1"), group(&["f3"], "app2")];
    want.sort_by(f64::total_cmp);
    let be = &fleet["break_even"];
    assert_eq!(f64_at(be, "groups"), 2.0, "{be}");
    // nearest rank over 2 groups: p10 the lower, p50 and p90 the higher
    assert!((f64_at(be, "requests_per_s_p10") - want[0]).abs() < 1e-9 * want[0], "{be} {want:?}");
    assert!((f64_at(be, "requests_per_s_p50") - want[1]).abs() < 1e-9 * want[1], "{be} {want:?}");
    // Lambda is cheaper in both: each group's rate is below its break-even
    assert!(want[0] > 0.6, "{want:?}");
    // both targets need the services' own template; alone, "service" takes `template`
    let both = "targets = [\"lambda\", \"service\"]\ntemplate = { runtime = \"python3.12\" }";
    let e = grouped(dir.path(), both).unwrap_err();
    assert!(e.contains("trace \"az\".service_template") && e.contains("missing"), "{e}");
    let e = grouped(dir.path(), &format!("target = \"service\"\nservice_{TEMPLATE}")).unwrap_err();
    assert!(e.contains("service_template") && e.contains("applies only when"), "{e}");
    // the terminal reads the fleet in one line
    let text = slsim::report::table::render(&slsim::summary::Summary::from_value(summary.clone()));
    assert!(text.contains("fleet az: 2 groups"), "{text}");
    assert!(text.contains("cheaper on lambda in 2, on services in 0"), "{text}");
    // and report.html in its own section
    let html = slsim::report::html::run_page(
        "groups",
        &slsim::summary::Summary::from_value(summary.clone()),
        None,
        dir.path(),
        &[],
    );
    assert!(html.contains("<h2>Fleet az</h2>") && html.contains("fleet az: 2 groups"), "{html}");
}

//! Charts that read at a glance: requests counted once per workload, a latency CDF per
//! component drawn as steps, and the services chart with its per-minute task columns.
// See: issue 14

use std::path::Path;

use crate::common::*;
use slsim::app::{RunOptions, run_scenario};
use slsim::engine::SimDuration;
use slsim::metrics::Histogram;
use slsim::report::{MAX_CURVES, component_latencies, latency_curves};

/// Runs `text` with charts into `dir`; returns summary.json.
fn run_into(text: &str, dir: &Path) -> serde_json::Value {
    let opts = RunOptions {
        out_dir: Some(dir.to_path_buf()),
        charts: true,
        threads: Some(1),
        ..RunOptions::default()
    };
    run_scenario(&scenario(text), &opts).expect("runs").summary.to_value()
}

/// timeseries.csv: its header and its rows.
fn timeseries(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("timeseries.csv")).expect("timeseries.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header").iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The values of column `name` (empty cells as NaN).
fn column(dir: &Path, name: &str) -> Vec<f64> {
    let (header, rows) = timeseries(dir);
    let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name}"));
    rows.iter().map(|r| r[i].parse().unwrap_or(f64::NAN)).collect()
}

const TWO_TARGETS: &str = r#"
    [simulation]
    name = "fanout"
    duration = "5m"
    warmup = "1m"
    [[lambda.function]]
    name = "resize"
    runtime = "python3.12"
    [[lambda.function]]
    name = "audit"
    runtime = "python3.12"
    [[workload]]
    name = "uploads"
    targets = ["function:resize", "function:audit"]
    arrivals = { process = "constant", rate = 2.0 }
    duration = "20ms"
"#;

#[test]
fn requests_count_a_workload_with_two_targets_once() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run_into(TWO_TARGETS, dir.path());
    // 2 a second: 120 requests a minute, each reaching both functions
    let requests = column(dir.path(), "requests");
    let arrivals = column(dir.path(), "arrivals");
    assert_eq!(requests, vec![120.0; 5]);
    assert_eq!(arrivals, vec![240.0; 5], "arrivals count one per function reached");
    let warmup = column(dir.path(), "warmup");
    let measured: f64 = requests.iter().zip(&warmup).filter(|(_, w)| **w == 0.0).map(|p| p.0).sum();
    assert_eq!(measured, f64_at(&summary, "workloads.uploads.requests"));
    // appended after the older columns, which keep their places
    let (header, _) = timeseries(dir.path());
    let p99 = header.iter().position(|h| h == "duration_p99_ms").unwrap();
    assert_eq!(header[p99 + 1], "requests");
    assert_eq!(header[..4], ["minute", "start_s", "warmup", "arrivals"]);
    // the chart draws the requests once, and what reached each function beside them (two
    // components: a line each, in place of the per-kind total)
    let svg = std::fs::read_to_string(dir.path().join("requests.svg")).unwrap();
    for label in ["requests (workloads and traces)", "function resize", "function audit"] {
        assert!(svg.contains(label), "{label}");
    }
    assert!(!svg.contains("arrivals at functions"), "per component, not per kind");
}

#[test]
fn each_component_counts_its_own_requests_per_minute() {
    // See: issue 14 ("per-component lines when there are several")
    let s = scenario(THREE_KINDS);
    let run = slsim::app::simulate(&s).first;
    // slots: functions in order, then APIs, then services
    let names = ["function worker", "function backend", "api shop", "service web"];
    assert_eq!(run.functions.len() + run.apis.len() + run.services.len(), names.len());
    let per_slot = |k: usize| -> u64 {
        run.minutes.iter().filter(|r| r.warmup == 0).map(|r| u64::from(r.components[k])).sum()
    };
    let f = |name: &str| run.functions.iter().find(|(c, _)| c.name == name).unwrap().1.arrivals;
    assert_eq!(per_slot(0), f("worker"));
    assert_eq!(per_slot(1), f("backend"));
    assert_eq!(per_slot(2), run.apis[0].1.requests);
    assert_eq!(per_slot(3), run.services[0].1.requests);
    assert!((0..4).all(|k| per_slot(k) > 0), "every component received requests");
    // the slots sum to the per-kind columns, minute by minute
    for r in &run.minutes {
        let c = &r.components;
        assert_eq!(u64::from(c[0] + c[1]), r.arrivals);
        assert_eq!(u64::from(c[2]), r.api_requests);
        assert_eq!(u64::from(c[3]), r.service_requests);
    }
    let dir = tempfile::tempdir().unwrap();
    run_into(THREE_KINDS, dir.path());
    let svg = std::fs::read_to_string(dir.path().join("requests.svg")).unwrap();
    for label in names {
        assert!(svg.contains(label), "{label}");
    }
}

#[test]
fn more_than_eight_components_draw_totals_per_kind() {
    let mut text = String::from("[simulation]\nname = \"many\"\nduration = \"2m\"\n");
    for i in 0..9 {
        text.push_str(&format!(
            "[[lambda.function]]\nname = \"f{i}\"\nruntime = \"python3.12\"\n\
             [[workload]]\nname = \"w{i}\"\ntarget = \"function:f{i}\"\n\
             arrivals = {{ process = \"constant\", rate = 1.0 }}\nduration = \"10ms\"\n"
        ));
    }
    let run = slsim::app::simulate(&scenario(&text)).first;
    assert!(run.minutes.iter().all(|r| r.components == [0; 8]), "nothing tracked past eight");
}

/// A function, an HTTP API in front of another function, and a service, each fed by a
/// workload; the service's requests take exactly 100 ms.
const THREE_KINDS: &str = r#"
    [simulation]
    name = "kinds"
    duration = "3m"
    [[lambda.function]]
    name = "worker"
    runtime = "python3.12"
    [[lambda.function]]
    name = "backend"
    runtime = "nodejs20.x"
    [[api]]
    name = "shop"
    [[api.route]]
    route = "GET /"
    target = "function:backend"
    [[service]]
    name = "web"
    platform = "fargate"
    vcpu = 1.0
    memory = 2048
    concurrency = 100
    load_balancer = "none"
    capacity = { min = 2, max = 2, initial = 2 }
    [[workload]]
    name = "jobs"
    target = "function:worker"
    arrivals = { process = "poisson", rate = 3.0 }
    duration = { dist = "lognormal", median = "80ms", sigma = 1.0 }
    [[workload]]
    name = "shoppers"
    target = "api:shop"
    arrivals = { process = "poisson", rate = 5.0 }
    duration = "30ms"
    [[workload]]
    name = "visitors"
    target = "service:web"
    arrivals = { process = "constant", rate = 4.0 }
    duration = "100ms"
"#;

#[test]
fn latency_cdf_has_a_curve_per_function_api_and_service() {
    let run = slsim::sim::run(&scenario(THREE_KINDS), 7);
    let latencies = component_latencies(&run);
    let names: Vec<&str> = latencies.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["function worker", "function backend", "api shop", "service web"]);
    let (curves, left_out) = latency_curves(&latencies, MAX_CURVES);
    assert_eq!((curves.len(), left_out), (4, 0));
    // busiest first: the API and its backend (5/s), the service (4/s), the worker (3/s)
    let order: Vec<&str> = curves.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(order[3], "function worker", "{order:?}");
    // the service's constant 100 ms is a vertical jump from 0 to 1, not a slope
    let web = curves.iter().find(|c| c.name == "service web").unwrap();
    assert_eq!(web.points.len(), 2, "{:?}", web.points);
    let ((x0, y0), (x1, y1)) = (web.points[0], web.points[1]);
    assert_eq!((x0, y0, y1), (x1, 0.0, 1.0));
    assert!((x0 - 100.0).abs() <= 1.0, "{x0} ms");
    // every curve is a staircase: points come in pairs at the same latency
    for c in &curves {
        assert!(c.points.chunks(2).all(|p| p.len() == 2 && p[0].0 == p[1].0), "{}", c.name);
        assert!(c.points.windows(2).all(|w| w[0].1 <= w[1].1), "{} rises", c.name);
    }

    let dir = tempfile::tempdir().unwrap();
    run_into(THREE_KINDS, dir.path());
    let svg = std::fs::read_to_string(dir.path().join("latency_cdf.svg")).unwrap();
    for name in ["function worker", "function backend", "api shop", "service web"] {
        assert!(svg.contains(name), "{name}");
    }
    // 30 ms to seconds spans more than a decade
    assert!(svg.contains("latency (ms, log scale)"));
    // the requests chart shows what reached each component (four: a line each), and the
    // 429s and 503s below
    let svg = std::fs::read_to_string(dir.path().join("requests.svg")).unwrap();
    for label in ["function worker", "api shop", "service web", "service 503"] {
        assert!(svg.contains(label), "{label}");
    }
}

#[test]
fn a_constant_latency_alone_gets_a_linear_axis() {
    let only_service = THREE_KINDS
        .split("[[workload]]")
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i == 3)
        .map(|(_, part)| part)
        .collect::<Vec<_>>()
        .join("[[workload]]");
    let dir = tempfile::tempdir().unwrap();
    run_into(&only_service, dir.path());
    let svg = std::fs::read_to_string(dir.path().join("latency_cdf.svg")).unwrap();
    assert!(svg.contains("latency (ms)") && !svg.contains("log scale"));
    assert!(svg.contains("service web") && !svg.contains("function worker"), "no idle curves");
}

#[test]
fn latency_curves_keep_the_busiest_and_say_how_many_more() {
    let hists: Vec<Histogram> = (1..=12u64)
        .map(|n| {
            let mut h = Histogram::new();
            for _ in 0..n {
                h.record(SimDuration::from_secs(1));
            }
            h
        })
        .collect();
    let mut latencies: Vec<(String, &Histogram)> =
        hists.iter().enumerate().map(|(i, h)| (format!("function f{}", i + 1), h)).collect();
    let idle = Histogram::new();
    latencies.push(("function idle".into(), &idle));
    let (curves, left_out) = latency_curves(&latencies, 8);
    assert_eq!(left_out, 4, "12 busy, 8 drawn; the idle one is not counted");
    let names: Vec<&str> = curves.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[0], "function f12");
    assert_eq!(names[7], "function f5");

    // the title of the chart says so
    let mut fleet = String::from("[simulation]\nname = \"fleet\"\nduration = \"1m\"\n");
    for i in 0..10 {
        fleet.push_str(&format!(
            "[[lambda.function]]\nname = \"f{i}\"\nruntime = \"python3.12\"\n\
             [[workload]]\nname = \"w{i}\"\ntarget = \"function:f{i}\"\n\
             arrivals = {{ process = \"constant\", rate = {}.0 }}\nduration = \"10ms\"\n",
            i + 1
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    run_into(&fleet, dir.path());
    let svg = std::fs::read_to_string(dir.path().join("latency_cdf.svg")).unwrap();
    assert!(svg.contains("8 busiest; 2 more not drawn"));
    assert!(svg.contains("function f9") && !svg.contains("\nfunction f0\n"));
}

/// One Fargate service `web` (2 tasks of 30 s start-up) scaled by steps: 300 requests a minute,
/// then 1,500 from minute 10, which adds 3 tasks at minute 12 (see service_scaling.rs).
const STEPPED: &str = r#"
    [simulation]
    name = "stepped"
    duration = "20m"
    [[service]]
    name = "web"
    platform = "fargate"
    vcpu = 1.0
    memory = 2048
    concurrency = 100
    load_balancer = "none"
    startup = "30s"
    capacity = { min = 1, max = 10, initial = 1 }
    autoscaling = { policy = "step", metric = "requests", scale_out = { threshold = 600.0, datapoints = 2, steps = [{ lower = 0.0, upper = 600.0, change = 1 }, { lower = 600.0, change = 3 }] } }
    [[workload]]
    name = "w"
    target = "service:web"
    arrivals = { process = "profile", profile = [["0s", 5.0], ["600s", 5.0], ["601s", 25.0]] }
    duration = "10ms"
"#;

#[test]
fn service_task_columns_follow_a_step_scale_out() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run_into(STEPPED, dir.path());
    let web = &summary["services"]["web"];
    let col = |what: &str| column(dir.path(), &format!("service_tasks_{what}:web"));
    let (running, pending, desired, max) =
        (col("running"), col("pending"), col("desired"), col("max"));
    assert_eq!(running.len(), 20);
    // one task until minute 12, when 3 more launch and start for 30 s: half a minute each
    for m in 0..12 {
        assert_eq!((running[m], pending[m], desired[m], max[m]), (1.0, 0.0, 1.0, 1.0), "{m}");
    }
    assert_eq!((running[12], pending[12], desired[12], max[12]), (2.5, 1.5, 4.0, 4.0));
    for m in 13..20 {
        assert_eq!((running[m], pending[m], desired[m], max[m]), (4.0, 0.0, 4.0, 4.0), "{m}");
    }
    let most = max.iter().copied().fold(0.0, f64::max);
    assert_eq!(most, f64_at(web, "tasks.max"));
    // the older per-service columns keep their places, the task columns follow
    let (header, rows) = timeseries(dir.path());
    let cpu = header.iter().position(|h| h == "service_cpu_pct:web").unwrap();
    let tail: Vec<&str> = header[cpu..].iter().map(String::as_str).collect();
    assert_eq!(
        tail,
        [
            "service_cpu_pct:web",
            "service_memory_pct:web",
            "service_requests_per_target:web",
            "service_tasks_running:web",
            "service_tasks_pending:web",
            "service_tasks_desired:web",
            "service_tasks_max:web",
        ]
    );
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let svg = std::fs::read_to_string(dir.path().join("services.svg")).unwrap();
    for label in ["running", "desired", "pending", "CPU utilisation (%)"] {
        assert!(svg.contains(label), "{label}");
    }
    assert!(dir.path().join("services.png").exists());
}

#[test]
fn the_services_chart_is_drawn_only_with_services() {
    let dir = tempfile::tempdir().unwrap();
    run_into(TWO_TARGETS, dir.path());
    assert!(!dir.path().join("services.png").exists() && !dir.path().join("services.svg").exists());
    let (header, _) = timeseries(dir.path());
    assert!(!header.iter().any(|h| h.starts_with("service_tasks")));
}

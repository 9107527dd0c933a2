//! Services: the memory model, per-minute service metrics, step scaling, EC2 warm-up, the
//! load balancer's health-check and deregistration delays, and scheduled resizes.

use crate::common::*;
use slsim::app::{RunOptions, run_scenario};

/// One service `web` (with `keys`) fed by one workload (`arrivals`, `work`) for `duration`.
fn text(keys: &str, arrivals: &str, work: &str, duration: &str) -> String {
    format!(
        r#"
        [simulation]
        name = "svc"
        duration = "{duration}"
        [[service]]
        name = "web"
        {keys}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {arrivals}
        duration = {work}
        "#
    )
}

fn run(keys: &str, arrivals: &str, work: &str, duration: &str) -> serde_json::Value {
    summarize(&scenario(&text(keys, arrivals, work, duration)))
}

/// Every request that reached the service is completed, rejected or cut (by a deregistration
/// delay or a Spot stop).
fn conserved(web: &serde_json::Value) {
    let cut = f64_at(web, "drained_cut") + f64_at(web, "interrupted");
    let out = f64_at(web, "completed") + f64_at(web, "rejected") + cut;
    assert_eq!(out, f64_at(web, "requests"), "{web}");
}

/// The error of a scenario whose service has `keys`.
fn error(keys: &str) -> String {
    let t = text(keys, r#"{ process = "poisson", rate = 1.0 }"#, r#""1ms""#, "1h");
    slsim::config::load_str(std::path::Path::new("s.toml"), &t, &[]).unwrap_err().to_string()
}

const FARGATE: &str = r#"platform = "fargate"
        vcpu = 1.0
        memory = 2048"#;

#[test]
fn memory_and_cpu_utilisation_of_a_fixed_load_follow_the_formula() {
    // 10 requests a second of exactly 1 s: 10 held at every moment; 5 % of each is CPU work
    let keys = format!(
        "{FARGATE}\nconcurrency = 100\nload_balancer = \"none\"\nmemory_base = 512\n\
         memory_per_request = 10\ncapacity = {{ min = 1, max = 1, initial = 1 }}"
    );
    let s = scenario(
        &text(&keys, r#"{ process = "constant", rate = 10.0 }"#, r#""1s""#, "10m")
            .replace("duration = \"1s\"", "duration = \"1s\"\n        cpu_bound = 0.05"),
    );
    let run = slsim::sim::run(&s, s.seed);
    let minutes = &run.services[0].1.minutes;
    assert_eq!(minutes.len(), 10, "one row per minute");
    // memory in use = 512 + 10 x 10 MB of 2048
    let memory = 100.0 * (512.0 + 10.0 * 10.0) / 2048.0;
    // CPU: 10 requests x 5 % (in 1/65535ths) of the 1 vCPU
    let cpu = 100.0 * 10.0 * (0.05f64 * 65535.0).floor() / 65535.0;
    for m in &minutes[1..] {
        assert!((m.memory_pct - memory).abs() < 1e-9, "{m:?} vs {memory}");
        assert!((m.cpu_pct - cpu).abs() < 1e-9, "{m:?} vs {cpu}");
        assert!((m.requests_per_target - 600.0).abs() < 1e-9, "{m:?}");
    }
    // the first second fills up from nothing: a little less in minute 0
    assert!(minutes[0].memory_pct < memory && minutes[0].memory_pct > memory - 1.0);
}

#[test]
fn the_time_series_has_seven_columns_per_service() {
    let keys = format!("{FARGATE}\nload_balancer = \"none\"\nmemory_per_request = 4");
    let s = scenario(&text(&keys, r#"{ process = "poisson", rate = 5.0 }"#, r#""50ms""#, "5m"));
    let dir = tempfile::tempdir().unwrap();
    let opts = RunOptions { out_dir: Some(dir.path().to_path_buf()), ..RunOptions::default() };
    run_scenario(&s, &opts).expect("runs");
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6, "a header and one row per minute");
    let header: Vec<&str> = lines[0].split(',').collect();
    let tail = &header[header.len() - 7..];
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
    assert!(header.contains(&"service_requests"), "the existing columns stay");
    for line in &lines[1..] {
        assert_eq!(line.split(',').count(), header.len(), "{line}");
    }
}

#[test]
fn memory_target_tracking_scales_out_when_requests_fill_the_memory() {
    // 10/s of 1 s: 10 held, (512 + 200) / 2048 = 35 %; from minute 10, 40/s: 40 held, 64 %
    // > 50 %, so after 3 periods ceil(64 / 50) = 2 tasks, each at 44.5 % (no scale-in: still
    // 2 by the formula)
    let keys = format!(
        "{FARGATE}\nconcurrency = 100\nload_balancer = \"none\"\nstartup = \"0s\"\n\
         memory_base = 512\nmemory_per_request = 20\ncapacity = {{ min = 1, max = 10, initial = 1 }}\n\
         autoscaling = {{ metric = \"memory\", target = 50.0, period = \"1m\" }}"
    );
    let profile =
        r#"{ process = "profile", profile = [["0s", 10.0], ["600s", 10.0], ["601s", 40.0]] }"#;
    let s = run(&keys, profile, r#""1s""#, "30m");
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "tasks.max"), 2.0, "{web}");
    assert_eq!((f64_at(web, "scale_outs"), f64_at(web, "scale_ins")), (1.0, 0.0));
    // 1 task until t, then 2: mean = (t + 2 (30 - t)) / 30; the 3rd datapoint is at 13 min
    let t = 60.0 - 30.0 * f64_at(web, "tasks.mean");
    assert!((t - 13.0).abs() < 1e-6, "scaled out at {t} min");
    conserved(web);
}

fn step_service(policy: &str, initial: u32) -> String {
    format!(
        "{FARGATE}\nconcurrency = 100\nload_balancer = \"none\"\nstartup = \"0s\"\n\
         capacity = {{ min = 1, max = 10, initial = {initial} }}\n{policy}"
    )
}

#[test]
fn step_scaling_adds_the_step_of_the_breach_after_its_datapoints() {
    // 300 requests a minute on one task, then 1,500 from minute 10: 900 above the threshold
    // of 600, in the second step (+3); the alarm needs 2 datapoints: 4 tasks at minute 12,
    // then 375 a task (no alarm)
    let policy = r#"autoscaling = { policy = "step", metric = "requests", scale_out = { threshold = 600.0, datapoints = 2, steps = [{ lower = 0.0, upper = 600.0, change = 1 }, { lower = 600.0, change = 3 }] } }"#;
    let profile =
        r#"{ process = "profile", profile = [["0s", 5.0], ["600s", 5.0], ["601s", 25.0]] }"#;
    let s = run(&step_service(policy, 1), profile, r#""10ms""#, "30m");
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "tasks.max"), 4.0, "{web}");
    assert_eq!((f64_at(web, "scale_outs"), f64_at(web, "scale_ins")), (1.0, 0.0));
    // 1 task until t, then 4: mean = (t + 4 (30 - t)) / 30
    let t = (120.0 - 30.0 * f64_at(web, "tasks.mean")) / 3.0;
    assert!((t - 12.0).abs() < 1e-6, "scaled out at {t} min");
    conserved(web);
}

#[test]
fn step_scale_in_removes_one_task_per_cooldown() {
    // 60 requests a minute over 4 tasks: 15 a task, below 100 from the first minute; the alarm
    // is in ALARM from the 3rd datapoint (3 min) and invoked every minute, but the 120 s
    // cooldown lets a scale-in through only every 2 minutes: 3 tasks at 3 min, 2 at 5, 1 at 7
    let policy = r#"autoscaling = { policy = "step", metric = "requests", scale_in = { threshold = 100.0, datapoints = 3, cooldown = "120s", steps = [{ upper = 0.0, change = -1 }] } }"#;
    let s =
        run(&step_service(policy, 4), r#"{ process = "constant", rate = 1.0 }"#, r#""1ms""#, "20m");
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "scale_ins"), 3.0, "{web}");
    let expected = (4.0 * 3.0 + 3.0 * 2.0 + 2.0 * 2.0 + 1.0 * 13.0) / 20.0;
    assert!((f64_at(web, "tasks.mean") - expected).abs() < 1e-4, "{web}");
    conserved(web);
}

#[test]
fn step_percent_change_and_exact_capacity() {
    // percent: +50 % of 4 = 2 more; exact: straight to 7
    let load = r#"{ process = "profile", profile = [["0s", 5.0], ["120s", 5.0], ["121s", 40.0]] }"#;
    let out = |adjust: &str, change: i64| {
        let policy = format!(
            r#"autoscaling = {{ policy = "step", metric = "requests", scale_out = {{ threshold = 300.0, adjustment = "{adjust}", cooldown = "10m", steps = [{{ lower = 0.0, change = {change} }}] }} }}"#
        );
        let s = run(&step_service(&policy, 4), load, r#""10ms""#, "10m");
        f64_at(&s["services"]["web"], "tasks.max")
    };
    assert_eq!(out("percent", 50), 6.0);
    assert_eq!(out("exact", 7), 7.0);
}

#[test]
fn ec2_warm_up_leaves_warming_instances_out_of_the_metric_and_the_capacity() {
    // 1,500 requests a minute; +1 instance whenever a warmed instance gets >= 600. With a
    // 5-minute warm-up: +1 at 1 min (1 warmed at 1,500); while it warms the warmed one sees
    // 750 but the capacity counted is 1, so 1 + 1 = 2: nothing more; at 6 min both are warm
    // (750 each): 3 instances; then 500 each. Without warm-up: 2 at 1 min, 3 at 2 min.
    let tasks_mean = |warmup: &str| {
        let policy = format!(
            r#"autoscaling = {{ policy = "step", metric = "requests", warmup = "{warmup}", scale_out = {{ threshold = 600.0, steps = [{{ lower = 0.0, change = 1 }}] }} }}"#
        );
        let keys = format!(
            "platform = \"ec2\"\nconcurrency = 100\nload_balancer = \"none\"\nstartup = \"0s\"\n\
             capacity = {{ min = 1, max = 10, initial = 1 }}\n{policy}"
        );
        let s = run(&keys, r#"{ process = "constant", rate = 25.0 }"#, r#""10ms""#, "20m");
        let web = &s["services"]["web"];
        assert_eq!(f64_at(web, "tasks.max"), 3.0, "{web}");
        assert_eq!(f64_at(web, "scale_outs"), 2.0, "{web}");
        f64_at(web, "tasks.mean")
    };
    assert!((tasks_mean("5m") - (1.0 + 2.0 * 5.0 + 3.0 * 14.0) / 20.0).abs() < 1e-9);
    assert!((tasks_mean("0s") - (1.0 + 2.0 + 3.0 * 18.0) / 20.0).abs() < 1e-9);
}

#[test]
fn a_new_task_takes_traffic_after_startup_and_the_health_check() {
    // no task until 5 min, then one that starts in 30 s and passes its health check after
    // `health_check_delay`: requests (one a second) before that get 503
    let rejected = |lb: &str| {
        let keys = format!(
            "{FARGATE}\n{lb}\nstartup = \"30s\"\ncapacity = {{ min = 0, max = 1, initial = 0 }}\n\
             capacity_schedule = [[\"5m\", 1, 1]]"
        );
        let s = run(&keys, r#"{ process = "constant", rate = 1.0 }"#, r#""10ms""#, "10m");
        conserved(&s["services"]["web"]);
        f64_at(&s["services"]["web"], "rejected")
    };
    assert_eq!(rejected("load_balancer = \"none\""), 330.0);
    assert_eq!(rejected("load_balancer = \"alb\"\nhealth_check_delay = \"20s\""), 350.0);
    // the ALB default: half the 30-s health-check interval
    assert_eq!(rejected("load_balancer = \"alb\""), 345.0);
}

#[test]
fn deregistration_cuts_exactly_the_requests_longer_than_the_delay() {
    // two instances, 2 requests a second alternating between them, each 45.25 s long; at
    // 10 min the newer instance is drained. It started one request a second (whole seconds);
    // those started after 10 min - 15.25 s end after the 30-s delay: 15 are cut
    let cut = |delay: &str| {
        let keys = format!(
            "platform = \"ec2\"\nconcurrency = 1000\nload_balancer = \"alb\"\n\
             health_check_delay = \"0s\"\nderegistration_delay = \"{delay}\"\n\
             capacity = {{ min = 2, max = 2, initial = 2 }}\ncapacity_schedule = [[\"10m\", 1, 1]]"
        );
        let s = run(&keys, r#"{ process = "constant", rate = 2.0 }"#, r#""45.25s""#, "20m");
        let web = &s["services"]["web"];
        conserved(web);
        assert_eq!(f64_at(web, "rejected"), 0.0);
        (f64_at(web, "drained_cut"), f64_at(web, "tasks.mean"))
    };
    let (n, mean) = cut("30s");
    assert_eq!(n, 15.0);
    // the drained instance stops at 10 min 30 s
    assert!((mean - (2.0 * 630.0 + 570.0) / 1200.0).abs() < 1e-9, "{mean}");
    // a longer delay lets all finish: it stops after the last one, at 10 min + 44.25 s
    let (n, mean) = cut("60s");
    assert_eq!(n, 0.0);
    assert!((mean - (2.0 * 644.25 + 555.75) / 1200.0).abs() < 1e-9, "{mean}");
}

#[test]
fn requests_cut_by_deregistration_are_errors_at_the_api() {
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "cut"
        duration = "20m"
        [[api]]
        name = "shop"
        type = "http"
        timeout = "30s"
        [[api.route]]
        route = "GET /"
        target = "service:web"
        [[service]]
        name = "web"
        platform = "ec2"
        concurrency = 1000
        deregistration_delay = "5s"
        capacity = { min = 2, max = 2, initial = 2 }
        capacity_schedule = [["10m", 1, 1]]
        [[workload]]
        name = "w"
        target = "api:shop"
        route = "GET /"
        arrivals = { process = "constant", rate = 2.0 }
        duration = "10.5s"
        "#,
    ));
    let web = &s["services"]["web"];
    let cut = f64_at(web, "drained_cut");
    assert!(cut > 0.0, "{web}");
    assert_eq!(f64_at(&s["apis"]["shop"], "errors"), cut);
    assert_eq!(f64_at(&s["apis"]["shop"], "completed"), f64_at(web, "completed"));
}

#[test]
fn a_resize_stops_the_instance_for_its_startup_and_bills_the_new_price_after() {
    // m6i.large to m6i.xlarge at 30 min: stop, start, serve again after startup (60 s) plus
    // the health check; requests (one a second) meanwhile get 503
    let resized = |lb: &str| {
        let keys = format!(
            "platform = \"ec2\"\ninstance_type = \"m6i.large\"\nstartup = \"60s\"\n{lb}\n\
             capacity = {{ min = 1, max = 1, initial = 1 }}\n\
             resize_schedule = [[\"30m\", \"m6i.xlarge\"]]"
        );
        run(&keys, r#"{ process = "constant", rate = 1.0 }"#, r#""10ms""#, "1h")
    };
    let s = resized("load_balancer = \"none\"");
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "rejected"), 60.0, "{web}");
    assert_eq!(f64_at(web, "resizes"), 1.0);
    // half an hour at $0.096 and half at $0.192 (docs/src/facts.md §4.1); the new start is a
    // new billing start, not shorter than the minute
    let cost = f64_at(web, "cost_usd.tasks");
    assert!((cost - (0.5 * 0.096 + 0.5 * 0.192)).abs() < 1e-9, "{cost}");
    assert!((f64_at(web, "tasks.mean") - 1.0).abs() < 1e-9);
    conserved(web);
    let s = resized("load_balancer = \"alb\"\nhealth_check_delay = \"20s\"");
    assert_eq!(f64_at(&s["services"]["web"], "rejected"), 80.0);
}

#[test]
fn scaling_and_lifecycle_keys_are_validated() {
    let ec2 = "platform = \"ec2\"";
    let e = error(&format!("{ec2}\nautoscaling = {{ policy = \"step\", metric = \"cpu\" }}"));
    assert!(e.contains("autoscaling.policy") && e.contains("scale_out, scale_in"), "{e}");
    let e = error(&format!(
        "{ec2}\nautoscaling = {{ policy = \"step\", metric = \"cpu\", target = 50.0, scale_out = {{ threshold = 70.0, steps = [{{ lower = 0.0, change = 1 }}] }} }}"
    ));
    assert!(e.contains("autoscaling.target") && e.contains("applies to target tracking"), "{e}");
    // a gap between steps, and a scale-out step that removes
    let e = error(&format!(
        "{ec2}\nautoscaling = {{ policy = \"step\", metric = \"cpu\", scale_out = {{ threshold = 70.0, steps = [{{ lower = 0.0, upper = 10.0, change = 1 }}, {{ lower = 15.0, change = -2 }}] }} }}"
    ));
    assert!(e.contains("scale_out.steps[1]") && e.contains("no gap"), "{e}");
    assert!(e.contains("scale_out.steps[1].change") && e.contains("-2"), "{e}");
    // not covering the values above the threshold
    let e = error(&format!(
        "{ec2}\nautoscaling = {{ policy = \"step\", metric = \"cpu\", scale_out = {{ threshold = 70.0, steps = [{{ lower = 5.0, change = 1 }}] }} }}"
    ));
    assert!(e.contains("scale_out.steps") && e.contains("at or above the threshold"), "{e}");
    // EC2 step policies have no cooldown; warm-up is EC2's
    let e = error(&format!(
        "{ec2}\nautoscaling = {{ policy = \"step\", metric = \"cpu\", scale_in = {{ threshold = 20.0, cooldown = \"60s\", steps = [{{ upper = 0.0, change = -1 }}] }} }}"
    ));
    assert!(e.contains("scale_in.cooldown") && e.contains("warmup"), "{e}");
    let e = error(&format!(
        "{FARGATE}\nautoscaling = {{ metric = \"cpu\", target = 50.0, warmup = \"60s\" }}"
    ));
    assert!(e.contains("autoscaling.warmup") && e.contains("ec2"), "{e}");
    let e = error(&format!("{FARGATE}\nmemory_base = 4096"));
    assert!(e.contains("service \"web\".memory_base") && e.contains("0..=2048"), "{e}");
    let e = error(&format!("{FARGATE}\nload_balancer = \"none\"\nderegistration_delay = \"10s\""));
    assert!(e.contains("service \"web\".deregistration_delay") && e.contains("alb"), "{e}");
    let e = error(&format!("{FARGATE}\nresize_schedule = [[\"10m\", \"m6i.xlarge\"]]"));
    assert!(e.contains("service \"web\".resize_schedule") && e.contains("ec2"), "{e}");
    let e = error(&format!("{ec2}\nresize_schedule = [[\"10m\", \"z9.huge\"]]"));
    assert!(e.contains("resize_schedule[0].instance_type") && e.contains("z9.huge"), "{e}");
    let e = error(&format!(
        "{ec2}\nautoscaling = {{ policy = \"step\", metric = \"cpu\", scale_out = {{ threshold = 70.0, steps = [{{ lower = nan, change = 9223372036854775807 }}] }} }}"
    ));
    assert!(e.contains("steps[0].lower") && e.contains("finite"), "{e}");
    assert!(e.contains("steps[0].change") && e.contains("out of range"), "{e}");
    let e = error(&format!("{ec2}\nderegistration_delay = \"2h\""));
    assert!(e.contains("deregistration_delay") && e.contains("3600s"), "{e}");
}

#[test]
fn step_scaling_drains_and_resizes_give_the_same_bytes_twice() {
    // Poisson load with step scaling both ways, deregistration cuts and per-minute columns
    let keys = format!(
        "{FARGATE}\nconcurrency = 20\nderegistration_delay = \"2s\"\nmemory_per_request = 8\n\
         capacity = {{ min = 1, max = 8, initial = 2 }}\n\
         autoscaling = {{ policy = \"step\", metric = \"memory\", scale_out = {{ threshold = 40.0, steps = [{{ lower = 0.0, change = 2 }}] }}, scale_in = {{ threshold = 20.0, cooldown = \"60s\", steps = [{{ upper = 0.0, change = -1 }}] }} }}"
    );
    let load = r#"{ process = "profile", profile = [["0s", 5.0], ["10m", 60.0], ["20m", 2.0]] }"#;
    let work = r#"{ dist = "exponential", mean = "1s" }"#;
    let s = scenario(&text(&keys, load, work, "40m"));
    let bytes = || {
        let dir = tempfile::tempdir().unwrap();
        let opts = RunOptions {
            out_dir: Some(dir.path().to_path_buf()),
            charts: false,
            ..RunOptions::default()
        };
        let report = run_scenario(&s, &opts).expect("runs");
        conserved(&report.summary.to_value()["services"]["web"]);
        let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
        (read("summary.json"), read("timeseries.csv"), report.summary.to_value())
    };
    let (a, b) = (bytes(), bytes());
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    let web = &a.2["services"]["web"];
    assert!(f64_at(web, "scale_outs") >= 1.0 && f64_at(web, "scale_ins") >= 1.0, "{web}");
}

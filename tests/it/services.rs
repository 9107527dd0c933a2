//! Services (ECS on Fargate, ECS on EC2, EC2): queueing, rejection, prices, API integration.

use crate::common::*;

fn service(keys: &str, rate: f64, work: &str, duration: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "svc"
        duration = "{duration}"
        warmup = "10m"
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 1.0
        memory = 2048
        load_balancer = "none"
        {keys}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {{ process = "poisson", rate = {rate} }}
        duration = {work}
        "#
    )))
}

#[test]
fn one_task_is_an_m_m_c_queue_erlang_c() {
    // c = 4 requests at once, a = 3 (3/s x 1 s): P(wait) = C(4, 3), mean wait C / (4 - 3) s
    let s = service(
        "concurrency = 4\nqueue_limit = 1000000\ncapacity = { min = 1, max = 1, initial = 1 }",
        3.0,
        r#"{ dist = "exponential", mean = "1s" }"#,
        "20h",
    );
    let web = &s["services"]["web"];
    let c = erlang_c(4, 3.0);
    let waited = f64_at(web, "queued") / f64_at(web, "requests");
    assert!((waited - c).abs() < 0.03, "P(wait) {waited}, Erlang C {c}");
    let mean_s = f64_at(web, "latency_ms.mean") / 1000.0;
    assert!(
        (mean_s - (1.0 + c)).abs() < 0.06 * (1.0 + c),
        "mean latency {mean_s}, expected {}",
        1.0 + c
    );
    assert_eq!(f64_at(web, "rejected"), 0.0);
}

#[test]
fn without_a_queue_rejections_follow_erlang_b() {
    let s = service(
        "concurrency = 5\nqueue_limit = 0\ncapacity = { min = 1, max = 1, initial = 1 }",
        4.0,
        r#"{ dist = "exponential", mean = "1s" }"#,
        "20h",
    );
    let web = &s["services"]["web"];
    let blocked = f64_at(web, "rejected") / f64_at(web, "requests");
    let b = erlang_b(5, 4.0);
    assert!((blocked - b).abs() < 0.03 * b.max(0.1), "{blocked} vs Erlang B {b}");
}

#[test]
fn cpu_bound_work_slows_down_when_requests_share_the_vcpus() {
    // two requests of 1 s of pure CPU arrive together every 4 s at a 1-vCPU task: the first
    // starts alone (1 s); the second shares the vCPU with it (slowdown 2, fixed at its start)
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "cpu"
        duration = "10m"
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 1.0
        memory = 2048
        concurrency = 2
        capacity = { min = 1, max = 1, initial = 1 }
        [[workload]]
        name = "a"
        target = "service:web"
        arrivals = { process = "constant", rate = 0.25 }
        duration = "1s"
        cpu_bound = 1.0
        [[workload]]
        name = "b"
        target = "service:web"
        arrivals = { process = "constant", rate = 0.25 }
        duration = "1s"
        cpu_bound = 1.0
        "#,
    ));
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "latency_ms.max"), 2000.0);
    assert!((f64_at(web, "latency_ms.mean") - 1500.0).abs() < 1e-6);
}

#[test]
fn a_task_of_less_than_one_vcpu_slows_even_a_lone_request() {
    // 100 ms of work, 80% CPU, one at a time: on 0.25 vCPU the CPU part takes 4x (20 + 320 ms),
    // on 0.5 vCPU 2x (20 + 160 ms), on 2 vCPU no slowdown (one thread uses one vCPU)
    for (vcpu, memory, expected) in [(0.25, 512, 340.0), (0.5, 1024, 180.0), (2.0, 4096, 100.0)] {
        let s = summarize(&scenario(&format!(
            r#"
            [simulation]
            name = "small"
            duration = "10m"
            [[service]]
            name = "web"
            platform = "fargate"
            vcpu = {vcpu}
            memory = {memory}
            concurrency = 1
            load_balancer = "none"
            capacity = {{ min = 1, max = 1, initial = 1 }}
            [[workload]]
            name = "a"
            target = "service:web"
            arrivals = {{ process = "constant", rate = 1.0 }}
            duration = "100ms"
            cpu_bound = 0.8
            "#
        )));
        let web = &s["services"]["web"];
        assert!((f64_at(web, "latency_ms.mean") - expected).abs() < 1e-6, "{vcpu} vCPU: {web}");
    }
}

#[test]
fn burstable_instances_pay_for_cpu_above_their_baseline() {
    // one instance busy with one vCPU of CPU work on average (10 requests/s of 100 ms pure
    // CPU) for the 1-hour measured window: a t3.micro (2 vCPU, baseline 10 %) uses 0.8 vCPU-h
    // above its 0.2, a t3.large (30 %) 0.4, each charged $0.05 per vCPU-hour; an m5.large is
    // not burstable
    for (instance, surplus) in
        [("t3.micro", Some(0.8)), ("t3.large", Some(0.4)), ("m5.large", None)]
    {
        let s = summarize(&scenario(&format!(
            r#"
            [simulation]
            name = "burst"
            duration = "70m"
            warmup = "10m"
            [[service]]
            name = "vm"
            platform = "ec2"
            instance_type = "{instance}"
            concurrency = 4
            load_balancer = "none"
            capacity = {{ min = 1, max = 1, initial = 1 }}
            [[workload]]
            name = "w"
            target = "service:vm"
            arrivals = {{ process = "constant", rate = 10.0 }}
            duration = "100ms"
            cpu_bound = 1.0
            "#
        )));
        let vm = &s["services"]["vm"];
        let credits = f64_at(vm, "cost_usd.cpu_credits");
        match surplus {
            Some(h) => {
                assert!((f64_at(vm, "surplus_vcpu_hours") - h).abs() < 1e-6, "{instance}: {vm}");
                assert!((credits - h * 0.05).abs() < 1e-8, "{instance}: {credits}");
            }
            None => {
                assert_eq!(credits, 0.0);
                assert!(vm.get("surplus_vcpu_hours").is_none());
            }
        }
        let total = f64_at(vm, "cost_usd.tasks") + credits;
        assert!((f64_at(vm, "cost_usd.total") - total).abs() < 1e-12);
    }
}

#[test]
fn fargate_and_ec2_prices_and_the_load_balancer() {
    // 2 tasks of 1 vCPU, 2 GB for the 1-hour measured window: 2 x (0.04048 + 2 x 0.004445)
    let s = service("capacity = { min = 2, max = 2, initial = 2 }", 1.0, "\"10ms\"", "70m");
    assert!(
        (f64_at(&s, "services.web.cost_usd.tasks") - 2.0 * (0.04048 + 2.0 * 0.004445)).abs()
            < 1e-12
    );
    assert_eq!(f64_at(&s, "services.web.cost_usd.load_balancer"), 0.0);
    let ec2 = summarize(&scenario(
        r#"
        [simulation]
        name = "ec2"
        duration = "1h"
        [[service]]
        name = "vm"
        platform = "ec2"
        instance_type = "m7g.large"
        concurrency = 16
        capacity = { min = 3, max = 3, initial = 3 }
        [[workload]]
        name = "w"
        target = "service:vm"
        arrivals = { process = "constant", rate = 25.0 }
        duration = "10ms"
        "#,
    ));
    assert!((f64_at(&ec2, "services.vm.cost_usd.tasks") - 3.0 * 0.0816).abs() < 1e-12);
    // an ALB: $0.0225 an hour plus LCUs: 25 new connections a second is one LCU ($0.008)
    assert!((f64_at(&ec2, "services.vm.cost_usd.load_balancer") - (0.0225 + 0.008)).abs() < 1e-9);
}

#[test]
fn api_gateway_integrates_with_a_service() {
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "api-svc"
        duration = "10m"
        [[service]]
        name = "web"
        platform = "fargate"
        concurrency = 10
        capacity = { min = 1, max = 1, initial = 1 }
        [[api]]
        name = "shop"
        overhead = "5ms"
        [[api.route]]
        route = "GET /"
        target = "service:web"
        [[workload]]
        name = "w"
        target = "api:shop"
        arrivals = { process = "constant", rate = 5.0 }
        duration = "100ms"
        "#,
    ));
    assert_eq!(f64_at(&s, "apis.shop.completed"), 3000.0);
    assert_eq!(f64_at(&s, "services.web.completed"), 3000.0);
    assert!((f64_at(&s, "apis.shop.latency_ms.max") - 105.0).abs() < 1e-6);
}

#[test]
fn service_settings_are_validated() {
    let err = |keys: &str| {
        let text = format!(
            "[simulation]\nname = \"s\"\nduration = \"1m\"\n[[service]]\nname = \"web\"\n{keys}\n\
             [[workload]]\nname = \"w\"\ntarget = \"service:web\"\n\
             arrivals = {{ process = \"poisson\", rate = 1.0 }}\nduration = \"1ms\"\n"
        );
        slsim::config::load_str(std::path::Path::new("s.toml"), &text, &[]).unwrap_err().to_string()
    };
    let e = err("platform = \"fargate\"\nvcpu = 1.0\nmemory = 1024");
    assert!(e.contains("service \"web\".memory") && e.contains("2..=8 GB"), "{e}");
    let e = err("platform = \"fargate\"\nvcpu = 3.0");
    assert!(e.contains("service \"web\".vcpu") && e.contains("0.25, 0.5"), "{e}");
    let e = err("platform = \"ec2\"\ninstance_type = \"z9.huge\"");
    assert!(e.contains("service \"web\".instance_type") && e.contains("m6i.large"), "{e}");
    let e = err("platform = \"ec2\"\nautoscaling = { metric = \"memory\", target = 60.0 }");
    assert!(
        e.contains("service \"web\".autoscaling.metric") && e.contains("memory_per_request"),
        "{e}"
    );
    let e = err("platform = \"ec2\"\nautoscaling = { metric = \"cpu\", target = 160.0 }");
    assert!(e.contains("service \"web\".autoscaling.target") && e.contains("160"), "{e}");
    let e = err(
        "platform = \"ec2\"\nautoscaling = { metric = \"cpu\", target = 60.0, datapoints_in = 0 }",
    );
    assert!(e.contains("autoscaling.datapoints_in") && e.contains("1..=1440"), "{e}");
}

fn autoscaled(metric: &str, target: f64, arrivals: &str, duration: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "auto"
        duration = "{duration}"
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 1.0
        memory = 2048
        concurrency = 50
        queue_limit = 10000
        load_balancer = "none"
        balancing = "least-outstanding-requests"
        startup = "30s"
        capacity = {{ min = 1, max = 20, initial = 1 }}
        autoscaling = {{ metric = "{metric}", target = {target}, period = "1m", scale_out_cooldown = "60s", scale_in_cooldown = "60s" }}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {arrivals}
        duration = {{ dist = "exponential", mean = "100ms" }}
        cpu_bound = 1.0
        "#
    )))
}

#[test]
fn cpu_target_tracking_scales_out_to_what_the_load_needs() {
    // 20 requests/s of 100 ms CPU: 2 vCPUs of demand; at a 60% target that is 3.3, so 4 tasks
    // (a target of exactly 50% would sit on the boundary, and noise alone would creep it up)
    let s = autoscaled("cpu", 60.0, r#"{ process = "poisson", rate = 20.0 }"#, "1h");
    let web = &s["services"]["web"];
    let max = f64_at(web, "tasks.max");
    assert!((4.0..=6.0).contains(&max), "scaled out to {max} tasks");
    assert!(f64_at(web, "scale_outs") >= 2.0);
    assert!(f64_at(web, "tasks.mean") > 3.0);
    // billed as they ran: task-hours = mean tasks x 1 h (no task stopped early)
    assert!((f64_at(web, "task_hours") - f64_at(web, "tasks.mean")).abs() < 1e-9);
}

#[test]
fn request_count_target_tracking_and_scale_in_after_the_load_falls() {
    // 300 requests per task per minute (5/s, half of what a task can serve) is the target;
    // 20/s needs 4 tasks, then 2/s needs 1
    let s = autoscaled(
        "requests",
        300.0,
        r#"{ process = "profile", profile = [["0s", 20.0], ["30m", 20.0], ["31m", 2.0]] }"#,
        "90m",
    );
    let web = &s["services"]["web"];
    assert!((4.0..=6.0).contains(&f64_at(web, "tasks.max")), "{}", f64_at(web, "tasks.max"));
    assert!(f64_at(web, "scale_ins") >= 1.0, "scaled in after the load fell");
    assert!(f64_at(web, "tasks.mean") < f64_at(web, "tasks.max"));
    assert_eq!(f64_at(web, "rejected"), 0.0);
}

#[test]
fn the_shipped_comparison_scales_fargate_for_the_day_and_keeps_every_request() {
    // one stream to three APIs: identical counts; the autoscaled service grows for the
    // day-time step (20/s to 150/s) and shrinks after; the fixed EC2 fleet does not move
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/compare-lambda-fargate-ec2.toml");
    let s = summarize(&slsim::config::load(&path, &[]).expect("valid"));
    let n = f64_at(&s["apis"]["via-lambda"], "requests");
    for api in ["via-fargate", "via-ec2"] {
        assert_eq!(f64_at(&s["apis"][api], "requests"), n, "{api}");
    }
    let (fargate, ec2) = (&s["services"]["orders-fargate"], &s["services"]["orders-ec2"]);
    for svc in [fargate, ec2] {
        assert_eq!(f64_at(svc, "requests"), n);
        assert_eq!(f64_at(svc, "completed") + f64_at(svc, "rejected"), n, "none vanish");
    }
    // 150/s x ~91 ms x 30% CPU = ~4.1 vCPUs; at 60% that is 7 one-vCPU tasks
    assert!((6.0..=9.0).contains(&f64_at(fargate, "tasks.max")), "{fargate}");
    assert!(f64_at(fargate, "tasks.mean") < f64_at(fargate, "tasks.max") - 1.0);
    assert!(f64_at(fargate, "scale_outs") >= 1.0 && f64_at(fargate, "scale_ins") >= 1.0);
    assert_eq!(f64_at(ec2, "tasks.max"), 2.0);
    assert_eq!(f64_at(ec2, "scale_outs"), 0.0);
}

fn scheduled(schedule: &str) -> Result<serde_json::Value, String> {
    let text = format!(
        r#"
        [simulation]
        name = "sched"
        duration = "1h"
        [[service]]
        name = "web"
        platform = "ec2"
        instance_type = "m6i.large"
        load_balancer = "none"
        capacity = {{ min = 2, max = 2, initial = 2 }}
        capacity_schedule = {schedule}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {{ process = "poisson", rate = 1.0 }}
        duration = "100ms"
        "#
    );
    slsim::config::load_str(std::path::Path::new("s.toml"), &text, &[])
        .map(|s| summarize(&s))
        .map_err(|e| e.to_string())
}

#[test]
fn a_capacity_schedule_moves_a_fixed_fleet_at_the_given_times() {
    // 2 instances for 20 min, 5 for 20 min, 1 for 20 min: 160 instance-minutes
    let s = scheduled(r#"[["20m", 5, 5], ["40m", 1, 1]]"#).unwrap();
    let web = &s["services"]["web"];
    assert!((f64_at(web, "tasks.mean") - 160.0 / 60.0).abs() < 1e-3, "{web}");
    assert_eq!(f64_at(web, "tasks.max"), 5.0);
    assert_eq!((f64_at(web, "scale_outs"), f64_at(web, "scale_ins")), (1.0, 1.0));
    // m6i.large at $0.096 an hour (docs/src/facts.md §4.1)
    let cost = f64_at(web, "cost_usd.tasks");
    assert!((cost - 160.0 / 60.0 * 0.096).abs() < 1e-3, "{cost}");
    assert_eq!(f64_at(web, "completed") + f64_at(web, "rejected"), f64_at(web, "requests"));
    assert_eq!(f64_at(web, "rejected"), 0.0, "a draining instance finishes its requests");
}

#[test]
fn a_bad_capacity_schedule_is_refused_with_the_entry_named() {
    let e = scheduled(r#"[["20m", 5, 3]]"#).unwrap_err();
    assert!(e.contains("service \"web\".capacity_schedule[0]") && e.contains("min = 5"), "{e}");
    let e = scheduled(r#"[["30m", 1, 1], ["20m", 2, 2]]"#).unwrap_err();
    assert!(e.contains("capacity_schedule[1]") && e.contains("increase"), "{e}");
    let e = scheduled(r#"[["2h", 1, 1]]"#).unwrap_err();
    assert!(e.contains("capacity_schedule[0]") && e.contains("after the simulation's end"), "{e}");
}

#[test]
fn the_time_series_counts_every_service_request_and_503() {
    // one instance serving one request at a time, no queue: about half are turned away
    let s = scenario(
        r#"
        [simulation]
        name = "ts"
        duration = "10m"
        [[service]]
        name = "web"
        platform = "ec2"
        concurrency = 1
        queue_limit = 0
        capacity = { min = 1, max = 1, initial = 1 }
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = { process = "poisson", rate = 10.0 }
        duration = { dist = "exponential", mean = "100ms" }
        "#,
    );
    let mut run = slsim::sim::run(&s, s.seed);
    let (requests, rejected) = run
        .minutes
        .iter()
        .fold((0, 0), |(a, b), m| (a + m.service_requests, b + m.service_rejected));
    assert_eq!(run.minutes.len(), 10);
    let summary = slsim::summary::summarize_run(&s, &mut run).to_value();
    let web = &summary["services"]["web"];
    assert_eq!(requests as f64, f64_at(web, "requests"));
    assert_eq!(rejected as f64, f64_at(web, "rejected"));
    // Erlang B with one server and a = 1: half the requests are blocked
    assert!((rejected as f64 / requests as f64 - 0.5).abs() < 0.03, "{rejected}/{requests}");
}

#[test]
fn scale_out_follows_a_load_step_after_the_configured_datapoints() {
    // 1/s until 10 min, then 20/s: 1,200 requests a minute on one task against a target of
    // 350 per task, so ceil(1200 / 350) = 4 tasks, launched at the end of the N-th minute
    // above target (startup 0); 300 a task afterwards stays within the band (no scale-in)
    let out_at = |n: u32| {
        let s = summarize(&scenario(&format!(
            r#"
            [simulation]
            name = "step"
            duration = "30m"
            [[service]]
            name = "web"
            platform = "fargate"
            vcpu = 1.0
            memory = 2048
            concurrency = 100
            load_balancer = "none"
            startup = "0s"
            capacity = {{ min = 1, max = 10, initial = 1 }}
            autoscaling = {{ metric = "requests", target = 350.0, period = "1m", datapoints_out = {n} }}
            [[workload]]
            name = "w"
            target = "service:web"
            arrivals = {{ process = "profile", profile = [["0s", 1.0], ["600s", 1.0], ["601s", 20.0]] }}
            duration = "10ms"
            "#
        )));
        let web = &s["services"]["web"];
        assert_eq!(f64_at(web, "tasks.max"), 4.0, "{web}");
        assert_eq!((f64_at(web, "scale_outs"), f64_at(web, "scale_ins")), (1.0, 0.0));
        // 1 task until t, then 4: mean = (t + 4 (30 - t)) / 30
        (120.0 - 30.0 * f64_at(web, "tasks.mean")) / 3.0
    };
    for n in [1, 3, 5] {
        let t = out_at(n);
        assert!((t - (10.0 + n as f64)).abs() < 1e-6, "{n} datapoints: scaled out at {t} min");
    }
}

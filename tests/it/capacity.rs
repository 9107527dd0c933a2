//! Service capacity: Fargate Spot (price, strategy, interruptions), ECS on EC2 cluster
//! instances (placement, boot, managed scaling, instance billing), and the ALB's LCUs.

use std::path::Path;

use slsim::config;

use crate::common::*;

/// One service `web` with `keys`, a workload of `arrivals` and `work`, for `duration` with no
/// warm-up.
fn run(
    platform: &str,
    keys: &str,
    arrivals: &str,
    work: &str,
    duration: &str,
) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "capacity"
        duration = "{duration}"
        [[service]]
        name = "web"
        platform = "{platform}"
        {keys}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {arrivals}
        duration = {work}
        "#
    )))
}

fn error(keys: &str) -> String {
    let text = format!(
        r#"
        [simulation]
        name = "bad"
        duration = "1h"
        [[service]]
        name = "web"
        {keys}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {{ process = "poisson", rate = 1.0 }}
        duration = "10ms"
        "#
    );
    match config::load_str(Path::new("bad.toml"), &text, &[]) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn assert_mentions(err: &str, parts: &[&str]) {
    assert!(err.starts_with("bad.toml"), "names the file: {err}");
    for p in parts {
        assert!(err.contains(p), "error should mention {p:?}:\n{err}");
    }
}

/// Fargate 1 vCPU / 2 GB, us-east-1 on-demand, per hour (docs/src/facts.md §3.2).
const TASK_HOUR: f64 = 0.04048 + 2.0 * 0.004445;

const FIXED: &str = "vcpu = 1.0\nmemory = 2048\nload_balancer = \"none\"\n";

#[test]
fn a_spot_fleet_costs_on_demand_times_one_minus_the_discount() {
    for (discount, keys) in [
        (0.7, "capacity_provider = \"fargate-spot\"\nspot = { interruptions_per_hour = 0.0 }"),
        (
            0.5,
            "capacity_provider = \"fargate-spot\"\nspot = { interruptions_per_hour = 0.0, discount = 0.5 }",
        ),
    ] {
        let s = run(
            "fargate",
            &format!("{FIXED}capacity = {{ min = 4, max = 4, initial = 4 }}\n{keys}"),
            "{ process = \"constant\", rate = 10.0 }",
            "\"10ms\"",
            "1h",
        );
        let web = &s["services"]["web"];
        assert!((f64_at(web, "spot_task_hours") - 4.0).abs() < 1e-9);
        assert!((f64_at(web, "task_hours") - 4.0).abs() < 1e-9);
        let expected = 4.0 * TASK_HOUR * (1.0 - discount);
        assert!((f64_at(web, "cost_usd.tasks") - expected).abs() < 1e-12, "{web}");
        assert_eq!(f64_at(web, "spot_interruptions"), 0.0);
        assert_eq!(f64_at(web, "interrupted"), 0.0);
    }
}

#[test]
fn a_strategy_puts_the_base_on_demand_and_splits_the_rest_by_weight() {
    // 10 tasks: base 2 on Fargate, then 1:3 -> 4 on-demand, 6 on Spot
    let s = run(
        "fargate",
        &format!(
            "{FIXED}capacity = {{ min = 10, max = 10, initial = 10 }}
            capacity_provider_strategy = [
              {{ capacity_provider = \"fargate\", base = 2, weight = 1 }},
              {{ capacity_provider = \"fargate-spot\", weight = 3 }},
            ]
            spot = {{ interruptions_per_hour = 0.0 }}"
        ),
        "{ process = \"constant\", rate = 10.0 }",
        "\"10ms\"",
        "1h",
    );
    let web = &s["services"]["web"];
    assert!((f64_at(web, "spot_task_hours") - 6.0).abs() < 1e-9);
    let expected = (4.0 + 6.0 * 0.3) * TASK_HOUR;
    assert!((f64_at(web, "cost_usd.tasks") - expected).abs() < 1e-12, "{web}");
}

#[test]
fn interruptions_follow_their_rate_and_cut_requests_are_counted() {
    // 10 Spot tasks for 20 h at 0.5 interruptions per task-hour: about 100 warnings. Each
    // task holds one request of ~60 s and queues up to 3: at a stop, the running one is cut
    // if it outlasts the 30 s stop_timeout, and the waiting ones are cut
    let s = run(
        "fargate",
        &format!(
            "{FIXED}concurrency = 1\nqueue_limit = 3\ncapacity = {{ min = 10, max = 10, initial = 10 }}
            capacity_provider = \"fargate-spot\"
            spot = {{ interruptions_per_hour = 0.5, stop_timeout = \"30s\" }}"
        ),
        "{ process = \"poisson\", rate = 0.12 }",
        "{ dist = \"exponential\", mean = \"60s\" }",
        "20h",
    );
    let web = &s["services"]["web"];
    let n = f64_at(web, "spot_interruptions");
    // the rate applies to task-hours before a warning; the drains (<= 30 s each) are a few
    // per cent of the 200 task-hours. Poisson: sd = sqrt(100) = 10; the bound is 4 sd
    let exposed = 0.5 * f64_at(web, "spot_task_hours");
    assert!((n - exposed).abs() < 4.0 * exposed.sqrt() + 0.02 * exposed, "{n} vs {exposed}");
    let cut = f64_at(web, "interrupted");
    assert!(cut > 0.0, "{web}");
    assert_eq!(
        f64_at(web, "requests"),
        f64_at(web, "completed") + f64_at(web, "rejected") + cut,
        "no request vanishes"
    );
    // each interrupted task was replaced: the fleet never fell below 10 active tasks, so
    // tasks alive average at least 10 (drains overlap their replacements)
    assert!(f64_at(web, "tasks.mean") >= 10.0 - 1e-9, "{web}");
    assert!(f64_at(web, "tasks.max") >= 11.0);
    // and the run is deterministic
    let again = run(
        "fargate",
        &format!(
            "{FIXED}concurrency = 1\nqueue_limit = 3\ncapacity = {{ min = 10, max = 10, initial = 10 }}
            capacity_provider = \"fargate-spot\"
            spot = {{ interruptions_per_hour = 0.5, stop_timeout = \"30s\" }}"
        ),
        "{ process = \"poisson\", rate = 0.12 }",
        "{ dist = \"exponential\", mean = \"60s\" }",
        "20h",
    );
    assert_eq!(s, again);
}

#[test]
fn a_cut_request_behind_api_gateway_is_an_integration_error() {
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "spot-api"
        duration = "6h"
        [[api]]
        name = "shop"
        type = "http"
        [[api.route]]
        route = "GET /"
        target = "service:web"
        [[service]]
        name = "web"
        platform = "fargate"
        load_balancer = "none"
        concurrency = 4
        queue_limit = 4
        capacity = { min = 3, max = 3, initial = 3 }
        startup = "20s"
        capacity_provider = "fargate-spot"
        spot = { interruptions_per_hour = 2.0, stop_timeout = "0s" }
        [[workload]]
        name = "w"
        target = "api:shop"
        route = "GET /"
        arrivals = { process = "poisson", rate = 5.0 }
        duration = { dist = "exponential", mean = "1s" }
        "#,
    ));
    let (api, web) = (&s["apis"]["shop"], &s["services"]["web"]);
    let cut = f64_at(web, "interrupted");
    assert!(cut > 0.0, "{web}");
    assert_eq!(f64_at(web, "requests"), f64_at(web, "completed") + f64_at(web, "rejected") + cut);
    // every 503 and every cut request reaches the client as an integration error
    assert_eq!(f64_at(api, "errors"), f64_at(web, "rejected") + cut, "{api}");
    assert_eq!(f64_at(api, "completed"), f64_at(web, "completed"));
}

/// m6i.large: 2 vCPU, 8 GiB, $0.096 an hour (docs/src/facts.md §4.1); tasks of 0.5 vCPU and
/// 1 GB fit four to an instance (by vCPU).
const ECS_EC2: &str =
    "instance_type = \"m6i.large\"\nvcpu = 0.5\nmemory = 1024\nload_balancer = \"none\"\n";

#[test]
fn ecs_on_ec2_bills_the_instances_that_hold_the_tasks() {
    let s = run(
        "ecs-ec2",
        &format!("{ECS_EC2}capacity = {{ min = 10, max = 10, initial = 10 }}"),
        "{ process = \"constant\", rate = 10.0 }",
        "\"10ms\"",
        "1h",
    );
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "tasks_per_instance"), 4.0);
    // ceil(10 / 4) = 3 instances for the hour
    assert_eq!(f64_at(web, "instances.max"), 3.0);
    assert!((f64_at(web, "instance_hours") - 3.0).abs() < 1e-9);
    assert!((f64_at(web, "cost_usd.instances") - 3.0 * 0.096).abs() < 1e-12, "{web}");
    assert_eq!(f64_at(web, "cost_usd.tasks"), 0.0);
    assert!((f64_at(web, "cost_usd.total") - 3.0 * 0.096).abs() < 1e-12);
    assert_eq!(f64_at(web, "tasks_waited_for_capacity"), 0.0);
}

#[test]
fn a_target_capacity_below_100_keeps_spare_instances() {
    // 4 tasks need M = 1 instance; at 50 % managed scaling keeps N = 2
    let s = run(
        "ecs-ec2",
        &format!(
            "{ECS_EC2}capacity = {{ min = 4, max = 4, initial = 4 }}\ncluster = {{ target_capacity = 50 }}"
        ),
        "{ process = \"constant\", rate = 1.0 }",
        "\"10ms\"",
        "1h",
    );
    assert!((f64_at(&s, "services.web.instance_hours") - 2.0).abs() < 1e-9);
}

#[test]
fn tasks_beyond_the_room_wait_exactly_the_boot_time_of_new_instances() {
    // 4 tasks fill the one instance; at 30m the schedule asks for 10: two instances boot
    // for 2 minutes (the default), and the 6 new tasks wait for them
    let s = run(
        "ecs-ec2",
        &format!(
            "{ECS_EC2}capacity = {{ min = 4, max = 4, initial = 4 }}
            capacity_schedule = [[\"30m\", 10, 10]]"
        ),
        "{ process = \"constant\", rate = 1.0 }",
        "\"10ms\"",
        "1h",
    );
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "tasks_waited_for_capacity"), 6.0);
    assert_eq!(f64_at(web, "capacity_wait_ms.max"), 120_000.0);
    assert!((f64_at(web, "capacity_wait_ms.mean") - 120_000.0).abs() < 1e-6);
    assert_eq!(f64_at(web, "instance_launches"), 2.0);
    // one instance all hour, two more from 30m on
    assert!((f64_at(web, "instance_hours") - 2.0).abs() < 1e-9, "{web}");
}

#[test]
fn tasks_placed_are_capped_by_the_instances_times_tasks_per_instance() {
    // cluster.max = 2 holds 8 tasks; the service asks for 10 at 1m. Each task serves one
    // request of 10 h at a time with no queue: exactly 8 requests are ever served
    let s = run(
        "ecs-ec2",
        &format!(
            "{ECS_EC2}concurrency = 1\nqueue_limit = 0\nstartup = \"5s\"
            capacity = {{ min = 4, max = 4, initial = 4 }}
            capacity_schedule = [[\"1m\", 10, 10]]
            cluster = {{ max = 2 }}"
        ),
        "{ process = \"constant\", rate = 1.0 }",
        "\"10h\"",
        "20m",
    );
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "completed"), 8.0, "{web}");
    assert_eq!(f64_at(web, "instances.max"), 2.0);
    assert_eq!(f64_at(web, "tasks.max"), 10.0);
}

#[test]
fn an_instance_is_billed_at_least_a_minute() {
    // at 10m the schedule adds 4 tasks (a new instance); 30 s later it removes them: the
    // new instance, empty, is terminated at once (scale_in_after = 0s) after 30 s, billed 60 s
    let s = run(
        "ecs-ec2",
        &format!(
            "{ECS_EC2}capacity = {{ min = 4, max = 4, initial = 4 }}
            capacity_schedule = [[\"10m\", 8, 8], [\"630s\", 4, 4]]
            cluster = {{ scale_in_after = \"0s\" }}"
        ),
        "{ process = \"constant\", rate = 1.0 }",
        "\"10ms\"",
        "1h",
    );
    let web = &s["services"]["web"];
    assert_eq!(f64_at(web, "instance_terminations"), 1.0, "{web}");
    assert!((f64_at(web, "instance_hours") - (1.0 + 60.0 / 3600.0)).abs() < 1e-9, "{web}");
}

#[test]
fn the_alb_bill_of_a_worked_example() {
    // 5 requests a second on connections of 5 requests (1 new a second) that stay open 2
    // minutes (120 active), 60 KB each way and back (300 KB/s = 1.08 GB/h), 60 rules
    // (250 evaluations/s): the hour bills 1.08 LCU, $0.0225 + 1.08 x $0.008
    let s = run(
        "fargate",
        "vcpu = 1.0\nmemory = 2048\ncapacity = { min = 2, max = 2, initial = 2 }
        load_balancer = { kind = \"alb\", requests_per_connection = 5, connection_duration = \"2m\", request_kb = 10, response_kb = 50, rules = 60 }",
        "{ process = \"constant\", rate = 5.0 }",
        "\"10ms\"",
        "1h",
    );
    let lb = &s["services"]["web"]["load_balancer"];
    assert!((f64_at(lb, "lcu_hours") - 1.08).abs() < 1e-9, "{lb}");
    assert!((f64_at(lb, "lcu_hours_by_dimension.new_connections") - 0.04).abs() < 1e-9);
    assert!((f64_at(lb, "lcu_hours_by_dimension.active_connections") - 0.04).abs() < 1e-9);
    assert!((f64_at(lb, "lcu_hours_by_dimension.rule_evaluations") - 0.25).abs() < 1e-9);
    let cost = f64_at(&s, "services.web.cost_usd.load_balancer");
    assert!((cost - (0.0225 + 1.08 * 0.008)).abs() < 1e-12, "{cost}");
}

#[test]
fn bad_capacity_keys_are_named_with_what_is_allowed() {
    let e = error("platform = \"ec2\"\ncapacity_provider = \"fargate-spot\"");
    assert_mentions(&e, &["service \"web\".capacity_provider", "fargate", "ec2"]);
    let e = error("platform = \"fargate\"\nspot = { discount = 0.5 }");
    assert_mentions(&e, &["service \"web\".spot", "fargate-spot"]);
    let e = error(
        "platform = \"fargate\"\ncapacity_provider = \"fargate-spot\"\nspot = { discount = 1.5 }",
    );
    assert_mentions(&e, &["service \"web\".spot.discount", "1.5", "0 <= discount < 1"]);
    let e = error(
        "platform = \"fargate\"\ncapacity_provider = \"fargate-spot\"\narchitecture = \"arm64\"",
    );
    assert_mentions(&e, &["service \"web\".architecture", "arm64", "x86_64"]);
    let e = error(
        "platform = \"fargate\"\ncapacity_provider = \"fargate-spot\"\nspot = { stop_timeout = \"5m\" }",
    );
    assert_mentions(&e, &["service \"web\".spot.stop_timeout", "5m", "120s"]);
    let e = error(
        "platform = \"fargate\"\ncapacity_provider_strategy = [{ capacity_provider = \"fargate\", base = 1 }, { capacity_provider = \"fargate-spot\", base = 1, weight = 1 }]",
    );
    assert_mentions(
        &e,
        &[
            "service \"web\".capacity_provider_strategy",
            "only one capacity provider may have a base",
        ],
    );
    let e = error(
        "platform = \"fargate\"\ncapacity_provider_strategy = [{ capacity_provider = \"fargate-spot\" }]",
    );
    assert_mentions(&e, &["service \"web\".capacity_provider_strategy", "weight"]);
    let e = error("platform = \"fargate\"\ncapacity_provider = \"spot\"");
    assert_mentions(&e, &["service \"web\".capacity_provider", "spot", "fargate-spot"]);
    let e = error("platform = \"fargate\"\ncluster = { max = 3 }");
    assert_mentions(&e, &["service \"web\".cluster", "ecs-ec2"]);
    let e = error("platform = \"ecs-ec2\"\ninstance_type = \"m6i.large\"\nvcpu = 4.0");
    assert_mentions(&e, &["service \"web\".vcpu", "4", "0.25..=2"]);
    let e = error("platform = \"ecs-ec2\"\ninstance_type = \"m6i.large\"\nmemory = 9000");
    assert_mentions(&e, &["service \"web\".memory", "9000", "8192"]);
    let e = error(
        "platform = \"ecs-ec2\"\ninstance_type = \"m6i.large\"\nvcpu = 1.0\nmemory = 1024\ncapacity = { min = 5, max = 5, initial = 5 }\ncluster = { max = 2 }",
    );
    assert_mentions(&e, &["service \"web\".cluster.max", "capacity.initial = 5"]);
    let e = error("platform = \"ecs-ec2\"\ncluster = { target_capacity = 0 }");
    assert_mentions(&e, &["service \"web\".cluster.target_capacity", "1..=100"]);
    let e = error("platform = \"ecs-ec2\"\ncluster = { boot = 90 }");
    assert_mentions(&e, &["service \"web\".cluster.boot", "bare number 90 is not a duration"]);
    let e = error("platform = \"ec2\"\nvcpu = 1.0");
    assert_mentions(&e, &["service \"web\".vcpu", "instance_type"]);
    let e = error("platform = \"fargate\"\nload_balancer = \"nlb\"");
    assert_mentions(&e, &["service \"web\".load_balancer", "nlb", "\"alb\""]);
    let e = error("platform = \"fargate\"\nload_balancer = { kind = \"nlb\" }");
    assert_mentions(&e, &["service \"web\".load_balancer.kind", "nlb"]);
    let e = error("platform = \"fargate\"\nload_balancer = { rules = 0 }");
    assert_mentions(&e, &["service \"web\".load_balancer.rules", "1..=100"]);
    let e = error("platform = \"fargate\"\nload_balancer = { requests_per_connection = 0.5 }");
    assert_mentions(&e, &["service \"web\".load_balancer.requests_per_connection", "0.5"]);
    let e = error("platform = \"fargate\"\nload_balancer = { idle = 1 }");
    assert_mentions(&e, &["service \"web\".load_balancer", "idle"]);
}

mod conservation {
    use proptest::prelude::*;

    use crate::common::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever the mix, the interruptions, the deregistration delay and the cluster's
        /// limits, every request that reaches a service is completed, rejected or cut (by a
        /// deregistration delay or a Spot stop); the cluster stays in its bounds.
        #[test]
        fn no_service_request_vanishes(
            rate in 1.0f64..60.0,
            mean_ms in 10u32..5000,
            interruptions in 0.0f64..20.0,
            stop_s in 0u32..=120,
            spot_weight in 1u32..4,
            base in 0u32..3,
            concurrency in 1u32..8,
            queue_limit in 0u32..20,
            cluster_max in 1u32..6,
            target in 50u32..=100,
            boot_s in 0u32..200,
            dereg_s in 0u32..180,
            seed in 0u64..1000,
        ) {
            let s = summarize(&scenario(&format!(
                r#"
                [simulation]
                name = "capacity-conservation"
                duration = "40m"
                warmup = "2m"
                seed = {seed}
                [[service]]
                name = "spot"
                platform = "fargate"
                concurrency = {concurrency}
                queue_limit = {queue_limit}
                startup = "20s"
                capacity = {{ min = 1, max = 8, initial = 2 }}
                autoscaling = {{ metric = "cpu", target = 50.0, scale_out_cooldown = "60s", scale_in_cooldown = "60s", datapoints_out = 1, datapoints_in = 2 }}
                capacity_provider_strategy = [
                  {{ capacity_provider = "fargate", base = {base}, weight = 1 }},
                  {{ capacity_provider = "fargate-spot", weight = {spot_weight} }},
                ]
                spot = {{ interruptions_per_hour = {interruptions}, stop_timeout = "{stop_s}s" }}
                deregistration_delay = "{dereg_s}s"
                [[service]]
                name = "cluster"
                platform = "ecs-ec2"
                instance_type = "m6i.large"
                vcpu = 1.0
                memory = 2048
                concurrency = {concurrency}
                queue_limit = {queue_limit}
                startup = "10s"
                capacity = {{ min = 1, max = 12, initial = 2 }}
                autoscaling = {{ metric = "cpu", target = 50.0, scale_out_cooldown = "60s", scale_in_cooldown = "60s", datapoints_out = 1, datapoints_in = 2 }}
                cluster = {{ max = {cluster_max}, target_capacity = {target}, boot = "{boot_s}s", scale_in_after = "3m" }}
                deregistration_delay = "{dereg_s}s"
                [[workload]]
                name = "w"
                targets = ["service:spot", "service:cluster"]
                arrivals = {{ process = "poisson", rate = {rate} }}
                duration = {{ dist = "exponential", mean = "{mean_ms}ms" }}
                cpu_bound = 1.0
                "#,
            )));
            for name in ["spot", "cluster"] {
                let v = &s["services"][name];
                let n = |k: &str| f64_at(v, k);
                let settled = n("completed") + n("rejected") + n("drained_cut") + n("interrupted");
                prop_assert_eq!(n("requests"), settled, "{}", name);
            }
            let c = &s["services"]["cluster"];
            prop_assert!(f64_at(c, "instances.max") <= cluster_max as f64);
            prop_assert_eq!(f64_at(c, "interrupted"), 0.0);
            prop_assert!(f64_at(c, "cost_usd.instances") >= 0.0);
            let spot = &s["services"]["spot"];
            prop_assert!(f64_at(spot, "spot_task_hours") <= f64_at(spot, "task_hours") + 1e-9);
        }
    }
}

// With the load balancer's lifecycle (health-check and deregistration delays, requests
// answered when they end): Spot and the cluster go through it too.

/// A Spot fleet behind API Gateway and an ALB with `dereg` as its deregistration delay and
/// `stop` as the Spot stop timeout. Requests of 25 s and no queue: none outlasts the API's 30 s
/// integration timeout.
fn spot_behind_api(dereg: &str, stop: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "spot-dereg"
        duration = "6h"
        [[api]]
        name = "shop"
        type = "http"
        [[api.route]]
        route = "GET /"
        target = "service:web"
        [[service]]
        name = "web"
        platform = "fargate"
        concurrency = 8
        queue_limit = 0
        capacity = {{ min = 3, max = 3, initial = 3 }}
        startup = "20s"
        health_check_delay = "0s"
        deregistration_delay = "{dereg}"
        capacity_provider = "fargate-spot"
        spot = {{ interruptions_per_hour = 2.0, stop_timeout = "{stop}" }}
        [[workload]]
        name = "w"
        target = "api:shop"
        route = "GET /"
        arrivals = {{ process = "poisson", rate = 0.3 }}
        duration = "25s"
        "#,
    )))
}

#[test]
fn a_deregistration_delay_shorter_than_the_stop_timeout_cuts_before_the_spot_stop() {
    // the warning deregisters the task: a 10 s delay cuts what it holds before the stop at
    // 120 s (drained_cut); with the default 300 s and a 10 s stop timeout the stop cuts
    // (interrupted)
    let (early, late) = (spot_behind_api("10s", "120s"), spot_behind_api("300s", "10s"));
    for (s, by_dereg) in [(&early, true), (&late, false)] {
        let (api, web) = (&s["apis"]["shop"], &s["services"]["web"]);
        let (drained, interrupted) = (f64_at(web, "drained_cut"), f64_at(web, "interrupted"));
        assert!(f64_at(web, "spot_interruptions") > 0.0, "{web}");
        if by_dereg {
            assert!(drained > 0.0 && interrupted == 0.0, "{web}");
        } else {
            assert!(interrupted > 0.0 && drained == 0.0, "{web}");
        }
        let cut = drained + interrupted;
        let settled = f64_at(web, "completed") + f64_at(web, "rejected") + cut;
        assert_eq!(f64_at(web, "requests"), settled, "no request vanishes");
        // every 503 and every cut request reaches the client as an integration error
        assert_eq!(f64_at(api, "errors"), f64_at(web, "rejected") + cut, "{api}");
        assert_eq!(f64_at(api, "completed"), f64_at(web, "completed"));
    }
    // the same interruptions either way: the Spot draws have a stream of their own
    assert_eq!(
        f64_at(&early["services"]["web"], "spot_interruptions"),
        f64_at(&late["services"]["web"], "spot_interruptions")
    );
}

#[test]
fn a_spot_replacement_serves_after_its_startup_and_the_health_check() {
    // one Spot task, one request a second: from each warning until its replacement serves
    // (20 s startup + the health check), every arrival finds no target and gets 503
    for (health, gap) in [("0s", 20.0), ("15s", 35.0)] {
        let s = run(
            "fargate",
            &format!(
                "vcpu = 1.0\nmemory = 2048\nstartup = \"20s\"\nhealth_check_delay = \"{health}\"
                capacity = {{ min = 1, max = 1, initial = 1 }}
                capacity_provider = \"fargate-spot\"
                spot = {{ interruptions_per_hour = 0.5 }}"
            ),
            "{ process = \"constant\", rate = 1.0 }",
            "\"10ms\"",
            "10h",
        );
        let web = &s["services"]["web"];
        let warnings = f64_at(web, "spot_interruptions");
        assert!(warnings > 0.0, "{web}");
        assert_eq!(f64_at(web, "rejected"), gap * warnings, "{web}");
        assert_eq!(f64_at(web, "interrupted"), 0.0, "10 ms requests finish before the stop");
    }
}

#[test]
fn a_task_on_a_booting_instance_serves_after_boot_startup_and_the_health_check() {
    // no task and no instance until 1m; then one task: its instance boots 120 s, the task
    // starts 5 s, the ALB checks it 15 s later. Every arrival before 200 s gets 503
    for (health, ready_s) in [("0s", 185.0), ("15s", 200.0)] {
        let s = run(
            "ecs-ec2",
            &format!(
                "instance_type = \"m6i.large\"\nvcpu = 0.5\nmemory = 1024\nstartup = \"5s\"
                health_check_delay = \"{health}\"
                capacity = {{ min = 0, max = 1, initial = 0 }}
                capacity_schedule = [[\"1m\", 1, 1]]"
            ),
            "{ process = \"constant\", rate = 1.0 }",
            "\"10ms\"",
            "10m",
        );
        let web = &s["services"]["web"];
        assert_eq!(f64_at(web, "tasks_waited_for_capacity"), 1.0, "{web}");
        assert_eq!(f64_at(web, "rejected"), ready_s, "{web}");
        assert_eq!(f64_at(web, "completed"), 600.0 - ready_s);
    }
}

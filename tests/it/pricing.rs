//! The worked examples of the AWS Lambda pricing page (docs/src/facts.md §1.6), simulated end
//! to end: the requests arrive, run and are billed; the totals must match to the cent.
//!
//! The examples ignore cold-start init, so these scenarios set `init_duration = "0s"`; arrivals
//! are evenly spaced so the counts are exact. The simulated period is treated as the billing
//! month (that is how slsim applies the free tier and the volume tiers).

use slsim::config::Scenario;

use crate::common::*;

fn pricing_scenario(functions_and_workloads: &str, duration: &str, free_tier: bool) -> Scenario {
    scenario(&format!(
        r#"
        [simulation]
        name = "pricing"
        duration = "{duration}"
        [pricing]
        free_tier = {free_tier}
        [lambda]
        concurrency_limit = 5000
        {functions_and_workloads}
        "#
    ))
}

fn simulate(functions_and_workloads: &str, duration: &str, free_tier: bool) -> serde_json::Value {
    summarize(&pricing_scenario(functions_and_workloads, duration, free_tier))
}

/// Pricing-page example PC-2: 7 provisioned environments at 4,096 MB, 2M requests of 280 ms
/// in 24 h, evenly spaced (43.2 ms apart, so never more than 7 at once).
const CYBER_MONDAY: &str = r#"
    [[lambda.function]]
    name = "f"
    memory_size = 4096
    provisioned_concurrency = 7
    init_duration = "0s"
    [[workload]]
    name = "w"
    target = "function:f"
    arrivals = { process = "constant", rate = 23.148148148148148 }
    duration = "280ms"
"#;

fn one(memory: u32, ephemeral: u32, run_ms: u32) -> String {
    format!(
        r#"
        [[lambda.function]]
        name = "f"
        memory_size = {memory}
        ephemeral_storage = {ephemeral}
        init_duration = "0s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "constant", rate = 100.0 }}
        duration = "{run_ms}ms"
        "#
    )
}

#[test]
fn example_1_mobile_backend() {
    // 3M requests x 120 ms at 1,536 MB, free tier: $2.33 compute + $0.40 requests = $2.73
    let s = simulate(&one(1536, 512, 120), "30000s", true);
    let f = only_function(&s);
    assert_eq!(f64_at(f, "invocations"), 3_000_000.0);
    assert_eq!(f64_at(f, "billed_gb_seconds"), 540_000.0);
    assert_eq!(cents(f64_at(f, "cost_usd.duration")), 2.33);
    assert_eq!(cents(f64_at(f, "cost_usd.requests")), 0.40);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 2.73);
}

#[test]
fn example_2_telemetry_without_free_tier() {
    // 7.44M messages x 2 s at 1 GB: $1.49 + $248.00 = $249.49
    let s = simulate(&one(1024, 512, 2000), "74400s", false);
    let f = only_function(&s);
    assert_eq!(f64_at(f, "invocations"), 7_440_000.0);
    assert_eq!(cents(f64_at(f, "cost_usd.requests")), 1.49);
    assert_eq!(cents(f64_at(f, "cost_usd.duration")), 248.00);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 249.49);
}

#[test]
fn example_3_nlp_with_ephemeral_storage() {
    // 6M x 280 ms at 4,096 MB, 2,048 MB /tmp, free tier: $105.33 + $1.00 + $0.08 = $106.41
    let s = simulate(&one(4096, 2048, 280), "60000s", true);
    let f = only_function(&s);
    assert_eq!(cents(f64_at(f, "cost_usd.duration")), 105.33);
    assert_eq!(cents(f64_at(f, "cost_usd.requests")), 1.00);
    assert_eq!(cents(f64_at(f, "cost_usd.ephemeral_storage")), 0.08);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 106.41);
}

#[test]
fn example_pc1_launch_day() {
    // 100 provisioned environments at 1,536 MB for 8 h serve 500k requests of 100 ms; 2.5M
    // requests of 120 ms run on demand (here: a second function, so the split is exact).
    // $18.00 PC + $0.40 requests + $0.73 PC duration + $0.83 on-demand = $19.96
    let s = simulate(
        r#"
        [[lambda.function]]
        name = "launch"
        memory_size = 1536
        provisioned_concurrency = 100
        init_duration = "0s"
        [[lambda.function]]
        name = "spill"
        memory_size = 1536
        init_duration = "0s"
        [[workload]]
        name = "on-pc"
        target = "function:launch"
        arrivals = { process = "constant", rate = 17.361111111111111 }
        duration = "100ms"
        [[workload]]
        name = "on-demand"
        target = "function:spill"
        arrivals = { process = "constant", rate = 86.805555555555556 }
        duration = "120ms"
        "#,
        "8h",
        true,
    );
    let launch = &s["functions"]["launch"];
    let spill = &s["functions"]["spill"];
    assert_eq!(f64_at(launch, "invocations"), 500_000.0);
    assert_eq!(f64_at(launch, "provisioned_invocations"), 500_000.0);
    assert_eq!(f64_at(spill, "invocations"), 2_500_000.0);
    assert_eq!(cents(f64_at(launch, "cost_usd.provisioned")), 18.00 + 0.73);
    assert_eq!(cents(f64_at(spill, "cost_usd.duration")), 0.83);
    let requests = f64_at(launch, "cost_usd.requests") + f64_at(spill, "cost_usd.requests");
    assert_eq!(cents(requests), 0.40);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 19.96);
}

#[test]
fn example_pc2_cyber_monday() {
    // no free tier: $10.08 + $21.78 + $0.40 = $32.26
    let s = simulate(CYBER_MONDAY, "24h", false);
    let f = only_function(&s);
    assert_eq!(f64_at(f, "invocations"), 2_000_000.0);
    assert_eq!(f64_at(f, "cold_starts"), 0.0);
    assert_eq!(f64_at(f, "provisioned_invocations"), 2_000_000.0);
    assert_eq!(cents(f64_at(f, "cost_usd.provisioned")), 10.08 + 21.78);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 32.26);
}

#[test]
fn timeseries_cost_adds_up_to_the_bill_without_free_tier_or_tiers() {
    // PC-2 again, minute by minute: requests, PC duration and the PC configured per minute
    let sc = pricing_scenario(CYBER_MONDAY, "24h", false);
    let run = slsim::sim::run(&sc, 1);
    assert_eq!(run.minutes.len(), 1440);
    let per_minute: f64 = run.minutes.iter().map(|m| m.cost_usd).sum();
    // 2,419,200 GB-s x $0.0000041667 + 2,240,000 GB-s x $0.0000097222 + 2M x $0.0000002
    assert!((per_minute - 32.25780864).abs() < 1e-6, "{per_minute}");
}

#[test]
fn old_example_128mb_30m_requests() {
    // 30M x 200 ms at 128 MB, free tier: $5.83 + $5.80 = $11.63
    let s = simulate(&one(128, 512, 200), "300000s", true);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 11.63);
}

#[test]
fn old_example_512mb_uses_todays_exact_price() {
    // 3M x 1 s at 512 MB, free tier. The 2020 page used $0.00001667 and printed $18.74; with
    // today's $0.0000166667 the compute is $18.33 and the total $18.73
    // (docs/src/facts.md §1.6, §6).
    let s = simulate(&one(512, 512, 1000), "30000s", true);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 18.73);
}

#[test]
fn init_is_billed_on_cold_starts() {
    // One request, cold: 300 ms init + 100 ms handler at 1,024 MB = 0.4 GB-s billed.
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "init"
        duration = "1s"
        [[lambda.function]]
        name = "f"
        memory_size = 1024
        init_duration = "300ms"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "constant", rate = 1.0 }
        duration = "100ms"
        "#,
    ));
    let f = only_function(&s);
    assert_eq!(f64_at(f, "cold_starts"), 1.0);
    assert!((f64_at(f, "billed_gb_seconds") - 0.4).abs() < 1e-12);
    assert!((f64_at(f, "latency_ms.max") - 400.0).abs() < 1e-9);
}

//! The scaling-rate limits (docs/src/facts.md §1.2).

use slsim::engine::SimTime;
use slsim::sim::Simulation;

use crate::common::*;

/// 20,000 requests per second of 10-minute work for `secs` seconds: demand for 20,000 more
/// concurrent environments every second.
fn surge(scaling: &str, secs: u64) -> slsim::config::Scenario {
    scenario(&format!(
        r#"
        [simulation]
        name = "scale"
        duration = "{secs}s"
        [lambda]
        concurrency_limit = 100000
        unreserved_minimum = 0
        {scaling}
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        timeout = "900s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "constant", rate = 20000.0 }}
        duration = "10m"
        "#
    ))
}

/// The environments alive at each whole second of a [`surge`] up to `secs`.
fn environments_over_time(scaling: &str, secs: u64) -> Vec<u32> {
    let s = surge(scaling, secs);
    let mut sim = Simulation::new(&s, 1);
    let mut out = Vec::new();
    for second in 1..=secs {
        // process everything up to and including the second, then read the state
        while sim_next_before(&mut sim, SimTime::from_secs_f64(second as f64)).is_some() {}
        out.push(sim.lambda().view(0, sim.now()).environments);
    }
    out
}

/// Steps if the next event is at or before `t`; `None` when it is not.
fn sim_next_before(sim: &mut Simulation, t: SimTime) -> Option<(SimTime, ())> {
    if sim.peek_time().is_some_and(|next| next <= t) {
        sim.step().map(|(at, _)| (at, ()))
    } else {
        None
    }
}

#[test]
fn per_function_scaling_adds_1000_environments_per_10_seconds() {
    let envs = environments_over_time(r#"scaling = "per-function""#, 60);
    // 1,000 at once, then one more every 10 ms (1,000 per 10 s, continuously)
    for (i, &n) in envs.iter().enumerate() {
        let t = (i + 1) as f64;
        let expected = 1000.0 + 100.0 * t;
        assert!(
            (n as f64 - expected).abs() <= 1.0,
            "at {t} s: {n} environments, expected {expected}"
        );
    }
    assert_eq!(envs[9], 2000, "1,000 new environments in the first 10 s after the burst");
}

#[test]
fn account_burst_scaling_bursts_then_adds_500_per_minute() {
    let envs = environments_over_time(
        r#"scaling = "account-burst"
        burst = 3000"#,
        120,
    );
    for (i, &n) in envs.iter().enumerate() {
        let t = (i + 1) as f64;
        let expected = 3000.0 + 500.0 * t / 60.0;
        assert!((n as f64 - expected).abs() <= 1.0, "at {t} s: {n}, expected {expected}");
    }
}

#[test]
fn unlimited_scaling_follows_demand_up_to_the_account_limit() {
    let envs = environments_over_time(r#"scaling = "unlimited""#, 3);
    // every arrival in [0, t] gets an environment; arrivals stop before 3 s
    assert_eq!(envs, vec![20_001, 40_001, 60_000]);
}

#[test]
fn throttled_requests_are_counted_and_none_vanish() {
    let s = surge(r#"scaling = "per-function""#, 30);
    let sum = summarize(&s);
    let f = only_function(&sum);
    assert_eq!(f64_at(f, "arrivals"), 600_000.0);
    // 1,000 + 100 per second for 30 s (the last token arrives exactly at 30 s: not used)
    assert!((f64_at(f, "invocations") - 3999.0).abs() <= 1.0, "{}", f64_at(f, "invocations"));
    assert_eq!(f64_at(f, "invocations") + f64_at(f, "throttles"), 600_000.0);
    assert_eq!(f64_at(f, "in_flight"), 0.0);
}

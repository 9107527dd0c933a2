//! Keep-alive policies: cold starts against idle (wasted) memory.

use crate::common::*;

/// One request every 30 minutes for a day, 1 s each, at 1,024 MB.
fn periodic(keep_alive: &str, policy: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "periodic"
        duration = "1d"
        [[lambda.function]]
        name = "cron"
        memory_size = 1024
        init_duration = "500ms"
        keep_alive = "{keep_alive}"
        {policy}
        [[workload]]
        name = "tick"
        target = "function:cron"
        arrivals = {{ process = "constant", rate = 0.000555555555555556 }}
        duration = "1s"
        "#
    )))
}

#[test]
fn idle_gb_seconds_measure_memory_held_while_idle() {
    // one environment kept for the whole day, busy 1 s of every 1,800 (plus one init)
    let s = periodic("35m", "");
    let f = only_function(&s);
    assert_eq!(f64_at(f, "cold_starts"), 1.0);
    let busy = 48.0 * 1.0 + 0.5;
    let expected = 86_400.0 - 1_800.0 * 0.0 - busy; // alive from the first request on
    assert!(
        (f64_at(f, "idle_gb_seconds") - expected).abs() < 1.0,
        "{}",
        f64_at(f, "idle_gb_seconds")
    );
}

#[test]
fn hybrid_histogram_prewarms_periodic_functions_with_less_waste() {
    let fixed_short = periodic("10m", "");
    let fixed_long = periodic("35m", "");
    let hybrid = periodic("10m", r#"keep_alive_policy = "hybrid-histogram""#);
    let cold = |s: &serde_json::Value| f64_at(only_function(s), "cold_starts");
    let idle = |s: &serde_json::Value| f64_at(only_function(s), "idle_gb_seconds");
    // 10 minutes never bridges a 30-minute gap: every request is cold
    assert_eq!(cold(&fixed_short), 48.0);
    // the histogram needs 10 idle times (29 min 59 s: bin 29), then pre-warms 26.1 min after
    // each request and keeps the environment to 33 min
    assert!(cold(&hybrid) <= 12.0, "hybrid cold starts {}", cold(&hybrid));
    assert!(f64_at(only_function(&hybrid), "prewarms") >= 30.0);
    // ... holding memory ~4 minutes per gap instead of ~30 with a 35-minute keep-alive
    assert!(idle(&hybrid) < 0.4 * idle(&fixed_long), "{} vs {}", idle(&hybrid), idle(&fixed_long));
}

#[test]
fn policy_settings_are_validated() {
    let bad = |policy: &str| function_error(&format!("keep_alive_policy = {policy}"));
    let e = bad(r#"{ policy = "hybrid-histogram", head = 0.9, tail = 0.5 }"#);
    assert!(
        e.contains("lambda.function \"f\".keep_alive_policy.head") && e.contains("above tail"),
        "{e}"
    );
    let e = bad(r#"{ policy = "fixed", margin = 0.2 }"#);
    assert!(e.contains("keep_alive_policy.margin") && e.contains("hybrid-histogram"), "{e}");
    let e = bad(r#""lru""#);
    assert!(e.contains("keep_alive_policy") && e.contains("lru"), "{e}");
}

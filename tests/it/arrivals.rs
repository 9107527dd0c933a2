//! Arrival processes in scenarios: rate profiles, diurnal, MMPP, scaling.

use crate::common::*;

fn with_arrivals(arrivals: &str, duration: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "arrivals"
        duration = "{duration}"
        [[lambda.function]]
        name = "f"
        runtime = "python3.12"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {arrivals}
        duration = "1ms"
        "#
    )))
}

#[test]
fn scale_multiplies_the_rate() {
    let base = with_arrivals(r#"{ process = "constant", rate = 5.0 }"#, "100s");
    let doubled = with_arrivals(r#"{ process = "constant", rate = 5.0, scale = 2.0 }"#, "100s");
    assert_eq!(f64_at(&base, "workloads.w.requests"), 500.0);
    assert_eq!(f64_at(&doubled, "workloads.w.requests"), 1000.0);
}

#[test]
fn a_step_profile_counts_per_interval() {
    // 10/s for an hour, then a ramp to 50/s over the next: 36,000 + 108,000
    let s = with_arrivals(
        r#"{ process = "profile", profile = [["0s", 10.0], ["1h", 10.0], ["2h", 50.0]] }"#,
        "2h",
    );
    let n = f64_at(&s, "workloads.w.requests");
    assert!((n - 144_000.0).abs() < 1_200.0, "{n}"); // sd 380
}

#[test]
fn arrival_settings_are_validated() {
    let e = function_error_with_arrivals(r#"{ process = "diurnal", mean = 5.0, rate = 3.0 }"#);
    assert!(e.contains("workload \"w\".arrivals.rate") && e.contains("does not apply"), "{e}");
    let e = function_error_with_arrivals(
        r#"{ process = "profile", profile = [["1h", 1.0], ["0s", 2.0]] }"#,
    );
    assert!(e.contains("arrivals.profile[1]") && e.contains("times must increase"), "{e}");
    let e = function_error_with_arrivals(
        r#"{ process = "diurnal", mean = 5.0, peak_to_trough = 0.5 }"#,
    );
    assert!(e.contains("arrivals.peak_to_trough") && e.contains("0.5"), "{e}");
    let e = function_error_with_arrivals(
        r#"{ process = "mmpp", states = [{ rate = 1.0, mean_sojourn = "1m" }] }"#,
    );
    assert!(e.contains("arrivals.states") && e.contains("two states"), "{e}");
    let e = function_error_with_arrivals(r#"{ process = "poisson", rate = 1.0, scale = -1.0 }"#);
    assert!(e.contains("arrivals.scale"), "{e}");
}

fn function_error_with_arrivals(arrivals: &str) -> String {
    function_error_with_arrivals_and_keys(arrivals, "")
}

#[test]
fn copies_declare_functions_with_independent_streams() {
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "copies"
        duration = "10m"
        [[lambda.function]]
        name = "fn"
        copies = 3
        runtime = "python3.12"
        [[workload]]
        name = "load"
        target = "function:fn"
        arrivals = { process = "poisson", rate = 2.0 }
        duration = "10ms"
        "#,
    ));
    let counts: Vec<f64> =
        (0..3).map(|k| f64_at(&s["functions"][format!("fn-{k}")], "arrivals")).collect();
    for (k, n) in counts.iter().enumerate() {
        assert!((n - 1200.0).abs() < 180.0, "fn-{k}: {n}"); // Poisson sd 35
        assert_eq!(f64_at(&s["workloads"][format!("load-{k}")], "requests"), *n);
    }
    assert!(counts[0] != counts[1] || counts[1] != counts[2], "independent streams");
    let e = function_error_with_arrivals_and_keys(
        r#"{ process = "poisson", rate = 1.0 }"#,
        "copies = 0",
    );
    assert!(e.contains("lambda.function \"f\".copies"), "{e}");
}

fn function_error_with_arrivals_and_keys(arrivals: &str, keys: &str) -> String {
    let text = format!(
        r#"
        [simulation]
        name = "a"
        duration = "1h"
        [[lambda.function]]
        name = "f"
        runtime = "python3.12"
        {keys}
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {arrivals}
        duration = "1ms"
        "#
    );
    slsim::config::load_str(std::path::Path::new("a.toml"), &text, &[]).unwrap_err().to_string()
}

//! Runtimes, deployment packages, extensions and SnapStart: what each adds to a cold start, to
//! an invocation's time in its environment and to the bill.

use std::path::Path;

use serde_json::Value;
use slsim::config;

use crate::common::*;

/// One function (`function_keys` go into its table) and one workload of constant arrivals
/// at `rate` per second, each running `run`, for `duration`.
fn one_function(function_keys: &str, rate: f64, run: &str, duration: &str) -> String {
    format!(
        r#"
        [simulation]
        name = "runtimes"
        duration = "{duration}"
        [[lambda.function]]
        name = "f"
        memory_size = 1024
        {function_keys}
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "constant", rate = {rate} }}
        duration = "{run}"
        "#
    )
}

fn simulate(toml: &str) -> Value {
    let s = summarize(&scenario(toml));
    only_function(&s).clone()
}

fn error_of(toml: &str) -> String {
    match config::load_str(Path::new("bad.toml"), toml, &[]) {
        Ok(_) => panic!("accepted:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn package_size_lengthens_the_runtime_default_init() {
    // One cold request: nodejs20.x on x86_64 initialises in 152 ms (hello world); an 8 MB
    // package adds 230 ms (435 ms measured at 8 MB minus 205 ms at 1 KB); handler 100 ms.
    let f = simulate(&one_function(
        r#"runtime = "nodejs20.x"
        package_size = 8"#,
        1.0,
        "100ms",
        "1s",
    ));
    assert_eq!(f64_at(&f, "cold_starts"), 1.0);
    assert_eq!(f64_at(&f, "latency_ms.max"), 152.0 + 230.0 + 100.0);
    assert!((f64_at(&f, "billed_gb_seconds") - 0.482).abs() < 1e-12);
}

#[test]
fn an_explicit_init_duration_overrides_the_package_model() {
    let f = simulate(&one_function(
        r#"runtime = "nodejs20.x"
        package_size = 64
        init_duration = "300ms""#,
        1.0,
        "100ms",
        "1s",
    ));
    assert_eq!(f64_at(&f, "latency_ms.max"), 400.0);
}

#[test]
fn package_size_is_limited_to_250_mb_unzipped() {
    let ok = one_function("runtime = \"python3.12\"\npackage_size = 250", 1.0, "1ms", "1s");
    scenario(&ok);
    let err = error_of(&ok.replace("package_size = 250", "package_size = 251"));
    assert!(err.contains("lambda.function[0].package_size"), "{err}");
    assert!(err.contains("251") && err.contains("0..=250 MB"), "{err}");
}

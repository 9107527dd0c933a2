//! Weighted aliases over two versions: each version has its own environments.

use crate::common::*;

fn alias_scenario(alias: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "canary"
        duration = "1h"
        [[lambda.function]]
        name = "checkout"
        runtime = "nodejs20.x"
        keep_alive = "5m"
        alias = {alias}
        [[workload]]
        name = "orders"
        target = "function:checkout"
        arrivals = {{ process = "constant", rate = 20.0 }}
        duration = "200ms"
        "#
    )))
}

#[test]
fn a_constant_weight_splits_requests_between_versions() {
    let s = alias_scenario(r#"{ versions = ["1", "2"], weight = 0.25 }"#);
    let (v1, v2) = (&s["functions"]["checkout:1"], &s["functions"]["checkout:2"]);
    let (a1, a2) = (f64_at(v1, "arrivals"), f64_at(v2, "arrivals"));
    assert_eq!(a1 + a2, 72_000.0);
    // 72,000 Bernoulli(0.25) draws: sd ~0.0016
    assert!((a2 / 72_000.0 - 0.25).abs() < 0.008, "{}", a2 / 72_000.0);
    assert!((f64_at(&s, "aliases.checkout.new_version_share") - a2 / 72_000.0).abs() < 1e-9);
    assert_eq!(f64_at(&s, "aliases.checkout.invocations"), 72_000.0);
    let cost = f64_at(v1, "cost_usd.total") + f64_at(v2, "cost_usd.total");
    assert!((f64_at(&s, "aliases.checkout.cost_usd.total") - cost).abs() < 1e-12);
}

#[test]
fn shifting_the_weight_moves_traffic_and_causes_cold_starts_on_the_new_version() {
    let steady = alias_scenario(r#"{ versions = ["1", "2"], weight = 0.0 }"#);
    let shifted =
        alias_scenario(r#"{ versions = ["1", "2"], shift = [["0s", 0.0], ["30m", 1.0]] }"#);
    assert_eq!(f64_at(&steady, "functions.checkout:2.arrivals"), 0.0);
    // every request before 30 min to version 1, every one after to version 2
    assert_eq!(f64_at(&shifted, "functions.checkout:1.arrivals"), 36_000.0);
    assert_eq!(f64_at(&shifted, "functions.checkout:2.arrivals"), 36_000.0);
    // the new version starts cold: as many cold starts as its concurrency, on top of the
    // old version's
    let cold = |s: &serde_json::Value| f64_at(s, "aliases.checkout.cold_starts");
    assert!(f64_at(&shifted, "functions.checkout:2.cold_starts") >= 4.0);
    assert!(cold(&shifted) > cold(&steady));
}

#[test]
fn aliases_are_validated() {
    let err = |alias: &str, extra: &str| function_error(&format!("{extra}\nalias = {alias}"));
    let e = err(r#"{ versions = ["1", "2", "3"], weight = 0.1 }"#, "");
    assert!(e.contains("lambda.function \"f\".alias.versions") && e.contains("exactly two"), "{e}");
    let e = err(r#"{ versions = ["1", "2"], weight = 0.1, shift = [["0s", 0.5]] }"#, "");
    assert!(e.contains("not both"), "{e}");
    let e = err(r#"{ versions = ["1", "2"], weight = 1.5 }"#, "");
    assert!(e.contains("alias.weight") && e.contains("1.5"), "{e}");
    let e = err(r#"{ versions = ["1", "2"], weight = 0.5 }"#, "reserved_concurrency = 10");
    assert!(e.contains("lambda.function \"f\".alias") && e.contains("not supported yet"), "{e}");
}

//! Known answers from queueing theory.

use crate::common::*;

/// Reserved concurrency c with Poisson arrivals, exponential run times and zero init is an
/// M/M/c/c loss system: the throttle ratio is Erlang B. (Environments never expire and the
/// scaling rate is unlimited, so the only limit is the reservation.)
#[test]
fn reserved_concurrency_throttles_per_erlang_b() {
    for (c, rate, mean_ms) in [(10u32, 80.0, 100.0), (5, 20.0, 250.0)] {
        let s = scenario(&format!(
            r#"
            [simulation]
            name = "erlang"
            duration = "3h"
            warmup = "1m"
            [lambda]
            scaling = "unlimited"
            [[lambda.function]]
            name = "f"
            init_duration = "0s"
            keep_alive = "1d"
            timeout = "900s"
            reserved_concurrency = {c}
            [[workload]]
            name = "w"
            target = "function:f"
            arrivals = {{ process = "poisson", rate = {rate} }}
            duration = {{ dist = "exponential", mean = "{mean_ms}ms" }}
            "#
        ));
        let f = only_function(&summarize(&s)).clone();
        let a = rate * mean_ms / 1000.0;
        let expected = erlang_b(c, a);
        let got = f64_at(&f, "throttle_ratio");
        assert!(
            (got - expected).abs() < 0.04 * expected,
            "c={c} a={a}: throttle ratio {got}, Erlang B {expected}"
        );
        // Carried load: mean concurrency = a (1 - B)
        let carried = f64_at(&f, "concurrency.mean");
        assert!((carried - a * (1.0 - expected)).abs() < 0.02 * a, "carried {carried}");
        assert_eq!(f64_at(&f, "concurrency.max"), c as f64, "never above the reservation");
    }
}

#[test]
fn erlang_b_helper_matches_a_textbook_value() {
    // Erlang B(c=10, a=8) = 0.1217 (standard tables)
    assert!((erlang_b(10, 8.0) - 0.1217).abs() < 5e-4);
}

/// Little's law: mean concurrency = throughput x mean time in the system (cold starts and
/// lognormal run times included), with no limits in the way.
#[test]
fn littles_law_holds_for_concurrency_and_latency() {
    let s = scenario(
        r#"
        [simulation]
        name = "little"
        duration = "2h"
        warmup = "10m"
        [[lambda.function]]
        name = "f"
        init_duration = { dist = "uniform", low = "100ms", high = "500ms" }
        keep_alive = "30s"
        timeout = "900s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "poisson", rate = 40.0 }
        duration = { dist = "lognormal", median = "200ms", sigma = 0.8 }
        "#,
    );
    let sum = summarize(&s);
    let f = only_function(&sum);
    assert!(f64_at(f, "cold_starts") > 100.0, "the short keep-alive must cause cold starts");
    let throughput = f64_at(f, "invocations") / f64_at(&sum, "measured_seconds");
    let w = f64_at(f, "latency_ms.mean") / 1000.0;
    let l = f64_at(f, "concurrency.mean");
    assert!((l - throughput * w).abs() < 0.01 * l, "L = {l}, lambda W = {}", throughput * w);
}

//! Conservation: every request is completed, failed, timed out or throttled; none vanish.
//! Checked over random scenarios that mix every limit and failure mode.

use proptest::prelude::*;

use crate::common::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_request_vanishes(
        rate in 1.0f64..400.0,
        mean_ms in 1u32..3000,
        reserved in 1u32..60,
        provisioned_share in 0.0f64..1.0,
        error_rate in 0.0f64..0.5,
        timeout_s in 1u32..4,
        keep_alive_s in 1u32..120,
        selection in prop::sample::select(vec!["newest-created", "most-recently-used", "least-recently-used"]),
        scaling in prop::sample::select(vec!["per-function", "unlimited"]),
        poisson in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let provisioned = (reserved as f64 * provisioned_share) as u32;
        let s = scenario(&format!(
            r#"
            [simulation]
            name = "conservation"
            duration = "2m"
            warmup = "10s"
            seed = {seed}
            [lambda]
            scaling = "{scaling}"
            idle_selection = "{selection}"
            [[lambda.function]]
            name = "limited"
            runtime = "python3.12"
            reserved_concurrency = {reserved}
            provisioned_concurrency = {provisioned}
            error_rate = {error_rate}
            timeout = "{timeout_s}s"
            keep_alive = {{ dist = "exponential", mean = "{keep_alive_s}s" }}
            [[lambda.function]]
            name = "shared"
            runtime = "nodejs20.x"
            keep_alive = "{keep_alive_s}s"
            [[workload]]
            name = "w"
            targets = ["function:limited", "function:shared"]
            arrivals = {{ process = "{process}", rate = {rate} }}
            duration = {{ dist = "exponential", mean = "{mean_ms}ms" }}
            "#,
            process = if poisson { "poisson" } else { "constant" },
        ));
        let sum = summarize(&s);
        let fns = sum["functions"].as_object().unwrap();
        let arrivals: Vec<f64> = fns.values().map(|f| f64_at(f, "arrivals")).collect();
        prop_assert_eq!(arrivals[0], arrivals[1], "both targets receive the same stream");
        for (name, f) in fns {
            let n = |k: &str| f64_at(f, k);
            prop_assert_eq!(n("arrivals"), n("invocations") + n("throttles"), "{}", name);
            prop_assert_eq!(n("invocations"), n("completed") + n("errors") + n("timeouts"), "{}", name);
            prop_assert_eq!(n("in_flight"), 0.0, "{}", name);
            prop_assert!(n("cold_starts") <= n("invocations"));
            prop_assert!(n("concurrency.max") <= n("instances.max"));
        }
        let limited = &fns["limited"];
        prop_assert!(f64_at(limited, "concurrency.max") <= reserved as f64);
        prop_assert!(f64_at(limited, "instances.max") >= provisioned as f64);
    }
}

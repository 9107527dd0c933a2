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
        async_reserved in 0u32..20,
        retries in 0u32..=2,
        max_age_s in 60u32..400,
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
            [[lambda.function]]
            name = "queued"
            runtime = "java21"
            reserved_concurrency = {async_reserved}
            error_rate = {error_rate}
            timeout = "{timeout_s}s"
            maximum_retry_attempts = {retries}
            maximum_event_age = "{max_age_s}s"
            [[workload]]
            name = "events"
            target = "function:queued"
            invocation = "async"
            arrivals = {{ process = "poisson", rate = {rate} }}
            duration = {{ dist = "exponential", mean = "{mean_ms}ms" }}
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
        prop_assert_eq!(
            f64_at(&fns["limited"], "arrivals"),
            f64_at(&fns["shared"], "arrivals"),
            "both targets receive the same stream"
        );
        let a = &fns["queued"]["async"];
        prop_assert_eq!(f64_at(a, "events"), f64_at(&fns["queued"], "arrivals"));
        prop_assert_eq!(f64_at(a, "events"), f64_at(a, "succeeded") + f64_at(a, "failed"), "no event is lost");
        prop_assert_eq!(f64_at(a, "failed"), f64_at(a, "expired") + f64_at(a, "retries_exhausted"));
        prop_assert_eq!(f64_at(a, "in_flight"), 0.0);
        prop_assert!(f64_at(a, "age_ms.max") < max_age_s as f64 * 1000.0);
        for (name, f) in fns {
            let n = |k: &str| f64_at(f, k);
            prop_assert_eq!(n("attempts"), n("invocations") + n("throttles"), "{}", name);
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

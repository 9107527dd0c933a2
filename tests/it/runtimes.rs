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
    assert!(err.contains("lambda.function \"f\".package_size"), "{err}");
    assert!(err.contains("251") && err.contains("0..=250 MB"), "{err}");
}

/// Asserts `a == b` up to floating-point rounding of sums.
fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} != {b}");
}

#[test]
fn extensions_add_init_to_cold_starts_and_post_time_to_billing_and_concurrency_not_latency() {
    // A request every 100 ms for 10 s, 50 ms handler; function init 200 ms; one extension
    // adding 120 ms to init and working 15 ms after each handler. The first four requests
    // find no free environment (each is busy 320 + 50 + 15 = 385 ms); from 400 ms on, a warm
    // environment is always free (busy 65 ms of every 100).
    let f = simulate(&one_function(
        r#"init_duration = "200ms"
        extensions = [{ name = "telemetry", init = "120ms", post_invocation = "15ms" }]"#,
        10.0,
        "50ms",
        "10s",
    ));
    assert_eq!(f64_at(&f, "invocations"), 100.0);
    assert_eq!(f64_at(&f, "cold_starts"), 4.0);
    // latency ends when the handler returns: 320 + 50 cold, 50 warm
    assert_eq!(f64_at(&f, "latency_ms.max"), 370.0);
    close(f64_at(&f, "latency_ms.mean"), (4.0 * 370.0 + 96.0 * 50.0) / 100.0);
    // billed: init + handler + post-invocation, at 1 GB
    let busy_s = (4.0 * 385.0 + 96.0 * 65.0) / 1000.0;
    close(f64_at(&f, "billed_gb_seconds"), busy_s);
    // the environment is busy until the extension is done: mean concurrency is busy time over
    // the 10 s run, and the four cold starts overlap (0-385 ms ... 300-685 ms)
    close(f64_at(&f, "concurrency.mean"), busy_s / 10.0);
    assert_eq!(f64_at(&f, "concurrency.max"), 4.0);
    assert_eq!(f64_at(&f, "init_ms.mean"), 320.0);
    assert_eq!(f64_at(&f, "post_invocation_ms.mean"), 15.0);
    assert_eq!(f64_at(&f, "completed"), 100.0);
}

#[test]
fn without_extensions_nothing_runs_after_the_handler() {
    let f = simulate(&one_function(r#"init_duration = "200ms""#, 10.0, "50ms", "10s"));
    // cold starts hold an environment 250 ms, so the requests at 0, 100 and 200 ms are cold;
    // after that a 50 ms run leaves it free long before the next request
    assert_eq!(f64_at(&f, "cold_starts"), 3.0);
    close(f64_at(&f, "billed_gb_seconds"), (3.0 * 250.0 + 97.0 * 50.0) / 1000.0);
    close(f64_at(&f, "concurrency.mean"), (3.0 * 250.0 + 97.0 * 50.0) / 1000.0 / 10.0);
    assert_eq!(f64_at(&f, "post_invocation_ms.mean"), 0.0);
}

#[test]
fn the_longest_extension_sets_the_post_invocation_time_and_inits_add_up() {
    // one request: init 100 + 30 + 50 ms, handler 100 ms, extensions busy 20 and 70 ms after
    let f = simulate(&one_function(
        r#"init_duration = "100ms"
        extensions = [
          { name = "a", init = "30ms", post_invocation = "20ms" },
          { name = "b", init = "50ms", post_invocation = "70ms" },
        ]"#,
        1.0,
        "100ms",
        "1s",
    ));
    assert_eq!(f64_at(&f, "latency_ms.max"), 280.0);
    close(f64_at(&f, "billed_gb_seconds"), 0.35);
}

#[test]
fn post_invocation_past_the_timeout_is_cut_and_resets_the_environment() {
    // Requests at 0 s and 5 s. The 2.9 s handler returns in time, but the extension's 500 ms
    // would end past the 3 s timeout: it is stopped at 3 s after arrival + init, billed to
    // there, and the environment is reset, so the second request is cold again. The client
    // had its response: both invocations completed, none timed out.
    let f = simulate(&one_function(
        r#"init_duration = "100ms"
        timeout = "3s"
        extensions = [{ name = "slow-flush", post_invocation = "500ms" }]"#,
        0.2,
        "2900ms",
        "10s",
    ));
    assert_eq!(f64_at(&f, "invocations"), 2.0);
    assert_eq!(f64_at(&f, "cold_starts"), 2.0);
    assert_eq!((f64_at(&f, "timeouts"), f64_at(&f, "completed")), (0.0, 2.0));
    assert_eq!(f64_at(&f, "latency_ms.max"), 3000.0);
    close(f64_at(&f, "billed_gb_seconds"), 2.0 * 3.1);
}

#[test]
fn a_handler_stopped_at_the_timeout_runs_no_post_invocation() {
    let f = simulate(&one_function(
        r#"init_duration = "100ms"
        timeout = "3s"
        extensions = [{ name = "flush", post_invocation = "500ms" }]"#,
        1.0,
        "4s",
        "1s",
    ));
    assert_eq!(f64_at(&f, "timeouts"), 1.0);
    close(f64_at(&f, "billed_gb_seconds"), 3.1);
    assert_eq!(f64_at(&f, "post_invocation_ms.mean"), 0.0);
}

#[test]
fn extensions_are_validated_by_key() {
    let base = one_function("runtime = \"nodejs20.x\"\nEXT", 1.0, "1ms", "1s");
    let err = error_of(&base.replace(
        "EXT",
        r#"extensions = [{ name = "a", init = "1ms" }, { name = "a", post_invocation = "2" }]"#,
    ));
    assert!(err.contains("lambda.function \"f\".extensions[1]"), "{err}");
    let err = error_of(&base.replace("EXT", r#"extensions = [{ name = "a", boot = "1ms" }]"#));
    assert!(err.contains("boot"), "{err}");
    let eleven: Vec<String> = (0..11).map(|i| format!("{{ name = \"x{i}\" }}")).collect();
    let err = error_of(&base.replace("EXT", &format!("extensions = [{}]", eleven.join(", "))));
    assert!(
        err.contains("lambda.function \"f\".extensions") && err.contains("at most 10"),
        "{err}"
    );
    let err = error_of(&base.replace(
        "EXT",
        r#"extensions = [{ name = "a" }, { name = "a", init = { dist = "uniform", low = "2ms", high = "1ms" } }]"#,
    ));
    assert!(err.contains("extensions[1].name") && err.contains("extensions[1].init"), "{err}");
}

#[test]
fn snap_start_is_refused_for_runtimes_without_it() {
    let base = one_function("runtime = \"RT\"\nsnap_start = true", 1.0, "1ms", "1s");
    let err = error_of(&base.replace("RT", "nodejs20.x"));
    assert!(err.contains("lambda.function \"f\".snap_start"), "{err}");
    assert!(err.contains("\"nodejs20.x\"") && err.contains("Python 3.12+"), "{err}");
    for rt in ["python3.11", "java8.al2", "ruby3.4", "provided.al2023"] {
        assert!(error_of(&base.replace("RT", rt)).contains(rt), "{rt}");
    }
    for rt in ["java11", "java21", "python3.12", "python3.14", "dotnet8"] {
        scenario(&base.replace("RT", rt));
    }
    // without a runtime slsim cannot tell
    let err =
        error_of(&one_function("init_duration = \"1s\"\nsnap_start = true", 1.0, "1ms", "1s"));
    assert!(err.contains("snap_start: needs `runtime`"), "{err}");
}

#[test]
fn snap_start_excludes_provisioned_concurrency_and_large_ephemeral_storage() {
    let base = one_function("runtime = \"java21\"\nsnap_start = true\nX", 1.0, "1ms", "1s");
    let err = error_of(&base.replace("X", "provisioned_concurrency = 2"));
    assert!(err.contains("snap_start") && err.contains("provisioned concurrency"), "{err}");
    let err = error_of(&base.replace("X", "ephemeral_storage = 1024"));
    assert!(err.contains("snap_start") && err.contains("ephemeral storage"), "{err}");
    let err = error_of(&one_function(
        "runtime = \"java21\"\nrestore_duration = \"1s\"",
        1.0,
        "1ms",
        "1s",
    ));
    assert!(err.contains("restore_duration: applies only with snap_start = true"), "{err}");
}

#[test]
fn a_restore_replaces_init_and_is_priced_for_python() {
    // One cold request: with SnapStart the 5 s init and the extension's 100 ms init happen at
    // publication; the request waits for the 200 ms restore, then runs 100 ms.
    let f = simulate(&one_function(
        r#"runtime = "python3.12"
        init_duration = "5s"
        extensions = [{ name = "x", init = "100ms" }]
        snap_start = true
        restore_duration = "200ms""#,
        1.0,
        "100ms",
        "1s",
    ));
    assert_eq!((f64_at(&f, "cold_starts"), f64_at(&f, "restores")), (1.0, 1.0));
    assert_eq!(f64_at(&f, "latency_ms.max"), 300.0);
    assert_eq!(f64_at(&f, "init_ms.mean"), 200.0);
    close(f64_at(&f, "billed_gb_seconds"), 0.3);
    // 1 GB cached for the 3-hour minimum, and one restore of 1 GB
    let snap = 10_800.0 * 0.0000015046 + 0.0001397998;
    close(f64_at(&f, "cost_usd.snap_start"), snap);
    let others = ["requests", "duration", "provisioned", "ephemeral_storage"]
        .iter()
        .map(|k| f64_at(&f, &format!("cost_usd.{k}")))
        .sum::<f64>();
    close(f64_at(&f, "cost_usd.total"), others + snap);
}

#[test]
fn java_snap_start_restores_for_free_with_the_default_restore_time() {
    let f = simulate(&one_function("runtime = \"java21\"\nsnap_start = true", 1.0, "100ms", "1s"));
    assert_eq!(f64_at(&f, "restores"), 1.0);
    assert_eq!(f64_at(&f, "init_ms.mean"), 300.0); // the documented default
    assert_eq!(f64_at(&f, "cost_usd.snap_start"), 0.0);
    // without SnapStart: Java's default init and no restore
    let f = simulate(&one_function("runtime = \"java21\"", 1.0, "100ms", "1s"));
    assert_eq!((f64_at(&f, "restores"), f64_at(&f, "init_ms.mean")), (0.0, 240.0));
}

/// The pricing page's "Snap" example (docs/src/facts.md §1.6), simulated end to end: the
/// telemetry function of example 2 (7,440,000 messages a month, 2 s each at 1 GB, no free tier)
/// with SnapStart on Python and 1% of invocations restoring: requests $1.49 + compute $248.00 +
/// cache 2,678,400 GB-s x $0.0000015046 = $4.03 + restores 74,400 GB x $0.0001397998 = $10.40
/// = $263.92.
///
/// What is reproduced: the whole month is simulated (31 days, so the cache covers 2,678,400 s
/// at 1 GB), every message arrives, runs and is billed, and the 74,400 restores are counted
/// by the simulation, not put in by hand. What is contrived is *why* 1% of invocations
/// restore: slsim's constant arrivals and a keep-alive longer than the run never recycle an
/// environment by themselves (AWS recycles them for reasons slsim does not model). So 1% of
/// the messages (one every 36 s) run past a 2 s timeout: each is stopped and billed at 2 s
/// exactly like the others, and its environment is reset, so one later invocation restores
/// a new one. The traffic is periodic (36 s = 99 message intervals), so exactly one restore
/// happens per 36 s; a 36 s warm-up (the month is measured from then on) leaves out the
/// environments first created. Restore time is 0 s, as the page's compute ignores it.
#[test]
fn pricing_page_snap_example_telemetry_with_snap_start() {
    let s = summarize(&scenario(
        r#"
        [simulation]
        name = "snap"
        duration = "2678436s"   # 31 days after the warm-up
        warmup = "36s"
        [pricing]
        free_tier = false
        [[lambda.function]]
        name = "telemetry"
        runtime = "python3.12"
        memory_size = 1024
        timeout = "2s"
        keep_alive = "40d"
        snap_start = true
        restore_duration = "0s"
        [[workload]]
        name = "messages"   # 99% of 10,000 an hour
        target = "function:telemetry"
        arrivals = { process = "constant", rate = 2.75 }
        duration = "2s"
        [[workload]]
        name = "overruns"   # 1%: one every 36 s, stopped at the 2 s timeout
        target = "function:telemetry"
        arrivals = { process = "constant", rate = 0.027777777777777776 }
        duration = "2500ms"
        "#,
    ));
    let f = only_function(&s);
    assert_eq!(f64_at(f, "invocations"), 7_440_000.0);
    assert_eq!(f64_at(f, "timeouts"), 74_400.0);
    assert_eq!(f64_at(f, "billed_gb_seconds"), 14_880_000.0);
    assert_eq!(f64_at(f, "restores"), 74_400.0);
    assert_eq!(f64_at(f, "cold_starts"), 74_400.0);
    assert_eq!(cents(f64_at(f, "cost_usd.requests")), 1.49);
    assert_eq!(cents(f64_at(f, "cost_usd.duration")), 248.00);
    let (cache, restores) = (2_678_400.0 * 0.0000015046, 74_400.0 * 0.0001397998);
    assert_eq!((cents(cache), cents(restores)), (4.03, 10.40));
    close(f64_at(f, "cost_usd.snap_start"), cache + restores);
    assert_eq!(cents(f64_at(&s, "cost_usd.total")), 263.92);
}

#[test]
fn per_minute_costs_include_snap_start_cache_and_restores() {
    // 4 h (past the 3-hour cache minimum), one request a minute, each cold (30 s keep-alive):
    // the minute rows, at list price, add up to the bill.
    let sc = scenario(&one_function(
        r#"runtime = "python3.13"
        snap_start = true
        restore_duration = "100ms"
        keep_alive = "30s""#,
        1.0 / 60.0,
        "200ms",
        "4h",
    ));
    let s = summarize(&sc);
    let f = only_function(&s);
    assert_eq!((f64_at(f, "invocations"), f64_at(f, "restores")), (240.0, 240.0));
    let cache = 4.0 * 3600.0 * 0.0000015046;
    close(f64_at(f, "cost_usd.snap_start"), cache + 240.0 * 0.0001397998);
    let run = slsim::sim::run(&sc, 1);
    let per_minute: f64 = run.minutes.iter().map(|m| m.cost_usd).sum();
    close(per_minute, f64_at(&s, "cost_usd.total"));
}

//! Asynchronous invocation: retries, backoff, maximum event age (docs/src/facts.md §1.4).

use slsim::engine::SimTime;
use slsim::lambda::LambdaEvent;
use slsim::sim::{Event, Simulation};

use crate::common::*;

fn async_scenario(
    function_keys: &str,
    rate: f64,
    run: &str,
    duration: &str,
) -> slsim::config::Scenario {
    scenario(&format!(
        r#"
        [simulation]
        name = "async"
        duration = "{duration}"
        [lambda]
        scaling = "unlimited"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        {function_keys}
        [[workload]]
        name = "events"
        target = "function:f"
        invocation = "async"
        arrivals = {{ process = "poisson", rate = {rate} }}
        duration = {run}
        "#
    ))
}

#[test]
fn with_error_probability_q_and_two_retries_an_event_fails_with_q_cubed() {
    let q: f64 = 0.3;
    let s = async_scenario(&format!("error_rate = {q}"), 50.0, "\"100ms\"", "1h");
    let sum = summarize(&s);
    let f = only_function(&sum);
    let a = &f["async"];
    let events = f64_at(a, "events");
    let failed = f64_at(a, "failed") / events;
    // 180,000 events: sd of the failure share ~0.0004
    assert!((failed - q.powi(3)).abs() < 0.002, "failed share {failed}, q^3 = {}", q.powi(3));
    let per_event = f64_at(f, "invocations") / events;
    assert!((per_event - (1.0 + q + q * q)).abs() < 0.01, "{per_event} invocations per event");
    assert_eq!(f64_at(a, "retries"), f64_at(f, "invocations") - events);
    assert_eq!(f64_at(a, "retries_exhausted"), f64_at(a, "failed"));
    assert_eq!(f64_at(a, "events"), f64_at(a, "succeeded") + f64_at(a, "failed"));
}

#[test]
fn retries_come_one_then_two_minutes_after_a_failure() {
    // one event (constant arrivals, 1 per 10 min, a 10-minute run gets exactly one), always
    // failing: attempts at 0, 1 s + 60 s, then 62 s + 120 s
    let s = scenario(
        r#"
        [simulation]
        name = "retry"
        duration = "10m"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        error_rate = 1.0
        [[workload]]
        name = "one"
        target = "function:f"
        invocation = "async"
        arrivals = { process = "constant", rate = 0.001 }
        duration = "1s"
        "#,
    );
    let mut sim = Simulation::new(&s, 1);
    let mut finishes = Vec::new();
    while let Some((t, e)) = sim.step() {
        if matches!(e, Event::Lambda(LambdaEvent::InvocationFinished { .. })) {
            finishes.push(t);
        }
    }
    let secs = |s: f64| SimTime::from_secs_f64(s);
    assert_eq!(finishes, vec![secs(1.0), secs(62.0), secs(183.0)]);
    let stats = sim.lambda().stats(0);
    assert_eq!(stats.invocations, 3);
    assert_eq!(stats.asynchronous.failed, 1);
    assert_eq!(stats.asynchronous.retries, 2);
}

#[test]
fn overloaded_async_work_completes_at_capacity_and_drops_what_outlives_the_maximum_age() {
    // 5 environments of 1 s work serve 5 events/s; 20 arrive per second. The queue grows,
    // throttled deliveries back off, and events still waiting at 60 s are dropped.
    let s = async_scenario(
        "reserved_concurrency = 5\nmaximum_event_age = \"60s\"",
        20.0,
        "\"1s\"",
        "30m",
    );
    let sum = summarize(&s);
    let f = only_function(&sum);
    let a = &f["async"];
    let (events, succeeded, failed) =
        (f64_at(a, "events"), f64_at(a, "succeeded"), f64_at(a, "failed"));
    assert_eq!(events, succeeded + failed, "no event is lost");
    assert_eq!(failed, f64_at(a, "expired"), "every failure is an expiry");
    assert!(f64_at(a, "age_ms.max") < 60_000.0, "nothing runs after its maximum age");
    // at capacity: 5 per second over the 30 minutes (the backoff leaves slots idle at times)
    let throughput = succeeded / 1800.0;
    assert!(throughput > 4.5 && throughput <= 5.05, "{throughput} events/s");
    assert!(f64_at(f, "concurrency.mean") > 4.5);
    assert!(f64_at(f, "throttles") > events, "deliveries were throttled and retried");
    assert!(f64_at(a, "redeliveries") == f64_at(f, "throttles"));
}

#[test]
fn a_function_reserved_at_zero_sends_every_event_to_failure_without_invoking() {
    let s = async_scenario("reserved_concurrency = 0", 5.0, "\"10ms\"", "10m");
    let sum = summarize(&s);
    let f = only_function(&sum);
    assert_eq!(f64_at(f, "invocations"), 0.0);
    assert_eq!(f64_at(f, "async.failed"), f64_at(f, "async.events"));
    assert!(f64_at(f, "async.events") > 2000.0);
}

#[test]
fn async_timeouts_are_retried_like_errors() {
    let s = async_scenario("timeout = \"1s\"\nmaximum_retry_attempts = 1", 1.0, "\"2s\"", "10m");
    let sum = summarize(&s);
    let f = only_function(&sum);
    let events = f64_at(f, "async.events");
    assert_eq!(f64_at(f, "timeouts"), 2.0 * events);
    assert_eq!(f64_at(f, "async.failed"), events);
    assert_eq!(f64_at(f, "async.succeeded"), 0.0);
}

#[test]
fn timeseries_shows_the_backlog_and_event_age() {
    let s = async_scenario(
        "reserved_concurrency = 2\nmaximum_event_age = \"5m\"",
        10.0,
        "\"1s\"",
        "10m",
    );
    let run = slsim::sim::run(&s, 1);
    let depth = run.minutes.iter().map(|m| m.async_queue_depth_max).max().unwrap();
    let age = run.minutes.iter().map(|m| m.async_event_age_max_s).fold(0.0, f64::max);
    assert!(depth > 100, "backlog {depth}");
    assert!(age > 60.0 && age <= 300.0, "oldest age {age}");
    // rows cover the arrival window; the backlog drains after it
    let events: u64 = run.minutes.iter().map(|m| m.async_events).sum();
    let done: u64 = run.minutes.iter().map(|m| m.async_succeeded + m.async_failed).sum();
    let stats = &run.functions[0].1.asynchronous;
    assert_eq!(events, stats.events);
    assert!(done < events);
    assert_eq!(stats.succeeded + stats.failed, stats.events, "drained to the end");
}

#[test]
fn push_sources_invoke_asynchronously_and_are_reported() {
    let text = |invocation: &str| {
        format!(
            r#"
            [simulation]
            name = "s3"
            duration = "1m"
            [[lambda.function]]
            name = "f"
            runtime = "python3.12"
            [[workload]]
            name = "uploads"
            target = "function:f"
            source = "s3"
            {invocation}
            arrivals = {{ process = "constant", rate = 2.0 }}
            duration = "10ms"
            "#
        )
    };
    let sum = summarize(&scenario(&text("")));
    assert_eq!(sum["workloads"]["uploads"]["invocation"], "async");
    assert_eq!(sum["workloads"]["uploads"]["source"], "s3");
    assert_eq!(f64_at(&sum, "workloads.uploads.requests"), 120.0);
    assert_eq!(f64_at(only_function(&sum), "async.events"), 120.0);
    let err = slsim::config::load_str(
        std::path::Path::new("s3.toml"),
        &text("invocation = \"sync\""),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("workload \"uploads\".invocation")
            && err.contains("s3 invokes Lambda asynchronously"),
        "{err}"
    );
}

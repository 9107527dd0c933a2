//! Event-source mappings: SQS standard and FIFO queues, Kinesis and DynamoDB streams
//! (docs/src/facts.md §1.5), against known answers.

use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;
use slsim::config::Scenario;
use slsim::engine::SimTime;
use slsim::lambda::LambdaEvent;
use slsim::sim::{Event, Simulation};

use crate::common::*;

/// One function `f` fed by one queue `q` from one workload.
fn one_queue(
    function_keys: &str,
    queue_keys: &str,
    arrivals: &str,
    work: &str,
    duration: &str,
) -> Scenario {
    scenario(&format!(
        r#"
        [simulation]
        name = "queue"
        duration = "{duration}"
        [lambda]
        scaling = "unlimited"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        {function_keys}
        [[queue]]
        name = "q"
        target = "function:f"
        {queue_keys}
        [[workload]]
        name = "w"
        target = "queue:q"
        arrivals = {arrivals}
        duration = {work}
        "#
    ))
}

fn queue(sum: &Value) -> &Value {
    &sum["queues"]["q"]
}

/// Every record is accounted for, once the run has drained.
fn assert_conserved(q: &Value) {
    let n = |k: &str| f64_at(q, k);
    assert_eq!(n("records"), n("succeeded") + n("failed"), "{q}");
    assert_eq!(n("in_flight"), 0.0, "{q}");
    let causes = ["expired", "dead_lettered", "retries_exhausted"];
    let failed: f64 = causes.iter().filter_map(|k| q[*k].as_f64()).sum();
    assert_eq!(n("failed"), failed, "{q}");
}

#[test]
fn stream_concurrency_is_capped_by_lanes_and_order_holds_through_failures() {
    for kind in ["kinesis", "dynamodb-stream"] {
        // 3 shards x 2 = 6 lanes; 400 records/s of 50 ms would keep ~20 busy; a third of the
        // batches fail and block their lane until retried.
        let s = one_queue(
            "timeout = \"60s\"\nerror_rate = 0.3",
            &format!("kind = \"{kind}\"\nbatch_size = 10\nshards = 3\nparallelization_factor = 2"),
            "{ process = \"poisson\", rate = 400.0 }",
            "\"50ms\"",
            "2m",
        );
        let sum = summarize(&s);
        let q = queue(&sum);
        assert_conserved(q);
        assert_eq!(f64_at(q, "max_concurrency"), 6.0, "{kind}: every lane busy, never more");
        assert_eq!(f64_at(only_function(&sum), "concurrency.max"), 6.0);
        assert_eq!(f64_at(q, "out_of_order"), 0.0);
        assert!(f64_at(q, "retries") > 100.0, "{kind}: failed batches were retried");
        assert_eq!(f64_at(q, "failed"), 0.0, "{kind}: retried until they succeed");
        assert_eq!(f64_at(q, "batches"), f64_at(only_function(&sum), "invocations"));
        assert!(f64_at(q, "iterator_age_ms.max") > 0.0);
    }
}

#[test]
fn streams_are_polled_once_a_second_kinesis_and_four_times_a_second_dynamodb() {
    // 50 records/s for 60 s on one shard, a fast function, no window: each poll reads what
    // arrived since the previous one, one batch per poll (plus a partial one at an edge).
    for (kind, polls) in [("kinesis", 60.0), ("dynamodb-stream", 240.0)] {
        let s = one_queue(
            "",
            &format!("kind = \"{kind}\"\nbatch_size = 1000"),
            "{ process = \"constant\", rate = 50.0 }",
            "\"1ms\"",
            "1m",
        );
        let sum = summarize(&s);
        let q = queue(&sum);
        assert_conserved(q);
        assert_eq!(f64_at(q, "records"), 3000.0);
        let batches = f64_at(q, "batches");
        assert!(batches == polls || batches == polls + 1.0, "{kind}: {batches} batches");
        // a record waits at most one poll interval to be read, and is run at once
        let period_ms = 60_000.0 / polls;
        assert!(f64_at(q, "iterator_age_ms.max") <= period_ms, "{kind}");
        assert!(f64_at(q, "age_ms.max") <= period_ms, "{kind}");
    }
    // with a 2 s window a batch gathers what the polls read in the 2 s after its first record
    let s = one_queue(
        "",
        "kind = \"kinesis\"\nbatch_size = 1000\nbatch_window = \"2s\"",
        "{ process = \"constant\", rate = 50.0 }",
        "\"1ms\"",
        "1m",
    );
    let sum = summarize(&s);
    let q = queue(&sum);
    assert_conserved(q);
    let batches = f64_at(q, "batches");
    assert!((30.0..=32.0).contains(&batches), "{batches} batches");
    assert!(f64_at(q, "age_ms.max") <= 2000.0 + 20.0);
    // full batches go at the poll that completes them, without waiting for the window
    let s = one_queue(
        "",
        "kind = \"kinesis\"\nbatch_size = 25\nbatch_window = \"10s\"",
        "{ process = \"constant\", rate = 50.0 }",
        "\"1ms\"",
        "1m",
    );
    let sum = summarize(&s);
    assert_eq!(f64_at(queue(&sum), "batches"), 120.0);
    assert_eq!(f64_at(queue(&sum), "mean_batch_size"), 25.0);
}

/// In-flight batches of the only function at `t` (after every event at or before `t`).
fn in_flight_at(sim: &mut Simulation, t: f64) -> u32 {
    let t = SimTime::from_secs_f64(t);
    while sim.peek_time().is_some_and(|next| next <= t) {
        sim.step();
    }
    sim.lambda().view(0, t).in_flight
}

#[test]
fn sqs_pollers_start_at_five_and_add_300_a_minute_up_to_maximum_concurrency() {
    // 5,000 messages in the first 5 s, each a 10-minute batch: a backlog for the whole ramp.
    let s = one_queue(
        "timeout = \"900s\"",
        "kind = \"sqs\"\nbatch_size = 1\nmaximum_concurrency = 1000",
        "{ process = \"constant\", rate = 1000.0 }",
        "\"600s\"",
        "5s",
    );
    let mut sim = Simulation::new(&s, 1);
    // pressure begins when the 6th message finds the first five pollers busy (t = 5 ms)
    let since: f64 = 0.005;
    for t in [0.1f64, 0.3, 1.0, 30.1, 60.1, 120.1, 150.1] {
        let expected = (5 + ((t - since) / 0.2).floor() as u32).min(1000);
        assert_eq!(in_flight_at(&mut sim, t), expected, "at {t} s");
        assert_eq!(sim.esm().view(0).pollers, expected);
    }
    assert_eq!(in_flight_at(&mut sim, 199.0), 5 + (198.995f64 / 0.2) as u32);
    assert_eq!(in_flight_at(&mut sim, 250.0), 1000, "capped at maximum_concurrency");
    assert_eq!(in_flight_at(&mut sim, 590.0), 1000);
    let out = sim.run();
    let (_, q) = &out.queues[0];
    assert_eq!(q.records, 5000);
    assert_eq!(q.succeeded, 5000);
    assert_eq!(q.max_concurrency, 1000);
    assert_eq!(q.max_pollers, 1000);
}

#[test]
fn sqs_batches_go_when_full_or_when_the_window_ends() {
    // constant 100 messages/s for 60 s (6,000), a fast function
    let case = |keys: &str| {
        let s = one_queue(
            "",
            &format!("kind = \"sqs\"\n{keys}"),
            "{ process = \"constant\", rate = 100.0 }",
            "\"1ms\"",
            "1m",
        );
        let sum = summarize(&s);
        assert_conserved(queue(&sum));
        (f64_at(queue(&sum), "batches"), f64_at(queue(&sum), "mean_batch_size"))
    };
    // the 1 s window ends before the 1,000th message: 60 batches of 100
    assert_eq!(case("batch_size = 1000\nbatch_window = \"1s\""), (60.0, 100.0));
    // the batch is full at the 50th message, before the window ends: 120 batches of 50
    assert_eq!(case("batch_size = 50\nbatch_window = \"1s\""), (120.0, 50.0));
    // no window: whatever is there, so each message alone (a poller is always free)
    assert_eq!(case("batch_size = 10"), (6000.0, 1.0));
}

#[test]
fn a_failing_message_goes_to_the_dead_letter_queue_after_exactly_max_receive_count_receives() {
    let keys =
        "kind = \"sqs\"\nbatch_size = 1\nvisibility_timeout = \"60s\"\nmax_receive_count = 3";
    // one message at time 0: received at 0, 60 and 120 s, failing in 1 s each time, and
    // moved to the dead-letter queue when it would become visible again at 180 s
    let s = one_queue(
        "error_rate = 1.0\ntimeout = \"10s\"",
        keys,
        "{ process = \"constant\", rate = 0.001 }",
        "\"1s\"",
        "10m",
    );
    let mut sim = Simulation::new(&s, 1);
    let mut finishes = Vec::new();
    while let Some((t, e)) = sim.step() {
        if matches!(e, Event::Lambda(LambdaEvent::InvocationFinished { .. })) {
            finishes.push(t);
        }
    }
    let secs = SimTime::from_secs_f64;
    assert_eq!(finishes, vec![secs(1.0), secs(61.0), secs(121.0)]);
    assert_eq!(sim.now(), secs(180.0), "the last event moves it to the dead-letter queue");
    let out = sim.finish();
    let q = &out.queues[0].1;
    assert_eq!((q.receives, q.dead_lettered, q.failed, q.succeeded), (3, 1, 1, 0));

    // 600 messages, all failing: 3 receives and 3 invocations each, all dead-lettered
    let s = one_queue(
        "error_rate = 1.0\ntimeout = \"10s\"",
        keys,
        "{ process = \"poisson\", rate = 10.0 }",
        "\"100ms\"",
        "1m",
    );
    let sum = summarize(&s);
    let q = queue(&sum);
    assert_conserved(q);
    let records = f64_at(q, "records");
    assert_eq!(f64_at(q, "receives"), 3.0 * records);
    assert_eq!(f64_at(q, "dead_lettered"), records);
    assert_eq!(f64_at(only_function(&sum), "errors"), 3.0 * records);
}

#[test]
fn messages_past_the_retention_are_dropped() {
    // a function reserved at zero throttles every batch: nothing is processed, the messages
    // cycle through the visibility timeout until the 2-minute retention drops them
    let s = one_queue(
        "reserved_concurrency = 0",
        "kind = \"sqs\"\nretention = \"2m\"\nvisibility_timeout = \"30s\"",
        "{ process = \"poisson\", rate = 5.0 }",
        "\"100ms\"",
        "1m",
    );
    let sum = summarize(&s);
    let q = queue(&sum);
    assert_conserved(q);
    assert_eq!(f64_at(q, "expired"), f64_at(q, "records"));
    assert_eq!(f64_at(q, "batches"), 0.0);
    assert_eq!(f64_at(q, "throttled_batches"), f64_at(only_function(&sum), "throttles"));
}

#[test]
fn fifo_concurrency_is_at_most_the_active_message_groups_and_order_holds() {
    // 50 messages/s of 200 ms want 10 batches in flight: the groups are the limit (8 needs
    // the pollers to grow past 5); failures block a group for the visibility timeout
    for (groups, error_rate) in [(3, 0.0), (8, 0.0), (8, 0.2)] {
        let s = one_queue(
            &format!("timeout = \"30s\"\nerror_rate = {error_rate}"),
            &format!(
                "kind = \"sqs-fifo\"\nbatch_size = 5\nmessage_groups = {groups}\n\
                 visibility_timeout = \"30s\"\nmax_receive_count = 2"
            ),
            "{ process = \"poisson\", rate = 50.0 }",
            "\"200ms\"",
            "2m",
        );
        let sum = summarize(&s);
        let q = queue(&sum);
        assert_conserved(q);
        assert_eq!(f64_at(q, "out_of_order"), 0.0);
        if error_rate == 0.0 {
            assert_eq!(f64_at(q, "max_concurrency"), groups as f64, "one batch per group");
        } else {
            assert!(f64_at(q, "max_concurrency") <= groups as f64);
            assert!(f64_at(q, "dead_lettered") > 0.0);
        }
    }
}

#[test]
fn a_throttled_mapping_loses_nothing() {
    // a reservation of 2 against 40 messages/s of 200 ms: the pollers (5 and more) are
    // throttled, the throttled batches come back after the visibility timeout, and with
    // max_receive_count = 2 some reach the dead-letter queue without ever failing (the known
    // pitfall of throttling an SQS mapping); every message is accounted for
    for kind in ["sqs", "sqs-fifo", "kinesis"] {
        let keys = match kind {
            "sqs" => {
                "kind = \"sqs\"\nbatch_size = 2\nmax_receive_count = 2\nvisibility_timeout = \"20s\""
            }
            "sqs-fifo" => {
                "kind = \"sqs-fifo\"\nbatch_size = 2\nmessage_groups = 10\nvisibility_timeout = \"20s\"\nmax_receive_count = 2"
            }
            _ => "kind = \"kinesis\"\nbatch_size = 2\nshards = 4\nmaximum_record_age = \"2m\"",
        };
        let s = one_queue(
            "reserved_concurrency = 2\ntimeout = \"3s\"",
            keys,
            "{ process = \"poisson\", rate = 40.0 }",
            "\"200ms\"",
            "2m",
        );
        let sum = summarize(&s);
        let q = queue(&sum);
        let f = only_function(&sum);
        assert_conserved(q);
        assert!(f64_at(q, "throttled_batches") > 0.0, "{kind}");
        assert_eq!(f64_at(q, "throttled_batches"), f64_at(f, "throttles"), "{kind}");
        assert!(f64_at(f, "concurrency.max") <= 2.0, "{kind}");
        assert!(f64_at(q, "failed") > 0.0, "{kind}: overloaded, some are given up");
    }
}

#[test]
fn a_queue_changes_nothing_for_the_other_functions() {
    let base = r#"
        [simulation]
        name = "mixed"
        duration = "5m"
        [[lambda.function]]
        name = "api"
        runtime = "nodejs20.x"
        error_rate = 0.01
        [[workload]]
        name = "web"
        target = "function:api"
        arrivals = { process = "poisson", rate = 20.0 }
        duration = { dist = "exponential", mean = "100ms" }
        "#;
    let with_queue = format!(
        r#"{base}
        [[lambda.function]]
        name = "worker"
        runtime = "python3.12"
        error_rate = 0.1
        [[queue]]
        name = "jobs"
        kind = "sqs-fifo"
        target = "function:worker"
        message_groups = 4
        [[workload]]
        name = "jobs"
        target = "queue:jobs"
        arrivals = {{ process = "poisson", rate = 30.0 }}
        duration = "20ms"
        "#
    );
    let a = summarize(&scenario(base));
    let b = summarize(&scenario(&with_queue));
    assert_eq!(a["functions"]["api"], b["functions"]["api"]);
    assert_conserved(&b["queues"]["jobs"]);
}

#[test]
fn the_time_series_shows_records_backlog_and_age() {
    // 10 messages/s for 5 minutes into a function reserved at zero: nothing is processed, so
    // the first message (at time 0) is the oldest held at the end of every minute
    let s = one_queue(
        "reserved_concurrency = 0",
        "kind = \"sqs\"\nbatch_size = 1\nretention = \"1h\"",
        "{ process = \"constant\", rate = 10.0 }",
        "\"1s\"",
        "5m",
    );
    let run = slsim::sim::run(&s, 1);
    assert_eq!(run.minutes.len(), 5);
    for (k, m) in run.minutes.iter().enumerate() {
        assert_eq!(m.queue_records, 600, "{k}");
        assert_eq!(m.queue_backlog_max, 600 * (k as u64 + 1), "{k}");
        assert!((m.queue_age_max_s - 60.0 * (k as f64 + 1.0)).abs() < 1e-6, "{k}: {m:?}");
    }
    let (_, q) = &run.queues[0];
    assert_eq!((q.records, q.expired, q.max_backlog), (3000, 3000, 3000));
}

#[test]
fn queue_settings_are_validated_with_the_key_value_and_what_is_allowed() {
    let base = |kind: &str, keys: &str| {
        format!(
            r#"
            [simulation]
            name = "bad"
            duration = "1m"
            [[lambda.function]]
            name = "f"
            runtime = "python3.12"
            timeout = "10s"
            [[queue]]
            name = "q"
            kind = "{kind}"
            target = "function:f"
            {keys}
            [[workload]]
            name = "w"
            target = "queue:q"
            arrivals = {{ process = "poisson", rate = 1.0 }}
            duration = "10ms"
            "#
        )
    };
    let err = |kind: &str, keys: &str| {
        slsim::config::load_str(Path::new("bad.toml"), &base(kind, keys), &[])
            .expect_err(keys)
            .to_string()
    };
    for (kind, keys, parts) in [
        ("sqs", "batch_size = 0", &["queue \"q\".batch_size", "0", "1..=10000"][..]),
        ("sqs-fifo", "batch_size = 11", &["queue \"q\".batch_size", "1..=10 (FIFO"]),
        ("sqs", "batch_size = 100", &["queue \"q\".batch_window", "batch_size = 100", "\"1s\""]),
        ("sqs", "batch_window = \"6m\"", &["queue \"q\".batch_window", "300s"]),
        ("sqs-fifo", "batch_window = \"1s\"", &["queue \"q\".batch_window", "FIFO"]),
        ("sqs", "maximum_concurrency = 1", &["queue \"q\".maximum_concurrency", "2..=1000"]),
        (
            "kinesis",
            "parallelization_factor = 11",
            &["queue \"q\".parallelization_factor", "1..=10"],
        ),
        ("sqs", "shards = 2", &["queue \"q\".shards", "kinesis"]),
        ("kinesis", "maximum_concurrency = 5", &["queue \"q\".maximum_concurrency", "sqs"]),
        ("sqs", "visibility_timeout = \"5s\"", &["queue \"q\".visibility_timeout", "10s", "1m"]),
        ("sqs", "retention = \"30s\"", &["queue \"q\".retention", "60s"]),
        ("kinesis", "maximum_retry_attempts = 10001", &["queue \"q\".maximum_retry_attempts"]),
    ] {
        let text = err(kind, keys);
        for p in parts {
            assert!(text.starts_with("bad.toml"), "{text}");
            assert!(text.contains(p), "{kind} {keys}: {p:?} not in\n{text}");
        }
    }
    let e = slsim::config::load_str(
        Path::new("bad.toml"),
        &base("sqs", "").replace("target = \"function:f\"", "target = \"function:g\""),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("queue \"q\".target") && e.contains("declared functions: f"), "{e}");
    let e = slsim::config::load_str(
        Path::new("bad.toml"),
        &base("sqs", "").replace("target = \"queue:q\"", "target = \"queue:nope\""),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("workload \"w\".target") && e.contains("declared queues: q"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_record_is_ever_lost(
        kind in prop::sample::select(vec!["sqs", "sqs-fifo", "kinesis", "dynamodb-stream"]),
        rate in 1.0f64..300.0,
        mean_ms in 1u32..300,
        batch_size in 1u32..=30,
        window_s in 0u32..=3,
        error_rate in 0.0f64..0.6,
        timeout_s in 1u32..=4,
        reserved in prop::option::of(0u32..=6),
        max_receive in prop::option::of(1u32..=4),
        retention_s in 60u32..400,
        groups in 1u32..=12,
        shards in 1u32..=3,
        factor in 1u32..=3,
        retries in prop::option::of(0u32..=3),
        maximum_concurrency in prop::option::of(2u32..=20),
        warmup_s in 0u32..20,
        seed in 0u64..1000,
    ) {
        let mut keys = format!("kind = \"{kind}\"\n");
        let batch_size = match kind {
            "sqs-fifo" => batch_size.min(10),
            "sqs" if window_s == 0 => batch_size.min(10),
            _ => batch_size,
        };
        keys += &format!("batch_size = {batch_size}\n");
        if kind != "sqs-fifo" {
            keys += &format!("batch_window = \"{window_s}s\"\n");
        }
        if kind.starts_with("sqs") {
            keys += &format!("retention = \"{retention_s}s\"\n");
            keys += &format!("visibility_timeout = \"{}s\"\n", timeout_s * 3);
            if let Some(m) = max_receive {
                keys += &format!("max_receive_count = {m}\n");
            }
            if let Some(m) = maximum_concurrency {
                keys += &format!("maximum_concurrency = {m}\n");
            }
        } else {
            keys += &format!("shards = {shards}\nparallelization_factor = {factor}\n");
            keys += &format!("maximum_record_age = \"{retention_s}s\"\n");
            if let Some(r) = retries {
                keys += &format!("maximum_retry_attempts = {r}\n");
            }
        }
        if kind == "sqs-fifo" {
            keys += &format!("message_groups = {groups}\n");
        }
        let mut fkeys = format!("timeout = \"{timeout_s}s\"\nerror_rate = {error_rate}\n");
        if let Some(r) = reserved {
            fkeys += &format!("reserved_concurrency = {r}\n");
        }
        let s = scenario(&format!(
            r#"
            [simulation]
            name = "conservation"
            duration = "1m"
            warmup = "{warmup_s}s"
            seed = {seed}
            [[lambda.function]]
            name = "f"
            runtime = "python3.12"
            {fkeys}
            [[queue]]
            name = "q"
            target = "function:f"
            {keys}
            [[workload]]
            name = "w"
            target = "queue:q"
            arrivals = {{ process = "poisson", rate = {rate} }}
            duration = {{ dist = "exponential", mean = "{mean_ms}ms" }}
            "#
        ));
        let sum = summarize(&s);
        let q = queue(&sum);
        let f = only_function(&sum);
        let n = |k: &str| f64_at(q, k);
        prop_assert_eq!(n("records"), n("succeeded") + n("failed"), "{}", q);
        prop_assert_eq!(n("in_flight"), 0.0);
        prop_assert_eq!(n("batches"), f64_at(f, "invocations"));
        prop_assert_eq!(n("throttled_batches"), f64_at(f, "throttles"));
        prop_assert_eq!(f64_at(f, "in_flight"), 0.0);
        let bound = match kind {
            "sqs" => maximum_concurrency.unwrap_or(1250),
            "sqs-fifo" => groups.min(maximum_concurrency.unwrap_or(1250)),
            _ => shards * factor,
        };
        prop_assert!(n("max_concurrency") <= bound as f64, "{} > {}", n("max_concurrency"), bound);
        if let Some(r) = reserved {
            prop_assert!(f64_at(f, "concurrency.max") <= r as f64);
        }
        if kind != "sqs" {
            prop_assert_eq!(n("out_of_order"), 0.0);
        }
        if kind.starts_with("sqs") {
            prop_assert!(n("receives") >= n("succeeded"));
        }
        if n("records") > 0.0 && n("batches") > 0.0 {
            prop_assert!(n("mean_batch_size") <= batch_size as f64);
        }
    }
}

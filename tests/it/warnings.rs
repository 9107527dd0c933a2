//! `summary.json`'s `warnings` and `cost_usd.monthly`: each warning fires on a scenario built
//! to trigger it and stays silent on a healthy one; the monthly projection is the period's
//! cost scaled to 30 days, with the volume tiers applied to the month's volume.
// See: issue 14

use serde_json::Value;

use crate::common::*;

/// One function behind a workload (or a queue), run for `duration` with `warmup`; at
/// 512 MB unless `fn_keys` sets `memory_size` (or says `# default memory`).
fn lambda(lambda_keys: &str, fn_keys: &str, rest: &str, duration: &str, warmup: &str) -> Value {
    let memory = if fn_keys.contains("memory_size") || fn_keys.contains("# default memory") {
        ""
    } else {
        "memory_size = 512"
    };
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "warn"
        duration = "{duration}"
        warmup = "{warmup}"
        [lambda]
        {lambda_keys}
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        {memory}
        {fn_keys}
        {rest}
        "#
    )))
}

fn workload(rate: f64, work: &str) -> String {
    format!(
        r#"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "constant", rate = {rate} }}
        duration = "{work}"
        "#
    )
}

/// The (component, kind) of each warning.
fn kinds(s: &Value) -> Vec<(String, String)> {
    s["warnings"]
        .as_array()
        .expect("a warnings list")
        .iter()
        .map(|w| {
            (w["component"].as_str().unwrap_or("").into(), w["kind"].as_str().unwrap_or("").into())
        })
        .collect()
}

fn warning<'a>(s: &'a Value, component: &str, kind: &str) -> &'a Value {
    s["warnings"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["component"] == component && w["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} warning on {component}: {}", s["warnings"]))
}

#[test]
fn a_healthy_function_is_silent_and_its_month_is_the_period_scaled() {
    // 10/s of 100 ms for 20 minutes, 5 of them warm-up: nothing near any limit
    let s = lambda("", "", &workload(10.0, "100ms"), "20m", "5m");
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
    // no free tier, far below the first duration tier: monthly = total x 30 d / 15 min
    let factor = 30.0 * 86_400.0 / 900.0;
    let total = f64_at(&s, "cost_usd.total");
    assert!(total > 0.0);
    assert!((f64_at(&s, "cost_usd.monthly") - total * factor).abs() < 1e-9 * total * factor);
    let f = f64_at(&s, "functions.f.cost_usd.monthly");
    assert!((f - f64_at(&s, "functions.f.cost_usd.total") * factor).abs() < 1e-9 * f);
}

#[test]
fn throttles_above_one_percent_warn() {
    // reserved at 1, 10/s of 1 s: nine in ten are throttled
    let s = lambda("", "reserved_concurrency = 1", &workload(10.0, "1s"), "20m", "0s");
    let w = warning(&s, "function:f", "throttles");
    let (t, i) = (f64_at(&s, "functions.f.throttles"), f64_at(&s, "functions.f.invocations"));
    assert_eq!(f64_at(w, "value"), t / (t + i));
    assert_eq!(f64_at(w, "limit"), 0.01);
    let message = w["message"].as_str().unwrap_or("");
    assert!(message.contains("function:f throttled"), "{message}");
    assert!(message.contains("of its attempts"), "throttles count attempts: {message}");
}

#[test]
fn errors_above_one_percent_warn() {
    let s = lambda("", "error_rate = 0.3", &workload(10.0, "100ms"), "20m", "0s");
    let w = warning(&s, "function:f", "errors");
    assert!((f64_at(w, "value") - 0.3).abs() < 0.02);
    assert!(w["message"].as_str().unwrap_or("").contains("% of its invocations ("), "{w}");
    assert!(!kinds(&s).iter().any(|k| k.1 == "timeouts" || k.1 == "p99_near_timeout"));
}

#[test]
fn timeouts_and_a_p99_at_the_timeout_warn() {
    // every invocation runs 2 s against a 1 s timeout
    let s = lambda("", "timeout = \"1s\"", &workload(2.0, "2s"), "20m", "0s");
    // (timed-out invocations are not in `latency_ms`: the timeouts warning speaks for them)
    assert_eq!(f64_at(warning(&s, "function:f", "timeouts"), "value"), 1.0);
    // 950 ms against 1 s: no timeout, but p99 within 10% of it
    let s = lambda("", "timeout = \"1s\"", &workload(2.0, "950ms"), "20m", "0s");
    let w = warning(&s, "function:f", "p99_near_timeout");
    assert_eq!(f64_at(w, "limit"), 900.0);
    assert!(!kinds(&s).iter().any(|k| k.1 == "timeouts"));
}

#[test]
fn a_queue_backlog_growing_to_the_end_warns() {
    // 10 messages/s into a function that handles at most one a second: the backlog grows
    // by about 9/s for the whole run
    let queue = r#"
        [[queue]]
        name = "q"
        target = "function:f"
        kind = "sqs"
        batch_size = 1
        [[workload]]
        name = "w"
        target = "queue:q"
        arrivals = { process = "constant", rate = 10.0 }
        duration = "1s"
    "#;
    let s = lambda("", "reserved_concurrency = 1\ntimeout = \"5s\"", queue, "20m", "0s");
    let w = warning(&s, "queues", "backlog_growing");
    let message = w["message"].as_str().unwrap_or("");
    assert!(message.contains(" records held in the last minute"), "{message}");
    assert!(!message.contains("request"), "a queue counts records: {message}");
    assert!(f64_at(w, "value") >= 100.0);
    assert!(f64_at(w, "value") > f64_at(w, "limit"));
    // 1 message/s is served as it comes: silent
    let healthy = queue.replace("rate = 10.0", "rate = 1.0").replace("\"1s\"", "\"100ms\"");
    let s = lambda("", "reserved_concurrency = 1\ntimeout = \"5s\"", &healthy, "20m", "0s");
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
}

#[test]
fn a_queue_losing_records_warns_in_records() {
    // every invocation fails: each record is received 3 times, then dead-lettered
    let queue = r#"
        [[queue]]
        name = "q"
        target = "function:f"
        kind = "sqs"
        batch_size = 1
        visibility_timeout = "10s"
        max_receive_count = 3
        [[workload]]
        name = "w"
        target = "queue:q"
        arrivals = { process = "constant", rate = 1.0 }
        duration = "100ms"
    "#;
    let s = lambda("", "error_rate = 1.0", queue, "20m", "0s");
    let w = warning(&s, "queue:q", "errors");
    let (failed, records) = (f64_at(&s, "queues.q.failed"), f64_at(&s, "queues.q.records"));
    assert_eq!(f64_at(w, "value"), failed / records);
    let message = w["message"].as_str().unwrap_or("");
    assert!(message.contains("% of its records ("), "{message}");
    // the function's own failures count its invocations
    let f = warning(&s, "function:f", "errors");
    assert!(f["message"].as_str().unwrap_or("").contains("of its invocations"), "{f}");
    // nothing fails: silent
    let s = lambda("", "", queue, "20m", "0s");
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
}

#[test]
fn concurrency_at_the_account_limit_for_minutes_warns() {
    // a limit of 110 (100 stay unreserved), 200/s of 1 s: at the limit the whole run
    let s = lambda("concurrency_limit = 110", "", &workload(200.0, "1s"), "20m", "0s");
    let w = warning(&s, "lambda", "at_concurrency_limit");
    assert!(f64_at(w, "value") >= 19.0, "{w}");
    assert_eq!(f64_at(w, "limit"), 2.0);
    // 50/s of 1 s stays near 50: silent
    let s = lambda("concurrency_limit = 110", "", &workload(50.0, "1s"), "20m", "0s");
    assert!(!kinds(&s).iter().any(|k| k.1 == "at_concurrency_limit"), "{}", s["warnings"]);
}

#[test]
fn a_run_shorter_than_its_keep_alive_or_mostly_warm_up_warns() {
    let s = lambda("", "keep_alive = \"15m\"", &workload(10.0, "100ms"), "10m", "0s");
    let w = warning(&s, "function:f", "run_too_short");
    assert_eq!((f64_at(w, "value"), f64_at(w, "limit")), (600.0, 900.0));
    let s = lambda("", "", &workload(10.0, "100ms"), "20m", "12m");
    let w = warning(&s, "simulation", "run_too_short");
    assert_eq!((f64_at(w, "value"), f64_at(w, "limit")), (720.0, 600.0));
    // a fleet of such functions: one warning counting them (3 or fewer: one each)
    let keys = "keep_alive = \"15m\"\ncopies = 5";
    let s = lambda("", keys, &workload(1.0, "100ms"), "10m", "0s");
    let w = warning(&s, "lambda", "run_too_short");
    let message = w["message"].as_str().unwrap();
    assert!(
        message.contains(
            "keep-alive of 5 functions (function:f-0, function:f-1, function:f-2, ...; up to 900 s)"
        ),
        "{message}"
    );
    assert!(!kinds(&s).iter().any(|k| k.0 == "function:f-0" && k.1 == "run_too_short"));
    let keys = "keep_alive = \"15m\"\ncopies = 3";
    let s = lambda("", keys, &workload(1.0, "100ms"), "10m", "0s");
    for k in 0..3 {
        warning(&s, &format!("function:f-{k}"), "run_too_short");
    }
}

#[test]
fn a_function_held_at_its_reserved_concurrency_warns_and_names_it() {
    // reserved 5, 10/s of 1 s: held at 5 the whole 20 minutes
    let s = lambda("", "reserved_concurrency = 5", &workload(10.0, "1s"), "20m", "0s");
    let w = warning(&s, "function:f", "at_concurrency_limit");
    assert!(f64_at(w, "value") >= 19.0, "{w}");
    assert_eq!(f64_at(w, "limit"), 2.0);
    let message = w["message"].as_str().unwrap_or("");
    assert!(message.contains("function:f was held at its reserved concurrency of 5"), "{message}");
    // the account is far from its limit: only the function warns
    assert!(!kinds(&s).contains(&("lambda".into(), "at_concurrency_limit".into())));
    // reserved 50 at the same load (about 10 at once): silent
    let s = lambda("", "reserved_concurrency = 50", &workload(10.0, "1s"), "20m", "0s");
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
    // a reservation of 1 busy a tenth of the time reaches its limit at every invocation but
    // is never held there: silent
    let s = lambda("", "reserved_concurrency = 1", &workload(1.0, "100ms"), "20m", "0s");
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
}

#[test]
fn memory_size_left_at_its_default_warns_when_the_function_runs() {
    let s = lambda("", "# default memory", &workload(10.0, "100ms"), "20m", "0s");
    let w = warning(&s, "function:f", "implicit_default");
    assert_eq!(f64_at(w, "value"), 128.0);
    assert!(w["message"].as_str().unwrap_or("").contains("the default `memory_size`"), "{w}");
    assert_eq!(kinds(&s).len(), 1, "{}", s["warnings"]);
    // 128 MB given on purpose: silent
    let s = lambda("", "memory_size = 128", &workload(10.0, "100ms"), "20m", "0s");
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
    // never invoked: the default decides nothing
    let other = format!(
        "[[lambda.function]]\nname = \"g\"\ninit_duration = \"0s\"\nmemory_size = 512\n{}",
        workload(10.0, "100ms").replace("function:f", "function:g")
    );
    let s = lambda("", "# default memory", &other, "20m", "0s");
    assert_eq!(f64_at(&s, "functions.f.invocations"), 0.0);
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
}

fn service(keys: &str, rate: f64) -> Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "svc"
        duration = "20m"
        [[service]]
        name = "web"
        platform = "fargate"
        vcpu = 1.0
        memory = 2048
        capacity = {{ min = 1, max = 1, initial = 1 }}
        {keys}
        [[workload]]
        name = "w"
        target = "service:web"
        arrivals = {{ process = "constant", rate = {rate} }}
        duration = "1s"
        "#
    )))
}

#[test]
fn a_service_left_at_concurrency_1_that_rejects_warns_twice() {
    // one task serving one request at a time, 5/s of 1 s: most are rejected or wait
    let s = service("queue_limit = 0", 5.0);
    let w = warning(&s, "service:web", "rejections");
    let (r, n) = (f64_at(&s, "services.web.rejected"), f64_at(&s, "services.web.requests"));
    assert_eq!(f64_at(w, "value"), r / n);
    warning(&s, "service:web", "implicit_default");
    // 4 at a time, 2/s: silent, and its month is the period scaled
    let s = service("concurrency = 4\nqueue_limit = 0", 2.0);
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
    let total = f64_at(&s, "services.web.cost_usd.total");
    let factor = 30.0 * 86_400.0 / 1200.0;
    assert!((f64_at(&s, "services.web.cost_usd.monthly") - total * factor).abs() < 1e-9 * total);
    assert!((f64_at(&s, "cost_usd.monthly") - total * factor).abs() < 1e-9 * total);
}

#[test]
fn a_service_queue_growing_to_the_end_warns() {
    // one task of 4 at a time, 1 s each: 4/s served, 5/s arrive, the queue (room for a
    // million) grows by 1/s for the whole run
    let s = service("concurrency = 4\nqueue_limit = 1000000", 5.0);
    let w = warning(&s, "service:web", "backlog_growing");
    // about 1,200 waiting at the end, 900 five minutes earlier
    assert!((f64_at(w, "value") - 1200.0).abs() < 10.0, "{w}");
    assert!((f64_at(w, "limit") - 1.1 * 900.0).abs() < 11.0, "{w}");
    let message = w["message"].as_str().unwrap_or("");
    assert!(message.contains("requests waiting at its tasks in the last minute"), "{message}");
    assert!(!kinds(&s).iter().any(|k| k.1 == "rejections"), "nothing is turned away");
    // 3.5/s, below what it serves: silent
    let s = service("concurrency = 4\nqueue_limit = 1000000", 3.5);
    assert_eq!(kinds(&s), Vec::<(String, String)>::new());
}

#[test]
fn the_monthly_projection_follows_lambda_duration_tiers() {
    // 250/s of 1 s at 10,240 MB for 10 minutes: 1.5M GB-s, 6.48 billion GB-s in a 30-day
    // month, past the first tier (6 billion at $0.0000166667, then $0.000015)
    let s = lambda(
        "concurrency_limit = 5000",
        "memory_size = 10240",
        &workload(250.0, "1s"),
        "10m",
        "0s",
    );
    let factor = 30.0 * 86_400.0 / 600.0;
    let gb_s = f64_at(&s, "functions.f.billed_gb_seconds") * factor;
    assert!(gb_s > 6e9, "{gb_s}");
    let requests = f64_at(&s, "functions.f.cost_usd.requests") / 0.2e-6 * factor;
    let by_hand = 6e9 * 0.0000166667 + (gb_s - 6e9) * 0.000015 + requests * 0.2e-6;
    let monthly = f64_at(&s, "functions.f.cost_usd.monthly");
    assert!((monthly - by_hand).abs() < 1e-6 * by_hand, "{monthly} vs {by_hand}");
    // cheaper than the period scaled, which prices everything at the first tier
    assert!(monthly < f64_at(&s, "cost_usd.total") * factor);
    assert_eq!(f64_at(&s, "cost_usd.monthly"), monthly);
}

#[test]
fn the_cli_prints_warnings_on_stderr_and_the_report_shows_them_exit_code_unchanged() {
    let dir = std::env::temp_dir().join(format!("slsim-warnings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("s.toml");
    let text = format!(
        "[simulation]\nname = \"w\"\nduration = \"20m\"\n[[lambda.function]]\nname = \"f\"\ninit_duration = \"0s\"\n\
         error_rate = 0.3\n{}",
        workload(10.0, "100ms")
    );
    std::fs::write(&file, text).expect("scenario written");
    let out = dir.join("out");
    let run = slsim_cli(&[
        "run",
        file.to_str().unwrap_or(""),
        "--no-charts",
        "--out",
        out.to_str().unwrap_or(""),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("warning: function:f failed "), "{stderr}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("for the period, $"), "{stdout}");
    assert!(stdout.contains("per 30-day month"), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let warn = html.find("id=\"warnings\"").expect("a warnings block");
    assert!(warn < html.find("class=\"meta\"").unwrap_or(0), "right after the title");
    assert!(html.contains("function:f failed"));
    let _ = std::fs::remove_dir_all(&dir);
}

//! `slsim run --logs`: CloudWatch-style START, END and REPORT lines in logs/<function>.log.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use slsim::app::{RunOptions, run_scenario};
use slsim::config::Scenario;
use slsim::lambda::logs::SampleRate;

use crate::common::*;

/// Two functions for two minutes: cold starts (short keep-alive), throttles (reserved
/// concurrency), errors and timeouts (a long tail of run times over a 1 s timeout).
const SCENARIO: &str = r#"
[simulation]
name = "logs"
duration = "2m"
seed = 3

[[lambda.function]]
name = "api"
runtime = "python3.12"
memory_size = 512
timeout = "1s"
error_rate = 0.05
keep_alive = "2s"
reserved_concurrency = 8

[[lambda.function]]
name = "worker"
runtime = "nodejs20.x"
memory_size = 1024
keep_alive = "1m"

[[workload]]
name = "calls"
target = "function:api"
arrivals = { process = "poisson", rate = 30.0 }
duration = { dist = "lognormal", median = "150ms", sigma = 1.2 }

[[workload]]
name = "jobs"
target = "function:worker"
arrivals = { process = "poisson", rate = 5.0 }
duration = "40ms"
"#;

struct Run {
    summary: Value,
    timeseries: Vec<u8>,
    /// logs/<function>.log by function name
    logs: HashMap<String, String>,
}

fn run(s: &Scenario, logs: Option<SampleRate>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let opts =
        RunOptions { out_dir: Some(dir.path().to_path_buf()), logs, ..RunOptions::default() };
    let report = run_scenario(s, &opts).expect("runs");
    let logs_dir = dir.path().join("logs");
    let logs = match std::fs::read_dir(&logs_dir) {
        Err(_) => HashMap::new(),
        Ok(entries) => entries
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                assert!(report.files.contains(&path), "{} is reported", path.display());
                (name, std::fs::read_to_string(&path).unwrap())
            })
            .collect(),
    };
    Run {
        summary: serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap())
            .unwrap(),
        timeseries: std::fs::read(dir.path().join("timeseries.csv")).unwrap(),
        logs,
    }
}

/// (timestamp, message) of every line.
fn lines(log: &str) -> Vec<(&str, &str)> {
    log.lines().map(|l| l.split_once('\t').expect("timestamp, tab, message")).collect()
}

fn reports(log: &str) -> Vec<&str> {
    lines(log).into_iter().map(|(_, m)| m).filter(|m| m.starts_with("REPORT ")).collect()
}

/// The value of `field` ("Billed Duration") in a REPORT message, without its unit.
fn field<'a>(report: &'a str, field: &str) -> Option<&'a str> {
    report.split('\t').find_map(|f| f.strip_prefix(field)?.strip_prefix(": "))
}

fn count(summary: &Value, function: &str, key: &str) -> usize {
    summary["functions"][function][key].as_u64().unwrap() as usize
}

#[test]
fn every_invocation_has_start_end_and_report_in_order() {
    let s = scenario(SCENARIO);
    let r = run(&s, Some(SampleRate::ALL));
    assert_eq!(r.logs.len(), 2, "one file per function");
    for (name, log) in &r.logs {
        let invocations = count(&r.summary, name, "invocations");
        assert!(invocations > 500, "{name}: {invocations}");
        assert_eq!(reports(log).len(), invocations, "{name}: throttled requests write nothing");
        // per request id: START, END then REPORT (a timeout line before END), nothing else
        let mut seen: HashMap<&str, Vec<&str>> = HashMap::new();
        for (_, m) in lines(log) {
            let (kind, id) = if let Some(rest) = m.strip_prefix("START RequestId: ") {
                let (id, version) = rest.split_once(' ').unwrap();
                assert_eq!(version, "Version: $LATEST");
                ("START", id)
            } else if let Some(id) = m.strip_prefix("END RequestId: ") {
                ("END", id)
            } else if let Some(rest) = m.strip_prefix("REPORT RequestId: ") {
                ("REPORT", rest.split('\t').next().unwrap())
            } else {
                // `<timestamp> <id> Task timed out after 1.00 seconds`
                let mut words = m.split(' ');
                let (_, id) = (words.next(), words.next().unwrap());
                assert!(m.ends_with(" Task timed out after 1.00 seconds"), "{m}");
                ("TIMEOUT", id)
            };
            seen.entry(id).or_default().push(kind);
        }
        assert_eq!(seen.len(), invocations, "{name}: request ids are distinct");
        for (id, kinds) in seen {
            let ok = kinds == ["START", "END", "REPORT"]
                || kinds == ["START", "TIMEOUT", "END", "REPORT"];
            assert!(ok, "{name}: {id}: {kinds:?}");
        }
    }
}

#[test]
fn reports_agree_with_the_summary() {
    let s = scenario(SCENARIO);
    let r = run(&s, Some(SampleRate::ALL));
    let mut gb_s = 0.0;
    for (name, log) in &r.logs {
        let reports = reports(log);
        let with = |text: &str| reports.iter().filter(|m| m.contains(text)).count();
        assert_eq!(with("\tInit Duration: "), count(&r.summary, name, "cold_starts"), "{name}");
        assert_eq!(with("\tStatus: error"), count(&r.summary, name, "errors"), "{name}");
        assert_eq!(with("\tStatus: timeout"), count(&r.summary, name, "timeouts"), "{name}");
        for m in &reports {
            let memory: f64 =
                field(m, "Memory Size").unwrap().strip_suffix(" MB").unwrap().parse().unwrap();
            let billed: f64 =
                field(m, "Billed Duration").unwrap().strip_suffix(" ms").unwrap().parse().unwrap();
            gb_s += billed / 1000.0 * memory / 1024.0;
        }
    }
    assert!(count(&r.summary, "api", "timeouts") > 10, "the scenario times out");
    assert!(count(&r.summary, "api", "errors") > 10, "the scenario fails");
    // billed durations in the logs are the ones billed
    let billed: f64 = r.summary["functions"]
        .as_object()
        .unwrap()
        .values()
        .map(|f| f64_at(f, "billed_gb_seconds"))
        .sum();
    assert!((gb_s - billed).abs() < 1e-6 * billed, "logs {gb_s} vs summary {billed}");
}

#[test]
fn report_lines_have_lambdas_fields_in_lambdas_order() {
    let s = scenario(SCENARIO);
    let r = run(&s, Some(SampleRate::ALL));
    let log = &r.logs["api"];
    for m in reports(log) {
        let names: Vec<&str> =
            m.split('\t').filter(|f| !f.is_empty()).map(|f| f.split(':').next().unwrap()).collect();
        let mut expected = vec![
            "REPORT RequestId",
            "Duration",
            "Billed Duration",
            "Memory Size",
            "Max Memory Used",
        ];
        if m.contains("\tInit Duration: ") {
            expected.push("Init Duration");
        }
        if m.contains("\tStatus: ") {
            expected.push("Status");
        } else {
            assert!(m.ends_with(" ms\t") || m.ends_with(" MB\t"), "a tab ends each field: {m:?}");
        }
        assert_eq!(names, expected, "{m}");
        for d in ["Duration", "Init Duration"] {
            if let Some(v) = field(m, d) {
                let number = v.strip_suffix(" ms").unwrap();
                assert_eq!(number.split('.').nth(1).map(str::len), Some(2), "{m}");
            }
        }
        assert_eq!(field(m, "Memory Size"), Some("512 MB"));
        assert_eq!(field(m, "Max Memory Used"), Some("40 MB"), "python's estimate");
        if m.contains("Status: timeout") {
            assert_eq!(field(m, "Duration"), Some("1000.00 ms"), "stopped at the timeout");
        }
    }
}

#[test]
fn timestamps_are_monotone_and_start_at_the_epoch() {
    let s = scenario(SCENARIO);
    let r = run(&s, Some(SampleRate::ALL));
    for (name, log) in &r.logs {
        let stamps: Vec<&str> = lines(log).into_iter().map(|(t, _)| t).collect();
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{name}: in time order");
        assert!(stamps[0].starts_with("2026-01-01T00:00:"), "{}", stamps[0]);
        assert!(stamps.iter().all(|t| t.len() == 24 && t.ends_with('Z')), "{name}");
        // arrivals stop at 2 minutes; the last ones end soon after
        assert!(stamps.last().unwrap().as_bytes() < b"2026-01-01T00:02:10".as_slice());
    }
}

#[test]
fn logging_changes_no_result_and_repeats_byte_for_byte() {
    let s = scenario(SCENARIO);
    let off = run(&s, None);
    let all = run(&s, Some(SampleRate::ALL));
    let again = run(&s, Some(SampleRate::ALL));
    let sample = run(&s, Some(SampleRate::new(0.01).unwrap()));
    assert!(off.logs.is_empty());
    for with in [&all, &sample] {
        assert_eq!(with.summary, off.summary);
        assert_eq!(with.timeseries, off.timeseries);
    }
    assert_eq!(all.logs, again.logs);
}

#[test]
fn a_sample_logs_about_its_share_and_its_lines_are_the_full_logs_lines() {
    let s = scenario(SCENARIO);
    let all = run(&s, Some(SampleRate::ALL));
    let p = 0.1;
    let sample = run(&s, Some(SampleRate::new(p).unwrap()));
    for (name, log) in &sample.logs {
        let n = count(&sample.summary, name, "invocations") as f64;
        let k = reports(log).len() as f64;
        // binomial(n, p): within 5 standard deviations
        let sd = (n * p * (1.0 - p)).sqrt();
        assert!((k - n * p).abs() < 5.0 * sd, "{name}: {k} of {n}");
        // same request ids and lines as with full logging
        let full: std::collections::HashSet<&str> = all.logs[name].lines().collect();
        assert!(log.lines().all(|l| full.contains(l)), "{name}");
    }
}

#[test]
fn only_the_first_replication_writes_logs() {
    let s = scenario(&SCENARIO.replace("seed = 3", "seed = 3\nreplications = 3"));
    let one = scenario(SCENARIO);
    let r = run(&s, Some(SampleRate::ALL));
    let first = run(&one, Some(SampleRate::ALL));
    assert_eq!(r.logs, first.logs, "replication 0 runs with the seed itself");
}

fn slsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slsim")).args(args).output().expect("the binary runs")
}

#[test]
fn the_command_line_writes_logs_and_refuses_bad_rates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("logs.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let (file, out) = (file.to_str().unwrap(), dir.path().join("out"));
    let out_arg = out.to_str().unwrap();
    let o = slsim(&["run", file, "--out", out_arg, "--no-charts", "--logs"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names: Vec<String> = std::fs::read_dir(out.join("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}: no temporary file left");
    assert!(names.contains(&"api.log".to_owned()) && names.contains(&"worker.log".to_owned()));
    let o = slsim(&["run", file, "--out", out_arg, "--no-charts", "--logs-sample", "0.5"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for bad in ["0", "1.5", "often"] {
        let o = slsim(&["run", file, "--out", out_arg, "--logs-sample", bad]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--logs-sample") && stderr.contains(bad), "{stderr}");
    }
}

#[test]
fn a_log_that_cannot_be_written_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("logs.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    // a file where the logs folder should be
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("logs"), "in the way").unwrap();
    let o = slsim(&["run", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--logs"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let named = Path::new(out.to_str().unwrap()).join("logs");
    assert!(stderr.contains(&format!("cannot write {}", named.display())), "{stderr}");
}

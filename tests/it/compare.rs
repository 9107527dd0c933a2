//! `slsim compare OBSERVED OUTPUT_DIR` and the per-minute duration percentiles of
//! timeseries.csv, against known answers.
// See: issue 13

use std::path::Path;

use serde_json::Value;
use slsim::app::{RunOptions, run_scenario};
use slsim::import::observed::{Metric, Observed};

use crate::common::*;

/// One function, 10 minutes; `keys` are the workloads.
fn scenario_text(workloads: &str) -> String {
    format!(
        r#"
[simulation]
name = "cmp"
duration = "10m"
seed = 5

[[lambda.function]]
name = "api"
runtime = "python3.12"
memory_size = 512
keep_alive = "30s"

{workloads}
"#
    )
}

const VARYING: &str = r#"
[[workload]]
name = "calls"
target = "function:api"
arrivals = { process = "poisson", rate = 20.0 }
duration = { dist = "lognormal", median = "120ms", sigma = 0.5 }
"#;

/// Runs `text` into `dir` (charts on, so report.html has its charts).
fn run_into(text: &str, dir: &Path) {
    let s = scenario(text);
    let opts = RunOptions { out_dir: Some(dir.to_path_buf()), ..RunOptions::default() };
    run_scenario(&s, &opts).expect("runs");
}

/// The run's own figures as observed.csv, each scaled by `scale`, in `minutes`-minute periods.
fn observed_from_run(dir: &Path, scale: f64, minutes: usize) -> Observed {
    let sim = slsim::compare::simulated(dir).expect("timeseries readable");
    let mut o = Observed::new(1_767_225_600_000, 60 * minutes as u32, 0);
    for m in 0..sim.minutes.rows.len() {
        for metric in [Metric::Invocations, Metric::ColdStarts, Metric::Errors, Metric::CostUsd] {
            if let Some(v) = sim.minutes.get(m, metric) {
                o.add(m / minutes, metric, v * scale);
            }
        }
        if minutes == 1 {
            for metric in [Metric::DurationP50, Metric::DurationP99] {
                if let Some(v) = sim.minutes.get(m, metric) {
                    o.set(m, metric, v * scale);
                }
            }
        }
    }
    o
}

fn compare(observed: &Path, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["compare", observed.to_str().unwrap(), dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    slsim_cli(&args)
}

fn metric<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name} in {json}"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_run_compared_with_itself_is_exact_and_the_outputs_exist() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&scenario_text(VARYING), dir.path());
    let obs = dir.path().join("observed.csv");
    std::fs::write(&obs, observed_from_run(dir.path(), 1.0, 1).to_csv()).unwrap();
    let out = compare(&obs, dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let json = read_json(&dir.path().join("compare.json"));
    assert_eq!(json["periods_compared"], 10);
    assert_eq!(json["overlap"], 1.0);
    assert_eq!(json["verdict"], "close");
    // observed.csv keeps every figure exactly (shortest round-trip form)
    for (name, tolerance) in [
        ("invocations", 1e-9),
        ("cold_starts", 1e-9),
        ("duration_p50_ms", 1e-6),
        ("duration_p99_ms", 1e-6),
        ("cost_usd", 1e-6),
    ] {
        let m = metric(&json, name);
        assert_eq!(m["periods"], 10, "{name}");
        assert!(m["mape_pct"].as_f64().unwrap().abs() < tolerance, "{name}: {m}");
        assert!(m["bias_pct"].as_f64().unwrap().abs() < tolerance, "{name}: {m}");
        let r = m["correlation"].as_f64().unwrap();
        assert!((r - 1.0).abs() < tolerance / 100.0 + 1e-9, "{name}: {m}");
        assert_eq!(m["verdict"], "close");
    }
    assert_eq!(metric(&json, "invocations")["largest_gap"]["difference"], 0.0);
    assert!(stdout.contains("overall: close over 10 periods of 60 s"), "{stdout}");
    // the chart and the report's section
    for f in ["compare-observed.png", "compare-observed.svg"] {
        assert!(std::fs::metadata(dir.path().join(f)).unwrap().len() > 1000, "{f}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<h2>Compared with observed</h2>"));
    assert!(html.contains("<figure id=\"chart-compare-observed\">\n<svg"));
    // a second compare replaces the section instead of adding one
    let again = compare(&obs, dir.path(), &["--no-charts"]);
    assert!(again.status.success());
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("<h2>Compared with observed</h2>").count(), 1);
    assert!(!html.contains("chart-compare-observed"), "--no-charts: no figure");
}

#[test]
fn a_copy_scaled_by_1_1_gives_the_hand_computed_bias_and_mape() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&scenario_text(VARYING), dir.path());
    let obs = dir.path().join("observed.csv");
    std::fs::write(&obs, observed_from_run(dir.path(), 1.1, 1).to_csv()).unwrap();
    let out_dir = dir.path().join("cmp");
    let out = compare(&obs, dir.path(), &["--out", out_dir.to_str().unwrap(), "--no-charts"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = read_json(&out_dir.join("compare.json"));
    // observed = 1.1 x simulated: bias = 1/1.1 - 1 = -9.0909 %, each period's error
    // |s - 1.1 s| / 1.1 s = 0.1/1.1 = 9.0909 %, r = 1 (a scale keeps the shape)
    let m = metric(&json, "invocations");
    assert!((m["bias_pct"].as_f64().unwrap() + 100.0 / 11.0).abs() < 1e-6, "{m}");
    assert!((m["mape_pct"].as_f64().unwrap() - 100.0 / 11.0).abs() < 1e-6, "{m}");
    assert!((m["correlation"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    // CSV keeps 6 decimals: the duration's scaled figures are rounded a little
    let d = metric(&json, "duration_p99_ms");
    assert!((d["mape_pct"].as_f64().unwrap() - 100.0 / 11.0).abs() < 1e-3, "{d}");
    assert_eq!(json["verdict"], "fair", "9.1 % per period and -9.1 % in total: fair, not close");
}

#[test]
fn five_minute_periods_sum_five_simulated_minutes() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&scenario_text(VARYING), dir.path());
    let sim = slsim::compare::simulated(dir.path()).unwrap();
    let obs = observed_from_run(dir.path(), 1.0, 5);
    assert_eq!(obs.rows.len(), 2);
    let path = dir.path().join("observed-5m.csv");
    std::fs::write(&path, obs.to_csv()).unwrap();
    let a = slsim::compare::Aligned::new(&Observed::from_csv(&path).unwrap(), &sim, 0).unwrap();
    for k in 0..2 {
        let minutes = k * 5..k * 5 + 5;
        let sum: f64 =
            minutes.clone().map(|m| sim.minutes.get(m, Metric::Invocations).unwrap()).sum();
        let max = minutes
            .map(|m| sim.minutes.get(m, Metric::ConcurrencyMax).unwrap())
            .fold(0.0, f64::max);
        assert_eq!(a.sim.get(k, Metric::Invocations), Some(sum));
        assert_eq!(a.sim.get(k, Metric::ConcurrencyMax), Some(max));
    }
    let out = compare(&path, dir.path(), &["--no-charts"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = read_json(&dir.path().join("compare.json"));
    assert_eq!(json["observed"]["period_s"], 300);
    assert_eq!(json["periods_compared"], 2);
    assert!(metric(&json, "invocations")["mape_pct"].as_f64().unwrap().abs() < 1e-9);
    // an offset of 5 minutes leaves one period of the two covered: under half, warned
    let out = compare(&path, dir.path(), &["--no-charts", "--offset", "5m"]);
    assert!(out.status.success());
    let json = read_json(&dir.path().join("compare.json"));
    assert_eq!(json["periods_compared"], 1);
    assert_eq!(json["overlap"], 0.5);
    let out = compare(&path, dir.path(), &["--no-charts", "--offset", "6m"]);
    assert_eq!(out.status.code(), Some(2), "nothing left to compare");
}

#[test]
fn constant_run_time_gives_that_constant_every_minute() {
    let text = scenario_text(
        r#"
[[workload]]
name = "calls"
target = "function:api"
arrivals = { process = "poisson", rate = 5.0 }
duration = "237ms"
"#,
    );
    let run = slsim::sim::run(&scenario(&text), 1);
    assert_eq!(run.minutes.len(), 10);
    for row in &run.minutes {
        assert_eq!(row.duration_p50_ms, Some(237.0), "minute {}", row.minute);
        assert_eq!(row.duration_p99_ms, Some(237.0), "minute {}", row.minute);
    }
}

#[test]
fn a_two_point_run_time_gives_both_points_within_the_histogram_error() {
    // 90 % of calls take 100 ms, 10 % take 1 s: p50 = 100 ms, p99 = 1 s
    let text = scenario_text(
        r#"
[[workload]]
name = "fast"
target = "function:api"
arrivals = { process = "poisson", rate = 45.0 }
duration = "100ms"

[[workload]]
name = "slow"
target = "function:api"
arrivals = { process = "poisson", rate = 5.0 }
duration = "1s"
"#,
    );
    let run = slsim::sim::run(&scenario(&text), 1);
    for row in &run.minutes {
        let (p50, p99) = (row.duration_p50_ms.unwrap(), row.duration_p99_ms.unwrap());
        assert!((p50 - 100.0).abs() <= 100.0 / 64.0, "minute {}: {p50}", row.minute);
        assert!((p99 - 1000.0).abs() <= 1000.0 / 64.0, "minute {}: {p99}", row.minute);
    }
}

#[test]
fn an_empty_minute_has_empty_duration_cells() {
    let text = scenario_text(
        r#"
[[workload]]
name = "calls"
target = "function:api"
arrivals = { process = "profile", profile = [["0s", 5.0], ["7m", 5.0], ["421s", 0.0]] }
duration = "50ms"
"#,
    );
    let dir = tempfile::tempdir().unwrap();
    run_into(&text, dir.path());
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let p50 = header.iter().position(|h| h == "duration_p50_ms").unwrap();
    assert_eq!(header.get(p50 + 1), Some("duration_p99_ms"));
    let cells: Vec<String> =
        reader.records().map(|r| r.unwrap().get(p50).unwrap().to_string()).collect();
    assert_eq!(cells[0], "50.0");
    assert_eq!(cells[9], "", "no invocation in the last minute");
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&scenario_text(VARYING), dir.path());
    let before = tree(dir.path());
    let write = |name: &str, text: &str| {
        let p = dir.path().join("in").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    };
    let good = write("good.csv", "time,invocations\n2026-01-01T00:00:00Z,5\n");
    let empty_run = tempfile::tempdir().unwrap();
    let bad_run = tempfile::tempdir().unwrap();
    std::fs::write(bad_run.path().join("timeseries.csv"), "minute,warmup,invocations\n0,0,x\n")
        .unwrap();
    let cases: Vec<(std::path::PathBuf, std::path::PathBuf, &str)> = vec![
        (write("no-rows.csv", "time,invocations\n"), dir.path().into(), "no rows"),
        (
            write("bad-cell.csv", "time,invocations\n2026-01-01T00:00:00Z,x\n"),
            dir.path().into(),
            "line 2, column invocations",
        ),
        (
            write(
                "half-minute.csv",
                "time,invocations\n2026-01-01T00:00:00Z,1\n2026-01-01T00:00:30Z,1\n",
            ),
            dir.path().into(),
            "30 s",
        ),
        (write("wrong.json", "{\"foo\": 1}"), dir.path().into(), "JSON without `events`"),
        (
            write("cw.json", "{\"MetricDataResults\": []}"),
            dir.path().into(),
            "pass the queries it was run with, --queries FILE",
        ),
        (good.clone(), empty_run.path().into(), "timeseries.csv: not found"),
        (good.clone(), bad_run.path().into(), "timeseries.csv: line 2, column invocations"),
        (dir.path().join("missing.csv"), dir.path().into(), "cannot read"),
    ];
    for (obs, run_dir, expect) in cases {
        let out = compare(&obs, &run_dir, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", obs.display());
        assert!(stderr.contains(expect), "{}: {stderr}", obs.display());
        assert!(
            stderr.contains(&*obs.file_name().unwrap().to_string_lossy())
                || expect.contains("timeseries")
        );
    }
    let out = compare(&good, dir.path(), &["--offset", "90s"]);
    assert_eq!(out.status.code(), Some(2), "a half-minute offset is refused");
    let mut after = tree(dir.path());
    after.retain(|k, _| !k.starts_with("in/"));
    assert_eq!(before, after, "bad input wrote nothing");
    assert!(std::fs::read_dir(empty_run.path()).unwrap().next().is_none());
    assert_eq!(std::fs::read_dir(bad_run.path()).unwrap().count(), 1, "only timeseries.csv");
}

#[test]
fn an_unwritable_out_folder_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&scenario_text(VARYING), dir.path());
    let obs = dir.path().join("observed.csv");
    std::fs::write(&obs, observed_from_run(dir.path(), 1.0, 1).to_csv()).unwrap();
    // a file where the folder should be
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "").unwrap();
    let out = compare(&obs, dir.path(), &["--out", blocked.join("sub").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
}

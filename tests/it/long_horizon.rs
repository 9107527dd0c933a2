//! Long runs in bounded memory: the time series takes coarser rows past a week
//! (`[simulation] timeseries_step`), its totals stay the summary's, and the charts and
//! report.html stay small.
// See: issue 16

use std::path::Path;

use slsim::app::{RunOptions, run_scenario};

use crate::common::*;

/// One function at `rate` requests/s for `duration`, with `extra` keys in [simulation].
fn one_function(duration: &str, rate: f64, extra: &str) -> String {
    format!(
        r#"
[simulation]
name = "long"
duration = "{duration}"
seed = 3
{extra}

[[lambda.function]]
name = "fn"
runtime = "python3.12"
memory_size = 512

[[workload]]
name = "calls"
target = "function:fn"
arrivals = {{ process = "poisson", rate = {rate} }}
duration = {{ dist = "lognormal", median = "200ms", sigma = 0.5 }}
"#
    )
}

/// The rows of `dir/timeseries.csv`, by column name.
fn rows(dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join("timeseries.csv")).expect("timeseries.csv");
    let headers = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

fn run_into(text: &str, dir: &Path, charts: bool) -> serde_json::Value {
    let opts = RunOptions { out_dir: Some(dir.to_path_buf()), charts, ..RunOptions::default() };
    run_scenario(&scenario(text), &opts).expect("runs").summary.to_value()
}

#[test]
fn a_year_keeps_hourly_rows_whose_totals_are_the_summarys_and_small_charts() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run_into(&one_function("360d", 0.002, ""), dir.path(), true);
    let rows = rows(dir.path());
    // "auto": 518,400 minutes are more than 10,080, so hours (8,640 rows)
    assert_eq!(rows.len(), 360 * 24);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(num(r, "width_s"), 3600.0);
        assert_eq!(num(r, "minute"), 60.0 * i as f64);
        assert_eq!(num(r, "start_s"), 3600.0 * i as f64);
    }
    let f = only_function(&summary);
    let total = |col: &str| rows.iter().map(|r| num(r, col)).sum::<f64>();
    assert_eq!(total("invocations"), f64_at(f, "invocations"));
    assert_eq!(total("cold_starts"), f64_at(f, "cold_starts"));
    assert_eq!(total("requests"), f64_at(&summary, "workloads.calls.requests"));
    let peak = rows.iter().map(|r| num(r, "concurrency_max")).fold(0.0, f64::max);
    assert_eq!(peak, f64_at(f, "concurrency.max"));
    // every chart under 2 MB, report.html under 5 MB
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let size = std::fs::metadata(&path).unwrap().len();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let limit = if name == "report.html" { 5_000_000 } else { 2_000_000 };
        assert!(size < limit, "{name}: {size} bytes");
    }
}

#[test]
fn an_explicit_step_cuts_the_row_that_holds_the_end_of_the_warmup() {
    let dir = tempfile::tempdir().unwrap();
    let text = one_function("2h", 0.5, "warmup = \"3m\"\ntimeseries_step = \"30m\"");
    let summary = run_into(&text, dir.path(), false);
    let rows = rows(dir.path());
    // [0, 3m) warm-up, [3m, 30m), then whole half hours
    let widths: Vec<f64> = rows.iter().map(|r| num(r, "width_s")).collect();
    assert_eq!(widths, vec![180.0, 1620.0, 1800.0, 1800.0, 1800.0]);
    let warm: Vec<f64> = rows.iter().map(|r| num(r, "warmup")).collect();
    assert_eq!(warm, vec![1.0, 0.0, 0.0, 0.0, 0.0]);
    let measured = rows.iter().filter(|r| r["warmup"] == "0");
    let invocations: f64 = measured.map(|r| num(r, "invocations")).sum();
    assert_eq!(invocations, f64_at(only_function(&summary), "invocations"));
}

#[test]
fn a_week_keeps_a_row_per_minute() {
    let s = scenario(&one_function("7d", 0.001, ""));
    assert_eq!(s.timeseries_step, None);
    let mut series = slsim::metrics::MinuteSeries::new(
        slsim::engine::SimTime::ZERO,
        slsim::engine::SimTime(s.duration.0),
    );
    series.advance(slsim::engine::SimTime(s.duration.0));
    assert_eq!(series.finish().len(), 7 * 1440);
}

#[test]
fn steps_that_are_not_whole_minutes_within_the_run_are_refused() {
    for (step, says) in [
        ("\"90s\"", "whole minutes"),
        ("\"30s\"", "whole minutes"),
        ("\"2d\"", "up to simulation.duration"),
        ("5", "bare number"),
        ("\"often\"", "auto"),
    ] {
        let text = one_function("1d", 1.0, &format!("timeseries_step = {step}"));
        let err =
            slsim::config::load_str(Path::new("t.toml"), &text, &[]).expect_err(step).to_string();
        assert!(err.contains("timeseries_step") && err.contains(says), "{step}: {err}");
    }
    for step in ["\"auto\"", "\"1m\"", "\"1h\"", "\"1d\""] {
        let text = one_function("1d", 1.0, &format!("timeseries_step = {step}"));
        assert!(slsim::config::load_str(Path::new("t.toml"), &text, &[]).is_ok(), "{step}");
    }
}

#[test]
fn compare_refuses_rows_coarser_than_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    run_into(&one_function("2h", 0.1, "timeseries_step = \"1h\""), dir.path(), false);
    let err = slsim::compare::simulated(dir.path()).expect_err("hourly rows").to_string();
    assert!(err.contains("3600 s") && err.contains("timeseries_step = \"1m\""), "{err}");
}

//! `slsim import cloudwatch` and `slsim import power-tuning` on the synthetic exports in
//! scenarios/imports/: known answers (the fixtures' figures were chosen), scenarios that load
//! and run, and bad input refused with the file and the place, writing nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use slsim::config::Arrivals;
use slsim::import::observed::Metric;
use slsim::import::{Output, cloudwatch, power_tuning, write_output};

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/imports").join(dir).join(name)
}

fn cw_args(files: Vec<PathBuf>) -> cloudwatch::Args {
    cloudwatch::Args {
        files,
        queries: None,
        function: None,
        memory: None,
        runtime: None,
        cpu_bound: None,
    }
}

fn orders_args() -> cloudwatch::Args {
    let mut a = cw_args(vec![
        fixture("cloudwatch", "orders-page1.json"),
        fixture("cloudwatch", "orders-page2.json"),
    ]);
    a.queries = Some(fixture("cloudwatch", "queries.json"));
    a.memory = Some(512);
    a
}

/// Writes the output to a temp dir and loads the scenario as `slsim run` would.
fn load(out: &Output, stem: &str) -> (tempfile::TempDir, slsim::config::Scenario, toml::Table) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{stem}.toml"));
    write_output(&path, out).unwrap();
    let scenario = slsim::config::load_str(&path, &out.scenario, &[])
        .unwrap_or_else(|e| panic!("{e}\n{}", out.scenario));
    let table: toml::Table = out.scenario.parse().unwrap();
    (dir, scenario, table)
}

/// The invocations per minute the fixture holds (minute 7 has no data point).
const ORDERS: [f64; 30] = [
    60., 68., 76., 84., 92., 100., 108., 0., 124., 132., 140., 148., 156., 164., 172., 180., 188.,
    196., 204., 212., 220., 210., 200., 190., 180., 170., 160., 150., 140., 130.,
];

#[test]
fn get_metric_data_pages_replay_each_minute_and_fit_the_run_time() {
    let out = cloudwatch::import(&orders_args(), "orders").unwrap();
    let (dir, scenario, table) = load(&out, "orders");
    assert_eq!(scenario.duration.as_secs_f64(), 1800.0, "30 minutes covered");
    let w = scenario.workloads.iter().find(|w| w.name == "orders-api").unwrap();
    let Arrivals::Profile { points, step } = &w.arrivals else { panic!("{:?}", w.arrivals) };
    assert!(step, "each minute's rate held for the minute");
    assert_eq!(points.len(), 30);
    for (i, (t, rate)) in points.iter().enumerate() {
        assert_eq!(*t, i as f64 * 60.0);
        assert!((rate * 60.0 - ORDERS[i]).abs() < 1e-9, "minute {i}: {rate}");
    }
    // lognormal through p50 180 ms and p99 620 ms, converted to one vCPU at 512 MB, C = 1
    let wl = &table["workload"].as_array().unwrap()[0];
    let d = wl["duration"].as_table().unwrap();
    let median = d["median"].as_str().unwrap().trim_end_matches("ms").parse::<f64>().unwrap();
    assert!((median - 180.0 * 512.0 / 1769.0).abs() < 1e-3, "{median}");
    let sigma = d["sigma"].as_float().unwrap();
    assert!((sigma - (620.0f64 / 180.0).ln() / 2.326_347_874).abs() < 1e-5, "{sigma}");
    assert_eq!(wl["cpu_bound"].as_float(), Some(1.0));
    let f = &scenario.lambda.functions[0];
    assert_eq!((f.memory_mb, f.name.as_str()), (512, "orders-api"));
    assert!((f.error_rate - 6.0 / 4354.0).abs() < 1e-6, "{}", f.error_rate);
    // the run time the model draws at 512 MB is the observed one again
    let factor = 1769.0 / 512.0;
    assert!((median * factor - 180.0).abs() < 1e-2);
    // the ALB target group and ECS service meet as one placeholder service
    assert_eq!(scenario.services.len(), 1);
    assert!(out.scenario.contains("observed CPUUtilization"));
    assert!(out.scenario.contains("memory_size = 512\n"), "given, so not marked assumed");
    assert!(out.scenario.contains("ASSUMED (not in the metrics): --runtime"));
    assert!(out.messages.iter().any(|m| m.contains("runtime python3.12 assumed")));
    // observed.csv beside it, read back by compare's reader
    let observed =
        slsim::import::observed::Observed::from_csv(&dir.path().join("orders.observed.csv"))
            .unwrap();
    assert_eq!(observed.period_s, 60);
    assert_eq!(observed.rows.len(), 30);
    assert_eq!(
        observed.get(7, Metric::Invocations),
        Some(0.0),
        "a period without a point ran nothing"
    );
    assert_eq!(observed.get(20, Metric::Invocations), Some(220.0));
    assert_eq!(observed.get(18, Metric::Throttles), Some(4.0));
    assert_eq!(observed.get(3, Metric::DurationP99), Some(620.0));
    assert_eq!(observed.get(7, Metric::DurationP50), None, "no statistic without invocations");
}

#[test]
fn an_imported_scenario_runs_and_gives_back_the_observed_figures() {
    let out = cloudwatch::import(&orders_args(), "orders").unwrap();
    let (_dir, scenario, _) = load(&out, "orders");
    let sim = slsim::run::simulate(&scenario);
    let f = &sim.summary.to_value()["functions"]["orders-api"];
    let n = f["invocations"].as_f64().unwrap();
    // 4,354 observed; Poisson sd 66: 4 sd
    assert!((n - 4354.0).abs() < 4.0 * 4354f64.sqrt(), "{n}");
}

#[test]
fn observed_gives_the_figures_for_compare() {
    let a = orders_args();
    let o = cloudwatch::observed(&a.files, a.queries.as_deref(), None).unwrap();
    assert_eq!(o.start_ms, slsim::import::time::parse("2026-03-02T14:00:00Z").unwrap());
    let total: f64 = (0..o.rows.len()).filter_map(|i| o.get(i, Metric::Invocations)).sum();
    assert_eq!(total, ORDERS.iter().sum::<f64>());
    assert_eq!(o.get(0, Metric::Errors), Some(1.0));
    let e = cloudwatch::observed(&a.files, a.queries.as_deref(), Some("nope")).unwrap_err();
    assert!(e.to_string().contains("\"nope\""), "{e}");
}

#[test]
fn get_metric_statistics_files_need_the_function_and_find_their_period() {
    let files = vec![
        fixture("cloudwatch", "thumbnail-invocations.json"),
        fixture("cloudwatch", "thumbnail-duration.json"),
    ];
    let e = cloudwatch::import(&cw_args(files.clone()), "t").unwrap_err();
    assert!(e.to_string().contains("--function"), "{e}");
    assert_eq!(e.place, "Datapoints");
    let mut a = cw_args(files);
    a.function = Some("thumbnail".into());
    a.memory = Some(2048);
    a.cpu_bound = Some(0.5);
    let out = cloudwatch::import(&a, "thumb").unwrap();
    let (_dir, scenario, table) = load(&out, "thumb");
    assert_eq!(scenario.duration.as_secs_f64(), 3600.0, "12 periods of 5 minutes");
    let Arrivals::Profile { points, .. } = &scenario.workloads[0].arrivals else { panic!() };
    for (i, (t, r)) in points.iter().enumerate() {
        assert_eq!(*t, i as f64 * 300.0);
        assert!((r * 300.0 - (300.0 + 30.0 * i as f64)).abs() < 1e-9);
    }
    // above 1769 MB one thread runs at one vCPU: nothing to convert
    let d = table["workload"].as_array().unwrap()[0]["duration"].as_table().unwrap().clone();
    assert_eq!(d["median"].as_str(), Some("800.0ms"));
    assert_eq!(table["workload"].as_array().unwrap()[0]["cpu_bound"].as_float(), Some(0.5));
    assert!(out.scenario.contains("memory_size = 2048\n"));
}

/// Writes `text` to a file in `dir` and returns its path.
fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const QUERIES: &str = r#"[{"Id": "inv", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda",
  "MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": "f"}]},
  "Period": 60, "Stat": "Sum"}},
  {"Id": "dur", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda",
  "MetricName": "Duration", "Dimensions": [{"Name": "FunctionName", "Value": "f"}]},
  "Period": 300, "Stat": "p99"}}]"#;

#[test]
fn bad_cloudwatch_input_names_the_file_and_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let q = file(dir.path(), "q.json", QUERIES);
    let cases: &[(&str, &str, &str)] = &[
        ("", "", "is empty"),
        ("[1, 2]", "$", "get-metric-data"),
        (r#"{"MetricDataResults": {}}"#, "MetricDataResults", "not a list"),
        (
            r#"{"MetricDataResults": [{"Id": "inv", "Timestamps": ["2026-03-02T14:00:00Z"], "Values": [1, 2]}]}"#,
            "MetricDataResults[0].Values",
            "2 values for 1 timestamps",
        ),
        (
            r#"{"MetricDataResults": [{"Id": "zzz", "Timestamps": [], "Values": []}]}"#,
            "MetricDataResults[0].Id",
            "not an Id of the queries",
        ),
        (
            r#"{"MetricDataResults": [{"Id": "inv", "Timestamps": ["yesterday"], "Values": [1]}]}"#,
            "MetricDataResults[0].Timestamps[0]",
            "not a time",
        ),
        (
            r#"{"MetricDataResults": [{"Id": "inv", "Timestamps": ["2026-03-02T14:00:00Z"], "Values": [1]},
                {"Id": "dur", "Timestamps": ["2026-03-02T14:00:00Z"], "Values": [1]}]}"#,
            "MetricDataResults[1] (dur)",
            "period of 300 s",
        ),
        (r#"{"MetricDataResults": []}"#, "", "no data points"),
        (r#"{"Label": "Invocations", "Datapoints": []}"#, "Datapoints", "is empty"),
    ];
    for (i, (text, place, message)) in cases.iter().enumerate() {
        let f = file(dir.path(), &format!("bad{i}.json"), text);
        let mut a = cw_args(vec![f.clone()]);
        a.queries = Some(q.clone());
        a.function = Some("f".into());
        let e = cloudwatch::import(&a, "x").unwrap_err();
        assert_eq!(e.file, f, "case {i}: {e}");
        assert_eq!(&e.place, place, "case {i}: {e}");
        assert!(e.to_string().contains(message), "case {i}: {e}");
    }
    // metrics without the query file
    let f = file(dir.path(), "ok.json", r#"{"MetricDataResults": []}"#);
    let e = cloudwatch::import(&cw_args(vec![f]), "x").unwrap_err();
    assert!(e.to_string().contains("--queries FILE"), "{e}");
}

#[test]
fn the_binary_refuses_bad_input_with_exit_code_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = file(dir.path(), "bad.json", r#"{"MetricDataResults": [{"Id": "inv"}]}"#);
    let out = dir.path().join("out.toml");
    let run = Command::new(env!("CARGO_BIN_EXE_slsim"))
        .args(["import", "cloudwatch"])
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--queries"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the input is there");
}

fn pt_args(file: PathBuf) -> power_tuning::Args {
    power_tuning::Args {
        files: vec![file],
        threads: None,
        function: None,
        runtime: None,
        rate: None,
    }
}

#[test]
fn power_tuning_gives_back_the_law_the_durations_were_made_with() {
    let out = power_tuning::import(&pt_args(fixture("power-tuning", "exact.json")), "pt").unwrap();
    let (_dir, scenario, _) = load(&out, "pt");
    let w = &scenario.workloads[0];
    assert!((w.cpu_bound - 0.8).abs() < 1e-4, "{}", w.cpu_bound);
    assert_eq!(
        format!("{:?}", w.work),
        format!("{:?}", slsim::dist::Dist::Constant(slsim::engine::SimDuration::from_millis(400)))
    );
    assert!(out.scenario.contains("R^2 = 1.0;"), "{}", out.scenario);
    assert!(out.scenario.contains("every measured power within 10%"));
    // the cheapest by averagePrice is 128 MB in the fixture
    assert_eq!(scenario.lambda.functions[0].memory_mb, 128);
    assert!(out.scenario.contains("memory_size\" = [128, 256, 512, 1024, 1536, 2048, 3008]"));
    let sim = slsim::run::simulate(&scenario);
    assert!(sim.summary.to_value()["functions"]["tuned"]["invocations"].as_f64().unwrap() > 3000.0);
}

#[test]
fn noisy_power_tuning_reports_a_fit_below_one_from_any_wrapper() {
    for name in ["noisy.json", "describe-execution.json"] {
        let out = power_tuning::import(&pt_args(fixture("power-tuning", name)), "pt").unwrap();
        load(&out, "pt");
        let r2: f64 = out
            .scenario
            .split("R^2 = ")
            .nth(1)
            .and_then(|s| s.split(';').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(r2 < 1.0 && r2 > 0.9, "{name}: {r2}");
    }
}

#[test]
fn bad_power_tuning_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("", "", "is empty"),
        ("{", "line 1", "not JSON"),
        (
            r#"{"results": {"power": "128", "cost": 1e-7, "duration": 3.1}}"#,
            "results",
            "includeOutputResults",
        ),
        (
            r#"{"results": {"stats": [{"value": 128, "averageDuration": 10, "averagePrice": 1e-7}]}}"#,
            "results.stats",
            "at least 2",
        ),
        (r#"{"stats": [{"value": 99, "averageDuration": 10}]}"#, "stats[0].value", "128 to 10240"),
        (
            r#"{"stats": [{"value": 128, "averageDuration": "fast"}]}"#,
            "stats[0].averageDuration",
            "not a duration",
        ),
        (r#"{"output": "not json"}"#, "output", "not a JSON string"),
        (
            r#"{"stats": [{"value": 2048, "averageDuration": 10}, {"value": 3008, "averageDuration": 11}]}"#,
            "stats",
            "at or above 1769 MB",
        ),
    ];
    for (i, (text, place, message)) in cases.iter().enumerate() {
        let f = file(dir.path(), &format!("pt{i}.json"), text);
        let e = power_tuning::import(&pt_args(f.clone()), "x").unwrap_err();
        assert_eq!(e.file, f, "case {i}: {e}");
        assert_eq!(&e.place, place, "case {i}: {e}");
        assert!(e.to_string().contains(message), "case {i}: {e}");
    }
}

#[test]
fn expressions_and_partial_pages_are_listed_and_names_stay_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let q = file(
        dir.path(),
        "q.json",
        r#"[{"Id": "inv", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda",
          "MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": "shop"}]},
          "Period": 60, "Stat": "Sum"}},
          {"Id": "req", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB",
          "MetricName": "RequestCount", "Dimensions": [{"Name": "TargetGroup",
          "Value": "targetgroup/shop/0123456789abcdef"}]}, "Period": 60, "Stat": "Sum"}},
          {"Id": "ratio", "Expression": "inv / 60"}]"#,
    );
    let data = file(
        dir.path(),
        "d.json",
        r#"{"MetricDataResults": [
          {"Id": "inv", "Timestamps": [1772460060, 1772460000], "Values": [120, 60], "StatusCode": "PartialData"},
          {"Id": "req", "Timestamps": ["2026-03-02T14:00:00Z"], "Values": [30], "StatusCode": "Complete"},
          {"Id": "ratio", "Timestamps": ["2026-03-02T14:00:00Z"], "Values": [1], "StatusCode": "Complete"}],
          "NextToken": "more", "Messages": []}"#,
    );
    let mut a = cw_args(vec![data]);
    a.queries = Some(q);
    let out = cloudwatch::import(&a, "shop").unwrap();
    let (_dir, scenario, _) = load(&out, "shop");
    let names: Vec<&str> = scenario.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["shop", "shop-requests"]);
    assert!(
        out.messages.iter().any(|m| m.contains("ratio: an Expression query")),
        "{:?}",
        out.messages
    );
    assert!(
        out.messages
            .iter()
            .any(|m| m.contains("Invocations Sum of shop") && m.contains("PartialData"))
    );
    assert!(out.scenario.contains("#   ratio: an Expression query"), "listed in the header too");
    // Unix-seconds timestamps, oldest last: 60 then 120 a minute
    let Arrivals::Profile { points, .. } = &scenario.workloads[0].arrivals else { panic!() };
    assert_eq!(points, &vec![(0.0, 1.0), (60.0, 2.0)]);
}

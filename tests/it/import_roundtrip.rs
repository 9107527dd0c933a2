//! Round trips through the binary with known answers: a run's per-minute figures written as a
//! CloudWatch export, imported, run again and compared; a run compared with its own `--logs`;
//! and `slsim import cfn|terraform --usage` composing a template with traffic.
// See: issue 13

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::slsim_cli;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs the binary and insists on success; returns stdout.
fn ok(args: &[&str]) -> String {
    let out = slsim_cli(args);
    assert!(
        out.status.success(),
        "slsim {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `slsim run FILE --out DIR --no-charts --quiet` plus `extra`.
fn run(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", s(scenario), "--out", s(out), "--no-charts", "--quiet"];
    args.extend_from_slice(extra);
    ok(&args);
}

/// `slsim compare OBSERVED... DIR --no-charts` and compare.json's tree.
fn compare(observed: &[&Path], dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["compare"];
    args.extend(observed.iter().map(|p| s(p)));
    args.extend([s(dir), "--no-charts"]);
    args.extend_from_slice(extra);
    ok(&args);
    serde_json::from_str(&std::fs::read_to_string(dir.join("compare.json")).unwrap()).unwrap()
}

fn metric<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name} in {json}"))
}

fn num(m: &Value, key: &str) -> f64 {
    m[key].as_f64().unwrap_or_else(|| panic!("no number {key} in {m}"))
}

/// timeseries.csv as rows of column -> text (empty cells kept as "").
fn timeseries(dir: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_string)).collect()).collect()
}

fn cell(row: &BTreeMap<String, String>, column: &str) -> Option<f64> {
    row.get(column).and_then(|v| v.parse().ok())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load_toml(path: &Path) -> toml::Table {
    std::fs::read_to_string(path).unwrap().parse().unwrap()
}

fn array<'a>(t: &'a toml::Table, key: &str) -> Vec<&'a toml::Table> {
    t.get(key)
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_table).collect())
        .unwrap_or_default()
}

fn functions(t: &toml::Table) -> Vec<&toml::Table> {
    t.get("lambda")
        .and_then(toml::Value::as_table)
        .map(|l| array(l, "function"))
        .unwrap_or_default()
}

fn name_of(t: &toml::Table) -> &str {
    t.get("name").and_then(toml::Value::as_str).unwrap_or_default()
}

/// The (metric name, statistic, timeseries column) of each query of a CloudWatch export.
const SERIES: [(&str, &str, &str, &str); 5] = [
    ("inv", "Invocations", "Sum", "invocations"),
    ("dp50", "Duration", "p50", "duration_p50_ms"),
    ("dp99", "Duration", "p99", "duration_p99_ms"),
    ("conc", "ConcurrentExecutions", "Maximum", "concurrency_max"),
    ("err", "Errors", "Sum", "errors"),
];

/// Minute `m` after 2026-03-02T14:00:00Z, as the AWS CLI prints it.
fn stamp(m: usize) -> String {
    format!("2026-03-02T{:02}:{:02}:00+00:00", 14 + m / 60, m % 60)
}

/// Writes `per_minute` (column -> value per minute, None where empty) as an
/// `aws cloudwatch get-metric-data` export of `function`, newest first, over two pages, and
/// its query file. Returns (page 1, page 2, queries).
fn cloudwatch_export(
    dir: &Path,
    function: &str,
    per_minute: &[BTreeMap<&str, Option<f64>>],
) -> (PathBuf, PathBuf, PathBuf) {
    cloudwatch_export_by(dir, function, per_minute, 1)
}

/// The same with periods of `minutes` minutes (`per_period` holds one entry per period).
fn cloudwatch_export_by(
    dir: &Path,
    function: &str,
    per_period: &[BTreeMap<&str, Option<f64>>],
    minutes: usize,
) -> (PathBuf, PathBuf, PathBuf) {
    let per_minute = per_period;
    let queries: Vec<Value> = SERIES
        .iter()
        .map(|(id, metric, stat, _)| {
            json!({"Id": id, "MetricStat": {"Metric": {"Namespace": "AWS/Lambda",
                "MetricName": metric, "Dimensions": [{"Name": "FunctionName", "Value": function}]},
                "Period": 60 * minutes, "Stat": stat}, "ReturnData": true})
        })
        .collect();
    let mut pages = [Vec::new(), Vec::new()];
    let half = per_minute.len() / 2;
    for (id, metric, _, column) in SERIES {
        // newest first: page 1 holds the later half, page 2 the earlier
        for (page, range) in [(0, half..per_minute.len()), (1, 0..half)] {
            let (mut ts, mut vs) = (Vec::new(), Vec::new());
            for m in range.rev() {
                if let Some(v) = per_minute[m].get(column).copied().flatten() {
                    ts.push(json!(stamp(m * minutes)));
                    vs.push(json!(v));
                }
            }
            let status = if page == 0 { "PartialData" } else { "Complete" };
            pages[page].push(json!({"Id": id, "Label": metric, "Timestamps": ts,
                "Values": vs, "StatusCode": status}));
        }
    }
    let p1 = json!({"MetricDataResults": pages[0], "NextToken": "synthetic-token",
        "Messages": []});
    let p2 = json!({"MetricDataResults": pages[1], "Messages": []});
    let q = json!({"MetricDataQueries": queries, "StartTime": stamp(0),
        "EndTime": stamp(per_minute.len() * minutes)});
    (
        write(dir, "page1.json", &serde_json::to_string_pretty(&p1).unwrap()),
        write(dir, "page2.json", &serde_json::to_string_pretty(&p2).unwrap()),
        write(dir, "queries.json", &serde_json::to_string_pretty(&q).unwrap()),
    )
}

const DIURNAL: &str = r#"
[simulation]
name = "rt-cloudwatch"
duration = "30m"
seed = 13

[[lambda.function]]
name = "api"
runtime = "python3.12"
memory_size = 512
error_rate = 0.01

[[workload]]
name = "shoppers"
target = "function:api"
# a morning ramp and an easing off: 15 to 45 requests/s
arrivals = { process = "profile", profile = [["0s", 15.0], ["15m", 45.0], ["30m", 25.0]] }
duration = { dist = "lognormal", median = "60ms", sigma = 0.4 }
cpu_bound = 0.7
"#;

#[test]
fn a_run_written_as_cloudwatch_metrics_imports_runs_and_compares_close() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = write(d, "original.toml", DIURNAL);
    let first = d.join("first");
    run(&original, &first, &[]);
    let rows = timeseries(&first);
    assert_eq!(rows.len(), 30);
    let per_minute: Vec<BTreeMap<&str, Option<f64>>> =
        rows.iter().map(|r| SERIES.iter().map(|(_, _, _, c)| (*c, cell(r, c))).collect()).collect();
    let counts: Vec<f64> = per_minute.iter().map(|m| m["invocations"].unwrap()).collect();
    assert!(counts.iter().all(|&c| c > 600.0), "tens per second: {counts:?}");
    let (p1, p2, q) = cloudwatch_export(d, "api", &per_minute);

    let imported = d.join("imp").join("api.toml");
    std::fs::create_dir_all(imported.parent().unwrap()).unwrap();
    ok(&[
        "import",
        "cloudwatch",
        s(&p1),
        s(&p2),
        "--queries",
        s(&q),
        "--memory",
        "512",
        "--cpu-bound",
        "0.7",
        "--out",
        s(&imported),
    ]);
    let observed = d.join("imp").join("api.observed.csv");
    assert!(observed.exists());
    let second = d.join("second");
    run(&imported, &second, &[]);
    let json = compare(&[&observed], &second, &[]);
    assert_eq!(json["periods_compared"], 30, "{json}");

    // invocations: the imported workload replays each minute's count as a Poisson rate, so the
    // totals agree within sampling noise (sd sqrt(N) / N, about 0.4 % here) and each minute
    // differs by about E|Poisson(n) - n| / n = sqrt(2 / (pi n))
    let inv = metric(&json, "invocations");
    let total: f64 = counts.iter().sum();
    assert_eq!(num(inv, "observed_total"), total);
    assert!(num(inv, "bias_pct").abs() < 2.0, "{inv}");
    let expected_mape =
        counts.iter().map(|n| (2.0 / (std::f64::consts::PI * n)).sqrt() * 100.0).sum::<f64>()
            / counts.len() as f64;
    let mape = num(inv, "mape_pct");
    assert!(
        mape > 0.5 * expected_mape && mape < 2.0 * expected_mape,
        "MAPE {mape} % against Poisson noise {expected_mape} %"
    );
    assert!(num(inv, "correlation") > 0.95, "the ramp is followed: {inv}");
    assert_eq!(inv["verdict"], "close", "{inv}");
    // a lognormal fitted through the p50 and p99 of a lognormal gives them back
    let p50 = metric(&json, "duration_p50_ms");
    assert!(num(p50, "bias_pct").abs() < 3.0, "{p50}");
    let p99 = metric(&json, "duration_p99_ms");
    assert!(num(p99, "bias_pct").abs() < 6.0, "{p99}");
    // compare reads the export itself as import wrote observed.csv
    let direct = compare(&[&p1, &p2], &second, &["--queries", s(&q)]);
    for name in ["invocations", "concurrency_max", "errors", "duration_p50_ms", "duration_p99_ms"] {
        let (a, b) = (metric(&json, name), metric(&direct, name));
        for key in ["periods", "observed_total", "simulated_total", "mape_pct", "bias_pct"] {
            assert_eq!(a[key], b[key], "{name}.{key}: {a} vs {b}");
        }
    }
    // errors: error_rate = observed errors / invocations
    let err = metric(&json, "errors");
    assert!(num(err, "observed_total") > 0.0);
    let diff = num(err, "simulated_total") - num(err, "observed_total");
    assert!(
        diff.abs() <= 3.0 * (num(err, "simulated_total") + num(err, "observed_total")).sqrt(),
        "{err}"
    );
}

/// Per-minute figures summed into periods of `minutes` as CloudWatch gives them: counts summed,
/// the largest concurrency, duration percentiles weighted by invocations (the minutes of one
/// run share a distribution, so this is the period's percentile within sampling error).
fn periods_of(
    per_minute: &[BTreeMap<&'static str, Option<f64>>],
    minutes: usize,
) -> Vec<BTreeMap<&'static str, Option<f64>>> {
    per_minute
        .chunks(minutes)
        .map(|chunk| {
            let get = |m: &BTreeMap<&str, Option<f64>>, c: &str| m[c].unwrap_or(0.0);
            let n: f64 = chunk.iter().map(|m| get(m, "invocations")).sum();
            let weighted =
                |c: &str| chunk.iter().map(|m| get(m, c) * get(m, "invocations")).sum::<f64>() / n;
            BTreeMap::from([
                ("invocations", Some(n)),
                ("errors", Some(chunk.iter().map(|m| get(m, "errors")).sum())),
                (
                    "concurrency_max",
                    chunk.iter().map(|m| get(m, "concurrency_max")).reduce(f64::max),
                ),
                ("duration_p50_ms", Some(weighted("duration_p50_ms"))),
                ("duration_p99_ms", Some(weighted("duration_p99_ms"))),
            ])
        })
        .collect()
}

#[test]
fn five_minute_cloudwatch_metrics_round_trip_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let first = d.join("first");
    run(&write(d, "original.toml", DIURNAL), &first, &[]);
    let per_minute: Vec<BTreeMap<&str, Option<f64>>> = timeseries(&first)
        .iter()
        .map(|r| SERIES.iter().map(|(_, _, _, c)| (*c, cell(r, c))).collect())
        .collect();
    let periods = periods_of(&per_minute, 5);
    assert_eq!(periods.len(), 6);
    let (p1, p2, q) = cloudwatch_export_by(d, "api", &periods, 5);
    let imported = d.join("imp").join("api.toml");
    std::fs::create_dir_all(imported.parent().unwrap()).unwrap();
    ok(&[
        "import",
        "cloudwatch",
        s(&p1),
        s(&p2),
        "--queries",
        s(&q),
        "--memory",
        "512",
        "--cpu-bound",
        "0.7",
        "--out",
        s(&imported),
    ]);
    let t = load_toml(&imported);
    let profile = t["workload"][0]["arrivals"]["profile"].as_array().unwrap();
    assert_eq!(profile.len(), 6, "one step per period");
    assert_eq!(profile[1].as_array().unwrap()[0].as_str(), Some("300s"));
    let second = d.join("second");
    run(&imported, &second, &[]);
    let json = compare(&[&d.join("imp").join("api.observed.csv")], &second, &[]);
    assert_eq!(json["observed"]["period_s"], 300);
    assert_eq!(json["periods_compared"], 6);
    let inv = metric(&json, "invocations");
    let counts: Vec<f64> = periods.iter().map(|p| p["invocations"].unwrap()).collect();
    assert_eq!(num(inv, "observed_total"), counts.iter().sum::<f64>());
    assert!(num(inv, "bias_pct").abs() < 1.5, "{inv}");
    let expected_mape =
        counts.iter().map(|n| (2.0 / (std::f64::consts::PI * n)).sqrt() * 100.0).sum::<f64>()
            / counts.len() as f64;
    assert!(num(inv, "mape_pct") < 3.0 * expected_mape, "{inv} vs {expected_mape}");
    assert_eq!(inv["verdict"], "close");
    let p50 = metric(&json, "duration_p50_ms");
    assert!(num(p50, "bias_pct").abs() < 3.0, "{p50}");
    let warnings = json["warnings"].to_string();
    assert!(warnings.contains("300 s"), "{warnings}");
}

const LOGGED: &str = r#"
[simulation]
name = "rt-logs"
duration = "10m"
seed = 21

[[lambda.function]]
name = "f"
runtime = "python3.12"
memory_size = 256
keep_alive = "20s"
error_rate = 0.05

[[workload]]
name = "w"
target = "function:f"
arrivals = { process = "profile", profile = [["0s", 2.0], ["5m", 8.0], ["10m", 3.0]] }
duration = { dist = "lognormal", median = "40ms", sigma = 0.6 }
"#;

#[test]
fn a_run_compared_with_its_own_logs_is_exact_per_minute() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = write(d, "logged.toml", LOGGED);
    let out = d.join("out");
    run(&scenario, &out, &["--logs"]);
    let log = out.join("logs").join("f.log");
    let json = compare(&[&log], &out, &[]);
    assert_eq!(json["periods_compared"], 10, "{json}");
    let rows = timeseries(&out);
    for name in ["invocations", "concurrency_max", "errors", "cold_starts", "cost_usd"] {
        let m = metric(&json, name);
        assert_eq!(m["periods"], 10, "{name}: {m}");
        let observed: f64 = rows.iter().filter_map(|r| cell(r, name)).sum();
        assert!(observed > 0.0, "{name}: the run has some");
        assert!(num(m, "mape_pct").abs() < 1e-6, "{name}: {m}");
        assert!(num(m, "bias_pct").abs() < 1e-6, "{name}: {m}");
        assert_eq!(m["verdict"], "close", "{name}");
    }
    let total: f64 = rows.iter().filter_map(|r| cell(r, "invocations")).sum();
    assert_eq!(num(metric(&json, "invocations"), "simulated_total"), total);
    assert_eq!(num(metric(&json, "invocations"), "observed_total"), total);
    // the histogram's percentiles are within 1 % of the logs' exact ones
    let p50 = metric(&json, "duration_p50_ms");
    assert!(num(p50, "mape_pct") < 1.5, "{p50}");
    let p99 = metric(&json, "duration_p99_ms");
    assert!(num(p99, "mape_pct") < 3.0, "{p99}");
    assert_eq!(json["verdict"], "close", "{json}");
}

#[test]
fn a_runs_own_logs_imported_and_run_again_give_the_same_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // the platform's keep-alive (logs do not tell it, so the import cannot either)
    let scenario = write(d, "logged.toml", &LOGGED.replace("keep_alive = \"20s\"\n", ""));
    let first = d.join("first");
    run(&scenario, &first, &["--logs"]);
    let imported = d.join("imp").join("f.toml");
    std::fs::create_dir_all(imported.parent().unwrap()).unwrap();
    ok(&["import", "logs", s(&first.join("logs").join("f.log")), "--out", s(&imported)]);
    let t = load_toml(&imported);
    assert_eq!(array(&t, "trace").len(), 1, "the requests replayed as a trace: {t}");
    let second = d.join("second");
    run(&imported, &second, &[]);
    let observed = d.join("imp").join("f.observed.csv");
    let json = compare(&[&observed], &second, &[]);
    assert_eq!(json["periods_compared"], 10, "{json}");
    let rows = timeseries(&first);
    let total: f64 = rows.iter().filter_map(|r| cell(r, "invocations")).sum();
    // the trace replays every logged request at its start
    let inv = metric(&json, "invocations");
    assert_eq!(num(inv, "observed_total"), total);
    assert_eq!(num(inv, "simulated_total"), total, "{inv}");
    assert!(num(inv, "mape_pct") < 1.0, "{inv}");
    // each request keeps its logged run time (to 0.01 ms): the same concurrency and durations
    let conc = metric(&json, "concurrency_max");
    assert!(num(conc, "mape_pct") < 5.0, "{conc}");
    for (name, tolerance) in [("duration_p50_ms", 1.0), ("duration_p99_ms", 2.0), ("cost_usd", 1.0)]
    {
        let m = metric(&json, name);
        assert!(num(m, "bias_pct").abs() < tolerance, "{name}: {m}");
    }
    // the same keep-alive model meets the same arrivals: cold-start ratio close
    let cold = metric(&json, "cold_starts");
    let (o, s) = (num(cold, "observed_total"), num(cold, "simulated_total"));
    assert!(o > 0.0 && (s - o).abs() <= 2.0 + 0.2 * o, "{cold}");
    // errors are drawn again at the observed share
    let err = metric(&json, "errors");
    let (o, s) = (num(err, "observed_total"), num(err, "simulated_total"));
    assert!(o > 0.0 && (s - o).abs() <= 3.0 * (s + o).sqrt(), "{err}");
}

const TEMPLATE: &str = "scenarios/imports/tutorial/template.yaml";
const PAGE1: &str = "scenarios/imports/tutorial/create-order.page1.json";
const PAGE2: &str = "scenarios/imports/tutorial/create-order.page2.json";

/// The REPORT events and `Status: error` lines of the tutorial's log pages, counted here.
fn tutorial_counts() -> (usize, usize) {
    let (mut reports, mut errors) = (0, 0);
    for page in [PAGE1, PAGE2] {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(repo(page)).unwrap()).unwrap();
        for e in v["events"].as_array().unwrap() {
            let m = e["message"].as_str().unwrap();
            if m.starts_with("REPORT ") {
                reports += 1;
                if m.contains("Status: error") {
                    errors += 1;
                }
            }
        }
    }
    (reports, errors)
}

/// The only [[workload]] of a composed scenario, aimed at the tutorial's API route.
fn the_api_workload(t: &toml::Table) -> &toml::Table {
    let workloads = array(t, "workload");
    assert_eq!(workloads.len(), 1, "one active workload: {t}");
    let w = workloads[0];
    assert_eq!(w["target"].as_str(), Some("api:orders-prod"));
    assert_eq!(w["route"].as_str(), Some("POST /orders"));
    assert_ne!(name_of(w), "stand-in");
    w
}

#[test]
fn cfn_with_usage_logs_aims_the_observed_traffic_at_the_api_route() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = d.join("orders.toml");
    ok(&[
        "import",
        "cfn",
        s(&repo(TEMPLATE)),
        "--usage",
        s(&repo(PAGE1)),
        s(&repo(PAGE2)),
        "--out",
        s(&scenario),
    ]);
    ok(&["validate", s(&scenario)]);
    let text = std::fs::read_to_string(&scenario).unwrap();
    let t: toml::Table = text.parse().unwrap();
    let w = the_api_workload(&t);
    let fs = functions(&t);
    assert_eq!(fs.len(), 1, "{text}");
    let f = fs[0];
    assert_eq!(name_of(f), "create-order");
    assert_eq!(f["memory_size"].as_integer(), Some(512), "the template's memory");
    let init = f["init_duration"].as_table().expect("init_duration from the logs");
    assert_eq!(init["dist"].as_str(), Some("empirical"));
    let init_file = d.join(init["path"].as_str().unwrap());
    assert!(init_file.exists(), "{}", init_file.display());
    let (reports, errors) = tutorial_counts();
    assert!(errors > 0);
    let rate = f["error_rate"].as_float().expect("error_rate from the logs");
    // written with 4 significant digits
    let exact = errors as f64 / reports as f64;
    assert!((rate - exact).abs() < 5e-4 * exact, "{rate} vs {errors}/{reports}");
    // the step profile holds each minute's count as a rate
    let arrivals = w["arrivals"].as_table().unwrap();
    assert_eq!(arrivals["process"].as_str(), Some("profile"));
    let sum: f64 = arrivals["profile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_array().unwrap()[1].as_float().unwrap() * 60.0)
        .sum();
    assert!((sum - reports as f64).abs() < 1e-6, "{sum} vs {reports} REPORT events");
    // run and compare with the observed figures written beside it
    let out = d.join("out");
    run(&scenario, &out, &[]);
    let json = compare(&[&d.join("orders.observed.csv")], &out, &[]);
    let inv = metric(&json, "invocations");
    assert!(num(inv, "bias_pct").abs() < 10.0, "{inv}");
    // the log pages compared directly (priced as the template's arm64) give the same figures
    let direct = compare(&[&repo(PAGE1), &repo(PAGE2)], &out, &["--architecture", "arm64"]);
    assert_eq!(direct["periods_compared"], json["periods_compared"]);
    for m in json["metrics"].as_array().unwrap() {
        let name = m["metric"].as_str().unwrap();
        let d = metric(&direct, name);
        for key in ["periods", "observed_total", "simulated_total"] {
            let (a, b) = (num(m, key), num(d, key));
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{name}.{key}: {m} vs {d}");
        }
    }
}

#[test]
fn cfn_with_usage_cloudwatch_retargets_without_duplicating_the_function() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let per_minute: Vec<BTreeMap<&str, Option<f64>>> = (0..20)
        .map(|m| {
            BTreeMap::from([
                ("invocations", Some(30.0 + m as f64)),
                ("duration_p50_ms", Some(110.0)),
                ("duration_p99_ms", Some(400.0)),
                ("concurrency_max", Some(3.0)),
                ("errors", Some(if m % 5 == 0 { 1.0 } else { 0.0 })),
            ])
        })
        .collect();
    let (p1, p2, q) = cloudwatch_export(d, "create-order", &per_minute);
    let scenario = d.join("cw.toml");
    ok(&[
        "import",
        "cfn",
        s(&repo(TEMPLATE)),
        "--usage",
        s(&p1),
        s(&p2),
        "--usage-queries",
        s(&q),
        "--out",
        s(&scenario),
    ]);
    ok(&["validate", s(&scenario)]);
    let t = load_toml(&scenario);
    let w = the_api_workload(&t);
    // lognormal through p50 110 ms and p99 400 ms at the template's 512 MB, on one vCPU with
    // cpu_bound 1 (the default of --usage-cpu-bound)
    let d = w["duration"].as_table().unwrap();
    assert_eq!(d["dist"].as_str(), Some("lognormal"));
    let median: f64 = d["median"].as_str().unwrap().trim_end_matches("ms").parse().unwrap();
    assert!((median - 110.0 * 512.0 / 1769.0).abs() < 1e-3, "{median}");
    let sigma = d["sigma"].as_float().unwrap();
    assert!((sigma - (400.0f64 / 110.0).ln() / 2.326_347_874).abs() < 1e-5, "{sigma}");
    let fs = functions(&t);
    assert_eq!(fs.iter().map(|f| name_of(f)).collect::<Vec<_>>(), ["create-order"]);
    assert_eq!(fs[0]["memory_size"].as_integer(), Some(512));
    let rate = fs[0]["error_rate"].as_float().expect("error share from the metrics");
    let total: f64 = (0..20).map(|m| 30.0 + m as f64).sum();
    assert!((rate - 4.0 / total).abs() < 1e-6, "{rate}");
}

#[test]
fn usage_scenario_files_are_found_from_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("traffic");
    let b = dir.path().join("composed");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    write(&a, "run-times.txt", "80ms\n95ms\n120ms\n150ms\n");
    let usage = write(
        &a,
        "traffic.toml",
        r#"
[simulation]
name = "traffic"
duration = "5m"

[[workload]]
name = "shoppers"
target = "api:orders-prod"
route = "POST /orders"
arrivals = { process = "poisson", rate = 2.0 }
duration = { dist = "empirical", path = "run-times.txt" }
"#,
    );
    let scenario = b.join("orders.toml");
    ok(&["import", "cfn", s(&repo(TEMPLATE)), "--usage", s(&usage), "--out", s(&scenario)]);
    ok(&["validate", s(&scenario)]);
    let t = load_toml(&scenario);
    let w = the_api_workload(&t);
    let path = w["duration"]["path"].as_str().unwrap();
    assert!(b.join(path).exists(), "{path}");
    assert_eq!(name_of(w), "shoppers");
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
}

/// A `--usage` scenario with a requests trace whose CSV and init-time file are relative to it.
fn trace_usage(dir: &Path, extensions: &str) -> PathBuf {
    write(dir, "init.txt", "250ms\n310ms\n");
    write(dir, "requests.csv", "timestamp,duration_ms\n0.5,30\n1.5,40\n3.0,50\n");
    write(
        dir,
        "replay.toml",
        &format!(
            r#"
[simulation]
name = "replay"
duration = "2m"

[[trace]]
name = "replay"
format = "requests"
path = "requests.csv"
template = {{ runtime = "python3.12", init_duration = {{ dist = "empirical", path = "init.txt" }}{extensions} }}
"#
        ),
    )
}

#[test]
fn usage_traces_keep_their_files_from_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("traffic"), dir.path().join("composed"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let usage = trace_usage(&a, "");
    ok(&["validate", s(&usage)]);
    let scenario = b.join("orders.toml");
    ok(&["import", "cfn", s(&repo(TEMPLATE)), "--usage", s(&usage), "--out", s(&scenario)]);
    ok(&["validate", s(&scenario)]);
    let t = load_toml(&scenario);
    let traces = array(&t, "trace");
    assert_eq!(traces.len(), 1);
    assert!(b.join(traces[0]["path"].as_str().unwrap()).exists());
    let init = traces[0]["template"]["init_duration"]["path"].as_str().unwrap();
    assert!(b.join(init).exists(), "{init}");
}

#[test]
fn usage_trace_extensions_keep_their_files_from_another_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("traffic"), dir.path().join("composed"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let usage = trace_usage(
        &a,
        r#", extensions = [{ name = "agent", init = { dist = "empirical", path = "init.txt" } }]"#,
    );
    ok(&["validate", s(&usage)]);
    let scenario = b.join("orders.toml");
    ok(&["import", "cfn", s(&repo(TEMPLATE)), "--usage", s(&usage), "--out", s(&scenario)]);
    ok(&["validate", s(&scenario)]);
}

#[test]
fn bad_usage_inputs_exit_2_name_the_file_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = write(d, "figures.csv", "time,invocations\n2026-03-02T14:00:00Z,5\n");
    let no_workloads = write(d, "empty.toml", "[simulation]\nname = \"x\"\nduration = \"1m\"\n");
    let cw = repo("scenarios/imports/cloudwatch/orders-page1.json");
    let out_dir = d.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("bad.toml");
    let page1 = repo(PAGE1);
    let bad_toml = write(d, "broken.toml", "[[workload]\nname = 1\n");
    let missing = d.join("missing.json");
    let cases: Vec<(Vec<&str>, &Path)> = vec![
        (vec!["--usage", s(&csv)], &csv),
        (vec!["--usage", s(&bad_toml)], &bad_toml),
        (vec!["--usage", s(&missing)], &missing),
        (vec!["--usage", s(&cw)], &cw),
        (vec!["--usage", s(&page1), s(&cw)], &cw),
        (vec!["--usage", s(&page1), "--usage-cpu-bound", "2"], &page1),
        (vec!["--usage", s(&no_workloads)], &no_workloads),
    ];
    for (extra, named) in cases {
        let mut args = vec!["import", "cfn", TEMPLATE, "--out", s(&out)];
        let template = repo(TEMPLATE);
        args[2] = s(&template);
        args.extend(extra.iter().copied());
        let o = slsim_cli(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(s(named)), "{args:?} should name {}: {stderr}", named.display());
        assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0, "{args:?} wrote something");
    }
}

#[test]
fn terraform_with_usage_logs_reaches_the_functions_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = repo("scenarios/imports/terraform/shop-plan.json");
    // the plan alone: where does function "orders" get its traffic from?
    let bare = d.join("bare.toml");
    ok(&["import", "terraform", s(&plan), "--out", s(&bare)]);
    let t = load_toml(&bare);
    // (the first route integrating it, in the plan's order; several routes do)
    let entry = array(&t, "api")
        .into_iter()
        .flat_map(|api| array(api, "route").into_iter().map(move |r| (api, r)))
        .find(|(_, r)| r.get("target").and_then(toml::Value::as_str) == Some("function:orders"))
        .map(|(api, r)| {
            (
                format!("api:{}", name_of(api)),
                r.get("route").and_then(toml::Value::as_str).map(str::to_string),
            )
        })
        .unwrap_or(("function:orders".to_string(), None));
    assert_eq!(entry, ("api:shop".to_string(), Some("POST /orders".to_string())));
    // 3 minutes of REPORT lines, 12 then 20 then 7 invocations
    let mut log = String::new();
    let mut n = 0;
    for (minute, count) in [(0, 12), (1, 20), (2, 7)] {
        for i in 0..count {
            n += 1;
            let ms = 1000 + i * 2500;
            let init = if n == 1 { "\tInit Duration: 250.00 ms" } else { "" };
            log.push_str(&format!(
                "2026-03-02T10:{minute:02}:{:02}.{:03}Z\tREPORT RequestId: 00000000-0000-4000-8000-{n:012}\t\
                 Duration: 45.00 ms\tBilled Duration: 46 ms\tMemory Size: 512 MB\tMax Memory Used: 60 MB{init}\t\n",
                ms / 1000,
                ms % 1000
            ));
        }
    }
    let logs = write(d, "orders.log", &log);
    // nightly (no API in front): 2 invocations, reached directly
    let nightly = write(
        d,
        "nightly.log",
        "2026-03-02T10:00:30.000Z\tREPORT RequestId: 10000000-0000-4000-8000-000000000001\t\
         Duration: 900.00 ms\tBilled Duration: 900 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n\
         2026-03-02T10:02:30.000Z\tREPORT RequestId: 10000000-0000-4000-8000-000000000002\t\
         Duration: 800.00 ms\tBilled Duration: 800 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n",
    );
    let scenario = d.join("shop.toml");
    let stdout = ok(&[
        "import",
        "terraform",
        s(&plan),
        "--usage",
        s(&logs),
        s(&nightly),
        "--out",
        s(&scenario),
    ]);
    ok(&["validate", s(&scenario)]);
    assert!(
        stdout.contains("traffic reaches: api:shop route POST /orders, function:nightly"),
        "{stdout}"
    );
    let t = load_toml(&scenario);
    let workloads = array(&t, "workload");
    assert_eq!(workloads.len(), 2, "{t}");
    let n = workloads.iter().find(|w| name_of(w) == "observed-nightly").expect("nightly's traffic");
    assert_eq!(n["target"].as_str(), Some("function:nightly"));
    assert!(n.get("route").is_none());
    let w = workloads.iter().find(|w| name_of(w) == "observed-orders").expect("orders' traffic");
    assert_eq!(w["target"].as_str(), Some(entry.0.as_str()), "{w}");
    assert_eq!(w.get("route").and_then(toml::Value::as_str), entry.1.as_deref(), "{w}");
    let sum: f64 = w["arrivals"]["profile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_array().unwrap()[1].as_float().unwrap() * 60.0)
        .sum();
    assert!((sum - 39.0).abs() < 1e-6, "{sum}");
    assert_eq!(functions(&t).iter().filter(|f| name_of(f) == "orders").count(), 1);
}

#[test]
fn usage_cloudwatch_without_queries_names_the_usage_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.toml");
    let cw = repo("scenarios/imports/cloudwatch/orders-page1.json");
    let o = slsim_cli(&["import", "cfn", s(&repo(TEMPLATE)), "--usage", s(&cw), "--out", s(&out)]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(s(&cw)), "{stderr}");
    assert!(stderr.contains("--usage-queries"), "names the flag to use: {stderr}");
    assert!(!out.exists());
}

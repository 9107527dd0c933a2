//! `slsim import logs`: REPORT logs in, a replayable scenario and observed.csv out.
// See: issue 13 (import real AWS usage, compare)

use std::path::{Path, PathBuf};

use serde_json::Value;
use slsim::app::{RunOptions, run_scenario};
use slsim::config::{Override, Scenario, load_str};
use slsim::import::logs::{self, Args, nearest_rank};
use slsim::import::observed::{Metric, Observed};
use slsim::import::time;
use slsim::lambda::logs::SampleRate;

use crate::common::*;

fn fixture(name: &str) -> String {
    format!("{}/scenarios/imports/logs/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A shipped-like function: CPU-bound work at 512 MB (3.46 times slower than on one vCPU),
/// a 2 s timeout that the long tail reaches, errors, and a keep-alive short enough to give
/// cold starts all along.
const ORIGINAL: &str = r#"
[simulation]
name = "orig"
duration = "5m"
seed = 11

[[lambda.function]]
name = "api"
runtime = "python3.12"
memory_size = 512
timeout = "2s"
error_rate = 0.05
keep_alive = "20s"

[[workload]]
name = "calls"
target = "function:api"
arrivals = { process = "poisson", rate = 15.0 }
duration = { dist = "lognormal", median = "120ms", sigma = 0.6 }
cpu_bound = 1.0
"#;

/// Runs with every invocation logged; returns the output folder (kept by `dir`).
fn run_logged(s: &Scenario, dir: &Path) -> Value {
    let opts = RunOptions {
        out_dir: Some(dir.to_path_buf()),
        logs: Some(SampleRate::ALL),
        ..RunOptions::default()
    };
    run_scenario(s, &opts).expect("runs").summary.to_value()
}

fn args(files: Vec<PathBuf>) -> Args {
    Args {
        files,
        function: None,
        cpu_bound: 1.0,
        threads: 1,
        timeout: None,
        runtime: "python3.12".into(),
        architecture: "x86_64".into(),
    }
}

fn all_durations(files: &[PathBuf]) -> Vec<f64> {
    let logs = logs::load(files, None).unwrap();
    let mut d: Vec<f64> = logs.reports.iter().map(|r| r.duration_ms).collect();
    d.sort_by(f64::total_cmp);
    d
}

fn column(o: &Observed, m: Metric) -> Vec<f64> {
    (0..o.rows.len()).map(|i| o.get(i, m).unwrap_or(0.0)).collect()
}

fn set(key: &str) -> Override {
    key.parse().unwrap()
}

#[test]
fn slsims_own_logs_round_trip_through_import_and_replay() {
    let tmp = tempfile::tempdir().unwrap();
    let original = scenario(ORIGINAL);
    let first = tmp.path().join("first");
    let summary1 = run_logged(&original, &first);
    let log1 = vec![first.join("logs/api.log")];

    // import
    let out = logs::import(&args(log1.clone()), "rt").unwrap();
    let path = tmp.path().join("import/rt.toml");
    slsim::import::write_output(&path, &out).unwrap();
    assert!(out.scenario.contains("timeout = \"2s\"  # the Duration of the timed-out records"));

    // the arrivals are the START lines' times, to the millisecond
    let text = std::fs::read_to_string(&log1[0]).unwrap();
    let mut starts: Vec<i64> = text
        .lines()
        .filter(|l| l.contains("\tSTART RequestId: "))
        .map(|l| time::parse(l.split('\t').next().unwrap()).unwrap())
        .collect();
    starts.sort();
    let csv = std::fs::read_to_string(tmp.path().join("import/rt-api.requests.csv")).unwrap();
    let t0 = time::parse(slsim::lambda::logs::EPOCH).unwrap();
    let imported: Vec<f64> =
        csv.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    // in-flight invocations at the end have a START and no REPORT
    let in_flight = starts.len() - imported.len();
    assert!(in_flight < 10, "{in_flight}");
    // every imported start is a START line's time, to the millisecond
    let worst = imported
        .iter()
        .map(|&i| {
            let at = t0 as f64 + i * 1e3;
            let k = starts.partition_point(|&s| (s as f64) < at);
            [k.wrapping_sub(1), k]
                .iter()
                .filter_map(|&j| starts.get(j))
                .map(|&s| (s as f64 - at).abs())
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max);
    assert!(worst <= 1.0 + 1e-9, "arrival off by {worst} ms");

    // replay with the same seed, at the observed memory size
    let seed = [set("simulation.seed=11")];
    let replay = load_str(&path, &std::fs::read_to_string(&path).unwrap(), &seed).unwrap();
    let second = tmp.path().join("second");
    let summary2 = run_logged(&replay, &second);
    let log2 = vec![second.join("logs/api.log")];
    let (o1, o2) =
        (logs::observed(&log1, None, false).unwrap(), logs::observed(&log2, None, false).unwrap());
    assert_eq!(o1.start_ms, o2.start_ms);
    let (inv1, inv2) = (column(&o1, Metric::Invocations), column(&o2, Metric::Invocations));
    // the run drains in-flight work after its 5 minutes: REPORTs (not starts) may follow
    assert!(inv1.len() == 5 || (inv1.len() == 6 && inv1[5] == 0.0), "{inv1:?}");
    for (m, (a, b)) in inv1.iter().zip(&inv2).enumerate() {
        assert!((a - b).abs() <= (0.01 * a).max(2.0), "minute {m}: {a} vs {b}");
    }
    // run times: the same per request, up to rounding (timeouts cut both at 2 s)
    let (d1, d2) = (all_durations(&log1), all_durations(&log2));
    for q in [0.5, 0.99] {
        let (a, b) = (nearest_rank(&d1, q).unwrap(), nearest_rank(&d2, q).unwrap());
        assert!((a - b).abs() / a < 0.01, "p{}: {a} vs {b}", q * 100.0);
    }
    // cold starts: same arrivals and run times, the init times drawn from the observed ones
    let ratio = |s: &Value| f64_at(s, "functions.api.cold_start_ratio");
    let (c1, c2) = (ratio(&summary1), ratio(&summary2));
    assert!(c1 > 0.005, "the original has cold starts: {c1}");
    assert!((c1 - c2).abs() < 0.25 * c1 + 0.005, "cold-start ratio {c1} vs {c2}");
    let errors = |s: &Value| f64_at(s, "functions.api.errors");
    let (e1, e2) = (errors(&summary1), errors(&summary2));
    assert!((e1 - e2).abs() < 5.0 * e1.sqrt() + 5.0, "errors {e1} vs {e2}");

    // cpu_bound round trip: at 2048 MB the replay runs what the original runs there
    let big = [set("simulation.seed=11"), set("lambda.function.api.memory_size=2048")];
    let original_big = load_str(Path::new("orig.toml"), ORIGINAL, &big).unwrap();
    let third = tmp.path().join("third");
    run_logged(&original_big, &third);
    let big_replay = [set("simulation.seed=11"), set("trace.api.template.memory_size=2048")];
    let replay_big =
        load_str(&path, &std::fs::read_to_string(&path).unwrap(), &big_replay).unwrap();
    let fourth = tmp.path().join("fourth");
    run_logged(&replay_big, &fourth);
    let (d3, d4) = (
        all_durations(&[third.join("logs/api.log")]),
        all_durations(&[fourth.join("logs/api.log")]),
    );
    let (a, b) = (nearest_rank(&d3, 0.5).unwrap(), nearest_rank(&d4, 0.5).unwrap());
    assert!((a - b).abs() / a < 0.01, "p50 at 2048 MB: {a} vs {b}");
    let at_512 = nearest_rank(&d1, 0.5).unwrap();
    assert!((at_512 / b - 1769.0 / 512.0).abs() < 0.05, "the CPU law: {at_512} vs {b}");
}

#[test]
fn the_binary_imports_the_sample_exports_and_runs_the_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("day.toml");
    let o = slsim_cli(&[
        "import",
        "logs",
        &fixture("checkout.log"),
        &fixture("resize.log"),
        &fixture("orders-page1.json"),
        &fixture("orders-page2.json"),
        "--cpu-bound",
        "0.5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = tree(tmp.path());
    for f in [
        "day.toml",
        "day.observed.csv",
        "day-checkout.requests.csv",
        "day-checkout.init.txt",
        "day-checkout.duration.txt",
        "day-resize.requests.csv",
    ] {
        assert!(files.contains_key(f), "{f}: {:?}", files.keys());
    }
    let observed = Observed::from_csv(&tmp.path().join("day.observed.csv")).unwrap();
    // 14:04 (orders' first start) to 14:06:10.1: 3 minutes, 6 + 3 + 3 invocations
    assert_eq!(observed.rows.len(), 3);
    assert_eq!(column(&observed, Metric::Invocations).iter().sum::<f64>(), 12.0);
    let run = slsim_cli(&[
        "run",
        out.to_str().unwrap(),
        "--out",
        tmp.path().join("run").to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn bad_exports_exit_2_name_the_place_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let long = format!("START\n{}\n", "y".repeat(2 << 20));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.log", Vec::new(), "empty file"),
        ("page.json", b"{\"events\": []}".to_vec(), "no REPORT line"),
        ("shape.json", b"{\"events\": {\"a\": 1}}".to_vec(), "line 1, column"),
        ("list.json", b"[1, 2, 3]\n".to_vec(), "no REPORT line"),
        (
            "nodur.log",
            b"2026-01-01T00:00:01.000Z\tREPORT RequestId: a\tMemory Size: 128 MB\n".to_vec(),
            "line 1: REPORT line without `Duration`",
        ),
        ("junk.bin", vec![0x89, b'P', b'N', b'G', 0, 0, 0xff, b'\n', 1, 2], "line 1: binary"),
        ("long.log", long.into_bytes(), "line 2: longer than 1 MB"),
    ];
    for (name, bytes, expected) in cases {
        let file = input.join(name);
        std::fs::write(&file, bytes).unwrap();
        let out_dir = tmp.path().join(format!("out-{name}"));
        std::fs::create_dir(&out_dir).unwrap();
        let o = slsim_cli(&[
            "import",
            "logs",
            file.to_str().unwrap(),
            "--out",
            out_dir.join("x.toml").to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(tree(&out_dir).is_empty(), "{name}: nothing written");
    }
}

#[test]
fn a_trace_with_cpu_bound_scales_its_run_times_by_the_cpu_law() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("t.csv"), "timestamp,duration_ms\n1.0,1769\n2.0,1000\n")
        .unwrap();
    let text = |cpu: &str| {
        format!(
            "[simulation]\nname = \"t\"\nduration = \"1m\"\n[[trace]]\nname = \"t\"\nformat = \
             \"requests\"\npath = \"t.csv\"\n{cpu}\n[trace.template]\nruntime = \"python3.12\"\n\
             memory_size = 1024\ntimeout = \"10s\"\n"
        )
    };
    let path = tmp.path().join("t.toml");
    let durations = |cpu: &str, out: &str| {
        let s = load_str(&path, &text(cpu), &[]).unwrap();
        run_logged(&s, &tmp.path().join(out));
        all_durations(&[tmp.path().join(out).join("logs/t.log")])
    };
    // without cpu_bound: as given
    assert_eq!(durations("", "plain"), [1000.0, 1769.0]);
    // all CPU at 1024 MB: d x 1769 / 1024
    let scaled = durations("cpu_bound = 1.0", "cpu");
    assert!((scaled[1] - 1769.0 * 1769.0 / 1024.0).abs() < 0.02, "{scaled:?}");
    assert!((scaled[0] - 1000.0 * 1769.0 / 1024.0).abs() < 0.02, "{scaled:?}");
    // a share out of range names the key
    for (bad, key) in [("cpu_bound = 1.5", "cpu_bound"), ("threads = 0", "threads")] {
        let e = load_str(&path, &text(bad), &[]).unwrap_err().to_string();
        assert!(
            e.contains(&format!("trace \"t\".{key}")) || e.contains(&format!("t.{key}")),
            "{e}"
        );
    }
}

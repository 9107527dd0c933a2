//! `slsim sweep` and `slsim merge`: expansion, the power-tuning law, determinism across thread
//! counts, resume, shards and merge, bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use slsim::sweep::{self, Shard, SweepOptions};

use crate::common::{slsim_cli as slsim, tree};

/// A fully CPU-bound, single-threaded function whose handler takes exactly 1 s on one vCPU,
/// swept over memory; one request every 10 s, with a 2 ms init (cold starts barely matter).
const CPU_BOUND: &str = r#"
[simulation]
name = "cpu-bound"
duration = "2h"
seed = 3
[pricing]
free_tier = false
[[lambda.function]]
name = "f"
runtime = "python3.12"
memory_size = 128
timeout = "60s"
init_duration = "2ms"
[[workload]]
name = "w"
target = "function:f"
arrivals = { process = "poisson", rate = 0.1 }
duration = "1s"
cpu_bound = 1.0
threads = 1
[sweep]
[sweep.parameters]
"lambda.function.f.memory_size" = [256, 512, 1024, 1769, 2048, 3008, 10240]
"#;

fn write_scenario(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn prepare(path: &Path, params: &[&str]) -> sweep::Prepared {
    let params: Vec<_> = params.iter().map(|p| sweep::parse_param(p).unwrap()).collect();
    match sweep::prepare(path, &[], &params, None) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn opts(out: &Path) -> SweepOptions {
    SweepOptions { out_dir: Some(out.to_path_buf()), charts: false, ..SweepOptions::default() }
}

#[test]
fn memory_sweep_follows_the_cpu_law() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    let prep = prepare(&path, &[]);
    assert_eq!(prep.points.len(), 7);
    slsim::app::sweep(&prep, &opts(&tmp.path().join("out"))).unwrap();
    let t = sweep::load(&tmp.path().join("out")).unwrap();
    let p50 = t.figure("functions.f.latency_ms.p50").unwrap();
    for (r, row) in t.rows.iter().enumerate() {
        let m = row.values[0].as_f64().unwrap();
        // 1 s on one vCPU: 1769/m seconds below 1,769 MB, flat (one thread) above
        let expected = 1000.0 * (1769.0 / m).max(1.0);
        let (got, _) = t.value(r, p50).unwrap();
        assert!((got / expected - 1.0).abs() < 0.01, "{m} MB: p50 {got} ms, expected {expected}");
    }
    // GB-seconds per invocation are constant below 1,769 MB (time x memory = 1769 MB-s)
    let gbs = t.figure("functions.f.billed_gb_seconds").unwrap();
    let inv = t.figure("functions.f.invocations").unwrap();
    for r in 0..4 {
        let per = t.value(r, gbs).unwrap().0 / t.value(r, inv).unwrap().0;
        assert!((per / (1769.0 / 1024.0) - 1.0).abs() < 0.01, "row {r}: {per} GB-s per call");
    }
}

#[test]
fn grid_and_zip_write_one_row_per_point() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    // --param replaces the memory list and adds a second key: 3 x 2 grid
    let out = tmp.path().join("grid");
    let o = slsim(&[
        "sweep",
        path.to_str().unwrap(),
        "--param",
        "lambda.function.f.memory_size=512,1024,2048",
        "--param",
        "workload.w.arrivals.rate={ from = 0.05, to = 0.1, step = 0.05 }",
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 6);
    assert!(lines[0].starts_with(
        "lambda.function.f.memory_size,workload.w.arrivals.rate,simulated_seconds,simulated_seconds:ci95"
    ));
    assert!(lines[0].contains(",cost_usd.total,cost_usd.total:ci95"));
    let firsts: Vec<&str> = lines[1..].iter().map(|l| &l[..l.find(',').unwrap()]).collect();
    assert_eq!(firsts, ["512", "512", "1024", "1024", "2048", "2048"]);
    assert!(lines[1].starts_with("512,0.05,") && lines[2].starts_with("512,0.1,"));

    // zip: the lists side by side
    let zip = CPU_BOUND.replace("[sweep]\n", "[sweep]\nmode = \"zip\"\n")
        + "\"workload.w.arrivals.rate\" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]\n";
    let path = write_scenario(tmp.path(), &zip);
    let prep = prepare(&path, &[]);
    assert_eq!(prep.points.len(), 7);
    slsim::app::sweep(&prep, &opts(&tmp.path().join("zip"))).unwrap();
    let t = sweep::load(&tmp.path().join("zip")).unwrap();
    assert_eq!(t.rows.len(), 7);
    assert_eq!(t.rows[6].values, [serde_json::json!(10240), serde_json::json!(0.7)]);
}

#[test]
fn replications_give_confidence_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let text = CPU_BOUND.replace("[sweep]\n", "[sweep]\nreplications = 4\n");
    let path = write_scenario(tmp.path(), &text);
    let prep = prepare(&path, &["lambda.function.f.memory_size=1024"]);
    slsim::app::sweep(&prep, &opts(&tmp.path().join("out"))).unwrap();
    let t = sweep::load(&tmp.path().join("out")).unwrap();
    let inv = t.figure("functions.f.invocations").unwrap();
    let (mean, ci) = t.value(0, inv).unwrap();
    // ~720 Poisson arrivals in 2 h: replications differ, so the CI is positive and modest
    assert!(ci > 0.0 && ci < 0.2 * mean, "mean {mean}, ci {ci}");
    let point: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sweep::point_path(&tmp.path().join("out"), 0)).unwrap(),
    )
    .unwrap();
    assert_eq!(point["summary"]["replications"], 4);
}

#[test]
fn identical_bytes_with_one_or_many_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    let prep = prepare(&path, &["workload.w.arrivals.rate=0.1,0.5"]);
    let one = tmp.path().join("one");
    let many = tmp.path().join("many");
    slsim::app::sweep(&prep, &SweepOptions { threads: Some(1), ..opts(&one) }).unwrap();
    slsim::app::sweep(&prep, &SweepOptions { threads: Some(4), ..opts(&many) }).unwrap();
    let (a, b) = (tree(&one), tree(&many));
    assert_eq!(a.len(), 3 + 14); // sweep.json, sweep.csv, report.html, the points
    assert_eq!(a, b);
}

#[test]
fn shards_merge_into_the_unsharded_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    let prep = prepare(&path, &[]);
    let whole = tmp.path().join("whole");
    slsim::app::sweep(&prep, &opts(&whole)).unwrap();
    let mut dirs = Vec::new();
    for index in 0..3 {
        let d = tmp.path().join(format!("shard{index}"));
        let shard = Some(Shard { index, count: 3 });
        let r = slsim::app::sweep(&prep, &SweepOptions { shard, ..opts(&d) }).unwrap();
        assert_eq!(r.in_shard, [3, 2, 2][index as usize]);
        assert!(r.files.is_empty(), "a lone shard writes no sweep.csv");
        assert!(!d.join("sweep.csv").exists());
        dirs.push(d);
    }
    // an incomplete set is refused, naming the missing points
    let err = slsim::app::merge(&dirs[..2], &tmp.path().join("partial"), false).unwrap_err();
    assert!(format!("{err}").contains("2 of 7 points"), "{err}");
    let merged = tmp.path().join("merged");
    let (n, _) = slsim::app::merge(&dirs, &merged, false).unwrap();
    assert_eq!(n, 7);
    assert_eq!(tree(&merged), tree(&whole));
    // through the binary as well, into one of the shard folders
    let o = slsim(&[
        "merge",
        dirs[0].to_str().unwrap(),
        dirs[1].to_str().unwrap(),
        dirs[2].to_str().unwrap(),
        "--out",
        dirs[0].to_str().unwrap(),
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tree(&dirs[0]), tree(&whole));
    // a folder that is not a sweep's is bad input (exit code 2), named
    let o = slsim(&["merge", dirs[0].to_str().unwrap(), "/nonexistent-shard", "--out", "/tmp/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent-shard holds no sweep.json"));
    // shards of another sweep cannot be mixed in
    let other = write_scenario(tmp.path(), &CPU_BOUND.replace("seed = 3", "seed = 4"));
    let d = tmp.path().join("other");
    slsim::app::sweep(
        &prepare(&other, &[]),
        &SweepOptions { shard: Some(Shard { index: 0, count: 3 }), ..opts(&d) },
    )
    .unwrap();
    let err =
        slsim::app::merge(&[dirs[1].clone(), d], &tmp.path().join("mixed"), false).unwrap_err();
    assert!(format!("{err}").contains("different sweeps"), "{err}");
}

#[test]
fn auto_shards_read_the_array_index_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    let out = tmp.path().join("batch");
    let o = Command::new(env!("CARGO_BIN_EXE_slsim"))
        .args([
            "sweep",
            path.to_str().unwrap(),
            "--shard",
            "auto/3",
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
        ])
        .env("AWS_BATCH_JOB_ARRAY_INDEX", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files: Vec<String> = tree(&out.join("points")).into_keys().collect();
    assert_eq!(files, ["00001.json", "00004.json"]);
    // no array environment: a clear error and exit code 2
    let o = Command::new(env!("CARGO_BIN_EXE_slsim"))
        .args([
            "sweep",
            path.to_str().unwrap(),
            "--shard",
            "auto/3",
            "--out",
            out.to_str().unwrap(),
        ])
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SLURM_ARRAY_TASK_ID"));
}

#[test]
fn resume_skips_finished_points_and_reruns_changed_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    let prep = prepare(&path, &[]);
    let whole = tmp.path().join("whole");
    slsim::app::sweep(&prep, &opts(&whole)).unwrap();

    // an "interrupted" run: only some points finished (shard 0 of 2), no sweep.csv yet
    let out = tmp.path().join("out");
    slsim::app::sweep(
        &prep,
        &SweepOptions { shard: Some(Shard { index: 0, count: 2 }), ..opts(&out) },
    )
    .unwrap();
    // a point file half-written by an older, different scenario is not trusted
    std::fs::write(sweep::point_path(&out, 1), b"{\"fingerprint\": \"0\"}").unwrap();
    let r = slsim::app::sweep(&prep, &SweepOptions { resume: true, ..opts(&out) }).unwrap();
    assert_eq!((r.ran, r.resumed), (3, 4));
    assert_eq!(tree(&out), tree(&whole));
    // resuming a finished sweep runs nothing
    let r = slsim::app::sweep(&prep, &SweepOptions { resume: true, ..opts(&out) }).unwrap();
    assert_eq!((r.ran, r.resumed), (0, 7));
    // after an edit to the scenario every point is stale
    let edited = write_scenario(tmp.path(), &CPU_BOUND.replace("rate = 0.1", "rate = 0.2"));
    let r = slsim::app::sweep(&prepare(&edited, &[]), &SweepOptions { resume: true, ..opts(&out) })
        .unwrap();
    assert_eq!((r.ran, r.resumed), (7, 0));
}

#[test]
fn bad_sweeps_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), CPU_BOUND);
    let out = tmp.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec!["sweep", path.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = slsim(&args);
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    // a value the function refuses: named with its point
    let (code, err) = run(&["--param", "lambda.function.f.memory_size=1024,64"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("memory_size") && err.contains("lambda.function.f.memory_size=64"),
        "{err}"
    );
    // a key path that names nothing
    let (code, err) = run(&["--param", "lambda.function.nope.memory_size=1024"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no item named \"nope\""), "{err}");
    // ranges
    let (code, err) = run(&["--param", "workload.w.arrivals.rate={ from = 1, to = 2, step = 0 }"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("step = 0") && err.contains("above 0"), "{err}");
    let (code, err) = run(&["--shard", "3/3"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("I must be below N"), "{err}");
    assert!(!out.exists(), "nothing was written");
    // no [sweep] and no --param
    let plain = write_scenario(tmp.path(), CPU_BOUND.split("[sweep]").next().unwrap());
    let o = slsim(&["sweep", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to sweep"));
    // `slsim run` runs the base scenario of a file with [sweep]
    let o = slsim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        tmp.path().join("run").to_str().unwrap(),
        "-q",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The text elements of an SVG drawn by plotters (`<text ...>\nLABEL\n</text>`).
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(body.trim().to_string())
        })
        .collect()
}

fn svg(dir: &Path, stem: &str) -> String {
    let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
    assert_eq!(&png[..4], b"\x89PNG", "{stem}.png is a PNG");
    let text = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{stem}.svg");
    text
}

#[test]
fn shipped_sweeps_draw_their_charts() {
    let tmp = tempfile::tempdir().unwrap();
    // power tuning: the marks name the cheapest and fastest sizes of sweep.csv
    let out = tmp.path().join("pt");
    let o = slsim(&["sweep", "scenarios/power-tuning.toml", "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = sweep::load(&out).unwrap();
    let best = |fig: &str| {
        let f = t.figure(fig).unwrap();
        let r = (0..t.rows.len())
            .min_by(|&a, &b| t.value(a, f).unwrap().0.total_cmp(&t.value(b, f).unwrap().0))
            .unwrap();
        t.rows[r].values[0].as_f64().unwrap()
    };
    let chart = svg(&out, "power-tuning");
    let fastest = best("functions.resize.latency_ms.p95");
    // only passing sizes are called cheapest or fastest, and the recommended one is marked
    assert!(chart.contains("cheapest passing: "), "names the cheapest passing size");
    assert!(!chart.contains("cheapest: "), "never a bare 'cheapest' (it may fail the SLO)");
    assert!(chart.contains(&format!("fastest passing: {fastest} MB")), "fastest {fastest}");
    assert!(chart.contains("recommended"));
    assert!(fastest >= 1769.0, "no speed-up above one vCPU for one thread");
    for stem in ["sweep-cost", "sweep-p50", "sweep-p95", "sweep-p99", "sweep-cold-start-ratio"] {
        assert!(svg(&out, stem).contains("resize"), "{stem} has the function's line");
    }

    // break-even: one line per platform, the API counted with the function, crossings labelled
    let out = tmp.path().join("be");
    let o = slsim(&["sweep", "scenarios/break-even.toml", "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let chart = svg(&out, "break-even");
    for series in ["api-fn (with API Gateway)", "api-fargate", "api-ec2"] {
        assert!(chart.contains(series), "{series}");
    }
    assert!(chart.contains("req/s"), "a crossing is labelled");
    // Lambda is the cheapest at 1 request/s and not at 200
    let t = sweep::load(&out).unwrap();
    let cost = |r: usize, f: &str| t.value(r, t.figure(f).unwrap()).unwrap().0;
    let lambda =
        |r| cost(r, "functions.api-fn.cost_usd.total") + cost(r, "apis.http.cost_usd.total");
    let last = t.rows.len() - 1;
    assert!(lambda(0) < cost(0, "services.api-fargate.cost_usd.total"));
    assert!(lambda(last) > cost(last, "services.api-fargate.cost_usd.total"));
}

#[test]
fn keep_alive_sweeps_draw_the_trade_off() {
    let tmp = tempfile::tempdir().unwrap();
    let text = CPU_BOUND.split("[sweep]").next().unwrap().to_string()
        + "[sweep]\n[sweep.parameters]\n\"lambda.function.f.keep_alive\" = [\"1m\", \"10m\", \"30m\"]\n";
    let path = write_scenario(tmp.path(), &text);
    let out = tmp.path().join("ka");
    slsim::app::sweep(&prepare(&path, &[]), &SweepOptions { charts: true, ..opts(&out) }).unwrap();
    let chart = svg(&out, "keep-alive");
    let texts = svg_texts(&chart);
    for label in ["1m", "10m", "30m"] {
        assert!(texts.iter().any(|t| t == label), "point {label} is labelled: {texts:?}");
    }
    assert!(chart.contains("idle GB-seconds") && chart.contains("cold-start ratio"));
    // a longer keep-alive trades idle memory for fewer cold starts
    let t = sweep::load(&out).unwrap();
    let (cold, idle) = (
        t.figure("functions.f.cold_start_ratio").unwrap(),
        t.figure("functions.f.idle_gb_seconds").unwrap(),
    );
    assert!(t.value(0, cold).unwrap().0 > t.value(2, cold).unwrap().0);
    assert!(t.value(0, idle).unwrap().0 < t.value(2, idle).unwrap().0);
}

#[test]
fn instance_types_are_compared_by_sweeping_them() {
    // vertical scaling as a parameter: one fixed instance of each type for a 1-hour window,
    // billed at its hourly price; the category names label the charts' x axis
    let tmp = tempfile::tempdir().unwrap();
    let text = r#"
[simulation]
name = "vertical"
duration = "70m"
warmup = "10m"
[[service]]
name = "vm"
platform = "ec2"
instance_type = "m6i.large"
concurrency = 8
load_balancer = "none"
capacity = { min = 1, max = 1, initial = 1 }
[[workload]]
name = "w"
target = "service:vm"
arrivals = { process = "poisson", rate = 5.0 }
duration = "50ms"
[sweep.parameters]
"service.vm.instance_type" = ["m6i.large", "m6i.xlarge", "c7g.large", "m7g.large"]
"#;
    let path = write_scenario(tmp.path(), text);
    let out = tmp.path().join("out");
    slsim::app::sweep(&prepare(&path, &[]), &SweepOptions { charts: true, ..opts(&out) }).unwrap();
    let t = sweep::load(&out).unwrap();
    let cost = t.figure("services.vm.cost_usd.total").unwrap();
    for (r, price) in [0.096, 0.192, 0.0725, 0.0816].into_iter().enumerate() {
        let (got, _) = t.value(r, cost).unwrap();
        assert!((got - price).abs() < 1e-9, "row {r}: {got} vs {price}");
    }
    let texts = svg_texts(&svg(&out, "sweep-cost"));
    for label in ["m6i.large", "m6i.xlarge", "c7g.large", "m7g.large"] {
        assert!(texts.iter().any(|t| t == label), "x label {label}: {texts:?}");
    }
}

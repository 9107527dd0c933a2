//! `[slo]`, `slsim recommend` and `report.html`: known answers from a sweep whose latency and
//! cost follow the CPU law exactly, bad input, determinism of the report, and a render check
//! in headless Chromium when it is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use slsim::sweep::{self, Shard, SweepOptions};

use crate::common::{slsim_cli as slsim, tree};

/// A handler of exactly 1 s on one vCPU, half of it CPU work on one thread: at `m` MB below
/// 1,769 it runs 0.5 + 0.5 * 1769 / m seconds, so latency falls and GB-seconds (cost) rise with
/// memory: 256 MB 3,955 ms, 512 MB 2,227.5 ms, 1024 MB 1,363.8 ms, 1769 and 2048 MB 1,000 ms.
const LAW: &str = r#"
[simulation]
name = "law"
duration = "1h"
seed = 5
[[lambda.function]]
name = "f"
runtime = "python3.12"
memory_size = 128
timeout = "60s"
init_duration = "2ms"
[[workload]]
name = "w"
target = "function:f"
arrivals = { process = "poisson", rate = 0.5 }
duration = "1s"
cpu_bound = 0.5
threads = 1
[slo]
p50_ms = 1500
cold_start_ratio = 0.5
[sweep]
replications = 3
[sweep.parameters]
"lambda.function.f.memory_size" = [256, 512, 1024, 1769, 2048]
"#;

fn write_scenario(dir: &Path, text: &str) -> PathBuf {
    write_named(dir, "law.toml", text)
}

fn write_named(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the sweep of `text` into `dir/out` (no charts) and returns the scenario's path.
fn swept(dir: &Path, text: &str) -> PathBuf {
    let path = write_scenario(dir, text);
    let out = dir.join("out");
    let o = slsim(&[
        "sweep",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    path
}

fn recommend(path: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["recommend", path.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = slsim(&args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn close(got: f64, want: f64) -> bool {
    (got / want - 1.0).abs() < 0.01
}

#[test]
fn recommend_picks_the_cheapest_point_meeting_the_slos() {
    let tmp = tempfile::tempdir().unwrap();
    let path = swept(tmp.path(), LAW);
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = recommend(&path, &out, &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("recommended: point 2 (f.memory_size=1024)"), "{stdout}");
    assert!(stdout.contains("runner-up:   point 3 (f.memory_size=1769)"), "{stdout}");
    assert!(stdout.contains("also meeting them, dearer: point 4"), "{stdout}");
    let rec = json(&out.join("recommendation.json"));
    assert_eq!(rec["basis"], "mean");
    assert_eq!(rec["recommended"]["point"], 2);
    assert_eq!(rec["runner_up"]["point"], 3);
    let passing: Vec<u64> =
        rec["passing"].as_array().unwrap().iter().map(|p| p["point"].as_u64().unwrap()).collect();
    assert_eq!(passing, [2, 3, 4], "by cost");
    // why 256 and 512 MB fail: their p50, at the CPU law's value, against the limit
    let failing = rec["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 2);
    for (f, (point, want)) in failing.iter().zip([(0, 3955.1), (1, 2227.5)]) {
        assert_eq!(f["point"], point);
        let reasons = f["failures"].as_array().unwrap();
        assert_eq!(reasons.len(), 1, "{f}");
        assert_eq!(reasons[0]["slo"], "p50_ms");
        assert_eq!(reasons[0]["component"], "function:f");
        assert_eq!(reasons[0]["limit"], 1500.0);
        let got = reasons[0]["value"].as_f64().unwrap();
        assert!(close(got, want), "point {point}: p50 {got}, expected {want}");
    }
    assert!(stdout.contains("point 0 (f.memory_size=256)") && stdout.contains("> 1500.0 ms"));
    // the recommended point's checks all pass
    assert!(rec["recommended"]["checks"].as_array().unwrap().iter().all(|c| c["pass"] == true));
    // the sweep itself wrote the same recommendation (from the scenario's [slo])
    let o = slsim(&[
        "sweep",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--resume",
        "--no-charts",
    ]);
    assert!(o.status.success());
    assert_eq!(json(&out.join("recommendation.json")), rec);
}

#[test]
fn conservative_basis_flips_a_borderline_point() {
    let tmp = tempfile::tempdir().unwrap();
    let path = swept(tmp.path(), LAW);
    let out = tmp.path().join("out");
    let t = sweep::load(&out).unwrap();
    let (mean, ci) = t.value(2, t.figure("cost_usd.total").unwrap()).unwrap();
    assert!(ci > 0.0, "three replications of Poisson arrivals give a cost CI");
    // a budget between the mean and the upper end of the 1024 MB point's interval
    let budget = format!("cost_usd={}", mean + ci / 2.0);
    let (code, stdout, _) = recommend(&path, &out, &["--slo", &budget]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("recommended: point 2"), "{stdout}");
    let (code, stdout, _) = recommend(&path, &out, &["--slo", &budget, "--conservative"]);
    let rec = json(&out.join("recommendation.json"));
    assert_eq!(rec["basis"], "conservative");
    let two = rec["failing"].as_array().unwrap().iter().find(|f| f["point"] == 2).expect("fails");
    assert_eq!(two["failures"][0]["slo"], "cost_usd", "{two}");
    assert!(close(two["failures"][0]["value"].as_f64().unwrap(), mean + ci));
    assert_ne!(rec["recommended"]["point"], 2, "{stdout}");
    assert!(matches!(code, Some(0) | Some(1)), "{stdout}");
}

#[test]
fn no_point_meets_the_slos_and_the_closest_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let path = swept(tmp.path(), LAW);
    let out = tmp.path().join("out");
    let (code, stdout, _) = recommend(&path, &out, &["--slo", "p50_ms=900"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("no point meets every SLO (5 points checked)"), "{stdout}");
    assert!(
        stdout.contains("p50_ms of function:f: 100") && stdout.contains("> 900.0 ms at point 3"),
        "{stdout}"
    );
    let rec = json(&out.join("recommendation.json"));
    assert!(rec["recommended"].is_null());
    let closest = &rec["closest"][0];
    assert_eq!((closest["slo"].as_str(), closest["point"].as_u64()), (Some("p50_ms"), Some(3)));
    assert!(close(closest["value"].as_f64().unwrap(), 1000.0));
    // many failing points are grouped by the SLOs they fail
    let rec = slsim::recommend::load_slo(&path, &["p50_ms=900".into()]).unwrap().1;
    let r = slsim::recommend::from_dir(&out, &rec, false).unwrap();
    let grouped = r.failure_lines(2);
    assert_eq!(grouped.len(), 1, "{grouped:?}");
    assert!(grouped[0].starts_with("5 points fail p50_ms of function:f 100"), "{grouped:?}");
    assert!(grouped[0].contains(" .. 3955.") && grouped[0].contains("> 900.0 ms"), "{grouped:?}");
    assert!(grouped[0].ends_with("points 0, 1, 2, 3, 4"), "{grouped:?}");
}

#[test]
fn bad_slo_input_is_refused_with_exit_code_two() {
    let tmp = tempfile::tempdir().unwrap();
    let path = swept(tmp.path(), LAW);
    let out = tmp.path().join("out");
    let (code, _, err) = recommend(&path, &out, &["--slo", "p98_ms=100"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--slo p98_ms") && err.contains("p99_ms"), "{err}");
    let (code, _, err) = recommend(&path, &out, &["--slo", "throttle_ratio=2"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--slo throttle_ratio: 2 is not allowed; use a ratio in 0..=1"), "{err}");
    let (code, _, err) = recommend(&path, &out, &["--slo", "components=service:web"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("\"service:web\" names no service; the scenario has no services"),
        "{err}"
    );
    let (code, _, err) = recommend(&path, &tmp.path().join("nowhere"), &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nowhere/sweep.json") && err.contains("slsim sweep"), "{err}");
    // no objective at all
    let bare = write_named(
        tmp.path(),
        "bare.toml",
        &LAW.replace("[slo]\np50_ms = 1500\ncold_start_ratio = 0.5\n", ""),
    );
    let (code, _, err) = recommend(&bare, &out, &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("slo: the scenario has no [slo] section"), "{err}");
    // dropping the only limits leaves nothing
    let (code, _, err) =
        recommend(&path, &out, &["--slo", "p50_ms=none", "--slo", "cold_start_ratio=off"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("sets no limit"), "{err}");
    // in the file: unknown keys and bad values name file and key; validate and run accept [slo]
    let typo = write_named(tmp.path(), "typo.toml", &LAW.replace("p50_ms = 1500", "p50ms = 1500"));
    let o = slsim(&["validate", typo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("typo.toml") && err.contains("slo") && err.contains("p50ms"), "{err}");
    let rejected = write_named(
        tmp.path(),
        "rejected.toml",
        &LAW.replace("p50_ms = 1500", "rejected_ratio = 0.01"),
    );
    let o = slsim(&["validate", rejected.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("slo.rejected_ratio: applies to services, and the scenario has none"),
        "{err}"
    );
    let o = slsim(&["validate", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // an SLO is not a sweep parameter
    let o = slsim(&[
        "sweep",
        path.to_str().unwrap(),
        "--param",
        "slo.p50_ms=100,200",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("slo.p50_ms"));
}

#[test]
fn editing_the_slo_keeps_finished_points() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), LAW);
    let prep = sweep::prepare(&path, &[], &[], None).unwrap();
    let out = tmp.path().join("out");
    let opts = SweepOptions { out_dir: Some(out.clone()), ..SweepOptions::default() };
    slsim::app::sweep(&prep, &opts).unwrap();
    let edited = write_scenario(tmp.path(), &LAW.replace("p50_ms = 1500", "p50_ms = 1200"));
    let prep = sweep::prepare(&edited, &[], &[], None).unwrap();
    let r = slsim::app::sweep(&prep, &SweepOptions { resume: true, ..opts }).unwrap();
    assert_eq!((r.ran, r.resumed), (0, 5));
    // ... and the recommendation follows the new objective: 1024 MB (1,364 ms) now fails
    assert_eq!(json(&out.join("recommendation.json"))["recommended"]["point"], 3);
}

#[test]
fn sweep_report_is_identical_across_threads_and_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), &LAW.replace("replications = 3", "replications = 1"));
    let prep = sweep::prepare(&path, &[], &[], None).unwrap();
    let opts = |d: &Path| SweepOptions {
        out_dir: Some(d.to_path_buf()),
        charts: true,
        ..SweepOptions::default()
    };
    let one = tmp.path().join("one");
    slsim::app::sweep(&prep, &SweepOptions { threads: Some(1), ..opts(&one) }).unwrap();
    let many = tmp.path().join("many");
    slsim::app::sweep(&prep, &SweepOptions { threads: Some(3), ..opts(&many) }).unwrap();
    let mut shards = Vec::new();
    for index in 0..2 {
        let d = tmp.path().join(format!("shard{index}"));
        slsim::app::sweep(
            &prep,
            &SweepOptions { shard: Some(Shard { index, count: 2 }), ..opts(&d) },
        )
        .unwrap();
        assert!(!d.join("report.html").exists(), "a lone shard writes no report");
        shards.push(d);
    }
    let merged = tmp.path().join("merged");
    slsim::app::merge(&shards, &merged, true).unwrap();
    let whole = tree(&one);
    assert!(whole.contains_key("report.html") && whole.contains_key("recommendation.json"));
    assert_eq!(whole, tree(&many));
    assert_eq!(whole, tree(&merged));

    let html = String::from_utf8(whole["report.html"].clone()).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(html.contains("<table id=\"points\">"), "the points table");
    assert_eq!(html.matches("<tr class=\"best\">").count(), 1);
    assert!(html.contains("<b>recommended</b>: point 2 (f.memory_size=1024)"), "{html}");
    assert!(html.contains("<b>runner-up</b>: point 3 (f.memory_size=1769)"), "{html}");
    // the points table shows the percentile the SLO judges (p50 here, not p99) and what a
    // failing point misses, with its value and the limit
    assert!(html.contains("<th>f p50 ms</th>") && !html.contains("<th>f p99 ms</th>"), "{html}");
    assert!(html.contains("fails p50 ") && html.contains(" &gt; 1,500 ms</td>"), "{html}");
    // one row per point, the swept value in it
    for m in [256, 512, 1024, 1769, 2048] {
        assert!(html.contains(&format!("<td class=\"n\">{m}</td>")), "{m} MB");
    }
    // nothing fetched: the only address is the SVG namespace, which is a name, not a fetch
    let html = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
}

#[test]
fn run_report_has_every_table_and_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = r#"
[simulation]
name = "report-run"
duration = "10m"
[[lambda.function]]
name = "fn"
runtime = "python3.12"
memory_size = 512
[[service]]
name = "web"
platform = "fargate"
vcpu = 1.0
memory = 2048
concurrency = 8
capacity = { min = 1, max = 1, initial = 1 }
[[workload]]
name = "w"
targets = ["function:fn", "service:web"]
arrivals = { process = "poisson", rate = 2.0 }
duration = "50ms"
[slo]
p99_ms = 1000
rejected_ratio = 0.0
"#;
    let path = tmp.path().join("run.toml");
    std::fs::write(&path, scenario).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // an old chart that this run does not draw stays out of the report
    std::fs::write(out.join("power-tuning.svg"), "<svg></svg>").unwrap();
    let o = slsim(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in ["functions", "services", "compare", "cost", "slo"] {
        assert!(html.contains(&format!("<table id=\"{id}\">")), "table {id}");
    }
    assert!(!html.contains("<table id=\"apis\">"), "no APIs, no API table");
    for chart in ["requests", "concurrency", "latency_cdf", "compare"] {
        assert!(html.contains(&format!("<figure id=\"chart-{chart}\">")), "chart {chart}");
        assert!(out.join(format!("{chart}.png")).exists());
    }
    assert!(!html.contains("chart-power-tuning"));
    let requests = &html[html.find("<figure id=\"chart-requests\">").unwrap()..];
    assert!(requests[..200].contains("<svg ") && !requests[..200].contains("<?xml"), "inline SVG");
    let svgs = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .map(|e| e.path().file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|s| s != "power-tuning")
        .collect::<Vec<_>>();
    for stem in svgs {
        let fig = &html[html.find(&format!("<figure id=\"chart-{stem}\">")).expect(&stem)..];
        assert!(fig[..fig.find("</figure>").unwrap()].contains("<svg"), "{stem}.svg inlined");
    }
    // every chart of a run is drawn as SVG too, so none falls back to a PNG (the fallback is
    // checked in report::html's unit tests)
    assert!(!html.contains("data:image/png;base64,"));
    // the SLO table judges both components
    assert!(html.contains("<td>function:fn</td>") && html.contains("<td>service:web</td>"));
    // same inputs, same bytes
    let first = std::fs::read(out.join("report.html")).unwrap();
    let o = slsim(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success());
    assert_eq!(std::fs::read(out.join("report.html")).unwrap(), first);
}

fn chromium() -> Option<String> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    std::env::var("CHROMIUM").ok().into_iter().chain(candidates.iter().map(|s| s.to_string())).find(
        |b| {
            Command::new("sh")
                .args(["-c", &format!("command -v '{b}' >/dev/null 2>&1")])
                .status()
                .is_ok_and(|s| s.success())
        },
    )
}

#[test]
fn reports_render_in_headless_chromium() {
    let Some(browser) = chromium() else {
        // written to the real stderr, past the test harness's capture, so it shows in CI logs
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED reports_render_in_headless_chromium: no Chromium found \
             (apt-get install -y chromium, or set CHROMIUM)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scenario(tmp.path(), &LAW.replace("replications = 3", "replications = 1"));
    let run = tmp.path().join("run");
    let o = slsim(&["run", path.to_str().unwrap(), "--out", run.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sw = tmp.path().join("sweep");
    let o = slsim(&["sweep", path.to_str().unwrap(), "--out", sw.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-report.sh");
    for dir in [&run, &sw] {
        let o =
            Command::new("bash").arg(&script).arg(dir).env("CHROMIUM", &browser).output().unwrap();
        assert!(
            o.status.success(),
            "{}: {}{}",
            dir.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // and it fails on a page that does not render its tables
    std::fs::write(sw.join("report.html"), "<html><body><table></table></body></html>").unwrap();
    let o = Command::new("bash").arg(&script).arg(&sw).env("CHROMIUM", &browser).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
}

//! Trace replay (issue 6): every invocation of a trace replayed, spreads, windows, time
//! scaling, unsorted rows sorted in bounded chunks, malformed rows, `slsim trace inspect`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use slsim::config::{self, Scenario};
use slsim::engine::SimTime;
use slsim::trace::{Source, TraceStream};

use crate::common::summarize;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces").join(rel)
}

/// Writes `files` and `scenario.toml` (a `[simulation]` of `duration` plus `trace`) to a
/// temporary folder and loads the scenario.
fn load(
    dir: &Path,
    duration: &str,
    trace: &str,
    files: &[(&str, &str)],
) -> Result<Scenario, String> {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let text = format!(
        "[simulation]\nname = \"t\"\nduration = \"{duration}\"\n\n[[trace]]\n{trace}\n\
         template = {{ runtime = \"python3.12\" }}\n"
    );
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    config::load(&path, &[]).map_err(|e| e.to_string())
}

fn ok(r: Result<Scenario, String>) -> Scenario {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Every arrival of the scenario's first trace: (time, trace function).
fn arrivals(s: &Scenario) -> Vec<(SimTime, u32)> {
    let mut t = TraceStream::open(&s.traces[0], 7, SimTime(s.duration.0));
    let mut out = Vec::new();
    while let Some(at) = t.peek() {
        let (f, _) = t.take().unwrap();
        out.push((at, f));
    }
    out
}

const INVOCATIONS_HEADER: &str = "HashOwner,HashApp,HashFunction,Trigger,100,101,102";
const DURATIONS: &str = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,\
percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,\
percentile_Average_75,percentile_Average_99,percentile_Average_100\n\
o,a,aaaa,10,1,,,5,5,8,10,12,20,30\n\
o,a,bbbb,0,1,0.0,0.0,0,0,0,0,0,0,0\n";

fn azure2019(dir: &Path, rows: &str, extra: &str) -> Result<Scenario, String> {
    let inv = format!("{INVOCATIONS_HEADER}\n{rows}");
    let trace = format!(
        "name = \"az\"\nformat = \"azure2019\"\ninvocations = \"inv.csv\"\ndurations = \"dur.csv\"\n{extra}"
    );
    load(dir, "1h", &trace, &[("inv.csv", &inv), ("dur.csv", DURATIONS)])
}

const SEC: u64 = 1_000_000_000;

#[test]
fn even_spread_spaces_each_minute_exactly_and_the_first_column_is_time_zero() {
    let dir = tempfile::tempdir().unwrap();
    let s = ok(azure2019(
        dir.path(),
        "o,a,aaaa,http,3,0,2\no,a,bbbb,timer,1,0,0\n",
        "spread = \"even\"",
    ));
    let got = arrivals(&s);
    let want = vec![
        (SimTime(0), 0),
        (SimTime(0), 1),
        (SimTime(20 * SEC), 0),
        (SimTime(40 * SEC), 0),
        (SimTime(120 * SEC), 0),
        (SimTime(150 * SEC), 0),
    ];
    assert_eq!(got, want);
    assert_eq!(s.lambda.functions[s.traces[0].functions[0]].name, "aaaa");
}

#[test]
fn uniform_and_poisson_spreads_keep_each_count_inside_its_minute() {
    for spread in ["uniform", "poisson"] {
        let dir = tempfile::tempdir().unwrap();
        let s = ok(azure2019(
            dir.path(),
            "o,a,aaaa,http,50,0,70\no,a,bbbb,timer,5,9,0\n",
            &format!("spread = \"{spread}\""),
        ));
        let got = arrivals(&s);
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "{spread}: in time order");
        let mut per = HashMap::new();
        for (t, f) in &got {
            *per.entry((t.0 / (60 * SEC), *f)).or_insert(0) += 1;
        }
        let want = HashMap::from([((0, 0), 50), ((2, 0), 70), ((0, 1), 5), ((1, 1), 9)]);
        assert_eq!(per, want, "{spread}");
        // not all at the minute's start
        assert!(got.iter().filter(|(t, _)| t.0 % (60 * SEC) != 0).count() > 100, "{spread}");
    }
}

#[test]
fn windows_select_and_time_scale_stretches_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "o,a,aaaa,http,3,4,2\n";
    let s = ok(azure2019(dir.path(), rows, "spread = \"even\"\nstart = \"1m\"\nlength = \"1m\""));
    let got: Vec<u64> = arrivals(&s).iter().map(|a| a.0.0).collect();
    assert_eq!(got, vec![0, 15 * SEC, 30 * SEC, 45 * SEC]);
    let s = ok(azure2019(
        dir.path(),
        rows,
        "spread = \"even\"\nstart = \"1m\"\nlength = \"2m\"\ntime_scale = 2.0",
    ));
    let got: Vec<u64> = arrivals(&s).iter().map(|a| a.0.0).collect();
    assert_eq!(got, vec![0, 7_500_000_000, 15 * SEC, 22_500_000_000, 30 * SEC, 45 * SEC]);
    // a window on timestamps (requests format)
    let s = ok(load(
        dir.path(),
        "1h",
        "name = \"r\"\nformat = \"requests\"\npath = \"r.csv\"\nstart = \"10s\"\nlength = \"10s\"\ntime_scale = 0.5",
        &[("r.csv", "timestamp\n25\n12.5\n9.999\n19.999\n20\n10\n")],
    ));
    let got: Vec<u64> = arrivals(&s).iter().map(|a| a.0.0).collect();
    assert_eq!(got, vec![0, 5 * SEC, 19_998_000_000]);
}

fn shuffled_requests(n: u64) -> (String, Vec<u64>) {
    let mut text = String::from("function,timestamp,duration_ms\n");
    let mut times = Vec::new();
    // a fixed permutation of 0..n: i * 37 mod n (n coprime with 37)
    for i in 0..n {
        let k = (i * 37) % n;
        text.push_str(&format!("fn{},{}.5,{}\n", k % 3, k, 10 + k % 7));
        times.push(k * SEC + SEC / 2);
    }
    times.sort();
    (text, times)
}

#[test]
fn unsorted_requests_replay_in_time_order_in_memory_and_across_many_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let (text, want) = shuffled_requests(1000);
    let mut s = ok(load(
        dir.path(),
        "2h",
        "name = \"r\"\nformat = \"requests\"\npath = \"r.csv\"",
        &[("r.csv", &text)],
    ));
    let in_memory: Vec<u64> = arrivals(&s).iter().map(|a| a.0.0).collect();
    assert_eq!(in_memory, want);
    for chunk in [1, 7, 64] {
        let Source::Records { chunk_rows, .. } = &mut s.traces[0].source else { panic!("records") };
        *chunk_rows = chunk;
        let got: Vec<u64> = arrivals(&s).iter().map(|a| a.0.0).collect();
        assert_eq!(got, want, "chunks of {chunk} rows");
        let t = TraceStream::open(&s.traces[0], 1, SimTime::MAX);
        assert_eq!(t.stats().spilled_runs, 1000u64.div_ceil(chunk as u64));
    }
    let names: Vec<&str> =
        s.traces[0].functions.iter().map(|&f| s.lambda.functions[f].name.as_str()).collect();
    assert_eq!(names, ["fn0", "fn1", "fn2"]);
    let summary = summarize(&s);
    assert_eq!(summary["traces"]["r"]["invocations"], 1000);
    assert_eq!(summary["functions"]["fn1"]["invocations"], 333);
}

#[test]
fn every_invocation_of_the_azure2019_excerpts_is_replayed() {
    for (folder, duration, total) in
        [("azure2019_invitro_extremes", "150m", 48), ("azure2019_invitro_100fn", "8h", 339_657)]
    {
        let text = std::fs::read_to_string(data(&format!("{folder}/invocations.csv"))).unwrap();
        let mut want = HashMap::new();
        for line in text.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let n: u64 = cells[4..].iter().map(|c| c.parse::<u64>().unwrap()).sum();
            want.insert(cells[2][..12].to_string(), n);
        }
        assert_eq!(want.values().sum::<u64>(), total);
        let toml = format!(
            "[simulation]\nname = \"t\"\nduration = \"{duration}\"\n[lambda]\nconcurrency_limit = 100000\n\
             [[trace]]\nname = \"az\"\nformat = \"azure2019\"\n\
             invocations = \"{folder}/invocations.csv\"\ndurations = \"{folder}/durations.csv\"\n\
             memory = \"{folder}/memory.csv\"\ntemplate = {{ runtime = \"python3.12\", timeout = \"900s\" }}\n"
        );
        let s = config::load_str(&data("x.toml"), &toml, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.lambda.functions.iter().all(|f| (128..=10_240).contains(&f.memory_mb)));
        let summary = summarize(&s);
        assert_eq!(summary["traces"]["az"]["invocations"], total, "{folder}");
        assert_eq!(summary["traces"]["az"]["functions"], want.len(), "{folder}");
        for (name, n) in &want {
            assert_eq!(summary["functions"][name]["invocations"], *n, "{folder}: {name}");
        }
    }
}

#[test]
fn every_invocation_of_the_azure2021_excerpt_is_replayed() {
    let path = data("azure2021_invitro_excerpt/AzureFunctionsInvocationTrace2021_excerpt.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut want: HashMap<String, u64> = HashMap::new();
    for line in text.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        *want.entry(format!("{}-{}", &c[0][..8], &c[1][..12])).or_default() += 1;
    }
    let toml = "[simulation]\nname = \"t\"\nduration = \"2h\"\n[[trace]]\nname = \"az\"\n\
        format = \"azure2021\"\npath = \"azure2021_invitro_excerpt/AzureFunctionsInvocationTrace2021_excerpt.csv\"\n\
        template = { runtime = \"python3.12\", timeout = \"900s\" }\n";
    let s = config::load_str(&data("x.toml"), toml, &[]).unwrap_or_else(|e| panic!("{e}"));
    let summary = summarize(&s);
    assert_eq!(summary["traces"]["az"]["invocations"], 998);
    assert_eq!(summary["traces"]["az"]["functions"], 49);
    assert_eq!(want.len(), 49);
    for (name, n) in &want {
        assert_eq!(summary["functions"][name]["invocations"], *n, "{name}");
    }
}

#[test]
fn malformed_rows_name_file_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let s = ok(azure2019(dir.path(), "o,a,aaaa,http,3,x7,2\no,a,bbbb,timer,1,0,0\n", ""));
    let e = slsim::trace::check_rows(&s.traces, false).unwrap_err();
    assert!(e.contains("inv.csv: line 2, column 6 (101): \"x7\" is not a count"), "{e}");
    assert_eq!(s.traces[0].bad_rows, 1);
    let s = ok(load(
        dir.path(),
        "1h",
        "name = \"r\"\nformat = \"requests\"\npath = \"r.csv\"",
        &[("r.csv", "timestamp,duration_ms\n1,5\n2,five\n-3,1\n")],
    ));
    let e = slsim::trace::check_rows(&s.traces, false).unwrap_err();
    assert!(e.contains("r.csv: line 3, column 2 (duration_ms): \"five\""), "{e}");
    assert!(e.contains("2 malformed row(s)"), "{e}");
    // a header without the required column is an error at once
    let e = load(
        dir.path(),
        "1h",
        "name = \"r\"\nformat = \"requests\"\npath = \"q.csv\"",
        &[("q.csv", "time\n1\n")],
    )
    .unwrap_err();
    assert!(e.contains(".path") && e.contains("no `timestamp` column"), "{e}");
}

fn slsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slsim")).args(args).output().unwrap()
}

#[test]
fn skip_bad_rows_skips_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    ok(load(
        dir.path(),
        "1h",
        "name = \"r\"\nformat = \"requests\"\npath = \"r.csv\"",
        &[("r.csv", "timestamp,function\n1,a\n2,b\nnope,a\n3,a,extra\n4,a\n")],
    ));
    let scenario = dir.path().join("scenario.toml");
    let out_dir = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--no-charts",
            "-q",
        ];
        args.extend_from_slice(extra);
        slsim(&args)
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("r.csv: line 4, column 1 (timestamp): \"nope\""), "{err}");
    let out = run(&["--skip-bad-rows"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    let t = &summary["traces"]["r"];
    assert_eq!((t["rows"].as_f64(), t["skipped_rows"].as_f64()), (Some(5.0), Some(2.0)));
    assert_eq!(t["invocations"], 3.0);
    assert_eq!(summary["functions"]["a"]["invocations"], 2.0);
}

#[test]
fn trace_inspect_prints_the_totals() {
    let inv = data("azure2019_invitro_100fn/invocations.csv");
    let az21 = data("azure2021_invitro_excerpt/AzureFunctionsInvocationTrace2021_excerpt.csv");
    let out = slsim(&["trace", "inspect", inv.to_str().unwrap(), az21.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "format: azure2019 invocations",
        "functions: 100",
        "invocations: 339657",
        "span: 480 minutes (columns 480..959)",
        "triggers: timer 44, http 36, queue 13, orchestration 5, event 1, storage 1",
        "format: azure2021",
        "functions: 49",
        "invocations: 998",
        "busiest functions:",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
}

#[test]
fn replay_is_deterministic_and_seeded() {
    let dir = tempfile::tempdir().unwrap();
    let s = ok(azure2019(dir.path(), "o,a,aaaa,http,30,20,10\no,a,bbbb,timer,5,9,0\n", ""));
    assert_eq!(arrivals(&s), arrivals(&s));
    let other = TraceStream::open(&s.traces[0], 8, SimTime::MAX).peek();
    assert_ne!(arrivals(&s)[0].0, other.unwrap(), "another seed, other times");
    assert_eq!(summarize(&s), summarize(&s));
}

#[test]
fn requests_without_function_column_replay_on_one_function_named_after_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let s = ok(load(
        dir.path(),
        "1h",
        "name = \"single\"\nformat = \"requests\"\npath = \"r.csv\"",
        &[("r.csv", "timestamp\n3\n1\n2\n")],
    ));
    assert_eq!(s.lambda.functions.len(), 1);
    assert_eq!(s.lambda.functions[0].name, "single");
    let summary = summarize(&s);
    assert_eq!(summary["functions"]["single"]["invocations"], 3);
    // a name taken by a declared function is refused
    let e = config::load_str(
        &dir.path().join("scenario.toml"),
        "[simulation]\nname = \"t\"\nduration = \"1h\"\n[[lambda.function]]\nname = \"single\"\n\
         runtime = \"python3.12\"\n[[trace]]\nname = \"single\"\nformat = \"requests\"\npath = \"r.csv\"\n\
         template = { runtime = \"python3.12\" }\n",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("trace \"") && e.contains("also declared"), "{e}");
}

#[test]
fn template_errors_name_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.csv"), "timestamp\n1\n").unwrap();
    let e = config::load_str(
        &dir.path().join("scenario.toml"),
        "[simulation]\nname = \"t\"\nduration = \"1h\"\n[[trace]]\nname = \"r\"\nformat = \"requests\"\n\
         path = \"r.csv\"\ntemplate = { runtime = \"python3.12\", memory_sise = 512 }\n",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("trace \"r\".template") && e.contains("did you mean `memory_size`"), "{e}");
}

#[test]
fn azure2019_triggers_become_labels_and_per_app_memory_is_split_over_the_apps_functions() {
    let dir = tempfile::tempdir().unwrap();
    let folder = data("azure2019_invitro_extremes");
    for f in ["invocations.csv", "durations.csv"] {
        std::fs::copy(folder.join(f), dir.path().join(f)).unwrap();
    }
    // the original, per-application memory file: two apps of the excerpt, 600 MB and 100 MB
    let inv = std::fs::read_to_string(folder.join("invocations.csv")).unwrap();
    let rows: Vec<Vec<&str>> = inv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let memory = format!(
        "HashOwner,HashApp,SampleCount,AverageAllocatedMb\n{},{},10,600\n{},{},10,100\n",
        rows[0][0], rows[0][1], rows[1][0], rows[1][1]
    );
    std::fs::write(dir.path().join("memory.csv"), memory).unwrap();
    let s = ok(load(
        dir.path(),
        "150m",
        "name = \"az\"\nformat = \"azure2019\"\ninvocations = \"invocations.csv\"\n\
         durations = \"durations.csv\"\nmemory = \"memory.csv\"",
        &[],
    ));
    let by_name = |id: &str| s.lambda.functions.iter().find(|f| f.name == id[..12]).unwrap();
    // one function per app here: the app's memory, rounded up and at least 128 MB
    assert_eq!(by_name(rows[0][2]).memory_mb, 600);
    assert_eq!(by_name(rows[1][2]).memory_mb, 128);
    assert_eq!(by_name(rows[0][2]).label.as_deref(), Some(rows[0][3]));
    let summary = summarize(&s);
    assert_eq!(summary["functions"][&rows[1][2][..12]]["label"], rows[1][3]);
}

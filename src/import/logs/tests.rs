use std::path::{Path, PathBuf};

use super::read::Reader;
use super::scenario::{cpu_factor, one_vcpu_ms};
use super::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/imports/logs").join(name)
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn read_text(text: &str) -> Result<Reader, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "fn.log", text.as_bytes());
    let mut r = Reader::new(None);
    r.read_file(&p).map(|()| r)
}

const SLSIM: &str = "2026-01-01T00:00:00.120Z\tSTART RequestId: a Version: $LATEST\n\
    2026-01-01T00:00:04.277Z\tEND RequestId: a\n\
    2026-01-01T00:00:04.277Z\tREPORT RequestId: a\tDuration: 4157.16 ms\tBilled Duration: 4158 ms\t\
    Memory Size: 512 MB\tMax Memory Used: 85 MB\tStatus: error\n";

#[test]
fn slsims_own_lines_give_end_duration_memory_and_status() {
    let r = read_text(SLSIM).unwrap();
    assert_eq!((r.reports.len(), r.skipped), (1, 2));
    let rep = &r.reports[0];
    assert_eq!(rep.end_ms, Some(1_767_225_604_277.0));
    assert_eq!(rep.duration_ms, 4157.16);
    assert_eq!(rep.billed_ms, Some(4158.0));
    assert_eq!((rep.memory_mb, rep.max_memory_mb), (512, Some(85)));
    assert_eq!((rep.init_ms, rep.status), (None, Status::Error));
    assert_eq!(r.functions, ["fn"], "the file's stem names the function");
}

#[test]
fn duration_is_not_billed_init_or_restore_duration() {
    // the keys in an unusual order: Billed and Init before Duration
    let line = "REPORT RequestId: b\tBilled Duration: 900 ms\tInit Duration: 700.50 ms\t\
                Memory Size: 1024 MB\tDuration: 199.25 ms\n";
    let rep = &read_text(line).unwrap().reports[0];
    assert_eq!((rep.duration_ms, rep.init_ms, rep.billed_ms), (199.25, Some(700.5), Some(900.0)));
    assert_eq!(rep.end_ms, None, "no timestamp prefix");
    let snap = "REPORT RequestId: c\tDuration: 10.00 ms\tBilled Duration: 11 ms\tMemory Size: \
                256 MB\tMax Memory Used: 60 MB\tRestore Duration: 300.00 ms\tBilled Restore \
                Duration: 120 ms\n";
    let rep = &read_text(snap).unwrap().reports[0];
    assert_eq!((rep.init_ms, rep.restore), (Some(300.0), true));
}

#[test]
fn a_report_without_duration_or_memory_names_its_line() {
    let text = "hello\nREPORT RequestId: x\tBilled Duration: 3 ms\tMemory Size: 128 MB\n";
    let e = read_text(text).unwrap_err();
    assert_eq!(e.place, "line 2");
    assert!(e.message.contains("without `Duration`"), "{e}");
    let e = read_text("REPORT RequestId: x\tDuration: 3.00 ms\n").unwrap_err();
    assert!(e.message.contains("without `Memory Size`"), "{e}");
    let e = read_text("REPORT RequestId: x\tDuration: fast ms\tMemory Size: 128 MB\n").unwrap_err();
    assert!(e.message.contains("`Duration: fast` is not a number"), "{e}");
}

#[test]
fn binary_and_overlong_lines_are_errors_with_their_line() {
    let e = read_text("REPORT\n\0\u{1}\u{2}junk\n").unwrap_err();
    assert_eq!(e.place, "line 2");
    assert!(e.message.contains("binary"), "{e}");
    let long = format!("START\n{}\n", "x".repeat(MAX_LINE + 10));
    let e = read_text(&long).unwrap_err();
    assert_eq!(e.place, "line 2");
    assert!(e.message.contains("longer than 1 MB"), "{e}");
}

#[test]
fn the_cpu_law_converts_to_one_vcpu() {
    let rep = |d: f64, mem: u32| Report {
        function: 0,
        end_ms: None,
        duration_ms: d,
        billed_ms: None,
        memory_mb: mem,
        max_memory_mb: None,
        init_ms: None,
        restore: false,
        status: Status::Success,
        file: 0,
        place: 0,
        in_events: false,
    };
    // 1024 MB, all CPU: d1 = d x 1024 / 1769
    assert!((one_vcpu_ms(&rep(1769.0, 1024), 1.0, 1) - 1024.0).abs() < 1e-9);
    // half CPU at 3538 MB (2 vCPUs) with 2 threads: factor 0.5 + 0.25
    assert!((cpu_factor(3538, 0.5, 2) - 0.75).abs() < 1e-12);
    // one thread: more memory than one vCPU buys nothing
    assert!((cpu_factor(3538, 1.0, 1) - 1.0).abs() < 1e-12);
    // many threads: all of the memory's vCPUs (10240 / 1769)
    assert!((cpu_factor(10_240, 1.0, 16) - 1769.0 / 10_240.0).abs() < 1e-12);
    // cpu_bound 0: run times unchanged
    assert_eq!(one_vcpu_ms(&rep(250.0, 128), 0.0, 1), 250.0);
}

#[test]
fn nearest_rank_percentiles() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(nearest_rank(&v, 0.5), Some(50.0));
    assert_eq!(nearest_rank(&v, 0.99), Some(99.0));
    assert_eq!(nearest_rank(&[7.0], 0.99), Some(7.0));
    assert_eq!(nearest_rank(&[], 0.5), None);
}

#[test]
fn filter_log_events_pages_from_two_streams_are_sorted_by_start() {
    let files = [fixture("orders-page1.json"), fixture("orders-page2.json")];
    let logs = load(&files, Some("orders")).unwrap();
    assert_eq!((logs.reports.len(), logs.skipped, logs.untimed), (6, 8, 0));
    assert_eq!(logs.functions, ["orders"]);
    let starts: Vec<f64> = logs.reports.iter().map(start_ms).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    // the first request started at 14:04:59.919, before its REPORT at 14:05:00.350
    let t0 = 1_772_460_300_000 - 60_000;
    assert_eq!(logs.t0_ms, t0);
    // 14:05:00.350 - 120.50 ms - 310.20 ms (Init Duration)
    assert!((starts[0] - (t0 as f64 + 59_919.3)).abs() < 1e-3, "{}", starts[0] - t0 as f64);
    assert_eq!(logs.minutes, 3, "the last ends at 14:06:10.100");
    let o = observed_of(&logs, false);
    let col = |m| (0..3).map(|i| o.get(i, m).unwrap()).collect::<Vec<_>>();
    assert_eq!(col(Metric::Invocations), [1.0, 3.0, 2.0]);
    assert_eq!(col(Metric::ColdStarts), [1.0, 1.0, 0.0]);
    assert_eq!(col(Metric::DurationP50), [120.5, 95.25, 60.0]);
    assert_eq!(col(Metric::DurationP99), [120.5, 150.75, 70.0]);
    assert_eq!(col(Metric::ConcurrencyMax), [1.0, 1.0, 1.0]);
    // minute 0: one request, 431 ms billed at 1 GB (x86_64 first tier) plus the request
    let (gb_s, req) = prices(false);
    assert!((o.get(0, Metric::CostUsd).unwrap() - (req + 0.431 * gb_s)).abs() < 1e-15);
}

#[test]
fn without_function_the_pages_of_one_export_name_one_function() {
    let files = [fixture("orders-page1.json"), fixture("orders-page2.json")];
    let logs = load(&files, None).unwrap();
    assert_eq!(logs.functions, ["orders"]);
    for (file, stem) in [
        ("orders.page1.json", "orders"),
        ("orders_PAGE12.json", "orders"),
        ("page1.json", "page1"),
        ("api.2.log", "api.2"),
        ("frontpage.json", "frontpage"),
        ("orders-page.json", "orders-page"),
    ] {
        assert_eq!(super::read::file_stem(Path::new(file)), stem, "{file}");
    }
}

#[test]
fn aws_logs_tail_text_with_a_timeout() {
    let logs = load(&[fixture("checkout.log")], None).unwrap();
    assert_eq!(logs.functions, ["checkout"]);
    assert_eq!((logs.reports.len(), logs.skipped), (3, 8));
    let r = &logs.reports[2];
    assert_eq!((r.status, r.duration_ms), (Status::Timeout, 3000.0));
    // 14:05:40.000 - 3 s
    assert_eq!(start_ms(r), 1_772_460_337_000.0);
    let o = observed_of(&logs, false);
    assert_eq!(o.get(0, Metric::Errors), Some(1.0), "timeouts count as errors");
}

#[test]
fn json_format_logs_read_platform_report_records() {
    let logs = load(&[fixture("resize.log")], None).unwrap();
    assert_eq!(logs.functions, ["resize"]);
    assert_eq!((logs.reports.len(), logs.skipped), (3, 6));
    let r = &logs.reports[0];
    assert_eq!((r.duration_ms, r.init_ms, r.memory_mb), (512.4, Some(400.1), 2048));
    assert_eq!(r.end_ms, Some(1_772_460_300_912.0), "the record's `time`");
    assert_eq!(logs.reports[1].status, Status::Error);
    // the function a record names wins over the file's stem
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"time":"2026-03-02T14:05:00.912Z","type":"platform.report","record":{"functionName":"thumbs","metrics":{"durationMs":5,"memorySizeMB":128},"status":"success"}}"#;
    let p = write(dir.path(), "x.log", line.as_bytes());
    assert_eq!(load(std::slice::from_ref(&p), None).unwrap().functions, ["thumbs"]);
    assert_eq!(load(&[p], Some("my fn")).unwrap().functions, ["my_fn"]);
}

#[test]
fn json_messages_inside_filter_log_events() {
    let dir = tempfile::tempdir().unwrap();
    let msg = r#"{\"time\":\"2026-03-02T14:05:00.912Z\",\"type\":\"platform.report\",\"record\":{\"metrics\":{\"durationMs\":40.5,\"memorySizeMB\":256},\"status\":\"timeout\"}}"#;
    let page = format!(r#"{{"events": [{{"timestamp": 1772460301000, "message": "{msg}"}}]}}"#);
    let p = write(dir.path(), "api.json", page.as_bytes());
    let logs = load(&[p], None).unwrap();
    let r = &logs.reports[0];
    assert_eq!((r.duration_ms, r.status), (40.5, Status::Timeout));
    assert_eq!(r.end_ms, Some(1_772_460_301_000.0), "the event's timestamp");
}

#[test]
fn lines_without_timestamps_are_placed_one_after_another() {
    let text = "REPORT RequestId: a\tDuration: 100.00 ms\tMemory Size: 128 MB\n\
                REPORT RequestId: b\tDuration: 50.00 ms\tMemory Size: 128 MB\tInit Duration: 25.00 ms\n";
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "plain.log", text.as_bytes());
    let logs = load(&[p], None).unwrap();
    assert_eq!(logs.untimed, 2);
    let starts: Vec<f64> = logs.reports.iter().map(start_ms).collect();
    assert_eq!(starts, [0.0, 100.0]);
}

#[test]
fn bad_exports_name_the_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str, &str); 6] = [
        ("empty.log", "", "", "empty file"),
        ("blank.json", "{\"events\": []}", "", "no REPORT line"),
        ("nothing.log", "START RequestId: a\nEND RequestId: a\n", "", "no REPORT line"),
        ("shape.json", "{\n  \"events\": [\n    42\n  ]\n}\n", "line ", "expected struct Event"),
        ("noevents.json", "{\n  \"logs\": []\n}\n", "", "no `events` array"),
        (
            "missing.json",
            "{\"events\": [{\"timestamp\": 1, \"message\": \"START\"}, {\"timestamp\": 2, \
             \"message\": \"REPORT RequestId: z\\tMemory Size: 128 MB\"}]}",
            "events[1]",
            "without `Duration`",
        ),
    ];
    for (name, text, place, message) in cases {
        let p = write(dir.path(), name, text.as_bytes());
        let e = load(std::slice::from_ref(&p), None).unwrap_err();
        assert_eq!(e.file, p, "{name}: {e}");
        assert!(e.place.starts_with(place), "{name}: {e}");
        assert!(e.message.contains(message), "{name}: {e}");
    }
}

#[test]
fn a_timestamp_years_off_is_an_error_naming_its_record() {
    let text = "2026-01-01T00:00:01.000Z\tREPORT RequestId: a\tDuration: 1.00 ms\tMemory Size: 128 MB\n\
                START\n\
                2031-01-01T00:00:01.000Z\tREPORT RequestId: b\tDuration: 1.00 ms\tMemory Size: 128 MB\n";
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "far.log", text.as_bytes());
    let e = load(std::slice::from_ref(&p), None).unwrap_err();
    assert_eq!((e.file, e.place.as_str()), (p, "line 3"));
    assert!(e.message.contains("more than the 366 days"), "{}", e.message);
}

#[test]
fn the_imported_scenario_loads_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let args = Args {
        files: vec![
            fixture("orders-page1.json"),
            fixture("orders-page2.json"),
            fixture("checkout.log"),
            fixture("resize.log"),
        ],
        function: None,
        cpu_bound: 0.8,
        threads: 1,
        timeout: None,
        runtime: "nodejs20.x".into(),
        architecture: "arm64".into(),
    };
    let out = import(&args, "day").unwrap();
    let path = dir.path().join("day.toml");
    crate::import::write_output(&path, &out).unwrap();
    let scenario = crate::config::load_str(&path, &out.scenario, &[]).unwrap();
    assert_eq!(scenario.traces.len(), 3, "orders (two pages), checkout, resize");
    let t = &scenario.traces[0];
    assert_eq!((t.cpu_bound, t.threads, t.rows), (0.8, 1, 6));
    let run = crate::run::simulate(&scenario);
    assert_eq!(run.requests, 12, "every record replayed");
    // checkout timed out at 3 s: its timeout is 3 s
    assert!(out.scenario.contains("timeout = \"3s\"  # the Duration of the timed-out records"));
    // resize had no cold start? it had one: an init file; checkout's first record is cold too
    assert!(out.files.iter().any(|(n, _)| n == "day-resize.init.txt"));
    assert!(out.files.iter().any(|(n, _)| n == "day.observed.csv"));
}

//! Every shipped scenario runs through the real binary and yields the contract's outputs.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[test]
fn every_shipped_scenario_runs_and_writes_the_contract_outputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "thumbnail, api-backend, sqs-worker and kinesis-stream are shipped");
    for file in files {
        let out_dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_slsim"))
            .args(["run", file.to_str().unwrap(), "--out", out_dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("total cost"));
        let summary: Value =
            serde_json::from_slice(&std::fs::read(out_dir.path().join("summary.json")).unwrap())
                .unwrap();
        for key in
            ["scenario", "seed", "simulated_seconds", "functions", "apis", "services", "cost_usd"]
        {
            assert!(summary.get(key).is_some(), "{}: summary lacks {key}", file.display());
        }
        for (name, f) in summary["functions"].as_object().unwrap() {
            for key in [
                "invocations",
                "cold_starts",
                "throttles",
                "errors",
                "timeouts",
                "cold_start_ratio",
                "throttle_ratio",
                "billed_gb_seconds",
            ] {
                assert!(f[key].is_number(), "{}: {name}.{key}", file.display());
            }
            for (group, keys) in [
                ("latency_ms", &["mean", "p50", "p90", "p95", "p99", "max"][..]),
                ("instances", &["mean", "max"]),
                ("concurrency", &["mean", "max"]),
                ("cost_usd", &["requests", "duration", "provisioned", "total"]),
            ] {
                for k in keys {
                    assert!(f[group][k].is_number(), "{}: {name}.{group}.{k}", file.display());
                }
            }
            // every request accounted for: nothing in flight after draining
            let n = |k: &str| f[k].as_f64().unwrap();
            assert_eq!(n("in_flight"), 0.0);
            assert!((n("attempts") - n("invocations") - n("throttles")).abs() < 1e-6);
            assert!((n("invocations") - n("completed") - n("errors") - n("timeouts")).abs() < 1e-6);
            if let Some(a) = f.get("async") {
                let a = |k: &str| a[k].as_f64().unwrap();
                assert_eq!(a("in_flight"), 0.0);
                assert!((a("events") - a("succeeded") - a("failed")).abs() < 1e-6);
            }
        }
        for (name, v) in summary["services"].as_object().unwrap() {
            // every request accounted for: served, turned away, or cut (by a deregistration
            // delay or a Spot stop)
            let n = |k: &str| v[k].as_f64().unwrap();
            let settled = n("completed") + n("rejected") + n("drained_cut") + n("interrupted");
            assert_eq!(n("requests"), settled, "{}: services.{name}", file.display());
        }
        let queues = summary["queues"].as_object().expect("a queues object");
        for (name, q) in queues {
            for k in ["records", "batches", "max_backlog", "succeeded", "failed", "in_flight"] {
                assert!(q[k].is_number(), "{}: queues.{name}.{k}", file.display());
            }
            for k in ["mean", "p50", "p90", "p95", "p99", "max"] {
                assert!(q["age_ms"][k].is_number(), "{}: queues.{name}.age_ms", file.display());
            }
            // every record accounted for, in order where the source promises it
            let n = |k: &str| q[k].as_f64().unwrap();
            assert_eq!(n("in_flight"), 0.0, "{}: {name}", file.display());
            assert!((n("records") - n("succeeded") - n("failed")).abs() < 1e-6);
            assert_eq!(q.get("out_of_order").map_or(0.0, |v| v.as_f64().unwrap()), 0.0);
        }
        let csv = std::fs::read_to_string(out_dir.path().join("timeseries.csv")).unwrap();
        assert!(csv.starts_with(
            "minute,start_s,warmup,arrivals,invocations,cold_starts,throttles,errors"
        ));
        let minutes = (summary["simulated_seconds"].as_f64().unwrap() / 60.0).ceil() as usize;
        assert_eq!(csv.lines().count(), minutes + 1, "one row per simulated minute");
        if summary["replications"] == 1
            && summary["measured_seconds"].as_f64().unwrap() % 60.0 == 0.0
        {
            // the rows after the warm-up add up to the summary's arrivals (invocations may go
            // on after the last row: asynchronous retries drain after the arrival window)
            let mut reader = csv::Reader::from_reader(csv.as_bytes());
            let (mut arrivals, mut records) = (0.0, 0.0);
            for row in reader.deserialize::<std::collections::HashMap<String, String>>() {
                let row = row.unwrap();
                if row["warmup"] == "0" {
                    arrivals += row["arrivals"].parse::<f64>().unwrap();
                    records += row["queue_records"].parse::<f64>().unwrap();
                }
            }
            let queued: f64 = queues.values().map(|q| q["records"].as_f64().unwrap()).sum();
            assert_eq!(records, queued, "{}", file.display());
            let total: f64 = summary["functions"]
                .as_object()
                .unwrap()
                .values()
                .map(|f| f["arrivals"].as_f64().unwrap())
                .sum();
            assert_eq!(arrivals, total, "{}", file.display());
        }
        let mut charts = vec!["requests.png", "concurrency.png", "latency_cdf.png"];
        if !queues.is_empty() {
            charts.push("queues.png");
        }
        for chart in charts {
            let bytes = std::fs::read(out_dir.path().join(chart)).unwrap();
            assert!(bytes.starts_with(b"\x89PNG"), "{chart} is a PNG");
        }
        assert_eq!(
            out_dir.path().join("queues.png").exists(),
            !queues.is_empty(),
            "queues.png only with queues"
        );
        let stray: Vec<_> = std::fs::read_dir(out_dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(stray.is_empty(), "temporary files left: {stray:?}");
    }
}

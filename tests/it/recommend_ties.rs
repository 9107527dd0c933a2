//! `slsim recommend`'s tie rule and strategies on a real sweep.
// See: issue 14 ("recommend picked 1408 MB over 1216 MB by $0.0002 inside a +-$0.0345
// interval, where every size from 128 to 1728 MB costs the same").

use std::path::Path;

use serde_json::Value;

use crate::common::slsim_cli as slsim;

/// A handler of exactly 1 s on one vCPU, all of it CPU work on one thread: at `m` MB below
/// 1,769 it runs 1769 / m seconds, so GB-seconds, and the cost, are the same at every size
/// (up to the billed millisecond's rounding) while the latency falls with memory.
const EQUAL: &str = r#"
[simulation]
name = "equal"
duration = "30m"
seed = 3
[[lambda.function]]
name = "f"
runtime = "python3.12"
memory_size = 128
timeout = "60s"
init_duration = "1ms"
[[workload]]
name = "w"
target = "function:f"
arrivals = { process = "poisson", rate = 0.5 }
duration = "1s"
cpu_bound = 1.0
threads = 1
[slo]
p95_ms = 20000
[sweep]
replications = 2
[sweep.parameters]
"lambda.function.f.memory_size" = [128, 256, 512, 1024, 1536, 1728]
"#;

fn run(args: &[&str]) -> (bool, String, String) {
    let o = slsim(args);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn equal_costs_tie_and_the_fastest_size_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("equal.toml");
    std::fs::write(&path, EQUAL).unwrap();
    let (file, out) = (path.to_str().unwrap(), tmp.path().join("out"));
    let out = out.to_str().unwrap();
    let (ok, _, err) = run(&["sweep", file, "--out", out, "-q", "--no-charts"]);
    assert!(ok, "{err}");
    let (ok, stdout, err) = run(&["recommend", file, "--out", out]);
    assert!(ok, "{stdout}{err}");
    let rec = json(&Path::new(out).join("recommendation.json"));
    // every size costs the same: all are tied, and the tie goes to the lowest p95 (1728 MB)
    assert_eq!(rec["strategy"], "cost");
    assert_eq!(rec["latency_objective"], "p95_ms");
    assert_eq!(rec["recommended"]["parameters"]["lambda.function.f.memory_size"], 1728, "{stdout}");
    let tied: Vec<u64> = rec["tie_set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["parameters"]["lambda.function.f.memory_size"].as_u64().unwrap())
        .collect();
    assert_eq!(tied, [1728, 1536, 1024, 512, 256, 128], "fastest first: {stdout}");
    assert!(stdout.contains("tied with the cheapest passing point"), "{stdout}");
    // the points share their seeds, so each difference from the cheapest is paired: the
    // cheapest's own difference is exactly 0 with a 0 interval, the others have an interval
    let cheapest = rec["cheapest_passing"].as_u64().unwrap();
    for p in rec["tie_set"].as_array().unwrap() {
        let half = p["paired_ci95_usd"].as_f64();
        assert!(half.is_some_and(|h| h >= 0.0), "paired: {p}");
        if p["point"].as_u64() == Some(cheapest) {
            assert_eq!((p["cost_difference_usd"].as_f64(), half), (Some(0.0), Some(0.0)));
        }
    }
    // each point's summary keeps its replications' costs, whose mean is the point's cost
    let point = json(&Path::new(out).join("points/00000.json"));
    let costs: Vec<f64> = point["summary"]["replication_costs_usd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .collect();
    assert_eq!(costs.len(), 2);
    let mean = point["summary"]["cost_usd"]["total"].as_f64().unwrap();
    assert!((costs.iter().sum::<f64>() / 2.0 - mean).abs() <= 1e-12 * mean.abs().max(1.0));
    assert!(stdout.contains("recommended: point 5 (f.memory_size=1728)"), "{stdout}");

    // speed: the same size here; balanced with all weight on cost: still a tie-free cheapest
    let (ok, stdout, _) = run(&["recommend", file, "--out", out, "--strategy", "speed"]);
    assert!(ok && stdout.contains("recommended: point 5"), "{stdout}");
    let rec = json(&Path::new(out).join("recommendation.json"));
    assert_eq!(rec["strategy"], "speed");
    let args = ["recommend", file, "--out", out, "--strategy", "balanced", "--balance", "0"];
    let (ok, stdout, _) = run(&args);
    assert!(ok && stdout.contains("recommended: point 5"), "{stdout}");
    assert_eq!(json(&Path::new(out).join("recommendation.json"))["balance"], 0.0);

    // a weight outside 0..=1 is refused, naming the flag
    let (ok, _, err) = run(&["recommend", file, "--out", out, "--balance", "1.5"]);
    assert!(!ok && err.contains("--balance") && err.contains("between 0 and 1"), "{err}");

    // failing points name the objective they miss, with value and limit
    let (ok, stdout, _) = run(&["recommend", file, "--out", out, "--slo", "p95_ms=3000"]);
    assert!(ok, "{stdout}");
    assert!(stdout.contains("point 0 (f.memory_size=128)"), "{stdout}");
    assert!(stdout.contains("p95_ms of function:f 13820.3 ms > 3000.0 ms"), "{stdout}");
}

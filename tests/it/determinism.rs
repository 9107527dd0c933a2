//! Same scenario and seed, same bytes, with one thread or many.

use std::path::Path;

use slsim::app::{RunOptions, run_scenario};
use slsim::config::{self, Override};

fn outputs(threads: usize, dir: &Path, overrides: &[Override]) -> (Vec<u8>, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = config::load(&root.join("scenarios/api-backend.toml"), overrides).expect("valid");
    let opts = RunOptions {
        out_dir: Some(dir.to_path_buf()),
        charts: false,
        threads: Some(threads),
        ..RunOptions::default()
    };
    run_scenario(&s, &opts).expect("runs");
    (
        std::fs::read(dir.join("summary.json")).expect("summary written"),
        std::fs::read(dir.join("timeseries.csv")).expect("timeseries written"),
    )
}

#[test]
fn replications_give_identical_bytes_on_one_or_many_threads() {
    let cut: Vec<Override> =
        vec!["simulation.duration=20m".parse().unwrap(), "simulation.warmup=1m".parse().unwrap()];
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let one = outputs(1, a.path(), &cut);
    let four = outputs(4, b.path(), &cut);
    let again = outputs(2, c.path(), &cut);
    assert_eq!(one, four);
    assert_eq!(one, again);
    let summary: serde_json::Value = serde_json::from_slice(&one.0).unwrap();
    assert_eq!(summary["replications"], 5);
    assert!(
        summary["ci95"]["functions"]["orders-api"]["latency_ms"]["p99"].as_f64().unwrap() > 0.0
    );
}

#[test]
fn a_different_seed_gives_different_results() {
    let cut: Vec<Override> = vec![
        "simulation.duration=5m".parse().unwrap(),
        "simulation.warmup=0s".parse().unwrap(),
        "simulation.replications=1".parse().unwrap(),
    ];
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut other = cut.clone();
    other.push("simulation.seed=7".parse().unwrap());
    assert_ne!(outputs(1, a.path(), &cut).1, outputs(1, b.path(), &other).1);
}

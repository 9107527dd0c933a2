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

#[test]
fn a_progress_bar_counts_simulated_time_and_changes_nothing() {
    // api-backend: 2 hours at 150 requests/s, 5 replications, millions of events each
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = config::load(&root.join("scenarios/api-backend.toml"), &[]).expect("valid");
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(7200 * 5),
        indicatif::ProgressDrawTarget::hidden(),
    );
    let with = slsim::app::simulate_with_logs(&s, None, Some(&bar));
    assert_eq!(bar.position(), 7200 * 5, "every replication's 7,200 simulated seconds");
    let without = slsim::app::simulate(&s);
    assert_eq!(with.summary, without.summary);

    // the simulation reports its clock as it goes, in order, and the run is the same
    let seen = std::sync::Mutex::new(Vec::new());
    let a = slsim::sim::Simulation::new(&s, 1).run_reporting(&|t| seen.lock().unwrap().push(t));
    let b = slsim::sim::Simulation::new(&s, 1).run();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 2, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!((a.events, a.minutes.len()), (b.events, b.minutes.len()));
}

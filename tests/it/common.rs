//! Helpers shared by the integration tests.

use std::path::Path;

use serde_json::Value;
use slsim::config::{self, Scenario};

/// A validated scenario from TOML text.
pub fn scenario(toml: &str) -> Scenario {
    match config::load_str(Path::new("test.toml"), toml, &[]) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// Runs all replications and returns summary.json's tree.
pub fn summarize(s: &Scenario) -> Value {
    slsim::app::simulate(s).summary.to_value()
}

/// The summary of the only function.
pub fn only_function(summary: &Value) -> &Value {
    let fns = summary["functions"].as_object().expect("functions object");
    assert_eq!(fns.len(), 1);
    fns.values().next().expect("one function")
}

pub fn f64_at(v: &Value, path: &str) -> f64 {
    path.split('.')
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {path} in {v}"))
}

/// Rounds dollars to cents, as the pricing page does.
pub fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Erlang B blocking probability for `c` servers and offered load `a` (stable recursion).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// The validation error of a one-function scenario whose function has `keys` added (the
/// function is `f`, Python 3.12; one Poisson workload targets it).
/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

pub fn function_error(keys: &str) -> String {
    let text = format!(
        r#"
        [simulation]
        name = "invalid"
        duration = "1h"
        [[lambda.function]]
        name = "f"
        runtime = "python3.12"
        {keys}
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "poisson", rate = 1.0 }}
        duration = "1ms"
        "#
    );
    match config::load_str(Path::new("invalid.toml"), &text, &[]) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// The `slsim` binary run with `args`.
pub fn slsim_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_slsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Every file under `dir`, by relative path, with its bytes (to compare output folders).
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

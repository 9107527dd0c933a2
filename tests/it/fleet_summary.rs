//! A fleet's summary: held as tables in memory, streamed to `summary.json`, one row per
//! function in `functions.csv`, and listed as the 20 costliest on the terminal and in
//! `report.html`.

use serde_json::Value;
use slsim::app::{RunOptions, run_scenario};
use slsim::summary::Summary;

use crate::common::{f64_at, scenario};

/// 40 copies of a synchronous function at different rates (their cost differs with their
/// traffic), 5 copies of one invoked asynchronously (an `async` block: a row of another
/// shape), a service (so `services` is a table too), two replications (means and `ci95`).
const FLEET: &str = r#"
    [simulation]
    name = "fleet"
    duration = "5m"
    seed = 7
    replications = 2
    [[lambda.function]]
    name = "web"
    copies = 40
    runtime = "python3.12"
    memory_size = 512
    [[lambda.function]]
    name = "jobs"
    copies = 5
    runtime = "nodejs20.x"
    memory_size = 256
    [[service]]
    name = "svc"
    platform = "fargate"
    vcpu = 0.5
    memory = 1024
    concurrency = 10
    [[workload]]
    name = "web"
    target = "function:web"
    arrivals = { process = "poisson", rate = 2.0 }
    duration = { dist = "lognormal", median = "80ms", sigma = 0.8 }
    [[workload]]
    name = "jobs"
    target = "function:jobs"
    invocation = "async"
    arrivals = { process = "poisson", rate = 0.5 }
    duration = "200ms"
    [[workload]]
    name = "svc"
    target = "service:svc"
    arrivals = { process = "poisson", rate = 5.0 }
    duration = "20ms"
"#;

fn run_fleet() -> (tempfile::TempDir, Summary, Value) {
    let s = scenario(FLEET);
    let dir = tempfile::tempdir().unwrap();
    let opts = RunOptions {
        out_dir: Some(dir.path().to_path_buf()),
        charts: false,
        ..RunOptions::default()
    };
    let report = run_scenario(&s, &opts).expect("runs");
    let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    (dir, report.summary, file)
}

/// Every leaf of a tree with its dotted path.
fn leaves(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(v, &p, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

#[test]
fn summary_json_is_the_tree_printed_whole_and_functions_csv_agrees_with_it() {
    let (dir, summary, file) = run_fleet();
    // streamed, the file is what printing the whole tree gives, byte for byte
    let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    let whole = summary.to_value();
    assert_eq!(text, serde_json::to_string_pretty(&whole).unwrap() + "\n");
    assert_eq!(file, whole);
    // the tables are in ci95 too (two replications), in the tree's key order
    let ci = &file["ci95"];
    assert!(ci["functions"]["web-0"]["invocations"].is_number(), "{ci}");
    assert!(ci["services"]["svc"]["requests"].is_number());
    let keys: Vec<&String> = file.as_object().unwrap().keys().collect();
    let ci_keys: Vec<&String> = ci.as_object().unwrap().keys().collect();
    let order = |ks: &[&String], k: &str| ks.iter().position(|x| *x == k).unwrap();
    assert!(order(&keys, "functions") < order(&keys, "services"));
    assert!(order(&ci_keys, "functions") < order(&ci_keys, "services"));
    // read back, the summary is the same
    assert_eq!(Summary::from_value(file.clone()).to_value(), file);

    let mut csv = csv::Reader::from_path(dir.path().join("functions.csv")).unwrap();
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[0], "function");
    assert!(header.contains(&"async.events".to_string()), "{header:?}");
    let functions = file["functions"].as_object().unwrap();
    let mut rows = 0;
    for record in csv.records() {
        let record = record.unwrap();
        let name = &record[0];
        let f = &functions[name];
        let mut want = Vec::new();
        leaves(f, "", &mut want);
        // every figure of the function is in its row, equal; the other cells are empty
        for (path, v) in &want {
            let col = header.iter().position(|h| h == path).unwrap_or_else(|| panic!("{path}"));
            let cell = &record[col];
            match v {
                Value::String(s) => assert_eq!(cell, s, "{name} {path}"),
                Value::Number(n) => {
                    assert_eq!(cell.parse::<f64>().unwrap(), n.as_f64().unwrap(), "{name} {path}")
                }
                other => panic!("{name} {path}: {other}"),
            }
        }
        let filled = record.iter().skip(1).filter(|c| !c.is_empty()).count();
        assert_eq!(filled, want.len(), "{name}");
        rows += 1;
    }
    assert_eq!(rows, 45);
    assert_eq!(rows, functions.len());
    // the async copies have the async block, the web copies not
    assert!(
        functions["jobs-0"].get("async").is_some() && functions["web-0"].get("async").is_none()
    );
}

#[test]
fn a_fleet_lists_its_twenty_costliest_functions_and_sums_up_the_rest() {
    let (_dir, summary, file) = run_fleet();
    let text = slsim::report::table::render(&summary);
    let functions = file["functions"].as_object().unwrap();
    let mut by_cost: Vec<(&String, f64)> =
        functions.iter().map(|(n, f)| (n, f64_at(f, "cost_usd.total"))).collect();
    by_cost.sort_by(|a, b| b.1.total_cmp(&a.1));
    // the table's rows: the 20 costliest, costliest first
    let listed: Vec<&str> = text
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with("listing"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let want: Vec<&str> = by_cost.iter().take(20).map(|(n, _)| n.as_str()).collect();
    assert_eq!(listed, want, "{text}");
    let rest_usd: f64 = by_cost.iter().skip(20).map(|(_, c)| c).sum();
    let rest_invocations: f64 =
        by_cost.iter().skip(20).map(|(n, _)| f64_at(&functions[*n], "invocations")).sum();
    let busiest = functions
        .iter()
        .max_by(|a, b| f64_at(a.1, "invocations").total_cmp(&f64_at(b.1, "invocations")))
        .unwrap();
    let note = text.lines().find(|l| l.starts_with("listing")).expect("a line for the rest");
    assert!(
        note.starts_with(&format!(
            "listing the 20 costliest of 45 functions; the other 25 cost ${rest_usd:.2} for {} \
             invocations",
            slsim::report::table::count(rest_invocations)
        )),
        "{note}"
    );
    assert!(
        note.contains(&format!("the most invocations: {} (", busiest.0)),
        "{note} (busiest {})",
        busiest.0
    );
    // report.html: the same 20 and the same line
    let page =
        slsim::report::html::run_page("fleet", &summary, None, std::path::Path::new("."), &[]);
    assert!(page.contains("listing the 20 costliest of 45 functions"));
    assert!(page.contains(&format!("<td>{}</td>", want[19])) || page.contains(want[19]));
    assert!(!page.contains(&format!(">{}<", by_cost[20].0)), "the 21st is not listed");
}

#[test]
fn slo_figures_read_from_the_tables_are_the_sweep_tables_figures() {
    let (_dir, summary, file) = run_fleet();
    let table = slsim::sweep::table::SweepTable::new(Vec::new(), &[(Value::Null, file.clone())]);
    let mut checked = 0;
    for (block, leaf) in [
        ("functions", "latency_ms.p99"),
        ("functions", "cold_start_ratio"),
        ("functions", "async.events"),
        ("services", "rejected"),
        ("services", "latency_ms.p95"),
    ] {
        for name in summary.names(block) {
            let figure = format!("{block}.{name}.{leaf}");
            let want = table.figure(&figure).and_then(|f| table.value(0, f));
            assert_eq!(summary.dotted_figure(&figure), want, "{figure}");
            checked += usize::from(want.is_some());
        }
    }
    // 45 functions x 2 + 5 async + the service x 2; with two replications every one has a CI
    assert_eq!(checked, 45 * 2 + 5 + 2);
    assert!(summary.dotted_figure("functions.web-0.latency_ms.p99").unwrap().1 > 0.0);
    assert_eq!(
        summary.dotted_figure("cost_usd.total"),
        table.figure("cost_usd.total").and_then(|f| table.value(0, f))
    );
    assert_eq!(summary.dotted_figure("functions.nope.latency_ms.p99"), None);
}

#[test]
fn equal_costs_at_the_cut_are_said_to_be_listed_in_summary_order() {
    let f = |usd: f64| serde_json::json!({ "invocations": 1, "cold_starts": 0, "cost_usd": { "total": usd } });
    let listing = |costs: &[f64]| {
        let functions: serde_json::Map<String, Value> =
            costs.iter().enumerate().map(|(i, c)| (format!("f{i:02}"), f(*c))).collect();
        let s = Summary::from_value(
            serde_json::json!({ "functions": functions, "cost_usd": { "total": 1.0 } }),
        );
        let text = slsim::report::table::render(&s);
        text.lines().find(|l| l.starts_with("listing")).unwrap_or_default().to_string()
    };
    // 25 functions at the same cost: the 20 listed are the first 20 of the summary, and it says so
    let same = listing(&[1.0; 25]);
    assert!(
        same.starts_with("listing the 20 costliest of 25 functions (some cost the same"),
        "{same}"
    );
    // distinct costs: no such words
    let distinct: Vec<f64> = (0..25).map(f64::from).collect();
    let line = listing(&distinct);
    assert!(
        line.starts_with("listing the 20 costliest of 25 functions; the other 5 cost $10.00"),
        "{line}"
    );
}

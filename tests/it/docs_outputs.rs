//! `docs/src/reference/outputs.md` documents every field of `summary.json`, and only fields
//! that slsim writes.
//!
//! The test runs the real binary (no library paths, so it survives refactors of the modules)
//! on every shipped scenario (`scenarios/*.toml`, `notebooks/scenarios/*.toml`) and on a few
//! small scenarios written here for the fields that only rarer settings produce. It collects
//! every key path of every `summary.json` (objects are descended, arrays and other values are
//! leaves; keys chosen by the user are written `NAME`, see [`USER_MAPS`]; `ci95` is one leaf,
//! its mirror tree is not descended) and compares them with the paths the chapter lists.
//!
//! How the chapter is read (outside code fences):
//! - a heading whose first backticked span is `summary.json` opens the summary's section (the
//!   prefix is empty there); the next heading of the same or a higher level closes it;
//! - inside the section, a deeper heading whose first backticked span is a dotted path
//!   (`` ### `functions.NAME.latency_ms` ``) sets the prefix and documents that path; a deeper
//!   heading without one sets no prefix (its tables are not read);
//! - a table row whose first cell starts with a backticked path (`` | `cost_usd.total` | ``)
//!   documents prefix + `.` + that path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

const CHAPTER: &str = "docs/src/reference/outputs.md";

/// Objects whose keys are names chosen in the scenario (functions, APIs, routes, ...): their
/// keys are replaced by `NAME` in the paths, as the chapter writes them.
const USER_MAPS: [&str; 8] = [
    "functions",
    "aliases",
    "workloads",
    "queues",
    "apis",
    "apis.NAME.routes",
    "services",
    "traces",
];

/// Settings the shipped scenarios do not use, each adding fields to the summary: a weighted
/// alias (`aliases.NAME`), a WebSocket API (`apis.NAME.connections`) and a burstable t3 EC2
/// service (`services.NAME.cpu_baseline`, `surplus_vcpu_hours`).
const RARE_SETTINGS: &str = r#"
[simulation]
name = "docs-rare-settings"
duration = "10m"
[[lambda.function]]
name = "checkout"
runtime = "nodejs20.x"
alias = { versions = ["1", "2"], weight = 0.25 }
[[lambda.function]]
name = "chat"
runtime = "nodejs20.x"
[[api]]
name = "live"
type = "websocket"
[[api.route]]
route = "$default"
target = "function:chat"
[[service]]
name = "burst"
platform = "ec2"
instance_type = "t3.micro"
concurrency = 8
capacity = { min = 1, max = 1, initial = 1 }
load_balancer = "none"
[[workload]]
name = "orders"
target = "function:checkout"
arrivals = { process = "constant", rate = 5.0 }
duration = "100ms"
[[workload]]
name = "clients"
target = "api:live"
arrivals = { process = "constant", rate = 0.1 }
duration = "5ms"
connection = { lifetime = "2m", messages_per_minute = 6.0 }
[[workload]]
name = "load"
target = "service:burst"
arrivals = { process = "constant", rate = 5.0 }
duration = "50ms"
cpu_bound = 1.0
"#;

/// A trace that fails while the run reads it (`traces.NAME.error`): a `requests` trace longer
/// than one in-memory chunk (2^18 rows) is sorted through temporary files, and the run gets a
/// `TMPDIR` that does not exist, so writing the first sorted run fails.
const TRACE_ERROR: &str = r#"
[simulation]
name = "docs-trace-error"
duration = "1m"
[[trace]]
name = "t"
format = "requests"
path = "big.csv"
target = "lambda"
template = { runtime = "python3.12" }
"#;
const TRACE_ERROR_ROWS: usize = (1 << 18) + 1;

/// One run of the binary: the scenario, and extra environment variables.
struct Job {
    file: PathBuf,
    env: Vec<(String, String)>,
}

#[test]
fn outputs_chapter_lists_every_summary_field() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut jobs = Vec::new();
    for dir in ["scenarios", "notebooks/scenarios"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no scenario in {dir}");
        jobs.extend(files.into_iter().map(|file| Job { file, env: Vec::new() }));
    }
    let tmp = tempfile::tempdir().unwrap();
    let rare = tmp.path().join("docs-rare-settings.toml");
    std::fs::write(&rare, RARE_SETTINGS).unwrap();
    jobs.push(Job { file: rare, env: Vec::new() });
    let trace = tmp.path().join("docs-trace-error.toml");
    std::fs::write(&trace, TRACE_ERROR).unwrap();
    std::fs::write(
        tmp.path().join("big.csv"),
        format!("timestamp\n{}", "0\n".repeat(TRACE_ERROR_ROWS)),
    )
    .unwrap();
    let no_tmp = tmp.path().join("no-such-folder").to_string_lossy().into_owned();
    jobs.push(Job { file: trace, env: vec![("TMPDIR".into(), no_tmp)] });

    // path -> the first scenario that produced it
    let produced = Mutex::new(BTreeMap::<String, String>::new());
    let next = Mutex::new(jobs.iter().enumerate());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some((i, job)) = next.lock().unwrap().next() else { break };
                    let summary = run(job, &tmp.path().join(format!("out-{i}")));
                    let mut paths = BTreeSet::new();
                    collect(&summary, "", &mut paths);
                    let name =
                        job.file.strip_prefix(root).unwrap_or(&job.file).display().to_string();
                    let mut produced = produced.lock().unwrap();
                    for p in paths {
                        produced.entry(p).or_insert_with(|| name.clone());
                    }
                }
            });
        }
    });
    let produced = produced.into_inner().unwrap();

    let text = std::fs::read_to_string(root.join(CHAPTER))
        .unwrap_or_else(|e| panic!("cannot read {CHAPTER}: {e}"));
    let documented = documented(&text);
    assert!(
        !documented.is_empty(),
        "{CHAPTER} documents no summary.json field: it needs a heading whose first backticked \
         span is `summary.json`, then tables whose rows start with a backticked field"
    );

    let missing: Vec<String> = produced
        .iter()
        .filter(|(p, _)| !documented.contains(*p))
        .map(|(p, from)| format!("  - {p}   (written for {from})"))
        .collect();
    let unknown: Vec<String> = documented
        .iter()
        .filter(|p| !produced.contains_key(*p))
        .map(|p| format!("  - {p}"))
        .collect();
    let mut report = String::new();
    if !missing.is_empty() {
        report.push_str(&format!(
            "\n{} summary.json field(s) written by slsim are missing from {CHAPTER}:\n{}\n\
             Fix: document each one in the chapter's `summary.json` section, as a table row whose \
             first cell is the field in backticks, relative to the heading above it (e.g. a row \
             | `p99` | ... | under the heading ### `functions.NAME.latency_ms`), or, for an \
             object, as a row or a heading of its own. If a path shows a real name where NAME \
             belongs, its parent is a map of user-chosen names: add the parent to USER_MAPS in \
             tests/it/docs_outputs.rs.\n",
            missing.len(),
            missing.join("\n")
        ));
    }
    if !unknown.is_empty() {
        report.push_str(&format!(
            "\n{} field(s) documented in {CHAPTER} are written by none of the scenarios run:\n{}\n\
             Fix: remove them from the chapter if the code no longer writes them, or correct \
             the spelling or the heading (prefix) they sit under. If the field only appears \
             with a setting no shipped scenario uses, add a small scenario that produces it to \
             tests/it/docs_outputs.rs (see RARE_SETTINGS).\n",
            unknown.len(),
            unknown.join("\n")
        ));
    }
    assert!(report.is_empty(), "{report}");
}

/// Runs `slsim run` on `job` into `out` and returns its summary.json.
fn run(job: &Job, out: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_slsim"))
        .arg("run")
        .arg(&job.file)
        .arg("--out")
        .arg(out)
        .args(["--no-charts", "--quiet", "--threads", "1"])
        .envs(job.env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the slsim binary runs");
    assert!(
        output.status.success(),
        "slsim run {} failed: {}",
        job.file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let path = out.join("summary.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every key path of `v` under `path`: objects descended (the paths of objects included),
/// user-chosen keys as `NAME`, the top-level `ci95` as a leaf.
fn collect(v: &Value, path: &str, out: &mut BTreeSet<String>) {
    if !path.is_empty() {
        out.insert(path.to_string());
    }
    let Value::Object(map) = v else { return };
    if path == "ci95" {
        return;
    }
    for (key, child) in map {
        let key = if USER_MAPS.contains(&path) { "NAME" } else { key.as_str() };
        let child_path = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        collect(child, &child_path, out);
    }
}

/// The text of the first backticked span of `s`.
fn first_span(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

/// A dotted path of JSON keys: `cost_usd.total`, `functions.NAME`.
fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|seg| {
            !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The summary.json paths the chapter documents (see the module's comment for the format).
fn documented(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fence = false;
    let mut section: Option<usize> = None;
    let mut prefix: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        if level > 0 && line[level..].starts_with(' ') {
            let span = first_span(&line[level..]);
            if span == Some("summary.json") {
                section = Some(level);
                prefix = Some(String::new());
            } else if section.is_some_and(|s| level <= s) {
                section = None;
                prefix = None;
            } else if section.is_some() {
                prefix = span.filter(|s| is_path(s)).map(str::to_string);
                if let Some(p) = &prefix {
                    out.insert(p.clone());
                }
            }
            continue;
        }
        let Some(prefix) = &prefix else { continue };
        let Some(row) = trimmed.strip_prefix('|') else { continue };
        let cell = row.split('|').next().unwrap_or("").trim();
        if !cell.starts_with('`') {
            continue;
        }
        if let Some(field) = first_span(cell).filter(|f| is_path(f)) {
            out.insert(if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            });
        }
    }
    out
}

#[test]
fn the_chapter_reader_follows_headings_and_rows() {
    let text = "# Outputs\n## `summary.json`\n| field | unit |\n|---|---|\n| `seed` | - |\n\
                ### `functions.NAME`\n| `latency_ms.p99` | ms |\n```\n| `not_read` |\n```\n\
                ### Notes\n| `not_read_either` | |\n## `timeseries.csv`\n| `minute` | |\n";
    let got: Vec<String> = documented(text).into_iter().collect();
    assert_eq!(got, ["functions.NAME", "functions.NAME.latency_ms.p99", "seed"]);
    let mut paths = BTreeSet::new();
    collect(
        &serde_json::json!({ "functions": { "api": { "n": 1, "a": [1] } }, "ci95": { "x": 1 } }),
        "",
        &mut paths,
    );
    let paths: Vec<String> = paths.into_iter().collect();
    assert_eq!(
        paths,
        ["ci95", "functions", "functions.NAME", "functions.NAME.a", "functions.NAME.n"]
    );
}

//! The scenario reference and the JSON Schema cannot drift apart from the parser.
//!
//! The schema is generated from the types that parse a scenario, so it lists exactly the keys
//! the parser accepts. These tests fail when a key is missing from the book's scenario
//! reference, when the reference names a key the parser does not accept, when a shipped
//! scenario does not validate against the schema (as an editor would check it), or when the
//! shipped schema file is older than the code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use slsim::config::schema::{scenario_schema, schema_text};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn resolve<'a>(schema: &'a Json, mut node: &'a Json) -> (&'a Json, Option<String>) {
    let mut name = None;
    loop {
        if let Some(r) = node.get("$ref").and_then(Json::as_str) {
            let n = r.trim_start_matches("#/definitions/").to_string();
            node = &schema["definitions"][&n];
            name = Some(n);
        } else if let Some(Json::Array(all)) = node.get("allOf") {
            node = &all[0];
        } else {
            return (node, name);
        }
    }
}

/// Every key path of the schema: `lambda.function.memory_size`, `service.autoscaling.target`.
/// Distributions are one shared type, listed under `distribution`; a trace's `template` and the
/// free key paths of `[sweep] parameters` are not expanded.
fn schema_paths(schema: &Json, node: &Json, prefix: &str, out: &mut BTreeSet<String>) {
    let (node, name) = resolve(schema, node);
    if matches!(name.as_deref(), Some("Distribution" | "Template" | "Duration")) {
        return;
    }
    if let Some(Json::Array(alts)) = node.get("anyOf") {
        for a in alts {
            schema_paths(schema, a, prefix, out);
        }
        return;
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        schema_paths(schema, items, prefix, out);
    }
    if let Some(Json::Object(props)) = node.get("properties") {
        for (k, v) in props {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            out.insert(path.clone());
            schema_paths(schema, v, &path, out);
        }
    }
}

fn all_schema_paths() -> BTreeSet<String> {
    let schema = scenario_schema();
    let mut paths = BTreeSet::new();
    schema_paths(&schema, &schema, "", &mut paths);
    let dist = schema["definitions"]["DistTable"].clone();
    schema_paths(&schema, &dist, "distribution", &mut paths);
    paths
}

/// The key paths the reference documents: a heading's first backticked span sets the prefix
/// (`[[lambda.function]]` -> `lambda.function`), and the first cell of a table row, when it is
/// a backticked key, names a key relative to it. Returns (rows, headings).
fn documented(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut rows, mut headings) = (BTreeSet::new(), BTreeSet::new());
    let mut prefix = String::new();
    let mut fenced = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if t.starts_with('#') {
            if let Some(span) = t.split('`').nth(1).filter(|_| t.contains('`')) {
                prefix = span.trim_matches(|c| c == '[' || c == ']').to_string();
                headings.insert(prefix.clone());
            } else {
                prefix.clear();
            }
            continue;
        }
        let Some(cell) = t.strip_prefix('|').and_then(|r| r.split('|').next()) else { continue };
        let cell = cell.trim();
        let Some(key) = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) else { continue };
        if prefix.is_empty()
            || key.is_empty()
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            continue;
        }
        rows.insert(format!("{prefix}.{key}"));
    }
    (rows, headings)
}

#[test]
fn the_reference_documents_every_key_and_no_other() {
    let path = root().join("docs/src/reference/scenario.md");
    let text = std::fs::read_to_string(&path).expect("the scenario reference exists");
    let (rows, headings) = documented(&text);
    let keys = all_schema_paths();
    let missing: Vec<&String> =
        keys.iter().filter(|k| !rows.contains(*k) && !headings.contains(*k)).collect();
    let unknown: Vec<&String> = rows.iter().filter(|r| !keys.contains(*r)).collect();
    let bad_headings: Vec<&String> =
        headings.iter().filter(|h| !keys.contains(*h) && h.as_str() != "distribution").collect();
    assert!(
        missing.is_empty() && unknown.is_empty() && bad_headings.is_empty(),
        "docs/src/reference/scenario.md and the parser disagree.\n\
         Keys the parser accepts but the reference does not document (add a row under the \
         section's heading): {missing:#?}\n\
         Rows naming keys the parser refuses (remove or rename them): {unknown:#?}\n\
         Headings naming no section of the format: {bad_headings:#?}"
    );
    assert!(keys.len() > 200, "the walk found only {} keys", keys.len());
}

#[test]
fn the_reference_walk_reads_headings_rows_and_skips_code() {
    let (rows, headings) = documented(
        "## `[[lambda.function]]`\n| key | type |\n|---|---|\n| `memory_size` | int |\n\
         ```toml\n| `not_a_row` |\n```\n#### `service.autoscaling`\n| `scale_out.steps.change` | x |\n",
    );
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    assert_eq!(rows, ["lambda.function.memory_size", "service.autoscaling.scale_out.steps.change"]);
    assert!(headings.contains("lambda.function"));
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "notebooks/scenarios", "benches"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "toml") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    assert!(files.len() > 10, "found only {} scenarios", files.len());
    files
}

fn as_json(text: &str) -> Json {
    let table: toml::Table = toml::from_str(text).expect("shipped TOML parses");
    serde_json::to_value(table).expect("TOML converts to JSON")
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let validator = jsonschema::draft7::new(&scenario_schema()).expect("the schema compiles");
    for path in shipped_scenarios() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let errors: Vec<String> = validator
            .iter_errors(&as_json(&text))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{} fails the schema: {errors:#?}", path.display());
    }
}

#[test]
fn the_schema_refuses_a_misspelt_key_and_a_wrong_type() {
    let validator = jsonschema::draft7::new(&scenario_schema()).expect("the schema compiles");
    let good = "[simulation]\nname = \"x\"\nduration = \"1h\"\n[[lambda.function]]\nname = \"f\"\nmemory_size = 512\n";
    assert!(validator.is_valid(&as_json(good)));
    let misspelt = good.replace("memory_size", "memroy_size");
    assert!(!validator.is_valid(&as_json(&misspelt)));
    let wrong_type = good.replace("512", "\"512\"");
    assert!(!validator.is_valid(&as_json(&wrong_type)));
    let bare_duration = good.replace("\"1h\"", "10");
    assert!(!validator.is_valid(&as_json(&bare_duration)));
    let bad_unit = good.replace("\"1h\"", "\"1hr\"");
    assert!(!validator.is_valid(&as_json(&bad_unit)), "the duration pattern refuses \"1hr\"");
}

#[test]
fn shipped_scenarios_point_editors_at_the_current_schema() {
    let shipped = root().join("scenarios/slsim.schema.json");
    let text = std::fs::read_to_string(&shipped).expect("scenarios/slsim.schema.json exists");
    assert!(
        text == schema_text(),
        "scenarios/slsim.schema.json is older than the code: run \
         `cargo run -- schema --out scenarios/slsim.schema.json`"
    );
    for path in shipped_scenarios() {
        let first = std::fs::read_to_string(&path).expect("readable");
        let first = first.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{} does not start with a `#:schema` line", path.display()));
        let resolved = path.parent().expect("in a folder").join(target.trim());
        assert!(resolved.is_file(), "{}: {target} does not exist", path.display());
    }
}

#[test]
fn the_sweep_schema_mirrors_the_sweep_reader() {
    let schema = scenario_schema();
    let keys: Vec<&str> = schema["definitions"]["Sweep"]["properties"]
        .as_object()
        .expect("Sweep has properties")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["mode", "replications", "parameters"]);
    let mut t: toml::Table = toml::from_str("[sweep]\nmodee = \"grid\"").expect("parses");
    let err = slsim::config::sweep::SweepSpec::from_table(&t, &[]).unwrap_err();
    assert!(err[0].message.contains("mode, replications, parameters"), "{err:?}");
    t.clear();
}

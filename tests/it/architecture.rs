//! The library's layers point one way: a module may use only the modules listed before it.
//!
//! Every `crate::NAME` path in the code of `src/` (comments aside) is an edge from the
//! top-level module of its file to `NAME`. An edge that points up the list below, or to a
//! module the list does not place, fails with the file and the path, so the layering cannot
//! erode one convenient import at a time. The book's model chapter describes the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. Within a layer, a module may use the ones before it on the same line.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "base: simulated time, problems, units, files, progress",
        &["engine", "units", "problem", "files", "progress"],
    ),
    (
        "scenario inputs: distributions, prices, token buckets, metrics, trace readers",
        &["dist", "pricing", "token_bucket", "metrics", "trace"],
    ),
    ("the scenario: raw types, validation, settings of the models", &["config"]),
    ("the events of a run", &["event"]),
    ("platform models", &["workload", "lambda", "service", "esm", "apigw"]),
    ("one run: simulation, summaries, objectives", &["sim", "warnings", "summary", "run", "slo"]),
    ("sweeps and recommendations", &["sweep", "recommend"]),
    ("outputs: JSON, CSV, charts, HTML", &["report"]),
    ("the user's own data: imports and comparisons with what was observed", &["import", "compare"]),
    ("the commands", &["app"]),
];

fn rank() -> BTreeMap<&'static str, usize> {
    LAYERS
        .iter()
        .flat_map(|(_, mods)| mods.iter().copied())
        .enumerate()
        .map(|(i, m)| (m, i))
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules a piece of code names as `crate::NAME` (also inside `use crate::{a, b::c}`).
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() && name != "self" {
                    used.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

/// Code without comments (whole-line `//`, `///` and `//!` comments; the code base puts no
/// import after code on a line).
fn code_of(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

#[test]
fn imports_point_down_the_layers() {
    let rank = rank();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        let top = rel.split('/').next().unwrap_or_default().trim_end_matches(".rs").to_string();
        if top == "main" || top == "lib" {
            continue; // the binary and the crate root sit above every layer
        }
        let Some(&from) = rank.get(top.as_str()) else {
            wrong.push(format!("src/{rel}: module `{top}` is in no layer; add it to LAYERS"));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("source is readable");
        for used in used_modules(&code_of(&text)) {
            if used == top {
                continue;
            }
            match rank.get(used.as_str()) {
                None => {
                    wrong.push(format!("src/{rel}: uses `crate::{used}`, which is in no layer"))
                }
                Some(&to) if to > from => wrong.push(format!(
                    "src/{rel}: `{top}` uses `crate::{used}`, which sits above it; move the shared \
                     item down (or the caller up) instead"
                )),
                Some(_) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
}

#[test]
fn every_layer_module_exists() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (_, mods) in LAYERS {
        for m in *mods {
            assert!(
                src.join(format!("{m}.rs")).exists() || src.join(m).join("mod.rs").exists(),
                "LAYERS names `{m}`, which is not a module of src/"
            );
        }
    }
}

#[test]
fn the_scanner_sees_grouped_and_inline_paths() {
    let used = used_modules("use crate::{engine::SimTime, dist};\nlet x = crate::report::f();");
    let names: Vec<&str> = used.iter().map(String::as_str).collect();
    assert_eq!(names, ["dist", "engine", "report"]);
    assert_eq!(code_of("// crate::app\nuse crate::sim;"), "use crate::sim;");
}

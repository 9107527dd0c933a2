//! The structural check of a scenario: every unknown key, wrong type and unknown enum value of
//! a file in one pass, each with the nearest valid name ("did you mean `memory_size`?").
//!
//! It walks the TOML tree against the JSON Schema that the raw types generate
//! ([`super::schema`]), so the keys it knows are exactly those the parser accepts. Ranges and
//! cross-key rules are left to validation, whose messages know the meaning of each key. Items of
//! arrays of tables are named as `--set` names them: `lambda.function "thumb"`, not `[0]`.

use std::sync::OnceLock;

use serde_json::Value as Json;
use toml::Value;

use crate::problem::{Problem, clip as cut_value, name_list};
use crate::units::DURATION_PATTERN;

/// The schema, generated once per process (sweeps check every point).
fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(super::schema::scenario_schema)
}

/// What the structural check found, and the table with the offending entries taken out (so
/// validation can still report the meaning errors of everything else).
pub struct Checked {
    pub problems: Vec<Problem>,
    pub cleaned: toml::Table,
}

/// Checks a whole scenario table.
pub fn check(table: &toml::Table) -> Checked {
    let root = schema();
    let mut problems = Vec::new();
    let mut cleaned = Value::Table(table.clone());
    walk(root, root, &mut cleaned, &Path::default(), &mut problems);
    let cleaned = match cleaned {
        Value::Table(t) => t,
        _ => toml::Table::new(),
    };
    Checked { problems, cleaned }
}

/// A key path as users read it: `lambda.function "thumb".alias`.
#[derive(Clone, Default)]
struct Path(String);

impl Path {
    fn key(&self, k: &str) -> Path {
        let k = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            k.to_string()
        } else {
            format!("\"{}\"", cut_value(k))
        };
        Path(if self.0.is_empty() { k } else { format!("{}.{k}", self.0) })
    }
    fn item(&self, i: usize, v: &Value) -> Path {
        match v.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            Some(name) => Path(format!("{} \"{}\"", self.0, cut_value(name))),
            None => Path(format!("{}[{i}]", self.0)),
        }
    }
}

/// The allowed values of an enum: an `enum` list, or `oneOf`/`anyOf` alternatives that are all
/// `const` (how schemars renders variants with descriptions).
fn enum_values(node: &Json) -> Option<Vec<&Json>> {
    if let Some(Json::Array(values)) = node.get("enum") {
        return Some(values.iter().collect());
    }
    let alts = node.get("oneOf").or_else(|| node.get("anyOf"))?.as_array()?;
    let consts: Vec<&Json> = alts.iter().filter_map(|a| a.get("const")).collect();
    (!consts.is_empty() && consts.len() == alts.len()).then_some(consts)
}

/// `#/definitions/Name` resolved; `allOf` of one schema unwrapped.
fn resolve<'a>(root: &'a Json, mut node: &'a Json) -> &'a Json {
    loop {
        if let Some(r) = node.get("$ref").and_then(Json::as_str) {
            let name = r.trim_start_matches("#/definitions/");
            match root.get("definitions").and_then(|d| d.get(name)) {
                Some(n) => node = n,
                None => return node,
            }
        } else if let Some(Json::Array(all)) = node.get("allOf")
            && all.len() == 1
        {
            node = &all[0];
        } else {
            return node;
        }
    }
}

fn type_word(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

/// What a schema node expects, in words.
fn expected(root: &Json, node: &Json) -> String {
    let node = resolve(root, node);
    if node.get("pattern").and_then(Json::as_str) == Some(DURATION_PATTERN) {
        return "a duration string with a unit (e.g. \"250ms\", \"1.5s\", \"10m\")".into();
    }
    if let Some(values) = enum_values(node) {
        let names: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        return format!("one of {}", names.join(", "));
    }
    if let Some(Json::Array(alts)) = node.get("anyOf").or_else(|| node.get("oneOf")) {
        let words: Vec<String> = alts.iter().map(|a| expected(root, a)).collect();
        return words.join(" or ");
    }
    match node.get("type").and_then(Json::as_str) {
        Some("integer") => "an integer".into(),
        Some("number") => "a number".into(),
        Some("string") => "a string".into(),
        Some("boolean") => "true or false".into(),
        Some("array") => "a list".into(),
        Some("object") => "a table".into(),
        _ => "a value of another kind".into(),
    }
}

fn type_matches(ty: &str, v: &Value) -> bool {
    matches!(
        (ty, v),
        ("integer", Value::Integer(_))
            | ("number", Value::Integer(_) | Value::Float(_))
            | ("string", Value::String(_))
            | ("boolean", Value::Boolean(_))
            | ("array", Value::Array(_))
            | ("object", Value::Table(_))
    )
}

/// Checks `value` against `node`; returns false when `value` itself is wrong (the caller takes
/// it out of the cleaned table). Problems inside a table or list are reported and cleaned there.
fn walk(
    root: &Json,
    node: &Json,
    value: &mut Value,
    at: &Path,
    problems: &mut Vec<Problem>,
) -> bool {
    let node = resolve(root, node);
    let values = enum_values(node);
    if values.is_none()
        && let Some(Json::Array(alts)) = node.get("anyOf").or_else(|| node.get("oneOf"))
    {
        return walk_any(root, alts, value, at, problems);
    }
    if let Some(ty) = node.get("type").and_then(Json::as_str)
        && !type_matches(ty, value)
    {
        let message = match (&*value, node.get("pattern").and_then(Json::as_str)) {
            (Value::Integer(_) | Value::Float(_), Some(DURATION_PATTERN)) => format!(
                "bare number {value} is not a duration: add a unit, e.g. \"{value}s\" or \"{value}ms\""
            ),
            _ => format!(
                "{} is {}; expected {}",
                cut_value(&value.to_string()),
                type_word(value),
                expected(root, node)
            ),
        };
        problems.push(Problem { key: at.0.clone(), message });
        return false;
    }
    if node.get("pattern").and_then(Json::as_str) == Some(DURATION_PATTERN)
        && let Value::String(s) = value
        && let Err(message) = crate::units::parse_duration(s)
    {
        problems.push(Problem { key: at.0.clone(), message });
        return false;
    }
    if let Some(values) = values
        && let Value::String(s) = value
        && !values.iter().any(|v| v.as_str() == Some(s.as_str()))
    {
        let names: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
        let hint = match nearest(s, &names) {
            Some(n) => format!("; did you mean \"{n}\"?"),
            None => String::new(),
        };
        let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        problems.push(Problem {
            key: at.0.clone(),
            message: format!(
                "\"{}\" is not allowed; expected one of {}{hint}",
                cut_value(s),
                list.join(", ")
            ),
        });
        return false;
    }
    match value {
        Value::Table(t) => walk_table(root, node, t, at, problems),
        Value::Array(items) => walk_array(root, node, items, at, problems),
        _ => {}
    }
    true
}

fn walk_any(
    root: &Json,
    alts: &[Json],
    value: &mut Value,
    at: &Path,
    problems: &mut Vec<Problem>,
) -> bool {
    // the alternative of the value's kind speaks for it (a table: the table's schema)
    let fitting: Vec<&Json> = alts
        .iter()
        .filter(|a| {
            let a = resolve(root, a);
            a.get("type").and_then(Json::as_str).is_none_or(|ty| type_matches(ty, value))
        })
        .collect();
    for alt in &fitting {
        let mut trial = value.clone();
        let mut found = Vec::new();
        if walk(root, alt, &mut trial, at, &mut found) && found.is_empty() {
            return true;
        }
    }
    match fitting.first() {
        Some(alt) if fitting.len() == 1 => walk(root, alt, value, at, problems),
        _ if matches!(value, Value::Integer(_) | Value::Float(_))
            && alts.iter().any(|a| {
                resolve(root, a).get("pattern").and_then(Json::as_str) == Some(DURATION_PATTERN)
            }) =>
        {
            problems.push(Problem {
                key: at.0.clone(),
                message: format!(
                    "bare number {value} is not a duration: add a unit, e.g. \"{value}s\" or \"{value}ms\" \
                     (or give a distribution table)"
                ),
            });
            false
        }
        _ => {
            let words: Vec<String> = alts.iter().map(|a| expected(root, a)).collect();
            problems.push(Problem {
                key: at.0.clone(),
                message: format!(
                    "{} is {}; expected {}",
                    cut_value(&value.to_string()),
                    type_word(value),
                    words.join(" or ")
                ),
            });
            false
        }
    }
}

fn walk_table(
    root: &Json,
    node: &Json,
    t: &mut toml::Table,
    at: &Path,
    problems: &mut Vec<Problem>,
) {
    let props = node.get("properties").and_then(Json::as_object);
    let closed = node.get("additionalProperties") == Some(&Json::Bool(false));
    let extra = node.get("additionalProperties").filter(|a| a.is_object());
    let keys: Vec<String> = t.keys().cloned().collect();
    for k in keys {
        let child_at = at.key(&k);
        let schema_of = props.and_then(|p| p.get(&k)).or(extra);
        let keep = match (schema_of, t.get_mut(&k)) {
            (Some(s), Some(v)) => walk(root, s, v, &child_at, problems),
            (None, Some(_)) if closed => {
                let known: Vec<&str> =
                    props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                problems.push(unknown_key(&k, &known, at));
                false
            }
            _ => true,
        };
        if !keep {
            t.remove(&k);
        }
    }
    if let Some(Json::Array(required)) = node.get("required") {
        for r in required.iter().filter_map(Json::as_str) {
            if !t.contains_key(r) && !problems.iter().any(|p| p.key == at.key(r).0) {
                let place = if at.0.is_empty() { "the file".to_string() } else { at.0.clone() };
                problems.push(Problem {
                    key: at.0.clone(),
                    message: format!("missing key `{r}`, which {place} needs"),
                });
            }
        }
    }
}

fn walk_array(
    root: &Json,
    node: &Json,
    items: &mut Vec<Value>,
    at: &Path,
    problems: &mut Vec<Problem>,
) {
    match node.get("items") {
        // a tuple, e.g. [time, count]
        Some(Json::Array(positions)) => {
            if items.len() != positions.len() {
                let words: Vec<String> = positions.iter().map(|p| expected(root, p)).collect();
                problems.push(Problem {
                    key: at.0.clone(),
                    message: format!(
                        "{} has {} element(s); expected [{}]",
                        cut_value(&Value::Array(items.clone()).to_string()),
                        items.len(),
                        words.join(", ")
                    ),
                });
                return;
            }
            for (i, (v, p)) in items.iter_mut().zip(positions).enumerate() {
                walk(root, p, v, &Path(format!("{}[{i}]", at.0)), problems);
            }
        }
        Some(item) => {
            let mut keep = Vec::with_capacity(items.len());
            for (i, v) in items.iter_mut().enumerate() {
                let item_at = at.item(i, v);
                keep.push(walk(root, item, v, &item_at, problems));
            }
            let mut it = keep.into_iter();
            items.retain(|_| it.next().unwrap_or(true));
        }
        None => {}
    }
}

fn unknown_key(k: &str, known: &[&str], at: &Path) -> Problem {
    let place = if at.0.is_empty() { "the file".to_string() } else { at.0.clone() };
    let message = match nearest(k, known) {
        Some(n) => format!("unknown key `{}`; did you mean `{n}`?", cut_value(k)),
        None => {
            let mut sorted = known.to_vec();
            sorted.sort_unstable();
            format!(
                "unknown key `{}` in {place}; the keys allowed there are {}",
                cut_value(k),
                name_list(&sorted)
            )
        }
    };
    Problem { key: at.0.clone(), message }
}

/// The closest of `names` to `word` (edit distance, case-insensitive), if close enough to be a
/// likely typo: at most a third of the word's length, at least 1, at most 3. Failing that, the
/// only name that the word (of four letters or more) begins or is part of: `memory` suggests
/// `memory_size`.
pub fn nearest<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    let w = word.to_lowercase();
    let limit = (w.chars().count() / 3).clamp(1, 3);
    let close = names
        .iter()
        .map(|n| (distance(&w, &n.to_lowercase()), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, n)| (*d, *n))
        .map(|(_, n)| n);
    if close.is_some() || w.chars().count() < 4 {
        return close;
    }
    let containing: Vec<&str> =
        names.iter().copied().filter(|n| n.to_lowercase().contains(&w)).collect();
    match containing.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

/// Damerau-Levenshtein distance (optimal string alignment): a swap of two letters costs one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let t: toml::Table = toml::from_str(text).expect("test TOML parses");
        check(&t).problems.into_iter().map(|p| format!("{}: {}", p.key, p.message)).collect()
    }

    #[test]
    fn distances_count_typos() {
        assert_eq!(distance("memroy_size", "memory_size"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(nearest("memroy_size", &["memory_size", "timeout"]), Some("memory_size"));
        assert_eq!(nearest("xyz", &["memory_size", "timeout"]), None);
        assert_eq!(nearest("memory", &["memory_size", "timeout"]), Some("memory_size"));
        assert_eq!(nearest("size", &["memory_size", "package_size"]), None, "ambiguous");
    }

    #[test]
    fn every_problem_of_a_file_at_once_named_by_item() {
        let p = problems(
            r#"
            [simulation]
            name = "x"
            duration = 10
            [[lambda.function]]
            name = "thumb"
            memroy_size = 1024
            architecture = "arm"
            [[lambda.function]]
            name = "other"
            timeout = "3s"
            reserved_concurrency = "ten"
            "#,
        );
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(
            p[0].starts_with("simulation.duration: bare number 10 is not a duration"),
            "{p:#?}"
        );
        assert_eq!(
            p[1],
            "lambda.function \"thumb\": unknown key `memroy_size`; did you mean `memory_size`?"
        );
        assert!(
            p[2].starts_with("lambda.function \"thumb\".architecture: \"arm\" is not allowed"),
            "{p:#?}"
        );
        assert_eq!(
            p[3],
            "lambda.function \"other\".reserved_concurrency: \"ten\" is a string; expected an integer"
        );
    }

    #[test]
    fn the_cleaned_table_drops_what_was_wrong() {
        let t: toml::Table = toml::from_str(
            "[simulation]\nname = \"x\"\nduration = \"1h\"\nseeed = 3\n[pricing]\nfree_tier = 1\n",
        )
        .expect("parses");
        let c = check(&t);
        assert_eq!(c.problems.len(), 2);
        assert!(c.cleaned["simulation"].get("seeed").is_none());
        assert!(c.cleaned["pricing"].get("free_tier").is_none());
        assert_eq!(c.cleaned["simulation"]["duration"].as_str(), Some("1h"));
    }
}

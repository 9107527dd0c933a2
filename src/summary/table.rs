//! A block of like components (every function, every service) held as rows of leaves under
//! one shared list of key paths, instead of a JSON tree per component.
//!
//! A fleet of 50,000 functions with some forty figures each is 2 million JSON leaves: as
//! `serde_json` trees (a map, its keys and its hash index per object) that took about 8 KB a
//! function, 400 MB a replication. Here a row is its scalar leaves alone (16 bytes each:
//! a number, or an index into the table's pool of distinct texts) and the key paths are
//! stored once. A component whose tree has another shape than the first
//! one's (an extra block, an array) keeps its tree: correctness never depends on the shape.
//!
//! [`Table::get`] rebuilds a component's tree on demand (key order as built), so readers
//! work on one component at a time; [`Table::write_pretty`] streams the block in the layout
//! `serde_json::to_string_pretty` gives.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{Map, Value};

/// One block: component name -> figures, in insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The key path of each leaf of a flat row, in the order the first row was built.
    schema: Vec<Vec<String>>,
    names: Vec<String>,
    rows: Vec<Row>,
    index: HashMap<String, usize>,
    /// The distinct texts of the leaves (`label`, `architecture`: a handful, however many
    /// rows).
    texts: Vec<String>,
    text_ids: HashMap<String, u32>,
}

/// A scalar of a flat row, as small as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Leaf {
    Pos(u64),
    Neg(i64),
    Float(f64),
    Bool(bool),
    Text(u32),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
enum Row {
    /// The leaves, one per schema path.
    Flat(Box<[Leaf]>),
    /// A tree of another shape, kept whole.
    Tree(Value),
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// A table of the entries of a JSON object (a block read back from `summary.json`).
    pub fn from_object(map: Map<String, Value>) -> Table {
        let mut t = Table::new();
        for (name, v) in map {
            t.insert(name, v);
        }
        t
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Adds (or replaces) a component's figures.
    pub fn insert(&mut self, name: String, tree: Value) {
        if self.schema.is_empty()
            && let Some(paths) = shape(&tree)
            && !paths.is_empty()
        {
            self.schema = paths;
        }
        let row = match flatten(&tree, &self.schema) {
            Some(values) => Row::Flat(values.iter().map(|v| self.leaf_of(v)).collect()),
            None => Row::Tree(tree),
        };
        match self.index.get(&name) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.index.insert(name.clone(), self.names.len());
                self.names.push(name);
                self.rows.push(row);
            }
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// A component's figures as a JSON tree (built anew: hold one at a time).
    pub fn get(&self, name: &str) -> Option<Value> {
        self.index.get(name).map(|&i| self.tree(i))
    }

    /// One figure of a component (`path` of keys), without building its tree.
    pub fn figure(&self, name: &str, path: &[&str]) -> Option<Value> {
        let &i = self.index.get(name)?;
        self.leaf(i, path)
    }

    /// Every component and its tree, in order (each built as the iterator reaches it).
    pub fn iter(&self) -> impl Iterator<Item = (&str, Value)> {
        self.names.iter().enumerate().map(|(i, n)| (n.as_str(), self.tree(i)))
    }

    /// The block as one JSON object (for small blocks and tests).
    pub fn to_object(&self) -> Value {
        Value::Object(self.iter().map(|(n, v)| (n.to_string(), v)).collect())
    }

    fn leaf_of(&mut self, v: &Value) -> Leaf {
        match v {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Leaf::Pos(u),
                (None, Some(i)) => Leaf::Neg(i),
                _ => Leaf::Float(n.as_f64().unwrap_or(0.0)),
            },
            Value::Bool(b) => Leaf::Bool(*b),
            Value::String(s) => match self.text_ids.get(s) {
                Some(&id) => Leaf::Text(id),
                None => {
                    let id = self.texts.len() as u32;
                    self.texts.push(s.clone());
                    self.text_ids.insert(s.clone(), id);
                    Leaf::Text(id)
                }
            },
            _ => Leaf::Null,
        }
    }

    fn value_of(&self, l: Leaf) -> Value {
        match l {
            Leaf::Pos(u) => Value::from(u),
            Leaf::Neg(i) => Value::from(i),
            Leaf::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Leaf::Bool(b) => Value::Bool(b),
            Leaf::Text(id) => Value::String(self.texts[id as usize].clone()),
            Leaf::Null => Value::Null,
        }
    }

    fn leaf(&self, i: usize, path: &[&str]) -> Option<Value> {
        match &self.rows[i] {
            Row::Flat(leaves) => {
                let k = self
                    .schema
                    .iter()
                    .position(|p| p.iter().map(String::as_str).eq(path.iter().copied()))?;
                leaves.get(k).map(|&l| self.value_of(l))
            }
            Row::Tree(t) => path.iter().try_fold(t, |v, k| v.get(*k)).cloned(),
        }
    }

    fn tree(&self, i: usize) -> Value {
        match &self.rows[i] {
            Row::Flat(leaves) => {
                let values: Vec<Value> = leaves.iter().map(|&l| self.value_of(l)).collect();
                unflatten(&self.schema, &values)
            }
            Row::Tree(t) => t.clone(),
        }
    }

    /// The mean table over replications (rows matched by name) and the mirror table of 95 %
    /// half-widths, by the rules of [`super::combine`]: a figure equal in every replication
    /// keeps its exact form (half-width 0), other numbers become means, text has no
    /// half-width.
    pub fn combine(tables: &[&Table]) -> (Table, Table) {
        let Some(first) = tables.first() else {
            return (Table::new(), Table::new());
        };
        let mut mean = Table { schema: first.schema.clone(), ..Table::new() };
        let mut ci = Table::new();
        for (i, name) in first.names.iter().enumerate() {
            let same_shape = tables.iter().all(|t| {
                t.schema == first.schema
                    && t.names.get(i) == Some(name)
                    && matches!(t.rows[i], Row::Flat(_))
            }) && matches!(first.rows[i], Row::Flat(_));
            if same_shape {
                let mut m = Vec::with_capacity(first.schema.len());
                let mut c = Map::new();
                for (k, path) in first.schema.iter().enumerate() {
                    let column: Vec<Value> = tables
                        .iter()
                        .map(|t| match &t.rows[i] {
                            Row::Flat(l) => t.value_of(l[k]),
                            Row::Tree(_) => Value::Null,
                        })
                        .collect();
                    let (mk, ck) = super::combine(&column);
                    m.push(mk);
                    if let Some(ck) = ck {
                        insert_path(&mut c, path, ck);
                    }
                }
                mean.index.insert(name.clone(), mean.names.len());
                mean.names.push(name.clone());
                let leaves = m.iter().map(|v| mean.leaf_of(v)).collect();
                mean.rows.push(Row::Flat(leaves));
                if !c.is_empty() {
                    ci.insert(name.clone(), Value::Object(c));
                }
            } else {
                let trees: Vec<Value> =
                    tables.iter().map(|t| t.get(name).unwrap_or(Value::Null)).collect();
                let (m, c) = super::combine(&trees);
                mean.insert(name.clone(), m);
                if let Some(c) = c {
                    ci.insert(name.clone(), c);
                }
            }
        }
        (mean, ci)
    }

    /// The block as CSV: a row per component, `first` (the name) then a column per figure,
    /// named by its key path joined with dots (`latency_ms.p99`). A figure a component lacks
    /// is empty; the columns are the first component's, then any other figure in the order
    /// first met; text as it is, lists as JSON.
    pub fn write_csv(&self, w: &mut dyn Write, first: &str) -> io::Result<()> {
        let mut columns: Vec<Vec<String>> = self.schema.clone();
        let mut known: std::collections::HashSet<Vec<String>> = columns.iter().cloned().collect();
        for row in &self.rows {
            if let Row::Tree(t) = row {
                for p in leaf_paths(t) {
                    if known.insert(p.clone()) {
                        columns.push(p);
                    }
                }
            }
        }
        let mut out = csv::Writer::from_writer(w);
        let header = std::iter::once(first.to_string()).chain(columns.iter().map(|p| p.join(".")));
        out.write_record(header).map_err(io::Error::other)?;
        let mut record: Vec<String> = Vec::with_capacity(columns.len() + 1);
        for (i, name) in self.names.iter().enumerate() {
            record.clear();
            record.push(name.clone());
            match &self.rows[i] {
                Row::Flat(leaves) if columns.len() == leaves.len() => {
                    record.extend(leaves.iter().map(|&l| cell(&self.value_of(l))));
                }
                _ => {
                    for p in &columns {
                        let path: Vec<&str> = p.iter().map(String::as_str).collect();
                        record.push(self.leaf(i, &path).as_ref().map(cell).unwrap_or_default());
                    }
                }
            }
            out.write_record(&record).map_err(io::Error::other)?;
        }
        out.flush()
    }

    /// Writes the block as a pretty-printed JSON object whose closing brace is indented by
    /// `level` steps of two spaces (as nested in `serde_json::to_string_pretty` output).
    pub fn write_pretty(&self, w: &mut dyn Write, level: usize) -> io::Result<()> {
        if self.is_empty() {
            return w.write_all(b"{}");
        }
        w.write_all(b"{")?;
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(b"\n")?;
            indent(w, level + 1)?;
            serde_json::to_writer(&mut *w, name)?;
            w.write_all(b": ")?;
            write_pretty(w, &self.tree(i), level + 1)?;
        }
        w.write_all(b"\n")?;
        indent(w, level)?;
        w.write_all(b"}")
    }
}

/// The leaf paths of a tree made of objects and scalars (`None` for anything else: an
/// array or an empty object, which a flat row cannot rebuild).
fn shape(v: &Value) -> Option<Vec<Vec<String>>> {
    fn walk(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) -> bool {
        match v {
            Value::Object(m) if m.is_empty() => false,
            Value::Object(m) => m.iter().all(|(k, v)| {
                prefix.push(k.clone());
                let ok = walk(v, prefix, out);
                prefix.pop();
                ok
            }),
            Value::Array(_) => false,
            _ => {
                out.push(prefix.clone());
                true
            }
        }
    }
    let mut out = Vec::new();
    (v.is_object() && walk(v, &mut Vec::new(), &mut out)).then_some(out)
}

/// Every leaf path of a tree (arrays and empty objects count as leaves).
fn leaf_paths(v: &Value) -> Vec<Vec<String>> {
    fn walk(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    prefix.push(k.clone());
                    walk(v, prefix, out);
                    prefix.pop();
                }
            }
            _ => out.push(prefix.clone()),
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// A CSV cell: numbers as JSON writes them, text as it is, null empty, the rest as JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The leaves of `v` in `schema` order, if `v` has exactly that shape.
fn flatten<'a>(v: &'a Value, schema: &[Vec<String>]) -> Option<Vec<&'a Value>> {
    if schema.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(schema.len());
    let mut k = 0;
    if !collect(v, schema, &mut Vec::new(), &mut k, &mut out) || k != schema.len() {
        return None;
    }
    Some(out)
}

/// Depth-first over `v`, checking each leaf's path against `schema[*k]`.
fn collect<'a>(
    v: &'a Value,
    schema: &[Vec<String>],
    prefix: &mut Vec<&'a str>,
    k: &mut usize,
    out: &mut Vec<&'a Value>,
) -> bool {
    match v {
        Value::Object(m) if m.is_empty() => false,
        Value::Object(m) => m.iter().all(|(key, v)| {
            prefix.push(key);
            let ok = collect(v, schema, prefix, k, out);
            prefix.pop();
            ok
        }),
        Value::Array(_) => false,
        leaf => {
            let Some(path) = schema.get(*k) else { return false };
            if !path.iter().map(String::as_str).eq(prefix.iter().copied()) {
                return false;
            }
            *k += 1;
            out.push(leaf);
            true
        }
    }
}

fn insert_path(map: &mut Map<String, Value>, path: &[String], leaf: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut m = map;
    for p in parents {
        let e = m.entry(p.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !e.is_object() {
            *e = Value::Object(Map::new());
        }
        let Value::Object(next) = e else { return };
        m = next;
    }
    m.insert(last.clone(), leaf);
}

fn unflatten(schema: &[Vec<String>], leaves: &[Value]) -> Value {
    let mut root = Map::new();
    for (path, leaf) in schema.iter().zip(leaves) {
        insert_path(&mut root, path, leaf.clone());
    }
    Value::Object(root)
}

fn indent(w: &mut dyn Write, level: usize) -> io::Result<()> {
    for _ in 0..level {
        w.write_all(b"  ")?;
    }
    Ok(())
}

/// `v` pretty-printed as `serde_json::to_string_pretty` does, nested at `level`.
pub fn write_pretty(w: &mut dyn Write, v: &Value, level: usize) -> io::Result<()> {
    match v {
        Value::Object(m) if m.is_empty() => w.write_all(b"{}"),
        Value::Array(a) if a.is_empty() => w.write_all(b"[]"),
        Value::Object(m) => {
            w.write_all(b"{")?;
            for (i, (k, v)) in m.iter().enumerate() {
                w.write_all(if i > 0 { b",\n" } else { b"\n" })?;
                indent(w, level + 1)?;
                serde_json::to_writer(&mut *w, k)?;
                w.write_all(b": ")?;
                write_pretty(w, v, level + 1)?;
            }
            w.write_all(b"\n")?;
            indent(w, level)?;
            w.write_all(b"}")
        }
        Value::Array(a) => {
            w.write_all(b"[")?;
            for (i, v) in a.iter().enumerate() {
                w.write_all(if i > 0 { b",\n" } else { b"\n" })?;
                indent(w, level + 1)?;
                write_pretty(w, v, level + 1)?;
            }
            w.write_all(b"\n")?;
            indent(w, level)?;
            w.write_all(b"]")
        }
        scalar => Ok(serde_json::to_writer(&mut *w, scalar)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Table {
        let mut t = Table::new();
        t.insert("a".into(), json!({ "n": 1, "lat": { "p50": 2.5, "max": 3 }, "label": "x" }));
        t.insert("b".into(), json!({ "n": 4, "lat": { "p50": 1.0, "max": 9 }, "label": "y" }));
        // another shape: kept as its tree
        t.insert("c".into(), json!({ "n": 2, "list": [1, 2] }));
        t
    }

    #[test]
    fn rows_rebuild_their_trees_in_key_order() {
        let t = sample();
        let obj = t.to_object();
        assert_eq!(
            serde_json::to_string(&obj).unwrap(),
            r#"{"a":{"n":1,"lat":{"p50":2.5,"max":3},"label":"x"},"b":{"n":4,"lat":{"p50":1.0,"max":9},"label":"y"},"c":{"n":2,"list":[1,2]}}"#
        );
        assert_eq!(t.figure("b", &["lat", "max"]), Some(json!(9)));
        assert_eq!(t.figure("c", &["list"]), Some(json!([1, 2])));
        assert_eq!(t.figure("a", &["nope"]), None);
        assert!(matches!(t.rows[0], Row::Flat(_)) && matches!(t.rows[2], Row::Tree(_)));
    }

    #[test]
    fn streamed_block_matches_serde_pretty() {
        let t = sample();
        let tree = json!({ "x": 1, "functions": t.to_object(), "e": {}, "arr": [] });
        let mut out = Vec::new();
        write!(out, "{{\n  \"x\": 1,\n  \"functions\": ").unwrap();
        t.write_pretty(&mut out, 1).unwrap();
        write!(out, ",\n  \"e\": {{}},\n  \"arr\": []\n}}").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string_pretty(&tree).unwrap());
        let mut again = Vec::new();
        write_pretty(&mut again, &tree, 0).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), serde_json::to_string_pretty(&tree).unwrap());
    }

    #[test]
    fn csv_has_a_column_per_figure_and_a_row_per_component() {
        let mut out = Vec::new();
        sample().write_csv(&mut out, "function").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "function,n,lat.p50,lat.max,label,list\n\
             a,1,2.5,3,x,\n\
             b,4,1.0,9,y,\n\
             c,2,,,,\"[1,2]\"\n"
        );
    }

    #[test]
    fn combine_matches_the_tree_rule() {
        let mut t2 = Table::new();
        t2.insert("a".into(), json!({ "n": 3, "lat": { "p50": 2.5, "max": 5 }, "label": "x" }));
        t2.insert("b".into(), json!({ "n": 4, "lat": { "p50": 3.0, "max": 9 }, "label": "y" }));
        t2.insert("c".into(), json!({ "n": 4, "list": [1, 2] }));
        let t1 = sample();
        let (m, c) = Table::combine(&[&t1, &t2]);
        for name in ["a", "b", "c"] {
            let trees = [t1.get(name).unwrap(), t2.get(name).unwrap()];
            let (tm, tc) = super::super::combine(&trees);
            assert_eq!(m.get(name).unwrap(), tm, "{name}");
            assert_eq!(c.get(name), tc, "{name}");
        }
    }
}

//! The `[sweep]` section: which key paths vary, over which values, and how they combine.
//!
//! ```toml
//! [sweep]
//! mode = "grid"                     # "grid": every combination; "zip": the lists side by side
//! replications = 3                  # runs per point, with derived seeds
//! [sweep.parameters]
//! "lambda.function.f.memory_size" = [128, 256, 512]
//! "workload.w.arrivals.rate" = { from = 10.0, to = 100.0, step = 10.0 }
//! ```
//!
//! Ranges are expanded in exact decimal arithmetic (`0.1` steps give `0.3`, not
//! `0.30000000000000004`), so the values in `sweep.csv` are the ones a user would type.

use toml::{Table, Value};

use crate::config::{Override, Problem};

/// At most this many values in one range, and points in one sweep: more is almost surely a
/// typo (a step of 0.001 instead of 1), and would run for days.
pub const MAX_VALUES: u64 = 10_000;
pub const MAX_POINTS: u64 = 100_000;

/// Read by `slsim sweep`: which key paths vary, over which values, and how they combine.
// `[sweep]` as the JSON Schema describes it (for editors and the reference). The section is
// read by [`SweepSpec::from_table`], whose key list this mirrors; a test checks they agree.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Sweep")]
#[allow(dead_code)]
pub struct SweepSchema {
    /// "grid" (every combination, the first parameter varying slowest) or "zip" (the i-th
    /// values of every parameter together; the lists must have the same length). Default
    /// "grid".
    #[schemars(extend("default" = "grid"))]
    pub mode: Option<SweepMode>,
    /// Runs per point, 1..=10000, with seeds derived as in `slsim run`. Default
    /// `simulation.replications`.
    #[schemars(range(min = 1, max = 10000))]
    pub replications: Option<u32>,
    /// Key paths (quoted, as `--set` names them, e.g. "lambda.function.f.memory_size") with
    /// their values: a list, or a range `{ from, to, step }`. At most 10,000 values per
    /// parameter and 100,000 points. Required unless given with `--param`.
    pub parameters: Option<std::collections::BTreeMap<String, SweepValues>>,
}

/// The values of one swept key path: a non-empty list of values of any TOML type, or a range
/// `{ from, to, step }`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SweepValues {
    /// The values, in order: numbers, strings, durations, booleans or whole tables.
    List(Vec<serde_json::Value>),
    /// A range of numbers.
    Range(SweepRange),
}

/// `{ from, to, step }`: the values `from`, `from + step`, ... up to `to` inclusive when a
/// step lands on it, in exact decimal arithmetic (integers when all three are integers).
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SweepRange {
    /// Required. The first value.
    pub from: f64,
    /// Required. The last value, at least `from` (included when a step lands on it).
    pub to: f64,
    /// Required. The step, above 0.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub step: f64,
}

/// How the parameters' values combine into points.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SweepMode {
    /// Every combination of the parameters' values, the first parameter varying slowest.
    Grid,
    /// The i-th values of every parameter together; the lists must have the same length.
    Zip,
}

/// How the parameters' value lists combine into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every combination; the first parameter varies slowest.
    Grid,
    /// The i-th values of every list together; the lists have the same length.
    Zip,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Grid => "grid",
            Mode::Zip => "zip",
        }
    }
}

/// A validated `[sweep]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub mode: Mode,
    /// Runs per point (overrides `simulation.replications` when given).
    pub replications: Option<u32>,
    /// Key paths in the order written, each with its values.
    pub parameters: Vec<(String, Vec<Value>)>,
}

/// One configuration of a sweep: the value of every swept key.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub index: usize,
    pub values: Vec<Value>,
}

impl SweepSpec {
    /// Reads `[sweep]` from a scenario table, with `--param` arguments added (replacing a key
    /// of the same path). Every problem is listed, each with its key.
    pub fn from_table(table: &Table, params: &[Override]) -> Result<SweepSpec, Vec<Problem>> {
        let problems = std::cell::RefCell::new(Vec::new());
        let bad = |key: &str, message: String| {
            problems.borrow_mut().push(Problem { key: key.to_string(), message });
        };
        let empty = Table::new();
        let sweep = match table.get("sweep") {
            None => &empty,
            Some(Value::Table(t)) => t,
            Some(other) => {
                bad("sweep", format!("is a {}; expected a table ([sweep])", other.type_str()));
                &empty
            }
        };
        for key in sweep.keys() {
            if !["mode", "replications", "parameters"].contains(&key.as_str()) {
                bad(
                    &format!("sweep.{key}"),
                    "unknown key; expected one of: mode, replications, parameters".into(),
                );
            }
        }
        let mode = match sweep.get("mode") {
            None => Mode::Grid,
            Some(Value::String(s)) if s == "grid" => Mode::Grid,
            Some(Value::String(s)) if s == "zip" => Mode::Zip,
            Some(v) => {
                bad("sweep.mode", format!("{v} is not allowed; use \"grid\" or \"zip\""));
                Mode::Grid
            }
        };
        let replications = match sweep.get("replications") {
            None => None,
            Some(Value::Integer(n)) if (1..=10_000).contains(n) => Some(*n as u32),
            Some(v) => {
                bad("sweep.replications", format!("{v} is not allowed; use 1..=10000"));
                None
            }
        };
        let mut parameters: Vec<(String, Vec<Value>)> = Vec::new();
        match sweep.get("parameters") {
            None => {}
            Some(Value::Table(t)) => {
                for (key, v) in t {
                    let at = format!("sweep.parameters.\"{key}\"");
                    if key.is_empty() || key.split('.').any(str::is_empty) {
                        bad(&at, "is not a key path (e.g. workload.uploads.arrivals.rate)".into());
                        continue;
                    }
                    match values_of(v) {
                        Ok(vals) => parameters.push((key.clone(), vals)),
                        Err(m) => bad(&at, m),
                    }
                }
            }
            Some(v) => bad(
                "sweep.parameters",
                format!("is a {}; expected a table of key path = values", v.type_str()),
            ),
        }
        for p in params {
            let at = format!("--param {}", p.key);
            match values_of(&p.value) {
                Ok(vals) => match parameters.iter_mut().find(|(k, _)| *k == p.key) {
                    Some(slot) => slot.1 = vals,
                    None => parameters.push((p.key.clone(), vals)),
                },
                Err(m) => bad(&at, m),
            }
        }
        if parameters.is_empty() && problems.borrow().is_empty() {
            bad(
                "sweep.parameters",
                "nothing to sweep: add [sweep.parameters] with at least one key path, \
                 e.g. \"lambda.function.f.memory_size\" = [128, 256, 512], or --param KEY=V1,V2"
                    .into(),
            );
        }
        let spec = SweepSpec { mode, replications, parameters };
        if problems.borrow().is_empty()
            && let Err(m) = spec.point_count()
        {
            bad("sweep.parameters", m);
        }
        let problems = problems.into_inner();
        if problems.is_empty() { Ok(spec) } else { Err(problems) }
    }

    /// How many points the sweep has, or why it cannot run.
    pub fn point_count(&self) -> Result<usize, String> {
        match self.mode {
            Mode::Grid => {
                let mut n: u64 = 1;
                for (_, vals) in &self.parameters {
                    n = n.saturating_mul(vals.len() as u64);
                }
                if n > MAX_POINTS {
                    return Err(format!(
                        "the grid has {n} points; at most {MAX_POINTS} are allowed \
                         (split the study, or use mode = \"zip\")"
                    ));
                }
                Ok(n as usize)
            }
            Mode::Zip => {
                let lens: Vec<usize> = self.parameters.iter().map(|p| p.1.len()).collect();
                if lens.windows(2).any(|w| w[0] != w[1]) {
                    let desc: Vec<String> = self
                        .parameters
                        .iter()
                        .map(|(k, v)| format!("\"{k}\" has {}", v.len()))
                        .collect();
                    return Err(format!(
                        "mode = \"zip\" needs lists of the same length: {}",
                        desc.join(", ")
                    ));
                }
                Ok(lens.first().copied().unwrap_or(0))
            }
        }
    }

    /// Every point, in order: grid points with the first parameter varying slowest.
    pub fn points(&self) -> Vec<Point> {
        let n = self.point_count().unwrap_or(0);
        (0..n).map(|index| Point { index, values: self.values_at(index) }).collect()
    }

    fn values_at(&self, index: usize) -> Vec<Value> {
        match self.mode {
            Mode::Zip => self.parameters.iter().map(|(_, v)| v[index].clone()).collect(),
            Mode::Grid => {
                let mut rest = index;
                let mut out = vec![Value::Boolean(false); self.parameters.len()];
                for (i, (_, vals)) in self.parameters.iter().enumerate().rev() {
                    out[i] = vals[rest % vals.len()].clone();
                    rest /= vals.len();
                }
                out
            }
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.parameters.iter().map(|(k, _)| k.as_str())
    }
}

/// The values a parameter takes: a non-empty list, or a `{ from, to, step }` range.
fn values_of(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Array(items) if items.is_empty() => {
            Err("is an empty list; give at least one value".into())
        }
        Value::Array(items) if items.len() as u64 > MAX_VALUES => {
            Err(format!("has {} values; at most {MAX_VALUES} are allowed", items.len()))
        }
        Value::Array(items) => Ok(items.clone()),
        Value::Table(t) if t.contains_key("from") || t.contains_key("to") => range(t),
        // one value: a sweep of one point (handy to pin a key from --param)
        other => Ok(vec![other.clone()]),
    }
}

fn range(t: &Table) -> Result<Vec<Value>, String> {
    for k in t.keys() {
        if !["from", "to", "step"].contains(&k.as_str()) {
            return Err(format!("unknown key \"{k}\" in a range; use {{ from, to, step }}"));
        }
    }
    let get = |k: &str| -> Result<(Decimal, bool), String> {
        match t.get(k) {
            None => Err(format!("a range needs \"{k}\": {{ from = 10, to = 100, step = 10 }}")),
            Some(v) => Decimal::of(v).map_err(|m| format!("{k} = {v}: {m}")),
        }
    };
    let (from, from_int) = get("from")?;
    let (to, to_int) = get("to")?;
    let (step, step_int) = get("step")?;
    let ints = from_int && to_int && step_int;
    let scale = from.scale.max(to.scale).max(step.scale);
    let (a, b, s) = (from.at_scale(scale)?, to.at_scale(scale)?, step.at_scale(scale)?);
    if s <= 0 {
        return Err(format!("step = {} is not allowed; use a step above 0", step.text()));
    }
    if b < a {
        return Err(format!(
            "from = {} is above to = {}: the range is empty (use from <= to)",
            from.text(),
            to.text()
        ));
    }
    let count = (b - a) / s + 1;
    if count as u128 > MAX_VALUES as u128 {
        return Err(format!(
            "has {count} values (from {} to {} by {}); at most {MAX_VALUES} are allowed",
            from.text(),
            to.text(),
            step.text()
        ));
    }
    (0..count)
        .map(|i| {
            let d = Decimal { units: a + i * s, scale };
            if ints {
                i64::try_from(d.units).map(Value::Integer).map_err(|_| "value too large".into())
            } else {
                d.text().parse::<f64>().map(Value::Float).map_err(|e| e.to_string())
            }
        })
        .collect()
}

/// `units / 10^scale`, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    units: i128,
    scale: u32,
}

/// Decimals beyond this are not a parameter anyone sweeps by hand.
const MAX_SCALE: u32 = 12;

impl Decimal {
    /// The decimal a TOML number was written as (a float by its shortest round-trip form,
    /// which is what was typed); `true` for an integer.
    fn of(v: &Value) -> Result<(Decimal, bool), String> {
        match v {
            Value::Integer(i) => Ok((Decimal { units: *i as i128, scale: 0 }, true)),
            Value::Float(f) if f.is_finite() => Decimal::parse(&format!("{f}")).map(|d| (d, false)),
            other => Err(format!("is a {}; expected a number", other.type_str())),
        }
    }

    fn parse(s: &str) -> Result<Decimal, String> {
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let frac = frac.trim_end_matches('0');
        if frac.len() as u32 > MAX_SCALE || int.len() > 24 {
            return Err(format!(
                "{s} has too many digits for a range (at most {MAX_SCALE} decimals)"
            ));
        }
        let units: i128 =
            format!("{int}{frac}").parse().map_err(|_| format!("{s} is not a number"))?;
        Ok(Decimal { units: if neg { -units } else { units }, scale: frac.len() as u32 })
    }

    fn at_scale(self, scale: u32) -> Result<i128, String> {
        10i128
            .checked_pow(scale - self.scale)
            .and_then(|m| self.units.checked_mul(m))
            .ok_or_else(|| format!("{} is too large for a range", self.text()))
    }

    fn text(self) -> String {
        if self.scale == 0 {
            return self.units.to_string();
        }
        let sign = if self.units < 0 { "-" } else { "" };
        let digits =
            format!("{:0>width$}", self.units.unsigned_abs(), width = self.scale as usize + 1);
        let (int, frac) = digits.split_at(digits.len() - self.scale as usize);
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<SweepSpec, Vec<Problem>> {
        SweepSpec::from_table(&toml::from_str(text).unwrap(), &[])
    }

    fn floats(v: &[Value]) -> Vec<f64> {
        v.iter().map(|x| x.as_float().unwrap()).collect()
    }

    #[test]
    fn decimal_ranges_have_no_float_drift() {
        let s = spec("[sweep.parameters]\nx = { from = 0.1, to = 0.5, step = 0.1 }").unwrap();
        assert_eq!(floats(&s.parameters[0].1), vec![0.1, 0.2, 0.3, 0.4, 0.5]);
        // naive accumulation gives 0.30000000000000004 and misses the end point
        let mut acc = 0.1f64;
        acc += 0.1;
        acc += 0.1;
        assert_ne!(acc, 0.3);
        let s = spec("[sweep.parameters]\nx = { from = 10.0, to = 100.0, step = 10.0 }").unwrap();
        assert_eq!(s.parameters[0].1.len(), 10);
        assert_eq!(s.parameters[0].1[9], Value::Float(100.0));
        // integers stay integers; the end is included only when a step lands on it
        let s = spec("[sweep.parameters]\nx = { from = 128, to = 1000, step = 256 }").unwrap();
        assert_eq!(
            s.parameters[0].1,
            vec![
                Value::Integer(128),
                Value::Integer(384),
                Value::Integer(640),
                Value::Integer(896)
            ]
        );
        let s = spec("[sweep.parameters]\nx = { from = 1, to = 2, step = 0.25 }").unwrap();
        assert_eq!(floats(&s.parameters[0].1), vec![1.0, 1.25, 1.5, 1.75, 2.0]);
    }

    #[test]
    fn bad_ranges_and_sizes_are_refused() {
        let msg = |t: &str| spec(t).unwrap_err()[0].message.clone();
        assert!(msg("[sweep.parameters]\nx = { from = 1, to = 5, step = 0 }").contains("above 0"));
        assert!(msg("[sweep.parameters]\nx = { from = 1, to = 5, step = -1 }").contains("above 0"));
        assert!(msg("[sweep.parameters]\nx = { from = 5, to = 1, step = 1 }").contains("empty"));
        assert!(
            msg("[sweep.parameters]\nx = { from = 0, to = 1, step = 0.00001 }").contains("at most")
        );
        assert!(msg("[sweep.parameters]\nx = { from = 1, to = 5 }").contains("needs \"step\""));
        assert!(msg("[sweep.parameters]\nx = []").contains("empty list"));
        assert!(
            msg("[sweep]\nmode = \"zig\"\n[sweep.parameters]\nx = [1]")
                .contains("\"grid\" or \"zip\"")
        );
        assert!(
            msg("[sweep]\nmode = \"zip\"\n[sweep.parameters]\nx = [1, 2]\ny = [1]")
                .contains("same length")
        );
        assert!(
            msg("[sweep]\nreplications = 0\n[sweep.parameters]\nx = [1]").contains("1..=10000")
        );
        assert!(msg("[sweep]\nmode = \"grid\"").contains("nothing to sweep"));
        // 100 x 100 x 100 = 1,000,000 points
        let big = "[sweep.parameters]\na = { from = 1, to = 100, step = 1 }\n\
                   b = { from = 1, to = 100, step = 1 }\nc = { from = 1, to = 100, step = 1 }";
        assert!(msg(big).contains("1000000 points"));
        // every problem at once
        let all =
            spec("[sweep]\nmode = 3\nreplications = -1\nextra = 1\n[sweep.parameters]\nx = []")
                .unwrap_err();
        assert_eq!(all.len(), 4, "{all:?}");
    }

    #[test]
    fn grid_and_zip_expansion() {
        let s = spec("[sweep.parameters]\na = [1, 2, 3]\nb = [\"x\", \"y\"]").unwrap();
        let points = s.points();
        assert_eq!(points.len(), 6);
        // the first parameter varies slowest; order as written (not alphabetical)
        let s2 = spec("[sweep.parameters]\nz = [1, 2, 3]\na = [\"x\", \"y\"]").unwrap();
        assert_eq!(s2.keys().collect::<Vec<_>>(), vec!["z", "a"]);
        assert_eq!(points[0].values, vec![Value::Integer(1), Value::String("x".into())]);
        assert_eq!(points[1].values, vec![Value::Integer(1), Value::String("y".into())]);
        assert_eq!(points[5].values, vec![Value::Integer(3), Value::String("y".into())]);
        let z = spec("[sweep]\nmode = \"zip\"\n[sweep.parameters]\na = [1, 2, 3]\nb = [4, 5, 6]")
            .unwrap();
        let points = z.points();
        assert_eq!(points.len(), 3);
        assert_eq!(points[2].values, vec![Value::Integer(3), Value::Integer(6)]);
    }

    #[test]
    fn param_flags_add_or_replace_keys() {
        let table: Table = toml::from_str("[sweep.parameters]\na = [1, 2]\nb = [3]").unwrap();
        let params: Vec<Override> =
            vec!["b=[7, 8, 9]".parse().unwrap(), "c=[\"10m\", \"20m\"]".parse().unwrap()];
        let s = SweepSpec::from_table(&table, &params).unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), vec!["a", "b", "c"]);
        assert_eq!(s.parameters[1].1.len(), 3);
        assert_eq!(s.point_count().unwrap(), 12);
        // a scenario with no [sweep] swept from the command line only
        let s = SweepSpec::from_table(&Table::new(), &["x=[1, 2]".parse().unwrap()]).unwrap();
        assert_eq!(s.point_count().unwrap(), 2);
    }
}

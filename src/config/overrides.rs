//! `--set KEY=VALUE`: change one value of a scenario before it is validated.
//!
//! Key paths name array items by their `name`, as in the contract:
//! `lambda.function.CreateThumbnail.memory_size`, `workload.uploads.arrivals.rate`. A numeric
//! segment also selects by position (`workload.0.arrivals.rate`). The value is read as a TOML
//! value (`1024`, `true`, `"10m"`, `{ dist = "exponential", mean = "2s" }`); anything that is
//! not valid TOML is taken as a string, so `--set lambda.function.f.timeout=10s` works unquoted.

use std::str::FromStr;

use toml::{Table, Value};

/// One `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: Value,
}

impl FromStr for Override {
    type Err = String;

    fn from_str(arg: &str) -> Result<Override, String> {
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(format!(
                "\"{arg}\" is not KEY=VALUE (e.g. lambda.function.api.memory_size=1024)"
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(format!(
                "\"{key}\" is not a key path (e.g. workload.uploads.arrivals.rate)"
            ));
        }
        let raw = raw.trim();
        let value = toml::from_str::<Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| Value::String(raw.to_string()));
        Ok(Override { key: key.to_string(), value })
    }
}

/// Takes `--set simulation.seed=N` with N above `i64::MAX` out of `sets` and returns it (the
/// last one given): TOML integers stop at `i64::MAX`, while a seed is any u64, as `--seed`
/// takes it; the caller applies it to the loaded scenario as it applies `--seed`.
pub fn take_seed(sets: &mut Vec<Override>) -> Option<u64> {
    let mut seed = None;
    sets.retain(|o| {
        let big = match (&o.value, o.key.as_str()) {
            (Value::String(s), "simulation.seed") => s.parse::<u64>().ok(),
            _ => None,
        };
        seed = big.or(seed);
        big.is_none()
    });
    seed
}

/// Applies one override to the parsed file. Missing final keys are created; missing sections
/// and items are errors that list what exists.
pub fn apply_override(root: &mut Table, o: &Override) -> Result<(), String> {
    let segs: Vec<&str> = o.key.split('.').collect();
    set_in(root, &segs, o.value.clone(), "")
}

fn set_in(table: &mut Table, segs: &[&str], value: Value, walked: &str) -> Result<(), String> {
    let (seg, rest) = segs.split_first().ok_or("empty key path")?;
    let here = if walked.is_empty() { seg.to_string() } else { format!("{walked}.{seg}") };
    if rest.is_empty() {
        table.insert(seg.to_string(), value);
        return Ok(());
    }
    let entry = table.entry(seg.to_string()).or_insert_with(|| Value::Table(Table::new()));
    match entry {
        Value::Table(t) => set_in(t, rest, value, &here),
        Value::Array(items) => {
            let (selector, rest) = rest.split_first().ok_or("empty key path")?;
            if rest.is_empty() {
                return Err(format!(
                    "{here}.{selector} names an item of {here}; add the key to change, e.g. {here}.{selector}.name"
                ));
            }
            let names: Vec<String> = items
                .iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
            let pos = items
                .iter()
                .position(|v| v.get("name").and_then(Value::as_str) == Some(selector))
                .or_else(|| selector.parse::<usize>().ok().filter(|&i| i < items.len()));
            let Some(pos) = pos else {
                return Err(format!(
                    "no item named \"{selector}\" in {here}; the names are: {}",
                    if names.is_empty() { "(none)".to_string() } else { names.join(", ") }
                ));
            };
            match &mut items[pos] {
                Value::Table(t) => set_in(t, rest, value, &format!("{here}.{selector}")),
                _ => Err(format!("{here}.{selector} is not a table")),
            }
        }
        other => Err(format!(
            "{here} is a {} value, not a table, so it has no key \"{}\"",
            other.type_str(),
            rest[0]
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Table {
        toml::from_str(
            r#"
            [simulation]
            name = "x"
            [[lambda.function]]
            name = "a"
            memory_size = 128
            [[lambda.function]]
            name = "b"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn sets_values_by_item_name_and_index() {
        let mut t = doc();
        apply_override(&mut t, &"lambda.function.b.memory_size=2048".parse().unwrap()).unwrap();
        apply_override(&mut t, &"lambda.function.0.timeout=10s".parse().unwrap()).unwrap();
        apply_override(&mut t, &"simulation.seed=7".parse().unwrap()).unwrap();
        let f = t["lambda"]["function"].as_array().unwrap();
        assert_eq!(f[1]["memory_size"].as_integer(), Some(2048));
        assert_eq!(f[0]["timeout"].as_str(), Some("10s"));
        assert_eq!(t["simulation"]["seed"].as_integer(), Some(7));
    }

    #[test]
    fn inline_tables_parse_as_toml() {
        let o: Override = r#"x.d={ dist = "exponential", mean = "2s" }"#.parse().unwrap();
        assert_eq!(o.value.get("dist").and_then(Value::as_str), Some("exponential"));
    }

    #[test]
    fn unknown_item_lists_the_names() {
        let mut t = doc();
        let err = apply_override(&mut t, &"lambda.function.zzz.memory_size=1".parse().unwrap())
            .unwrap_err();
        assert!(err.contains("\"zzz\"") && err.contains("a, b"), "{err}");
    }

    #[test]
    fn seeds_above_i64_are_taken_out() {
        let mut sets: Vec<Override> =
            vec!["simulation.seed=18446744073709551615".parse().unwrap(), "a.b=1".parse().unwrap()];
        assert_eq!(take_seed(&mut sets), Some(u64::MAX));
        assert_eq!(sets.len(), 1);
    }

    #[test]
    fn malformed_arguments_are_refused() {
        assert!("novalue".parse::<Override>().is_err());
        assert!("a..b=1".parse::<Override>().is_err());
        assert!("=1".parse::<Override>().is_err());
    }
}

//! Durations in scenario files: strings with a unit (`"250us"`, `"1.5s"`, `"10m"`).
//!
//! A bare number is refused with a message that says to add a unit: `timeout = 10` could mean
//! seconds or milliseconds, and guessing wrong silently changes results by a factor of 1,000.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::engine::SimDuration;

/// The units accepted, with their length in nanoseconds.
const UNITS: [(&str, f64); 7] =
    [("ns", 1.0), ("us", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9)];

pub const UNITS_HELP: &str =
    "a duration string with a unit: ns, us, ms, s, m, h or d (e.g. \"250ms\", \"1.5s\", \"10m\")";

/// Parses `"1.5s"`-style durations. Errors are complete sentences naming what is allowed.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if unit.is_empty() {
        return Err(format!("\"{text}\" has no unit; expected {UNITS_HELP}"));
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(format!("\"{text}\" has unknown unit \"{unit}\"; expected {UNITS_HELP}"));
    };
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" does not start with a number; expected {UNITS_HELP}"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("\"{text}\" is not a finite, non-negative duration"));
    }
    let ns = value * scale;
    if ns >= u64::MAX as f64 {
        return Err(format!("\"{text}\" is too long (at most about 584 years)"));
    }
    Ok(SimDuration(ns.round() as u64))
}

/// A duration as written in the file, already parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawDuration(pub SimDuration);

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor).map(RawDuration)
    }
}

/// What a duration string looks like: a non-negative number, then one of the units.
pub const DURATION_PATTERN: &str = r"^\s*\+?([0-9]+\.?[0-9]*|\.[0-9]+)\s*(ns|us|ms|s|m|h|d)\s*$";

impl schemars::JsonSchema for RawDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration: a non-negative number (decimals allowed) and a unit, \
                            ns, us, ms, s, m (60 s), h or d (\"250ms\", \"1.5s\", \"10m\"). \
                            A bare number is refused: seconds and milliseconds differ by 1,000.",
            "examples": ["250ms", "1.5s", "10m"]
        })
    }
}

pub(crate) struct DurationVisitor;

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = SimDuration;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(UNITS_HELP)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<SimDuration, E> {
        parse_duration(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<SimDuration, E> {
        Err(E::custom(format!(
            "bare number {v} is not a duration: add a unit, e.g. \"{v}s\" or \"{v}ms\""
        )))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<SimDuration, E> {
        self.visit_i64(v as i64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<SimDuration, E> {
        Err(E::custom(format!(
            "bare number {v} is not a duration: add a unit, e.g. \"{v}s\" or \"{v}ms\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("250us").unwrap(), SimDuration(250_000));
        assert_eq!(parse_duration("120ms").unwrap(), SimDuration::from_millis(120));
        assert_eq!(parse_duration("1.5s").unwrap(), SimDuration::from_millis(1500));
        assert_eq!(parse_duration("10m").unwrap(), SimDuration::from_secs(600));
        assert_eq!(parse_duration("2h").unwrap(), SimDuration::from_secs(7200));
        assert_eq!(parse_duration("1d").unwrap(), SimDuration::from_secs(86400));
        assert_eq!(parse_duration(" 5 s ").unwrap(), SimDuration::from_secs(5));
    }

    #[test]
    fn refuses_missing_or_unknown_units_and_negatives() {
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10 minutes").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-1s").unwrap_err().contains("non-negative"));
        assert!(parse_duration("s").unwrap_err().contains("number"));
    }
}

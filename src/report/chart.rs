//! TEMPORARY STUB (being replaced by the real chart module).
use crate::metrics::MinuteRow;
pub struct LatencyCurve { pub name: String, pub points: Vec<(f64, f64)> }
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart {path}: {message}")]
pub struct ChartError { pub path: String, pub message: String }
pub fn requests_over_time(path: &std::path::Path, _t: &str, _r: &[MinuteRow]) -> Result<(), ChartError> { std::fs::write(path, b"\x89PNG").map_err(|e| ChartError{path: String::new(), message: e.to_string()}) }
pub fn concurrency_over_time(path: &std::path::Path, _t: &str, _r: &[MinuteRow]) -> Result<(), ChartError> { std::fs::write(path, b"\x89PNG").map_err(|e| ChartError{path: String::new(), message: e.to_string()}) }
pub fn latency_cdf(path: &std::path::Path, _t: &str, _c: &[LatencyCurve]) -> Result<(), ChartError> { std::fs::write(path, b"\x89PNG").map_err(|e| ChartError{path: String::new(), message: e.to_string()}) }

//! What kind of export a file is, from its first bytes: shared by `slsim compare` and the
//! traffic that `--usage` composes with an infrastructure import.

use std::path::Path;

use super::ImportError;

/// The kinds of observed file recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    /// `aws logs filter-log-events` JSON (an `events` array).
    LogEventsJson,
    /// `aws cloudwatch get-metric-data` (`MetricDataResults`) or `get-metric-statistics`
    /// (`Datapoints`) JSON.
    CloudWatchJson,
    /// Saved log text with REPORT lines, or JSON-format logs (`platform.report` records, one
    /// per line).
    LogText,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Csv => "csv",
            Kind::LogEventsJson => "logs-json",
            Kind::CloudWatchJson => "cloudwatch-json",
            Kind::LogText => "logs-text",
        }
    }
}

/// The kind of `path`, from its first bytes: a JSON object by its top-level keys, text with a
/// `REPORT` line as logs, anything else as CSV.
pub fn detect(path: &Path, text: &str) -> Result<Kind, ImportError> {
    if let Some(at) = text.find('\0') {
        return Err(ImportError::new(
            path,
            format!("byte {at}"),
            "holds a NUL byte: a binary file, not an export or observed.csv",
        ));
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let json: serde_json::Value = match serde_json::from_str(trimmed) {
            Ok(json) => json,
            // JSON-format Lambda logs: one record per line (`platform.report` holds the figures)
            Err(_) if trimmed.contains("\"platform.report\"") => return Ok(Kind::LogText),
            Err(e) => {
                return Err(ImportError::new(
                    path,
                    format!("line {}", e.line()),
                    format!("not valid JSON: {e}"),
                ));
            }
        };
        let has = |k: &str| json.get(k).is_some();
        if has("events") {
            return Ok(Kind::LogEventsJson);
        }
        if has("MetricDataResults") || has("Datapoints") {
            return Ok(Kind::CloudWatchJson);
        }
        return Err(ImportError::new(
            path,
            "",
            "is JSON without `events` (aws logs filter-log-events), `MetricDataResults` \
             (aws cloudwatch get-metric-data) or `Datapoints` (get-metric-statistics)",
        ));
    }
    if trimmed.lines().take(10_000).any(|l| l.contains("REPORT RequestId")) {
        return Ok(Kind::LogText);
    }
    Ok(Kind::Csv)
}

/// The first 1 MB of a file (enough to tell its kind), as text.
pub fn head(path: &Path) -> Result<String, ImportError> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| ImportError::new(path, "", format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(1 << 20)
        .read_to_end(&mut bytes)
        .map_err(|e| ImportError::new(path, "", format!("cannot read: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

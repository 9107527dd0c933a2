//! `slsim import`: scenarios from what a user already has, read from exported files (no AWS
//! credentials, no network).
//!
//! ```text
//! REPORT logs ----------> logs        --.
//! CloudWatch metric JSON -> cloudwatch --+--> Output: a commented scenario (TOML) + data files
//! Power Tuning results --> power_tuning  |            (request traces, empirical distributions,
//! CloudFormation / SAM --> cfn ----------+             observed.csv for `slsim compare`)
//! terraform show -json --> terraform ---'
//! ```
//!
//! Every importer builds its whole [`Output`] in memory first; [`write_output`] then writes the
//! data files and the scenario last, each atomically, so bad input writes nothing and an
//! interrupted import leaves no half-written file.

pub mod cfn;
pub mod cloudwatch;
pub mod infra;
pub mod kind;
pub mod logs;
pub mod observed;
pub mod power_tuning;
pub mod terraform;
pub mod time;
pub mod usage;

use std::fmt;
use std::path::{Path, PathBuf};

/// Something wrong with an input file: the file, the place in it (`line 12`, a JSON path such
/// as `MetricDataResults[2].Values`, a logical id) and what is wrong. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: PathBuf,
    /// Where in the file; empty when the problem is the whole file.
    pub place: String,
    pub message: String,
}

impl ImportError {
    pub fn new(file: &Path, place: impl Into<String>, message: impl Into<String>) -> ImportError {
        ImportError { file: file.to_path_buf(), place: place.into(), message: message.into() }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}: {}: {}", self.file.display(), self.place, self.message)
        }
    }
}

impl std::error::Error for ImportError {}

/// What an import writes: the scenario's text and the data files it refers to, by file name
/// (written in the scenario's folder; the scenario refers to them by these names).
#[derive(Debug, Default, Clone)]
pub struct Output {
    pub scenario: String,
    pub files: Vec<(String, Vec<u8>)>,
    /// Short lines for the terminal (what was read, what was skipped, what to check).
    pub messages: Vec<String>,
}

/// Writes `output` with the scenario at `scenario_path`: the data files first (beside it), the
/// scenario last; each atomically.
pub fn write_output(scenario_path: &Path, output: &Output) -> std::io::Result<()> {
    let dir = match scenario_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in &output.files {
        crate::files::write_atomic(&dir.join(name), bytes)?;
    }
    crate::files::write_atomic(scenario_path, output.scenario.as_bytes())
}

/// The stem data files are named after: `day.toml` gives `day`.
pub fn stem(scenario_path: &Path) -> String {
    scenario_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "imported".to_string())
}

/// The most an import reads of a whole-file format (JSON exports, templates, plans): far more
/// than any real one (a CloudFormation template is at most 1 MB; a get-metric-data page at most
/// 100,800 data points), and a guard against a path such as `/dev/zero`.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Reads a whole text file of at most [`MAX_FILE_BYTES`]; `what` names it in errors
/// ("the template").
pub fn read_text(path: &Path, what: &str) -> Result<String, ImportError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| ImportError::new(path, "", format!("cannot read {what}: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ImportError::new(
            path,
            "",
            format!("is larger than {} MB: not {what}", MAX_FILE_BYTES >> 20),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        ImportError::new(
            path,
            format!("byte {}", e.utf8_error().valid_up_to()),
            "is not UTF-8 text",
        )
    })
}

/// A TOML basic string (quoted and escaped), for writing scenario text by hand.
pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

//! Problems with a scenario or a command line, and the error that lists them all.
//!
//! Shared by every reader of user input (the scenario, traces, sweeps, SLOs), so each can
//! report problems without depending on the others.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem with the scenario or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path in the scenario (`lambda.function[2].memory_size`), or the flag.
    pub key: String,
    pub message: String,
}

/// Everything wrong with a scenario file, each problem on its own line.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.key.is_empty() {
                write!(f, "{file}: {}", p.message)?;
            } else {
                write!(f, "{file}: {}: {}", p.key, p.message)?;
            }
        }
        Ok(())
    }
}

impl ConfigError {
    pub fn one(file: &Path, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: file.to_path_buf(),
            problems: vec![Problem { key: key.into(), message: message.into() }],
        }
    }
}

/// Characters of a value echoed in a message; longer values are cut.
const MAX_ECHO: usize = 60;
/// Names listed in a message; more are counted.
const MAX_NAMES: usize = 10;

/// `text` for a message: whole when short, else its start and how long it was.
pub fn cut_value(text: &str) -> String {
    let n = text.chars().count();
    if n <= MAX_ECHO {
        return text.to_string();
    }
    let start: String = text.chars().take(MAX_ECHO).collect();
    format!("{start}... ({n} characters)")
}

/// Names for a message, comma-separated: at most ten, then how many more.
pub fn cut_list(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(MAX_NAMES).copied().collect();
    match names.len().saturating_sub(MAX_NAMES) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_and_lists_are_cut() {
        assert_eq!(cut_value("short"), "short");
        let long = "x".repeat(100_000);
        let cut = cut_value(&long);
        assert!(cut.len() < 100 && cut.ends_with("... (100000 characters)"), "{cut}");
        let names: Vec<String> = (0..25).map(|i| format!("f{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(cut_list(&refs[..2]), "f0, f1");
        assert!(cut_list(&refs).ends_with("f9 and 15 more"));
    }
}

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

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

/// The key of item `i` of `section` (`lambda.function`): `lambda.function "NAME"`, as `--set`
/// names it, or `lambda.function[2]` when the item has no name.
pub fn item_key(section: &str, i: usize, name: &str) -> String {
    if name.is_empty() {
        format!("{section}[{i}]")
    } else {
        format!("{section} \"{}\"", clip(name))
    }
}

/// How many characters of a value [`clip`] keeps.
pub const CLIP_CHARS: usize = 60;
/// How many names [`name_list`] shows.
pub const LIST_NAMES: usize = 10;

/// `value` cut to its first [`CLIP_CHARS`] characters, with how long it was, so that a huge
/// value echoed in a message does not drown it.
pub fn clip(value: &str) -> String {
    let n = value.chars().count();
    if n <= CLIP_CHARS + 20 {
        return value.to_string();
    }
    let head: String = value.chars().take(CLIP_CHARS).collect();
    format!("{head}... ({n} characters)")
}

/// Names joined with ", ": at most [`LIST_NAMES`] of them and "and N more", or "(none)".
pub fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "(none)".to_string();
    }
    let shown: Vec<String> = names.iter().take(LIST_NAMES).map(|s| clip(s.as_ref())).collect();
    let mut out = shown.join(", ");
    if names.len() > LIST_NAMES {
        out.push_str(&format!(" and {} more", names.len() - LIST_NAMES));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_values_and_cuts_long_ones() {
        assert_eq!(clip("abc"), "abc");
        let long = "x".repeat(100_000);
        let c = clip(&long);
        assert!(c.starts_with(&"x".repeat(CLIP_CHARS)) && c.ends_with("... (100000 characters)"));
        assert!(c.len() < 100);
    }

    #[test]
    fn name_list_shows_at_most_ten() {
        assert_eq!(name_list::<&str>(&[]), "(none)");
        assert_eq!(name_list(&["a", "b"]), "a, b");
        let many: Vec<String> = (0..25).map(|i| format!("f{i}")).collect();
        let l = name_list(&many);
        assert!(l.starts_with("f0, f1,") && l.ends_with("f9 and 15 more"), "{l}");
    }
}

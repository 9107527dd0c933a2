//! (being written)

use std::path::PathBuf;

use super::{ImportError, Output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The exported files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Reads the files; `stem` names the data files written beside the scenario.
pub fn import(args: &Args, stem: &str) -> Result<Output, ImportError> {
    let _ = stem;
    Err(ImportError::new(&args.files[0], "", "this import is not written yet"))
}

//! The compatibility check of a bundle: the one place `bundle` asks the
//! scanner (in `--portable` mode) about the bundle's files.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::FileFinding;
use crate::profile::Profile;

/// What the check found.
#[derive(Debug, Default)]
pub struct Judgement {
    /// The scanner's findings that make the bundle unfit for the target.
    pub findings: Vec<FileFinding>,
    /// The scanner's report, as `compat scan` prints it.
    pub report: String,
    /// False while the scanner is not available in this build.
    pub checked: bool,
}

impl Judgement {
    /// True when the bundle must be refused.
    pub fn incompatible(&self) -> bool {
        !self.findings.is_empty()
    }
}

/// Checks the ELF files `files` (relative to the bundle root `root`) against `profile`.
pub fn judge(_root: &Path, _files: &[PathBuf], _profile: &Profile) -> Result<Judgement> {
    Ok(Judgement::default())
}

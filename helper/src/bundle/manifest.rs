//! The manifest written at the bundle's root (`compat-manifest.json`) and
//! printed by `--json`: what is in the bundle and where each part came from.

use std::{collections::BTreeSet, path::PathBuf};

use serde::Serialize;

use super::{leftovers::ScriptChange, rewrite::ElfChange, vendor::Vendored, FileFinding};
use crate::profile::Profile;

/// What kind of file a bundle entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FileKind {
    Elf,
    Script,
    Data,
    Symlink,
}

/// One entry of the bundle.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManifestFile {
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) path: PathBuf,
    pub(crate) kind: FileKind,
    /// Where it was copied from (absent for symlinks).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::path_text::optional")]
    pub(crate) source: Option<PathBuf>,
    /// Size in bytes (files) .
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) size: Option<u64>,
    /// Link text (symlinks).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::path_text::optional")]
    pub(crate) link: Option<PathBuf>,
}

/// The whole manifest.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    /// Version of compat that made the bundle.
    pub(crate) compat_version: String,
    /// The target the bundle was made for.
    pub(crate) profile: Profile,
    /// The inputs as given.
    #[serde(serialize_with = "crate::path_text::list")]
    pub(crate) inputs: Vec<PathBuf>,
    /// Every file and symlink of the bundle (the manifest itself aside).
    pub(crate) files: Vec<ManifestFile>,
    /// How each ELF file was rewritten.
    pub(crate) elf: Vec<ElfChange>,
    /// Libraries copied in from outside the inputs.
    pub(crate) vendored: Vec<Vendored>,
    /// Libraries needed and left to the target as system libraries.
    pub(crate) system_libraries: BTreeSet<String>,
    /// Libraries needed but left out by `--exclude`.
    pub(crate) excluded: BTreeSet<String>,
    /// Shell scripts whose store references were rewritten.
    pub(crate) scripts: Vec<ScriptChange>,
    /// Store references left in files, and (with --force) what the compatibility check found.
    pub(crate) findings: Vec<FileFinding>,
    /// True when --force made a bundle the compatibility check refused.
    pub(crate) forced: bool,
}

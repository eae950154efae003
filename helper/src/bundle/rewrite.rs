//! Rewriting each ELF file of the bundle through patchelf: the target's
//! standard interpreter, a RUNPATH made only of `$ORIGIN`-relative entries,
//! NEEDED entries written as paths replaced by plain names.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::Serialize;

use super::{layout, patchelf::Patchelf, vendor::ElfFile};
use crate::profile::Profile;

/// What was done to one ELF file (recorded in the manifest).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ElfChange {
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) path: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) interpreter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old_interpreter: Option<String>,
    pub(crate) runpath: Vec<String>,
    pub(crate) old_runpath: Vec<String>,
    pub(crate) needed: Vec<String>,
}

/// The RUNPATH the file at bundle path `file.dest` gets: an `$ORIGIN` entry
/// per bundle dir holding its libraries, then its own `$ORIGIN` entries that
/// still name a directory of the bundle (for libraries it dlopens).
pub(crate) fn new_runpath(file: &ElfFile, staging: &Path) -> Vec<String> {
    let mut entries: Vec<String> = file.lib_dirs.iter().map(|d| layout::origin_entry(&file.dest, d)).collect();
    let here = file.dest.parent().unwrap_or(Path::new(""));
    for old in file.info.search_entries() {
        let rest = old.strip_prefix("$ORIGIN").or_else(|| old.strip_prefix("${ORIGIN}"));
        let Some(rest) = rest else { continue };
        let Some(dir) = layout::normalize(&here.join(rest.trim_start_matches('/'))) else { continue };
        let entry = layout::origin_entry(&file.dest, &dir);
        if staging.join(&dir).is_dir() && !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    entries
}

/// Rewrites one ELF file in `staging`.
pub(crate) fn rewrite(file: &ElfFile, staging: &Path, profile: &Profile, patchelf: &Patchelf) -> Result<ElfChange> {
    let path = staging.join(&file.dest);
    let info = &file.info;
    let old_search = info.search_entries().to_vec();
    if !profile.arches.is_empty() && !profile.arches.contains(&info.arch) {
        bail!(
            "{}: built for {}, which {} does not run (it has {})",
            file.source.display(),
            info.arch,
            profile.name,
            profile.arches.join(", ")
        );
    }
    for (old, new) in &file.path_needed {
        patchelf.replace_needed(&path, old, new)?;
    }
    let mut change = ElfChange {
        path: file.dest.clone(),
        interpreter: None,
        old_interpreter: info.interpreter.clone(),
        runpath: Vec::new(),
        old_runpath: old_search,
        needed: info.needed.iter().map(|n| n.rsplit('/').next().unwrap_or(n).to_string()).collect(),
    };
    if let Some(old) = &info.interpreter {
        let Some(standard) = layout::standard_interpreter(&info.arch) else {
            bail!("{}: no standard program interpreter known for {}", file.source.display(), info.arch);
        };
        if old != standard {
            patchelf.set_interpreter(&path, standard)?;
        }
        change.interpreter = Some(standard.to_string());
    }
    if info.has_dynamic {
        let runpath = new_runpath(file, staging);
        if runpath.is_empty() {
            if !info.rpath.is_empty() || !info.runpath.is_empty() {
                patchelf.remove_rpath(&path)?;
            }
        } else if runpath != info.runpath || !info.rpath.is_empty() {
            patchelf.set_runpath(&path, &runpath)?;
        }
        change.runpath = runpath;
    }
    Ok(change)
}

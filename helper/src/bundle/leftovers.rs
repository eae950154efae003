//! The last pass over every file of the bundle: rewrite shell wrappers'
//! references into the bundle, then report every /nix/store string still left
//! (in scripts, data files and ELF files alike).

use std::{
    fs,
    path::{Path, PathBuf},
};

use serde::Serialize;
use walkdir::WalkDir;

use super::{path_map::PathMap, shell_wrapper, store_refs, FileFinding};
use crate::finding::{Finding, FindingKind, Severity};

/// A shell script that was rewritten.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScriptChange {
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) path: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) shebang: Option<String>,
    pub(crate) rewritten: Vec<String>,
}

/// What the pass did and found.
#[derive(Debug, Default)]
pub(crate) struct Leftovers {
    pub(crate) scripts: Vec<ScriptChange>,
    pub(crate) findings: Vec<FileFinding>,
    pub(crate) errors: Vec<String>,
}

/// Every regular file under `root`, relative to it, sorted. What cannot be
/// read is left out.
pub(crate) fn regular_files(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect();
    out.sort();
    out
}

/// Runs the pass over the bundle in `staging`.
pub(crate) fn sweep(staging: &Path, map: &PathMap) -> Leftovers {
    let mut out = Leftovers::default();
    let prefixes = map.prefixes();
    for rel in regular_files(staging) {
        let path = staging.join(&rel);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(err) => {
                out.errors.push(format!("{}: cannot read: {err}", rel.display()));
                continue;
            }
        };
        let is_elf = crate::elf::is_elf(&bytes);
        let mut bytes = bytes;
        if !is_elf && bytes.starts_with(b"#!") {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let lookup = |reference: &str| map.lookup(reference).filter(|dest| staging.join(dest).exists());
                if let Some(r) = shell_wrapper::rewrite(text, &rel, &prefixes, lookup) {
                    if r.text != text {
                        if let Err(err) = super::cleanup::writing(|| fs::write(&path, &r.text)) {
                            out.errors.push(format!("{}: cannot rewrite: {err}", rel.display()));
                            continue;
                        }
                        out.scripts.push(ScriptChange {
                            path: rel.clone(),
                            shebang: r.shebang.clone(),
                            rewritten: r.rewritten.clone(),
                        });
                        bytes = r.text.into_bytes();
                    }
                }
            }
        }
        let mut seen = Vec::new();
        for reference in store_refs::find(&bytes) {
            if seen.contains(&reference.text) {
                continue;
            }
            let what = if is_elf { "an ELF file (a compiled-in path)" } else { "the file" };
            let message = format!(
                "{}: {} is left in {what}; the target has no /nix/store{}",
                rel.display(),
                reference.text,
                if map.lookup(&reference.text).is_some() {
                    " (it is in the bundle: the file refers to it by absolute path)"
                } else {
                    ""
                }
            );
            out.findings.push(FileFinding {
                file: rel.clone(),
                finding: Finding::new(Severity::Warning, FindingKind::StoreReference, message)
                    .needs(reference.text.clone()),
            });
            seen.push(reference.text);
        }
    }
    out
}

//! `compat bundle`: a self-contained artifact that runs on the target without Nix.
//!
//! The inputs are copied into a staging directory ([`collect`]); every ELF
//! file's NEEDED libraries are followed, and those the target does not
//! provide are copied to lib/ ([`vendor`]); each ELF file gets the target's
//! interpreter and an `$ORIGIN`-relative RUNPATH through patchelf
//! ([`rewrite`]); shell wrappers are rewritten and any /nix/store string left
//! is reported ([`leftovers`]); the result is checked against the target
//! ([`judge`]) and refused when incompatible, else written as a directory
//! and/or a .tar.gz with a manifest ([`manifest`], [`archive`]).
//!
//! The outputs are checked before any work and the bundle is assembled
//! beside them, moved into place only when complete ([`output`]); an error
//! or a signal leaves nothing behind ([`cleanup`]).

pub(crate) mod archive;
pub(crate) mod cleanup;
pub(crate) mod collect;
pub(crate) mod judge;
pub(crate) mod layout;
pub(crate) mod leftovers;
pub(crate) mod manifest;
pub(crate) mod output;
pub(crate) mod patchelf;
pub(crate) mod path_map;
pub(crate) mod rewrite;
pub(crate) mod shell_wrapper;
pub(crate) mod store_refs;
pub(crate) mod vendor;

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::{
    finding::Finding,
    profile::{is_glibc_system_lib, Profile},
    scan::closure::Closure,
};
use manifest::{FileKind, Manifest, ManifestFile};
use patchelf::Patchelf;

/// A finding about one file of the bundle (path relative to the bundle root).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct FileFinding {
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) file: PathBuf,
    #[serde(flatten)]
    pub(crate) finding: Finding,
}

/// What to bundle, for which target, and where to put it.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) inputs: Vec<PathBuf>,
    pub(crate) profile: Profile,
    /// Sonames to leave out although the target's base system lacks them.
    pub(crate) excludes: Vec<String>,
    /// Sonames to ship although the target's base system has them (a newer libstdc++).
    pub(crate) vendors: Vec<String>,
    /// Extra directories to find libraries in.
    pub(crate) lib_paths: Vec<PathBuf>,
    /// Paths that travel with the inputs (`--closure`): libraries are looked
    /// for in them as [`crate::scan::closure`] describes.
    pub(crate) closure: Vec<PathBuf>,
    /// Bundle even what the compatibility check refuses.
    pub(crate) force: bool,
    pub(crate) patchelf: Option<PathBuf>,
    /// Output directory (must not exist, or be empty; not inside an input).
    pub(crate) dir: Option<PathBuf>,
    /// Output .tar.gz (not inside an input, nor inside `dir`).
    pub(crate) archive: Option<PathBuf>,
}

/// The result of a bundle run.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) manifest: Manifest,
    /// The compatibility check refused the bundle (and --force was not given): nothing was written.
    pub(crate) refused: bool,
    /// The compatibility check's report on the bundle.
    pub(crate) report: crate::scan::Report,
    /// Things left out or left over, one line each, naming the file.
    pub(crate) warnings: Vec<String>,
}

fn fail_with(errors: &[String], what: &str) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    bail!("{what}:\n  {}", errors.join("\n  "))
}

/// Makes the bundle `opts` describes.
pub(crate) fn bundle(opts: &Options) -> Result<Outcome> {
    let destination = output::Destination::check(opts.dir.as_deref(), opts.archive.as_deref(), &opts.inputs)?;
    for name in &opts.vendors {
        if is_glibc_system_lib(name) {
            bail!("--vendor {name}: glibc's own libraries cannot travel; the target's loader needs its own {name}");
        }
        if opts.excludes.contains(name) {
            bail!("--vendor {name} and --exclude {name} contradict each other");
        }
    }
    let closure = Closure::open(&opts.closure)?;
    let patchelf = Patchelf::locate(opts.patchelf.as_deref())?;
    let staging = destination.stage()?;
    let root = staging.root().to_path_buf();

    let mut collected = collect::collect(&opts.inputs, &root);
    fail_with(&collected.errors, "cannot bundle these inputs")?;

    let search = vendor::SearchDirs::new(&opts.lib_paths, &collected.roots, closure);
    let resolution = vendor::resolve_all(&mut collected, &root, &opts.profile, &opts.excludes, &opts.vendors, &search);
    fail_with(&resolution.errors, "cannot bundle: libraries not resolved")?;

    let mut changes = Vec::new();
    let mut rewrite_errors = Vec::new();
    for file in &resolution.elves {
        match rewrite::rewrite(file, &root, &opts.profile, &patchelf) {
            Ok(change) => changes.push(change),
            Err(err) => rewrite_errors.push(format!("{err:#}")),
        }
    }
    fail_with(&rewrite_errors, "cannot rewrite ELF files")?;

    let leftovers = leftovers::sweep(&root, &collected.map);
    fail_with(&leftovers.errors, "cannot finish the bundle")?;

    let judgement = judge::judge(&root, &opts.profile, &opts.excludes);
    let refused = judgement.incompatible() && !opts.force;

    let mut findings = leftovers.findings.clone();
    if opts.force {
        findings.extend(judgement.findings.iter().cloned());
    }
    let mut warnings = collected.warnings.clone();
    warnings.extend(leftovers.findings.iter().map(|f| f.finding.message.clone()));

    let manifest = Manifest {
        compat_version: env!("CARGO_PKG_VERSION").to_string(),
        profile: opts.profile.clone(),
        inputs: opts.inputs.clone(),
        files: list_files(&root, &collected, &resolution)?,
        elf: changes,
        vendored: resolution.vendored.clone(),
        system_libraries: resolution.system.clone(),
        excluded: resolution.excluded.clone(),
        scripts: leftovers.scripts.clone(),
        findings,
        forced: opts.force && judgement.incompatible(),
    };
    let outcome = Outcome { manifest, refused, report: judgement.report, warnings };
    if refused {
        return Ok(outcome);
    }

    let text = serde_json::to_string_pretty(&outcome.manifest)? + "\n";
    cleanup::writing(|| fs::write(root.join(layout::MANIFEST), text)).context("cannot write the manifest")?;
    staging.finish(&destination)?;
    Ok(outcome)
}

/// The manifest's file list: every file and symlink in the bundle with its source.
fn list_files(
    root: &Path,
    collected: &collect::Collected,
    resolution: &vendor::Resolution,
) -> Result<Vec<ManifestFile>> {
    let mut files = Vec::new();
    for rel in leftovers::regular_files(root) {
        let source = collected
            .files
            .iter()
            .find(|f| f.dest == rel)
            .map(|f| f.source.clone())
            .or_else(|| resolution.vendored.iter().find(|v| v.path == rel).map(|v| v.source.clone()));
        let kind = if resolution.elves.iter().any(|e| e.dest == rel) {
            FileKind::Elf
        } else if fs::read(root.join(&rel)).map(|b| b.starts_with(b"#!")).unwrap_or(false) {
            FileKind::Script
        } else {
            FileKind::Data
        };
        let size = fs::metadata(root.join(&rel)).map(|m| m.len()).ok();
        files.push(ManifestFile { path: rel, kind, source, size, link: None });
    }
    for (dest, link) in &collected.symlinks {
        files.push(ManifestFile {
            path: dest.clone(),
            kind: FileKind::Symlink,
            source: None,
            size: None,
            link: Some(link.clone()),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

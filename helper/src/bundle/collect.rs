//! Copying the inputs into the staging directory: a directory (a store path,
//! `./result`) keeps its layout at the bundle root; a single ELF file goes to
//! bin/ (an executable) or lib/ (a shared library). Symlinks that stay inside
//! their input stay symlinks; the others are followed and their targets copied
//! (never one leading to the staging directory or above it). Every write runs
//! under [`cleanup::writing`].

use std::{
    collections::HashSet,
    fs,
    os::unix::fs::{symlink, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};

use super::{cleanup, layout, path_map::PathMap};
use crate::elf::{self, ElfInfo, ElfKind};

/// One regular file placed in the staging directory.
#[derive(Clone, Debug)]
pub(crate) struct StagedFile {
    /// Path relative to the bundle root.
    pub(crate) dest: PathBuf,
    /// The path it was copied from, as reached (for $ORIGIN).
    pub(crate) source: PathBuf,
    /// Its canonical source path.
    pub(crate) canonical: PathBuf,
}

/// What collecting the inputs produced.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) files: Vec<StagedFile>,
    /// Symlinks kept: bundle path -> link text.
    pub(crate) symlinks: Vec<(PathBuf, PathBuf)>,
    /// Canonical input roots (directories), to search for libraries too.
    pub(crate) roots: Vec<PathBuf>,
    pub(crate) map: PathMap,
    /// Inputs that could not be used, each message naming the path.
    pub(crate) errors: Vec<String>,
    /// Things skipped (dangling symlinks, sockets), each naming the path.
    pub(crate) warnings: Vec<String>,
}

/// Copies `inputs` into `staging`.
pub(crate) fn collect(inputs: &[PathBuf], staging: &Path) -> Collected {
    let mut out = Collected::default();
    for input in inputs {
        if let Err(err) = collect_one(input, staging, &mut out) {
            out.errors.push(format!("{err:#}"));
        }
    }
    out
}

fn collect_one(input: &Path, staging: &Path, out: &mut Collected) -> Result<()> {
    fs::symlink_metadata(input).with_context(|| format!("{}: cannot read input", input.display()))?;
    let canonical = fs::canonicalize(input)
        .with_context(|| format!("{}: cannot resolve input (dangling symlink?)", input.display()))?;
    let meta = fs::metadata(&canonical).with_context(|| format!("{}: cannot read input", input.display()))?;
    if meta.is_dir() {
        out.map.insert(&canonical, Path::new(""));
        out.roots.push(canonical.clone());
        let mut visited = HashSet::from([canonical.clone()]);
        return walk(&canonical, &canonical, input, Path::new(""), staging, &mut visited, out);
    }
    if !meta.is_file() {
        anyhow::bail!("{}: not a regular file or directory", input.display());
    }
    let bytes = fs::read(&canonical).with_context(|| format!("{}: cannot read input", input.display()))?;
    if !elf::is_elf(&bytes) {
        anyhow::bail!(
            "{}: not an ELF file (give the directory holding it to bundle scripts and data files)",
            input.display()
        );
    }
    let info = ElfInfo::parse(&bytes).with_context(|| format!("{}: cannot bundle", input.display()))?;
    let dir = if info.kind == ElfKind::Executable { layout::BIN_DIR } else { layout::LIB_DIR };
    let name = input.file_name().with_context(|| format!("{}: input has no file name", input.display()))?;
    let dest = Path::new(dir).join(name);
    place_file(input, &canonical, &dest, staging, out)
}

/// Copies one regular file to `dest`; an identical file already there is
/// fine, a different one is a clash naming both sources.
fn place_file(source: &Path, canonical: &Path, dest: &Path, staging: &Path, out: &mut Collected) -> Result<()> {
    let target = staging.join(dest);
    if let Some(existing) = out.files.iter().find(|f| f.dest == dest) {
        if same_content(&existing.canonical, canonical)? {
            return Ok(());
        }
        anyhow::bail!(
            "{}: clashes with {} at {} in the bundle (different files with one name)",
            source.display(),
            existing.source.display(),
            dest.display()
        );
    }
    if out.symlinks.iter().any(|(d, _)| d == dest) {
        anyhow::bail!("{}: clashes with a symlink at {} in the bundle", source.display(), dest.display());
    }
    copy_writable(canonical, &target).with_context(|| format!("{}: cannot copy", source.display()))?;
    out.map.insert(canonical, dest);
    out.files.push(StagedFile {
        dest: dest.to_path_buf(),
        source: source.to_path_buf(),
        canonical: canonical.to_path_buf(),
    });
    Ok(())
}

/// Copies a file, keeping its mode but writable by its owner (store files are read-only).
pub(crate) fn copy_writable(from: &Path, to: &Path) -> Result<()> {
    cleanup::writing(|| {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(from, to)?;
        let mut perms = fs::metadata(to)?.permissions();
        perms.set_mode(perms.mode() | 0o200);
        fs::set_permissions(to, perms)?;
        Ok(())
    })
}

/// True when two files hold the same bytes.
pub(crate) fn same_content(a: &Path, b: &Path) -> Result<bool> {
    if a == b {
        return Ok(true);
    }
    let (ma, mb) = (fs::metadata(a)?, fs::metadata(b)?);
    if ma.len() != mb.len() {
        return Ok(false);
    }
    Ok(fs::read(a)? == fs::read(b)?)
}

/// Copies the directory `dir` (reached as `reached`) to bundle path `dest`.
/// `root` is the canonical input root: symlinks resolving inside it stay links.
fn walk(
    root: &Path,
    dir: &Path,
    reached: &Path,
    dest: &Path,
    staging: &Path,
    visited: &mut HashSet<PathBuf>,
    out: &mut Collected,
) -> Result<()> {
    cleanup::writing(|| fs::create_dir_all(staging.join(dest)))
        .with_context(|| format!("cannot create {}", staging.join(dest).display()))?;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list directory", reached.display()))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let path = dir.join(&name);
        let shown = reached.join(&name);
        let dest = dest.join(&name);
        let result = walk_entry(root, &path, &shown, &dest, staging, visited, out);
        if let Err(err) = result {
            out.errors.push(format!("{err:#}"));
        }
    }
    Ok(())
}

fn walk_entry(
    root: &Path,
    path: &Path,
    shown: &Path,
    dest: &Path,
    staging: &Path,
    visited: &mut HashSet<PathBuf>,
    out: &mut Collected,
) -> Result<()> {
    let meta = fs::symlink_metadata(path).with_context(|| format!("{}: cannot read", shown.display()))?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let Ok(resolved) = fs::canonicalize(path) else {
            out.warnings.push(format!("{}: dangling symlink, left out", shown.display()));
            return Ok(());
        };
        if let Ok(inside) = resolved.strip_prefix(root) {
            // Stays inside the input: keep it a (relative) symlink.
            let link_dir = dest.parent().unwrap_or(Path::new(""));
            let root_dest = dest_of_root(dest, path, root);
            let link = layout::relative(link_dir, &root_dest.join(inside));
            cleanup::writing(|| symlink(&link, staging.join(dest)))
                .with_context(|| format!("{}: cannot copy symlink", shown.display()))?;
            out.symlinks.push((dest.to_path_buf(), link));
            return Ok(());
        }
        let target = fs::metadata(&resolved).with_context(|| format!("{}: cannot read", resolved.display()))?;
        if target.is_dir() {
            if resolved.starts_with(staging) || staging.starts_with(&resolved) {
                out.warnings.push(format!("{}: leads to the bundle being made, left out", shown.display()));
                return Ok(());
            }
            if !visited.insert(resolved.clone()) {
                out.warnings.push(format!("{}: symlink loop, left out", shown.display()));
                return Ok(());
            }
            out.map.insert(&resolved, dest);
            return walk(&resolved, &resolved, shown, dest, staging, visited, out);
        }
        if target.is_file() {
            return place_file(shown, &resolved, dest, staging, out);
        }
        out.warnings.push(format!("{}: not a regular file, left out", shown.display()));
        return Ok(());
    }
    if kind.is_dir() {
        let canonical = fs::canonicalize(path).with_context(|| format!("{}: cannot resolve", shown.display()))?;
        if !visited.insert(canonical) {
            return Ok(());
        }
        return walk(root, path, shown, dest, staging, visited, out);
    }
    if kind.is_file() {
        let canonical = fs::canonicalize(path).with_context(|| format!("{}: cannot resolve", shown.display()))?;
        return place_file(shown, &canonical, dest, staging, out);
    }
    out.warnings.push(format!("{}: not a regular file, left out", shown.display()));
    Ok(())
}

/// The bundle path of the walk's root, from an entry's bundle path `dest`
/// and its source path under `root`.
fn dest_of_root(dest: &Path, path: &Path, root: &Path) -> PathBuf {
    let depth = path.strip_prefix(root).map(|rel| rel.components().count()).unwrap_or(0);
    let mut d = dest.to_path_buf();
    for _ in 0..depth {
        d.pop();
    }
    d
}

//! Writing the bundle as a .tar.gz whose entries sit under one top directory
//! named after the archive (`myapp-debian-11.tar.gz` -> `myapp-debian-11/`).
//! Where the file is written and how it is moved into place: [`super::output`].

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};
use flate2::{write::GzEncoder, Compression};
use walkdir::WalkDir;

use super::cleanup;

/// The top directory inside the archive `archive`, from its file name.
pub(crate) fn top_dir(archive: &Path) -> Result<String> {
    let name = archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".tar.gz").or_else(|| name.strip_suffix(".tgz"));
    match stem {
        Some(stem) if !stem.is_empty() => Ok(stem.to_string()),
        _ => bail!("{}: the archive name must end in .tar.gz or .tgz", archive.display()),
    }
}

/// Every entry under `root` (directories, files, symlinks), relative to it,
/// each directory's entries sorted by name and followed by what is under it.
fn entries(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|err| {
            let context = format!("cannot list {}", err.path().unwrap_or(root).display());
            // Without following symlinks there is no loop: every error is the system's.
            let cause = err.into_io_error().map_or_else(|| anyhow::anyhow!("a symlink loop"), anyhow::Error::new);
            cause.context(context)
        })?;
        out.push(entry.path().strip_prefix(root)?.to_path_buf());
    }
    Ok(out)
}

/// Writes the directory `root` to `file` as a gzip-compressed tar whose
/// entries sit under `top`. Each entry is written under the cleanup lock
/// ([`cleanup::writing`]), so an interruption is handled between entries.
pub(crate) fn write_tar_gz(root: &Path, top: &str, file: File) -> Result<()> {
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    tar.follow_symlinks(false);
    tar.mode(tar::HeaderMode::Deterministic);
    cleanup::writing(|| tar.append_dir(top, root))?;
    for rel in entries(root)? {
        cleanup::writing(|| tar.append_path_with_name(root.join(&rel), Path::new(top).join(&rel)))
            .with_context(|| format!("{}: cannot archive", rel.display()))?;
    }
    cleanup::writing(|| -> Result<()> {
        tar.into_inner()?.finish()?.sync_all()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_dir_is_the_archive_stem() {
        assert_eq!(top_dir(Path::new("out/myapp-debian-11.tar.gz")).unwrap(), "myapp-debian-11");
        assert_eq!(top_dir(Path::new("a.tgz")).unwrap(), "a");
        assert!(top_dir(Path::new("a.zip")).unwrap_err().to_string().contains("a.zip"));
        assert!(top_dir(Path::new(".tar.gz")).is_err());
    }
}

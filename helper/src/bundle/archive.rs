//! Writing the bundle as a .tar.gz whose entries sit under one top directory
//! named after the archive (`myapp-debian-11.tar.gz` -> `myapp-debian-11/`).
//! Where the file is written and how it is moved into place: [`super::output`].

use std::{
    fs::{self, File},
    path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};
use flate2::{write::GzEncoder, Compression};

use super::cleanup;

/// The top directory inside the archive `archive`, from its file name.
pub fn top_dir(archive: &Path) -> Result<String> {
    let name = archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".tar.gz").or_else(|| name.strip_suffix(".tgz"));
    match stem {
        Some(stem) if !stem.is_empty() => Ok(stem.to_string()),
        _ => bail!("{}: the archive name must end in .tar.gz or .tgz", archive.display()),
    }
}

/// Every entry under `root` (directories, files, symlinks), relative to it, sorted.
fn entries(root: &Path) -> Result<Vec<PathBuf>> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let dir = root.join(rel);
        let mut names: Vec<_> = fs::read_dir(&dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()?;
        names.sort();
        for name in names {
            let rel = rel.join(name);
            out.push(rel.clone());
            if fs::symlink_metadata(root.join(&rel))?.is_dir() {
                walk(root, &rel, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, Path::new(""), &mut out)?;
    Ok(out)
}

/// Writes the directory `root` to `file` as a gzip-compressed tar whose
/// entries sit under `top`. Each entry is written under the cleanup lock
/// ([`cleanup::writing`]), so an interruption is handled between entries.
pub fn write_tar_gz(root: &Path, top: &str, file: File) -> Result<()> {
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

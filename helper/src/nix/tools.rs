//! Finding the Nix tools and their version.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use anyhow::{anyhow, bail, Context, Result};

use crate::version::Version;

/// The Nix commands compat runs, and the Nix version they belong to.
#[derive(Clone, Debug)]
pub struct NixTools {
    /// `nix` (flake references need it).
    pub(crate) nix: Option<PathBuf>,
    pub(crate) nix_instantiate: PathBuf,
    pub nix_store: PathBuf,
    /// From `nix-instantiate --version`, asked when first needed.
    version: OnceLock<Version>,
    /// Extra arguments for `nix` commands on flake references (`--override-input ...`).
    pub(crate) flake_args: Vec<String>,
    /// The store every call works on (`--store URL`), when not Nix's default.
    pub(crate) store: Option<String>,
}

/// The oldest Nix whose `nix` command compat drives (flakes, `extra-` settings).
pub(crate) const MIN_NIX_FOR_FLAKES: &str = "2.4";

impl NixTools {
    /// Finds the tools: beside `explicit` (the `nix` binary or its bin
    /// directory) when given, else on PATH.
    pub fn locate(explicit: Option<&Path>) -> Result<NixTools> {
        let find = |name: &str| -> Result<PathBuf> {
            match explicit {
                Some(given) => {
                    let dir = if given.is_dir() { given.to_path_buf() } else { given.parent().map(Path::to_path_buf).unwrap_or_default() };
                    if !given.exists() {
                        bail!("--nix {}: no such file or directory", given.display());
                    }
                    let path = dir.join(name);
                    if path.is_file() {
                        Ok(path)
                    } else {
                        bail!("--nix {}: no `{name}` in {}", given.display(), dir.display())
                    }
                }
                None => which::which(name).map_err(|_| {
                    anyhow!("Nix not found: no `{name}` on PATH. Install Nix (https://nixos.org/download) or pass --nix PATH")
                }),
            }
        };
        let nix_instantiate = find("nix-instantiate")?;
        let nix_store = find("nix-store")?;
        let nix = find("nix").ok();
        Ok(NixTools { nix, nix_instantiate, nix_store, version: OnceLock::new(), flake_args: Vec::new(), store: None })
    }

    /// `--store URL` when a store is named, else nothing: for any Nix command.
    pub(crate) fn store_args(&self) -> Vec<String> {
        self.store.iter().flat_map(|s| ["--store".to_string(), s.clone()]).collect()
    }

    /// The Nix version ("2.8.0", "2.24.10"), from `nix-instantiate --version`.
    pub fn version(&self) -> Result<&Version> {
        if let Some(v) = self.version.get() {
            return Ok(v);
        }
        let v = detect_version(&self.nix_instantiate)?;
        Ok(self.version.get_or_init(|| v))
    }

    /// The `nix` command, or an error saying flake references need it (and a
    /// Nix new enough to have flakes).
    pub(crate) fn nix(&self) -> Result<&Path> {
        let nix = self.nix.as_deref().ok_or_else(|| {
            anyhow!(
                "the `nix` command is not beside {} (flake references, Nix's configuration and non-file:// caches need it; for a package use -f FILE ATTR instead)",
                self.nix_instantiate.display()
            )
        })?;
        let version = self.version()?;
        let min = Version::parse(MIN_NIX_FOR_FLAKES).unwrap_or_else(|| version.clone());
        if *version < min {
            bail!("Nix {version} is too old for flake references (needs {MIN_NIX_FOR_FLAKES} or later); use -f FILE ATTR instead");
        }
        Ok(nix)
    }
}

fn detect_version(nix_instantiate: &Path) -> Result<Version> {
    let out = std::process::Command::new(nix_instantiate)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {}", nix_instantiate.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version_line(&text).ok_or_else(|| {
        anyhow!("{}: cannot tell the Nix version from `--version` output '{}'", nix_instantiate.display(), text.trim())
    })
}

/// "nix-instantiate (Nix) 2.8.0" -> 2.8.0; also "nix (Determinate Nix 3.1.0) 2.26.3".
pub(crate) fn parse_version_line(text: &str) -> Option<Version> {
    text.lines().next()?.split_whitespace().rev().find_map(Version::leading)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_lines() {
        assert_eq!(parse_version_line("nix-instantiate (Nix) 2.8.0\n"), Version::parse("2.8.0"));
        assert_eq!(parse_version_line("nix (Nix) 2.24.10"), Version::parse("2.24.10"));
        assert_eq!(parse_version_line("nix (Determinate Nix 3.1.0) 2.26.3"), Version::parse("2.26.3"));
        assert_eq!(parse_version_line("nothing here"), None);
    }

    #[test]
    fn a_missing_explicit_path_is_named() {
        let err = NixTools::locate(Some(Path::new("/nonexistent/bin/nix"))).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/bin/nix"), "{err}");
    }
}

//! Driving the `patchelf` tool: the one way `compat bundle` rewrites ELF
//! files (interpreter, RUNPATH, NEEDED), and a second opinion on what the
//! rewritten file holds.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{anyhow, bail, Context, Result};

/// A located `patchelf` binary.
#[derive(Clone, Debug)]
pub(crate) struct Patchelf {
    program: PathBuf,
}

impl Patchelf {
    /// The patchelf given by `--patchelf`, else the one on PATH. The error
    /// says how to get one.
    pub(crate) fn locate(explicit: Option<&Path>) -> Result<Patchelf> {
        let program = match explicit {
            Some(path) => {
                if !path.is_file() {
                    bail!("--patchelf {}: no such file", path.display());
                }
                path.to_path_buf()
            }
            None => which::which("patchelf").map_err(|_| {
                anyhow!(
                    "patchelf not found on PATH: compat bundle rewrites ELF files with it; install it \
                     (Debian: apt-get install patchelf; Nix: nix shell nixpkgs#patchelf) or pass --patchelf PATH"
                )
            })?,
        };
        Ok(Patchelf { program })
    }

    fn run<I, S>(&self, file: &Path, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_os_string()).collect();
        let output = Command::new(&self.program)
            .args(&args)
            .arg(file)
            .output()
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        if !output.status.success() {
            let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
            bail!(
                "{}: patchelf {} failed: {}",
                file.display(),
                shown.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout).with_context(|| format!("{}: patchelf printed non-UTF-8", file.display()))
    }

    /// Sets the program interpreter (PT_INTERP).
    pub(crate) fn set_interpreter(&self, file: &Path, interpreter: &str) -> Result<()> {
        self.run(file, ["--set-interpreter", interpreter]).map(drop)
    }

    /// Sets DT_RUNPATH to `entries` joined by ':' (an existing DT_RPATH becomes DT_RUNPATH).
    pub(crate) fn set_runpath(&self, file: &Path, entries: &[String]) -> Result<()> {
        self.run(file, ["--set-rpath", &entries.join(":")]).map(drop)
    }

    /// Removes DT_RPATH and DT_RUNPATH.
    pub(crate) fn remove_rpath(&self, file: &Path) -> Result<()> {
        self.run(file, ["--remove-rpath"]).map(drop)
    }

    /// Replaces the NEEDED entry `old` (e.g. an absolute path) by `new`.
    pub(crate) fn replace_needed(&self, file: &Path, old: &str, new: &str) -> Result<()> {
        self.run(file, ["--replace-needed", old, new]).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_explicit_patchelf_is_named() {
        let err = Patchelf::locate(Some(Path::new("/nonexistent/patchelf"))).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/patchelf"), "{err}");
    }
}

//! `compat fixups`: Emit the Nix overlay of per-package fixups for a target.

use std::{
    fs,
    io::Write,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};

use super::target::TargetArgs;
use crate::{
    exit,
    fixups::{overlay, RuleSet},
    profile::Profile,
};

/// Emit the Nix overlay of per-package fixups for a target.
///
/// The rules (profiles/fixups/rules.json, built in) say which packages need
/// a change on old glibc / kernel targets, and why. The overlay is a plain
/// `final: prev: { ... }` for `import nixpkgs { overlays = [ ... ]; }`.
///
/// Examples:
///   compat fixups --profile debian-10 > overlays/fixups/debian-10.nix
///   compat fixups --glibc 2.28 --kernel 4.19 --json     # the rules that fire, as data
///   compat fixups --write-all overlays/fixups           # regenerate every checked-in overlay
///   compat fixups --write-all overlays/fixups --check   # exit 1 when one is stale
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Rule file to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub(crate) rules: Option<PathBuf>,
    /// Print the rules that fire for the target as JSON instead of the overlay.
    #[arg(long)]
    pub(crate) json: bool,
    /// Write the overlays of every built-in profile (one file per distinct set of changes, shared by the
    /// profiles that need it) and default.nix into DIR, and remove overlays written earlier that no profile uses.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["profile", "glibc", "kernel", "json"])]
    pub(crate) write_all: Option<PathBuf>,
    /// With --write-all: write nothing, exit 1 when a file in DIR differs from what would be written.
    #[arg(long, requires = "write_all")]
    pub(crate) check: bool,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let rules = match &args.rules {
        Some(path) => RuleSet::from_path(path)?,
        None => RuleSet::builtin()?,
    };
    if let Some(dir) = &args.write_all {
        return write_all(dir, &rules, args.check);
    }
    let profile = args.target.resolve()?;
    let firing = rules.for_profile(&profile);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&firing)?);
    } else {
        print!("{}", overlay::render(&profile, &firing));
    }
    Ok(exit::OK)
}

fn write_all(dir: &Path, rules: &RuleSet, check: bool) -> Result<u8> {
    let profiles = Profile::builtin()?;
    if profiles.is_empty() {
        bail!("no built-in profiles to generate overlays for");
    }
    let files = overlay::render_all(&profiles, rules);
    let leftovers = leftovers(dir, &files);
    let mut stale = Vec::new();
    if check {
        for (name, text) in &files {
            let path = dir.join(name);
            if fs::read_to_string(&path).unwrap_or_default() != *text {
                stale.push(path.display().to_string());
            }
        }
        stale.extend(leftovers.iter().map(|p| format!("{} (an overlay no profile uses now)", p.display())));
    } else {
        write_all_or_nothing(dir, &files)?;
        for path in leftovers {
            fs::remove_file(&path)
                .with_context(|| format!("{}: cannot remove this overlay no profile uses now", path.display()))?;
        }
    }
    if stale.is_empty() {
        Ok(exit::OK)
    } else {
        for path in &stale {
            eprintln!("stale: {path} (regenerate with `compat fixups --write-all {}`)", dir.display());
        }
        Ok(exit::FOUND)
    }
}

/// Overlays `compat fixups` wrote into `dir` earlier that are not among
/// `files` now (profiles whose changes became the same share one file):
/// `.nix` files starting with the generated-file line. Anything else there
/// is left alone.
fn leftovers(dir: &Path, files: &[(String, String)]) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "nix"))
        .filter(|p| !files.iter().any(|(name, _)| p.file_name().is_some_and(|n| n == name.as_str())))
        .filter(|p| fs::read_to_string(p).is_ok_and(|text| text.starts_with(overlay::GENERATED)))
        .collect();
    out.sort();
    out
}

/// Writes every file into `dir`, or none: each target is checked first (a
/// directory or a read-only file there is an error naming it), every text
/// is staged in a temporary file beside its target, and only then are the
/// staged files renamed into place.
fn write_all_or_nothing(dir: &Path, files: &[(String, String)]) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("{}: cannot create directory", dir.display()))?;
    for (name, _) in files {
        let path = dir.join(name);
        if let Ok(meta) = fs::symlink_metadata(&path) {
            if !meta.is_file() {
                bail!("{}: not a regular file, cannot replace it; wrote nothing", path.display());
            }
            if meta.permissions().readonly() {
                bail!("{}: read-only, cannot replace it; wrote nothing", path.display());
            }
        }
    }
    let mut staged = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .and_then(|mut t| t.write_all(text.as_bytes()).map(|()| t))
            .and_then(|t| t.as_file().set_permissions(fs::Permissions::from_mode(0o644)).map(|()| t))
            .with_context(|| format!("{}: cannot write a temporary file; wrote nothing", dir.display()))?;
        temp.flush().with_context(|| format!("{}: cannot write; wrote nothing", dir.display()))?;
        staged.push((temp, path));
    }
    for (temp, path) in staged {
        temp.persist(&path).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

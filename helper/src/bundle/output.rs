//! Where the bundle goes, and how it gets there.
//!
//! Checked before any work: an archive name ends in .tar.gz or .tgz and is
//! not a directory; a --dir is new or empty; neither lies inside an input
//! directory (the bundle would copy itself into itself, and an archive there
//! would go into the next bundle made of that input), and the archive is not
//! inside the --dir. Paths are compared after resolving symlinks.
//!
//! The bundle is assembled in a staging directory beside the destination
//! (same filesystem, so the last step is a rename) and moved into place at
//! the very end: the --dir by renaming the staging directory (onto an empty
//! one the user made, too), the archive by renaming a partial file written
//! beside it. Until then, and on any error or signal, what the run made is
//! removed ([`cleanup`]); what was there before is never touched.

use std::{
    fs,
    io::ErrorKind,
    path::{Component, Path, PathBuf},
};

use anyhow::{bail, Context, Result};

use super::{
    archive,
    cleanup::{self, Made},
};

/// One output path.
#[derive(Debug)]
struct Place {
    /// As given (for messages).
    given: PathBuf,
    /// Absolute, with the symlinks of its existing part resolved.
    path: PathBuf,
    /// It exists already: an empty --dir, or an archive to replace.
    exists: bool,
}

/// The checked outputs of a bundle run.
#[derive(Debug)]
pub(crate) struct Destination {
    dir: Option<Place>,
    archive: Option<Place>,
}

impl Destination {
    /// Checks the outputs against each other and against the `inputs`.
    pub(crate) fn check(dir: Option<&Path>, archive: Option<&Path>, inputs: &[PathBuf]) -> Result<Destination> {
        if dir.is_none() && archive.is_none() {
            bail!("no output given: use -o FILE.tar.gz and/or --dir DIR");
        }
        let archive = archive.map(check_archive).transpose()?;
        let dir = dir.map(check_dir).transpose()?;
        for input in inputs {
            // An input that cannot be resolved is named by the collection.
            let Ok(real) = fs::canonicalize(input) else { continue };
            if !real.is_dir() {
                continue;
            }
            if let Some(d) = dir.as_ref().filter(|d| d.path.starts_with(&real)) {
                bail!(
                    "--dir {}: lies inside the input {}, so the bundle would copy itself; give a directory outside it",
                    d.given.display(),
                    input.display()
                );
            }
            if let Some(a) = archive.as_ref().filter(|a| a.path.starts_with(&real)) {
                bail!(
                    "-o {}: lies inside the input {}, so the next bundle of it would hold this one; give a path \
                     outside it",
                    a.given.display(),
                    input.display()
                );
            }
        }
        if let (Some(d), Some(a)) = (&dir, &archive) {
            if a.path.starts_with(&d.path) {
                bail!("-o {}: lies inside --dir {}; give a path outside it", a.given.display(), d.given.display());
            }
        }
        Ok(Destination { dir, archive })
    }

    /// Makes the staging directory beside the --dir (else beside the
    /// archive), and the outputs' missing parent directories.
    pub(crate) fn stage(&self) -> Result<Staging> {
        let mut parents = Vec::new();
        for place in self.dir.iter().chain(&self.archive) {
            let parent = place.path.parent().unwrap_or(Path::new("/"));
            let made = Made::dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
            parents.extend(made);
        }
        let beside = self.dir.as_ref().or(self.archive.as_ref()).map(|p| &p.path).context("no output")?;
        let parent = beside.parent().unwrap_or(Path::new("/"));
        let stem = beside.file_name().map_or("bundle".into(), |n| n.to_string_lossy());
        let made = fresh(parent, &format!(".{stem}.compat-staging"), Made::dir)?;
        if let Some(d) = self.dir.as_ref().filter(|d| d.exists) {
            // Renamed onto the user's empty directory at the end: keep its mode.
            if let Ok(meta) = fs::metadata(&d.path) {
                cleanup::writing(|| fs::set_permissions(made.path(), meta.permissions()))
                    .with_context(|| format!("{}: cannot set permissions", made.path().display()))?;
            }
        }
        Ok(Staging { made, parents })
    }
}

/// The directory the bundle is assembled in, and what was made for it.
#[derive(Debug)]
pub(crate) struct Staging {
    made: Made,
    parents: Vec<Made>,
}

impl Staging {
    /// The bundle root while it is made (absolute, symlinks resolved).
    pub(crate) fn root(&self) -> &Path {
        self.made.path()
    }

    /// Writes the archive (to a partial file beside it), then moves the
    /// outputs into place. On failure nothing of the run is left.
    pub(crate) fn finish(self, dest: &Destination) -> Result<()> {
        let Staging { made, parents } = self;
        let mut partial = None;
        if let Some(a) = &dest.archive {
            let top = archive::top_dir(&a.given)?;
            let parent = a.path.parent().unwrap_or(Path::new("/"));
            let mut file = None;
            let made_file = fresh(parent, &format!(".{top}.partial"), |p| {
                let (f, m) = Made::file(p)?;
                file = Some(f);
                Ok(m)
            })?;
            let file = file.context("no partial file")?;
            archive::write_tar_gz(made.path(), &top, file)
                .with_context(|| format!("{}: cannot write the archive", a.given.display()))?;
            partial = Some(made_file);
        }

        // Into place, all at once as far as a signal can tell.
        let mut held = cleanup::hold();
        if let Some(d) = &dest.dir {
            if let Err(err) = fs::rename(made.path(), &d.path) {
                drop(held);
                return Err(err).with_context(|| format!("--dir {}: cannot move the bundle there", d.given.display()));
            }
        }
        if let (Some(a), Some(p)) = (&dest.archive, &partial) {
            if let Err(err) = fs::rename(p.path(), &a.path) {
                if let Some(d) = &dest.dir {
                    // Undo: the staging directory is removed below, an empty --dir comes back.
                    let _ = fs::rename(&d.path, made.path());
                    if d.exists {
                        let _ = fs::create_dir(&d.path);
                    }
                }
                drop(held);
                return Err(err).with_context(|| format!("-o {}: cannot write", a.given.display()));
            }
        }
        for p in parents {
            p.keep(&mut held);
        }
        if let Some(p) = partial {
            p.keep(&mut held);
        }
        if dest.dir.is_some() {
            made.keep(&mut held);
            return Ok(());
        }
        drop(held);
        drop(made); // only an archive was asked for: the staging directory goes
        Ok(())
    }
}

/// `make` on `parent/NAME-PID-N` for the first N not taken.
fn fresh(parent: &Path, name: &str, mut make: impl FnMut(&Path) -> std::io::Result<Made>) -> Result<Made> {
    for n in 0.. {
        let path = parent.join(format!("{name}-{}-{n}", std::process::id()));
        match make(&path) {
            Ok(made) => return Ok(made),
            Err(err) if err.kind() == ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err).with_context(|| format!("{}: cannot create", path.display())),
        }
    }
    unreachable!("an unbounded range ends only by returning")
}

fn check_dir(given: &Path) -> Result<Place> {
    let path = resolve(given).with_context(|| format!("--dir {}", given.display()))?;
    let exists = match fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            let mut entries = fs::read_dir(&path).with_context(|| format!("--dir {}: cannot read", given.display()))?;
            if entries.next().is_some() {
                bail!("--dir {}: exists and is not empty; give a new or empty directory", given.display());
            }
            true
        }
        Ok(_) => bail!("--dir {}: exists and is not a directory", given.display()),
        Err(err) if err.kind() == ErrorKind::NotFound => false,
        Err(err) => return Err(err).with_context(|| format!("--dir {}", given.display())),
    };
    Ok(Place { given: given.to_path_buf(), path, exists })
}

fn check_archive(given: &Path) -> Result<Place> {
    archive::top_dir(given)?;
    let name = given.file_name().context("the archive has no file name")?;
    let parent = given.parent().unwrap_or(Path::new(""));
    let path = resolve(parent).with_context(|| format!("-o {}", given.display()))?.join(name);
    let exists = match fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            bail!("-o {}: is a directory; give a file name ending in .tar.gz", given.display())
        }
        Ok(_) => true,
        Err(_) => false,
    };
    Ok(Place { given: given.to_path_buf(), path, exists })
}

/// `path` made absolute, with the symlinks of its longest existing prefix
/// resolved and the rest folded lexically.
fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = std::env::current_dir().context("cannot read the current directory")?.join(path);
    for base in absolute.ancestors() {
        let Ok(mut real) = fs::canonicalize(base) else { continue };
        let rest = absolute.strip_prefix(base).unwrap_or(Path::new(""));
        for part in rest.components() {
            match part {
                Component::ParentDir => {
                    real.pop();
                }
                Component::Normal(name) => real.push(name),
                _ => {}
            }
        }
        return Ok(real);
    }
    bail!("cannot resolve")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_through_existing_symlinks_and_fold_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        fs::create_dir(real.join("a")).unwrap();
        std::os::unix::fs::symlink(real.join("a"), real.join("link")).unwrap();
        assert_eq!(resolve(&real.join("link/new/x/../y")).unwrap(), real.join("a/new/y"));
        assert_eq!(resolve(&real.join("link")).unwrap(), real.join("a"));
    }

    #[test]
    fn outputs_are_checked_against_inputs_and_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        fs::create_dir(&input).unwrap();
        let err = |d: Option<&Path>, a: Option<&Path>| {
            Destination::check(d, a, std::slice::from_ref(&input)).unwrap_err().to_string()
        };
        assert!(err(Some(&input.join("dist")), None).contains("lies inside the input"));
        assert!(err(Some(&input), None).contains("lies inside the input"));
        assert!(err(None, Some(&input.join("x.tar.gz"))).contains("lies inside the input"));
        let out = dir.path().join("out");
        assert!(err(Some(&out), Some(&out.join("x.tar.gz"))).contains("lies inside --dir"));
        assert!(err(None, None).contains("no output given"));
        assert!(
            Destination::check(Some(&out), Some(&dir.path().join("x.tar.gz")), std::slice::from_ref(&input)).is_ok()
        );
    }
}

//! "Own closure" mode: files run the way Nix users run them, with the C
//! library and program interpreter of their own closure. Every store path of
//! the closure is placed in the initramfs at its own absolute path (a store
//! path `/nix/store/<hash>-glibc-2.31` read from `<store root>/nix/store/...`
//! on the host), so the interpreter a program names and the RUNPATH it
//! carries resolve inside the virtual machine exactly as on a Nix system.

use std::{
    collections::{BTreeSet, VecDeque},
    fs,
    os::unix::fs::PermissionsExt,
    path::{Component, Path, PathBuf},
};

use anyhow::{Context, Result};
use walkdir::WalkDir;

use super::{cpio::Cpio, sysroot};
use crate::elf::{resolve::SearchPath, ElfInfo};

/// A closure: store paths (absolute, as the virtual machine sees them) read
/// from under `store_root` on the host.
#[derive(Clone, Debug)]
pub struct Closure {
    pub store_root: PathBuf,
    pub paths: Vec<PathBuf>,
}

/// The store paths of a `--closure-file`: one per line, as `nix-store -qR`
/// prints them; blank lines and `#` comments are skipped.
pub(crate) fn read_closure_file(file: &Path) -> Result<Vec<PathBuf>> {
    let text = fs::read_to_string(file).with_context(|| format!("--closure-file {}: cannot read", file.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(PathBuf::from).collect())
}

impl Closure {
    /// Why the closure cannot be used, one message per bad store path.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.store_root.is_dir() {
            problems.push(format!("--store-root {}: not a directory", self.store_root.display()));
            return problems;
        }
        for path in &self.paths {
            if !path.is_absolute() || path.components().any(|c| matches!(c, Component::ParentDir)) {
                problems.push(format!("closure path {}: not an absolute store path", path.display()));
            } else if let Err(e) = fs::symlink_metadata(self.host(path)) {
                problems.push(format!(
                    "closure path {}: cannot read {}: {e}",
                    path.display(),
                    self.host(path).display()
                ));
            }
        }
        problems
    }

    /// The host path of `inside` (an absolute path in the virtual machine).
    pub(crate) fn host(&self, inside: &Path) -> PathBuf {
        self.store_root.join(inside.strip_prefix("/").unwrap_or(inside))
    }

    fn contains(&self, inside: &Path) -> bool {
        self.paths.iter().any(|p| inside.starts_with(p))
    }

    /// Where a host `file` lies inside the closure, if it does: it then runs
    /// at that absolute path in the virtual machine.
    pub(crate) fn inside_of(&self, file: &Path) -> Option<PathBuf> {
        let lexical = std::path::absolute(file).ok();
        let canonical = fs::canonicalize(file).ok();
        let root = fs::canonicalize(&self.store_root).unwrap_or_else(|_| self.store_root.clone());
        [lexical, canonical].into_iter().flatten().find_map(|f| {
            let rel = f.strip_prefix(&root).or_else(|_| f.strip_prefix(&self.store_root)).ok()?;
            let inside = Path::new("/").join(rel);
            self.contains(&inside).then_some(inside)
        })
    }

    /// The host path `inside` resolves to (symlinks followed as the virtual
    /// machine would), when it ends inside the closure.
    fn resolve(&self, inside: &Path) -> Option<PathBuf> {
        let host = sysroot::resolve(&self.store_root, inside).ok()?;
        let rel = host.strip_prefix(&self.store_root).ok()?;
        (self.contains(&Path::new("/").join(rel)) && host.is_file()).then_some(host)
    }

    /// Adds every store path, recursively, at its own absolute path.
    pub(crate) fn add_to(&self, cpio: &mut Cpio) -> Result<()> {
        for path in &self.paths {
            add_tree(cpio, &self.host(path), &path.to_string_lossy())?;
        }
        Ok(())
    }

    /// What a file placed at `inside` needs that the closure lacks: its
    /// interpreter, and libraries searched (transitively) through RUNPATH /
    /// RPATH and the interpreter's own directory, as a Nix glibc's loader does.
    pub(crate) fn missing(&self, inside: &Path, info: &ElfInfo) -> Vec<String> {
        let mut missing = BTreeSet::new();
        let mut fallback = Vec::new();
        if let Some(interp) = &info.interpreter {
            if self.resolve(Path::new(interp)).is_none() {
                missing.insert(format!("{interp} (program interpreter, not in the closure)"));
            }
            fallback.extend(Path::new(interp).parent().map(Path::to_path_buf));
        }
        let mut queue: VecDeque<(PathBuf, ElfInfo)> = VecDeque::from([(inside.to_path_buf(), info.clone())]);
        let mut seen = BTreeSet::new();
        while let Some((inside, info)) = queue.pop_front() {
            let search = SearchPath::for_file(&inside, &info, &[], &fallback);
            for soname in &info.needed {
                if !seen.insert(soname.clone()) {
                    continue;
                }
                let found = search.find_with(soname, |candidate| self.resolve(candidate).is_some());
                let Some(lib_inside) = found else {
                    missing.insert(soname.clone());
                    continue;
                };
                let parsed =
                    self.resolve(&lib_inside).and_then(|h| fs::read(h).ok()).and_then(|d| ElfInfo::parse(&d).ok());
                if let Some(lib_info) = parsed {
                    queue.push_back((lib_inside, lib_info));
                }
            }
        }
        missing.into_iter().collect()
    }
}

/// `host` (a file, symlink or directory, with everything under it) into the
/// archive at `inside`; each directory's entries in name order.
fn add_tree(cpio: &mut Cpio, host: &Path, inside: &str) -> Result<()> {
    for entry in WalkDir::new(host).follow_root_links(false).sort_by_file_name() {
        let entry = entry.map_err(|err| {
            let context = format!("{}: cannot read", err.path().unwrap_or(host).display());
            // Without following symlinks there is no loop: every error is the system's.
            let cause = err.into_io_error().map_or_else(|| anyhow::anyhow!("a symlink loop"), anyhow::Error::new);
            cause.context(context)
        })?;
        let path = entry.path();
        let rel = path.strip_prefix(host)?;
        let inside =
            if rel.as_os_str().is_empty() { inside.to_string() } else { format!("{inside}/{}", rel.to_string_lossy()) };
        let kind = entry.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(path).with_context(|| format!("reading link {}", path.display()))?;
            cpio.symlink(&inside, &target.to_string_lossy());
        } else if kind.is_dir() {
            cpio.dir(&inside);
        } else if kind.is_file() {
            let meta = entry.metadata().with_context(|| format!("{}: cannot read", path.display()))?;
            let data = fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
            cpio.file(&inside, meta.permissions().mode(), &data);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_paths_map_under_the_store_root() {
        let dir = tempfile::TempDir::new().unwrap();
        let lib = dir.path().join("nix/store/aaaa-glibc/lib");
        fs::create_dir_all(&lib).unwrap();
        fs::write(lib.join("ld-2.31.so"), b"x").unwrap();
        std::os::unix::fs::symlink("ld-2.31.so", lib.join("ld-linux-x86-64.so.2")).unwrap();
        let closure = Closure {
            store_root: dir.path().to_path_buf(),
            paths: vec![PathBuf::from("/nix/store/aaaa-glibc"), PathBuf::from("/nix/store/bbbb-missing")],
        };
        let problems = closure.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("/nix/store/bbbb-missing"), "{problems:?}");
        assert_eq!(
            closure.inside_of(&lib.join("ld-2.31.so")),
            Some(PathBuf::from("/nix/store/aaaa-glibc/lib/ld-2.31.so"))
        );
        assert_eq!(closure.inside_of(&dir.path().join("elsewhere")), None);
        assert_eq!(
            closure.resolve(Path::new("/nix/store/aaaa-glibc/lib/ld-linux-x86-64.so.2")),
            Some(lib.join("ld-2.31.so"))
        );
        let mut cpio = Cpio::new();
        closure.add_to(&mut Cpio::new()).unwrap_err(); // the missing store path
        add_tree(&mut cpio, &closure.host(&closure.paths[0]), "/nix/store/aaaa-glibc").unwrap();
        let archive = cpio.finish();
        let text = String::from_utf8_lossy(&archive);
        assert!(text.contains("nix/store/aaaa-glibc/lib/ld-linux-x86-64.so.2"), "{text}");
    }
}

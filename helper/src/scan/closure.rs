//! What `--closure PATH` means, for `compat scan` and `compat bundle` alike:
//! PATH (a store path of the output's runtime closure, or any directory)
//! travels with the output. Everything under it is shipped, and a library a
//! file needs that the file's own RUNPATH/RPATH does not find is looked for
//! by name in PATH itself and everywhere under it: the closure paths in the
//! order given, each shallowest first (PATH, then PATH/lib, PATH/lib64 and
//! the other directories one level down, then deeper), names sorted within a
//! directory. Symlinks are followed, each directory walked once.
//!
//! A closure path that is missing or cannot be read is an error naming it.
//! The walk happens the first time a library is looked for (never, when
//! every RUNPATH points where it should), so a large closure costs nothing
//! unless it is needed.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    ffi::OsString,
    fmt, fs,
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
};

use anyhow::{bail, Result};

/// The `--closure` paths, checked, with a name index built on first use.
#[derive(Clone, Default)]
pub struct Closure {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// As given (files found under them are reported under these).
    given: Vec<PathBuf>,
    /// Their real paths (to tell whether a file lies under one).
    canonical: HashSet<PathBuf>,
    /// File name -> paths, in lookup order.
    index: OnceLock<HashMap<OsString, Vec<PathBuf>>>,
}

impl fmt::Debug for Closure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closure").field("paths", &self.inner.given).finish()
    }
}

impl Closure {
    /// Checks `paths`: each must exist and be readable (a directory is
    /// listed, a file opened). The error names every bad one.
    pub(crate) fn open(paths: &[PathBuf]) -> Result<Closure> {
        let mut given = Vec::new();
        let mut canonical = HashSet::new();
        let mut problems = Vec::new();
        for path in paths {
            match check(path) {
                Ok(real) => {
                    if canonical.insert(real) {
                        given.push(path.clone());
                    }
                }
                Err(err) => problems.push(format!("--closure {}: {err}", path.display())),
            }
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        Ok(Closure { inner: Arc::new(Inner { given, canonical, index: OnceLock::new() }) })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.inner.given.is_empty()
    }

    /// Their real paths.
    pub(crate) fn real_paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.inner.canonical.iter()
    }

    /// True when the real path `canonical` lies in a closure path (or is one).
    pub(crate) fn contains(&self, canonical: &Path) -> bool {
        canonical.ancestors().any(|dir| self.inner.canonical.contains(dir))
    }

    /// The first file named `name` under the closure paths (in the order the
    /// module describes) that `accept` takes, as reached from the path given.
    pub(crate) fn find(&self, name: &str, mut accept: impl FnMut(&Path) -> bool) -> Option<PathBuf> {
        if self.is_empty() || name.contains('/') {
            return None;
        }
        let index = self.inner.index.get_or_init(|| build_index(&self.inner.given));
        index.get(std::ffi::OsStr::new(name))?.iter().find(|p| accept(p)).cloned()
    }
}

/// The real path of a closure path, when it exists and can be read.
fn check(path: &Path) -> std::io::Result<PathBuf> {
    let real = fs::canonicalize(path)?;
    if fs::metadata(&real)?.is_dir() {
        fs::read_dir(&real)?;
    } else {
        fs::File::open(&real)?;
    }
    Ok(real)
}

/// Every file under `roots`, by file name, breadth first per root.
/// Unreadable directories below a root are passed over.
fn build_index(roots: &[PathBuf]) -> HashMap<OsString, Vec<PathBuf>> {
    let mut index: HashMap<OsString, Vec<PathBuf>> = HashMap::new();
    let mut seen_dirs = HashSet::new();
    for root in roots {
        let mut queue = VecDeque::from([root.clone()]);
        if !fs::metadata(root).is_ok_and(|m| m.is_dir()) {
            if let Some(name) = root.file_name() {
                index.entry(name.to_os_string()).or_default().push(root.clone());
            }
            continue;
        }
        while let Some(dir) = queue.pop_front() {
            let Ok(real) = fs::canonicalize(&dir) else { continue };
            if !seen_dirs.insert(real) {
                continue;
            }
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
            entries.sort_by_key(|e| e.file_name());
            let mut subdirs = Vec::new();
            for entry in entries {
                let path = entry.path();
                // file_type() does not follow symlinks; metadata() does.
                let is_dir = match entry.file_type() {
                    Ok(t) if t.is_symlink() => fs::metadata(&path).is_ok_and(|m| m.is_dir()),
                    Ok(t) => t.is_dir(),
                    Err(_) => false,
                };
                if is_dir {
                    subdirs.push(path);
                } else {
                    index.entry(entry.file_name()).or_default().push(path);
                }
            }
            // lib/ and lib64/ before their siblings: where libraries live.
            subdirs.sort_by_key(|p| !matches!(p.file_name().and_then(|n| n.to_str()), Some("lib" | "lib64")));
            queue.extend(subdirs);
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "x").unwrap();
    }

    #[test]
    fn shallowest_first_lib_dirs_before_their_siblings_roots_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for rel in ["bin/libx.so", "lib/libx.so", "lib/deep/libx.so", "liby.so", "share/z/libz.so"] {
            touch(&a.join(rel));
        }
        touch(&b.join("libz.so"));
        let closure = Closure::open(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(closure.find("libx.so", |_| true), Some(a.join("lib/libx.so")));
        assert_eq!(closure.find("libx.so", |p| !p.starts_with(a.join("lib/libx.so"))), Some(a.join("bin/libx.so")));
        assert_eq!(closure.find("liby.so", |_| true), Some(a.join("liby.so")));
        assert_eq!(closure.find("libz.so", |_| true), Some(a.join("share/z/libz.so")), "roots in the order given");
        assert_eq!(closure.find("libnone.so", |_| true), None);
        assert_eq!(closure.find("lib/libx.so", |_| true), None, "names, not paths");
        assert!(closure.contains(&a.join("lib/deep").canonicalize().unwrap()));
        assert!(!closure.contains(dir.path()));
    }

    #[test]
    fn symlinked_dirs_are_followed_once_and_loops_end() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        touch(&dir.path().join("other/lib/libq.so"));
        fs::create_dir_all(&a).unwrap();
        std::os::unix::fs::symlink(dir.path().join("other/lib"), a.join("lib")).unwrap();
        std::os::unix::fs::symlink(&a, a.join("loop")).unwrap();
        let closure = Closure::open(std::slice::from_ref(&a)).unwrap();
        assert_eq!(closure.find("libq.so", |_| true), Some(a.join("lib/libq.so")));
    }

    #[test]
    fn missing_paths_are_all_named() {
        let dir = tempfile::tempdir().unwrap();
        let (m1, m2) = (dir.path().join("m1"), dir.path().join("m2"));
        let err = Closure::open(&[m1.clone(), dir.path().to_path_buf(), m2.clone()]).unwrap_err().to_string();
        assert!(err.contains(&format!("--closure {}: No such file", m1.display())), "{err}");
        assert!(err.contains(&format!("--closure {}: No such file", m2.display())), "{err}");
        assert!(!err.contains(&format!("--closure {}:", dir.path().display())), "{err}");
        assert!(Closure::open(&[]).unwrap().is_empty());
    }
}

//! The "own closure" layout of `compat verify`: a Nix output runs as Nix
//! users run it. The file, its program interpreter and every library it
//! loads are placed in the image at their own absolute store paths, found
//! the way the loader finds them (the interpreter named in the file,
//! libraries through RUNPATH/RPATH and `$ORIGIN`), and only inside the
//! given closure: the target contributes nothing but its kernel. A library
//! that is not in the closure is reported missing, as the loader would fail
//! on the target.
//!
//! Paths are named as they are inside (`/nix/store/...`); on the host they
//! live under a store root (`/` for the real store, or the directory a test
//! or a copied store sits in).

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Component, Path, PathBuf},
};

use anyhow::{bail, Context, Result};

use crate::elf::{resolve::expand_origin, ElfInfo};

/// The store paths a program may use, and where they are on this host.
#[derive(Clone, Debug)]
pub struct Closure {
    root: PathBuf,
    paths: Vec<PathBuf>,
}

impl Closure {
    /// `paths` as named inside (absolute); each must exist under `root`.
    pub fn new(root: &Path, paths: Vec<PathBuf>) -> Result<Closure> {
        if paths.is_empty() {
            bail!("the closure is empty: give --closure PATH or --closure-file FILE");
        }
        let closure = Closure { root: root.to_path_buf(), paths };
        for p in &closure.paths {
            if !p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
                bail!("closure path {}: not an absolute path", p.display());
            }
            let host = closure.host(p);
            if !host.exists() {
                bail!("closure path {}: {} does not exist", p.display(), host.display());
            }
        }
        Ok(closure)
    }

    /// The paths of a closure file: one absolute path a line, as
    /// `nix-store -qR` prints them; blank lines are skipped.
    pub fn read_list(file: &Path) -> Result<Vec<PathBuf>> {
        let text = fs::read_to_string(file).with_context(|| format!("--closure-file {}", file.display()))?;
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let p = PathBuf::from(l);
                if p.is_absolute() {
                    Ok(p)
                } else {
                    bail!("--closure-file {}: {l:?} is not an absolute path", file.display())
                }
            })
            .collect()
    }

    /// Where an inside path is on this host.
    pub fn host(&self, inside: &Path) -> PathBuf {
        self.root.join(inside.strip_prefix("/").unwrap_or(inside))
    }

    /// The inside path of a host path under the store root.
    pub fn inside_of(&self, host: &Path) -> Option<PathBuf> {
        let abs = if host.is_absolute() { host.to_path_buf() } else { std::env::current_dir().ok()?.join(host) };
        abs.strip_prefix(&self.root).ok().map(|rel| Path::new("/").join(rel))
    }

    /// Whether an inside path lies in one of the closure's paths.
    pub fn contains(&self, inside: &Path) -> bool {
        let inside = normalize(inside);
        self.paths.iter().any(|p| inside.starts_with(p))
    }
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What one file needs from the closure, found: inside path -> host path.
#[derive(Debug, Default)]
pub struct Needs {
    pub files: BTreeMap<PathBuf, PathBuf>,
    /// What the loader would not find, with why.
    pub missing: Vec<String>,
}

/// Finds the interpreter and libraries `inside` (the file's own inside path,
/// `info` its ELF facts) loads, transitively, in `closure`.
pub fn needs(closure: &Closure, inside: &Path, info: &ElfInfo) -> Needs {
    let mut needs = Needs::default();
    if let Some(interp) = &info.interpreter {
        let interp = normalize(Path::new(interp));
        let host = closure.host(&interp);
        if closure.contains(&interp) && host.is_file() {
            needs.files.insert(interp, host);
        } else {
            needs.missing.push(format!("{} (program interpreter, not in the closure)", interp.display()));
        }
    }
    // The executable's DT_RPATH also serves the libraries it loads that have
    // no DT_RUNPATH of their own (ld.so's order).
    let exe_rpath = if info.runpath.is_empty() { search_dirs(&info.rpath, inside) } else { vec![] };
    let loader =
        info.interpreter.as_deref().and_then(|i| Path::new(i).file_name()).map(|n| n.to_string_lossy().into_owned());
    let mut seen = BTreeSet::new();
    let mut queue = vec![(inside.to_path_buf(), info.clone())];
    while let Some((object, info)) = queue.pop() {
        let mut dirs = if info.runpath.is_empty() { search_dirs(&info.rpath, &object) } else { vec![] };
        dirs.extend(exe_rpath.iter().cloned());
        dirs.extend(search_dirs(&info.runpath, &object));
        for soname in &info.needed {
            // The loader is loaded already: libc names it by its soname.
            if !seen.insert(soname.clone()) || loader.as_deref() == Some(soname.as_str()) {
                continue;
            }
            let found = dirs.iter().map(|d| normalize(&d.join(soname))).find(|candidate| {
                closure.contains(candidate) && closure.host(candidate).is_file() && {
                    let host = closure.host(candidate);
                    fs::read(&host)
                        .ok()
                        .and_then(|d| ElfInfo::parse(&d).ok())
                        .is_some_and(|l| l.machine == info.machine)
                }
            });
            let Some(lib) = found else {
                needs.missing.push(format!("{soname} (not found in the closure through RUNPATH/RPATH)"));
                continue;
            };
            let host = closure.host(&lib);
            if let Some(lib_info) = fs::read(&host).ok().and_then(|d| ElfInfo::parse(&d).ok()) {
                queue.push((lib.clone(), lib_info));
            }
            needs.files.insert(lib, host);
        }
    }
    needs
}

/// RUNPATH/RPATH entries of the object at inside path `object`, with
/// `$ORIGIN` expanded against its directory.
fn search_dirs(entries: &[String], object: &Path) -> Vec<PathBuf> {
    let origin = object.parent().unwrap_or(Path::new("/"));
    entries.iter().filter_map(|e| expand_origin(e, origin)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_between_root_and_inside() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("nix/store/aaa-x/lib")).unwrap();
        let c = Closure::new(tmp.path(), vec![PathBuf::from("/nix/store/aaa-x")]).unwrap();
        assert_eq!(c.host(Path::new("/nix/store/aaa-x/lib")), tmp.path().join("nix/store/aaa-x/lib"));
        assert_eq!(c.inside_of(&tmp.path().join("nix/store/aaa-x/lib")), Some(PathBuf::from("/nix/store/aaa-x/lib")));
        assert!(c.contains(Path::new("/nix/store/aaa-x/lib/../lib/libc.so.6")));
        assert!(!c.contains(Path::new("/nix/store/aaa-x/../bbb-y/lib")));
        assert!(!c.contains(Path::new("/nix/store/aaa-xy")));
    }

    #[test]
    fn missing_or_relative_closure_paths_are_errors_naming_them() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Closure::new(tmp.path(), vec![PathBuf::from("/nix/store/zzz-gone")]).unwrap_err();
        assert!(err.to_string().contains("/nix/store/zzz-gone"), "{err}");
        let err = Closure::new(tmp.path(), vec![PathBuf::from("nix/store/rel")]).unwrap_err();
        assert!(err.to_string().contains("not an absolute path"), "{err}");
        assert!(Closure::new(tmp.path(), vec![]).is_err());
        let list = tmp.path().join("closure");
        fs::write(&list, "/nix/store/a\n\nrelative\n").unwrap();
        let err = Closure::read_list(&list).unwrap_err();
        assert!(err.to_string().contains("\"relative\" is not an absolute path"), "{err}");
    }
}

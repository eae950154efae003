//! Which libraries travel with what is scanned, and where a file's NEEDED
//! entries are found. Lookups are shared by all worker threads, so file
//! probes and canonical paths are cached. The maps are keyed by the paths'
//! bytes: hashing a `Path` walks its components, and that was a tenth of
//! judging a file.

use std::{
    collections::{HashMap, HashSet},
    ffi::OsString,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use super::closure::Closure;
use crate::{
    arch,
    elf::{
        resolve::{self, SearchPath},
        ElfInfo, ElfKind,
    },
};

/// Where a needed library comes from on the target.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// Shipped with what is scanned (or the closure): judged by its own version definitions.
    Shipped { path: PathBuf, info: Arc<ElfInfo> },
    /// Not shipped; the target's base system must provide it.
    System,
}

/// The shipped set: the scanned files and the `--closure` paths.
pub(crate) struct Libraries {
    /// Canonical paths under which a library counts as shipped.
    roots: HashSet<OsString>,
    /// The `--closure` paths: what is there travels along, the C library
    /// and its loader included.
    closure: Closure,
    /// Parsed shipped libraries by canonical path (`None`: unreadable / not ELF).
    infos: Mutex<HashMap<OsString, Option<Arc<ElfInfo>>>>,
    /// Shipped shared libraries by SONAME and by file name, for NEEDED that a
    /// file's own search path misses (inherited RPATH, wrapper LD_LIBRARY_PATH).
    by_name: HashMap<String, Vec<PathBuf>>,
    probes: Mutex<HashMap<OsString, Option<(u8, u16)>>>,
    canonical: Mutex<HashMap<OsString, Option<PathBuf>>>,
}

impl Libraries {
    /// `roots`: the real paths of the scanned paths and closure paths;
    /// `closure`: the closure paths; `scanned`: the ELF files already
    /// parsed (real path, facts).
    pub(crate) fn new(roots: Vec<PathBuf>, closure: Closure, scanned: &[(PathBuf, Arc<ElfInfo>)]) -> Libraries {
        let roots = roots.into_iter().map(PathBuf::into_os_string).collect();
        let mut by_name: HashMap<String, Vec<PathBuf>> = HashMap::new();
        let mut infos = HashMap::new();
        for (path, info) in scanned {
            infos.insert(path.clone().into_os_string(), Some(info.clone()));
            if info.kind != ElfKind::SharedLibrary {
                continue;
            }
            let mut names = Vec::new();
            if let Some(soname) = &info.soname {
                names.push(soname.clone());
            }
            if let Some(file) = path.file_name() {
                names.push(file.to_string_lossy().into_owned());
            }
            names.dedup();
            for name in names {
                by_name.entry(name).or_default().push(path.clone());
            }
        }
        Libraries {
            roots,
            closure,
            infos: Mutex::new(infos),
            by_name,
            probes: Mutex::new(HashMap::new()),
            canonical: Mutex::new(HashMap::new()),
        }
    }

    /// The class and machine of the ELF file at `path`, cached.
    fn probe(&self, path: &Path) -> Option<(u8, u16)> {
        if let Some(hit) = lock(&self.probes).get(path.as_os_str()) {
            return *hit;
        }
        let probed = resolve::probe_machine(path);
        lock(&self.probes).insert(path.as_os_str().to_owned(), probed);
        probed
    }

    /// The canonical form of `path`, cached.
    pub(crate) fn canonical(&self, path: &Path) -> Option<PathBuf> {
        if let Some(hit) = lock(&self.canonical).get(path.as_os_str()) {
            return hit.clone();
        }
        let canonical = path.canonicalize().ok();
        lock(&self.canonical).insert(path.as_os_str().to_owned(), canonical.clone());
        canonical
    }

    /// True when `canonical` or one of its ancestors is a root (a lookup per
    /// path component, however many roots a scan of many files has).
    fn under_roots(&self, canonical: &Path) -> bool {
        canonical.ancestors().any(|dir| self.roots.contains(dir.as_os_str()))
    }

    /// A library the loader takes from those loaded with `file` when they
    /// travel in the closure: the file's own interpreter (ld.so), or a library
    /// next to it (glibc's libc.so.6 and ld.so, loaded together). The loader
    /// reuses an object already loaded under the same soname, so such a
    /// NEEDED never falls to the target's system.
    fn loaded_with(&self, file: &Path, info: &ElfInfo, soname: &str) -> Option<(PathBuf, Arc<ElfInfo>)> {
        if self.closure.is_empty() {
            return None;
        }
        let want = Some((info.bits, info.machine));
        let interpreter = info.interpreter.as_deref().map(Path::new).filter(|i| i.file_name() == Some(soname.as_ref()));
        let sibling = file.parent().map(|dir| dir.join(soname));
        for candidate in interpreter.map(Path::to_path_buf).into_iter().chain(sibling) {
            let Some(canonical) = self.canonical(&candidate) else { continue };
            if self.closure.contains(&canonical) && self.probe(&canonical) == want {
                if let Some(lib) = self.info(&canonical) {
                    return Some((canonical, lib));
                }
            }
        }
        None
    }

    /// The parsed facts of a shipped library, reading it the first time.
    fn info(&self, canonical: &Path) -> Option<Arc<ElfInfo>> {
        if let Some(hit) = lock(&self.infos).get(canonical.as_os_str()) {
            return hit.clone();
        }
        let parsed = crate::elf::file::map_if_elf(canonical)
            .ok()
            .flatten()
            .and_then(|data| ElfInfo::parse(&data).ok())
            .map(Arc::new);
        lock(&self.infos).insert(canonical.as_os_str().to_owned(), parsed.clone());
        parsed
    }

    /// Where `soname`, needed by `file` (canonical path, facts `info`), comes from:
    /// shipped when found through the file's RPATH/RUNPATH inside the shipped
    /// set or next to it through `$ORIGIN`; when `system_lib` is false (a
    /// library the target does not provide anyway), also when found among
    /// the scanned libraries or, by name, under a `--closure` path (the
    /// lookup `compat bundle` makes too); otherwise the target's system.
    /// `search` is the file's own search path (`SearchPath::for_file` without extras).
    pub(crate) fn source(
        &self,
        file: &Path,
        info: &ElfInfo,
        search: &SearchPath,
        soname: &str,
        system_lib: bool,
    ) -> Source {
        let want = Some((info.bits, info.machine));
        if let Some(found) = search.find_with(soname, |c| self.probe(c) == want) {
            if let Some(canonical) = self.canonical(&found) {
                if self.under_roots(&canonical) || found_through_origin(file, info, &found) {
                    if let Some(lib) = self.info(&canonical) {
                        return Source::Shipped { path: canonical, info: lib };
                    }
                }
            }
        }
        if let Some((path, lib)) = self.loaded_with(file, info, soname) {
            return Source::Shipped { path, info: lib };
        }
        if !system_lib {
            if let Some(candidates) = self.by_name.get(soname) {
                for candidate in candidates {
                    if self.probe(candidate) == want {
                        if let Some(lib) = self.info(candidate) {
                            return Source::Shipped { path: candidate.clone(), info: lib };
                        }
                    }
                }
            }
            if let Some(found) = self.closure.find(soname, |c| self.probe(c) == want) {
                if let Some(canonical) = self.canonical(&found) {
                    if let Some(lib) = self.info(&canonical) {
                        return Source::Shipped { path: canonical, info: lib };
                    }
                }
            }
        }
        Source::System
    }

    /// Where `soname` would be found on this machine (RPATH/RUNPATH, then the
    /// default library dirs), for messages about libraries that are not shipped.
    pub(crate) fn found_here(&self, file: &Path, info: &ElfInfo, soname: &str) -> Option<PathBuf> {
        let want = Some((info.bits, info.machine));
        let search = SearchPath::for_file(file, info, &[], &arch::default_dirs(&info.arch));
        search.find_with(soname, |c| self.probe(c) == want)
    }
}

/// True when `found` lies in a directory the file's RPATH/RUNPATH reaches through `$ORIGIN`.
fn found_through_origin(file: &Path, info: &ElfInfo, found: &Path) -> bool {
    let origin = resolve::origin_of(file);
    let entries = info.search_entries();
    let Some(parent) = found.parent() else { return false };
    entries
        .iter()
        .filter(|e| e.contains("$ORIGIN") || e.contains("${ORIGIN}"))
        .filter_map(|e| resolve::expand_origin(e, &origin))
        .any(|dir| dir == parent)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A worker that panicked cannot leave these caches half-written in a way
    // that matters: every entry is inserted whole.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

//! Finding the libraries a file needs, the way glibc's loader searches:
//!
//! 1. a NEEDED name containing '/' is a path, used as is;
//! 2. when the file has no DT_RUNPATH: its DT_RPATH, then the DT_RPATH of the
//!    objects that loaded it (`inherited_rpath`, up to the executable);
//! 3. its DT_RUNPATH (only for its own NEEDED, never inherited);
//! 4. `extra` directories (what stands in for ld.so.cache and the default
//!    dirs: a closure's lib dirs, the system's lib dirs).
//!
//! `$ORIGIN` / `${ORIGIN}` expand to the directory of the file. Entries using
//! `$LIB` or `$PLATFORM`, and relative entries (which the loader takes
//! relative to the process's working directory), are skipped. A candidate
//! whose ELF class or machine differs from the file's is passed over, as the
//! loader does.

use std::{
    fs::File,
    io::Read,
    path::{Path, PathBuf},
};

use object::{read::elf::FileHeader, Endianness};

use super::ElfInfo;

/// One NEEDED entry and where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub soname: String,
    /// `None` when no directory of the search path holds a matching file.
    pub path: Option<PathBuf>,
}

/// The directories searched for one file's NEEDED libraries, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchPath {
    pub dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// The search path for the NEEDED entries of `file` (parsed as `info`).
    /// `inherited_rpath`: expanded RPATH dirs of the objects that loaded
    /// `file` (see [`expanded_rpath`]), used only when `file` has no RUNPATH.
    /// `extra`: searched last.
    pub fn for_file(file: &Path, info: &ElfInfo, inherited_rpath: &[PathBuf], extra: &[PathBuf]) -> SearchPath {
        let origin = origin_of(file);
        let mut dirs: Vec<PathBuf> = Vec::new();
        dirs.extend(info.search_entries().iter().filter_map(|e| expand_origin(e, &origin)));
        if info.searches_rpath() {
            dirs.extend(inherited_rpath.iter().cloned());
        }
        dirs.extend(extra.iter().cloned());
        let mut seen = std::collections::HashSet::new();
        dirs.retain(|d| seen.insert(d.clone()));
        SearchPath { dirs }
    }

    /// Where `soname` is found for a file of `info`'s class and machine.
    pub fn find(&self, soname: &str, info: &ElfInfo) -> Option<PathBuf> {
        self.find_with(soname, |candidate| matches_machine(candidate, info))
    }

    /// Like [`find`](Self::find), with the caller's test of a candidate path
    /// (to cache file probes across many lookups).
    pub fn find_with(&self, soname: &str, mut accept: impl FnMut(&Path) -> bool) -> Option<PathBuf> {
        if soname.contains('/') {
            let path = PathBuf::from(soname);
            return accept(&path).then_some(path);
        }
        self.dirs.iter().map(|dir| dir.join(soname)).find(|candidate| accept(candidate))
    }

    /// Every NEEDED entry of `info`, with where it was found.
    pub fn resolve_all(&self, info: &ElfInfo) -> Vec<Resolved> {
        info.needed.iter().map(|soname| Resolved { soname: soname.clone(), path: self.find(soname, info) }).collect()
    }
}

/// The directory `$ORIGIN` stands for: the directory holding `file`.
pub fn origin_of(file: &Path) -> PathBuf {
    let parent = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The loader's $ORIGIN is an absolute directory; a relative one would make
    // every `$ORIGIN/...` entry look relative and be dropped.
    std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf())
}

/// Expands `$ORIGIN` and `${ORIGIN}` in one RPATH/RUNPATH entry. `None` for
/// entries the loader's result cannot be known for here: `$LIB`,
/// `$PLATFORM`, or a relative path.
pub fn expand_origin(entry: &str, origin: &Path) -> Option<PathBuf> {
    let origin = origin.to_string_lossy();
    let expanded = entry.replace("${ORIGIN}", &origin).replace("$ORIGIN", &origin);
    if expanded.contains('$') || !expanded.starts_with('/') {
        return None;
    }
    Some(PathBuf::from(expanded))
}

/// The RPATH dirs of `file`, expanded, as its dependencies inherit them
/// (empty when the file has a RUNPATH, which is never inherited).
pub fn expanded_rpath(file: &Path, info: &ElfInfo) -> Vec<PathBuf> {
    if !info.searches_rpath() {
        return Vec::new();
    }
    let origin = origin_of(file);
    info.search_entries().iter().filter_map(|e| expand_origin(e, &origin)).collect()
}

/// True when `path` is a readable ELF file of the same class and machine as `info`.
pub fn matches_machine(path: &Path, info: &ElfInfo) -> bool {
    probe_machine(path) == Some((info.bits, info.machine))
}

/// The ELF class (32/64) and `e_machine` of the file at `path`, reading only
/// its header; `None` when it is missing, unreadable or not ELF.
pub fn probe_machine(path: &Path) -> Option<(u8, u16)> {
    // Only regular files: opening a FIFO would block.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut header = [0u8; 64];
    let mut file = File::open(path).ok()?;
    let mut len = 0;
    while len < header.len() {
        match file.read(&mut header[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(_) => return None,
        }
    }
    let bytes = &header[..len];
    match bytes.get(4) {
        Some(1) => object::elf::FileHeader32::<Endianness>::parse(bytes)
            .ok()
            .and_then(|h| h.endian().ok().map(|e| (32u8, h.e_machine(e).0))),
        Some(2) => object::elf::FileHeader64::<Endianness>::parse(bytes)
            .ok()
            .and_then(|h| h.endian().ok().map(|e| (64u8, h.e_machine(e).0))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_both_origin_spellings() {
        let o = Path::new("/opt/app/bin");
        assert_eq!(expand_origin("$ORIGIN/../lib", o), Some(PathBuf::from("/opt/app/bin/../lib")));
        assert_eq!(expand_origin("${ORIGIN}/lib", o), Some(PathBuf::from("/opt/app/bin/lib")));
        assert_eq!(expand_origin("/usr/local/lib", o), Some(PathBuf::from("/usr/local/lib")));
        assert_eq!(expand_origin("$LIB/x", o), None);
        assert_eq!(expand_origin("lib", o), None);
    }

    fn info(rpath: &[&str], runpath: &[&str]) -> ElfInfo {
        ElfInfo {
            bits: 64,
            little_endian: true,
            machine: 62,
            arch: "x86_64".into(),
            kind: super::super::ElfKind::Executable,
            interpreter: None,
            has_dynamic: true,
            needed: vec!["libfoo.so.1".into()],
            soname: None,
            rpath: rpath.iter().map(|s| s.to_string()).collect(),
            runpath: runpath.iter().map(|s| s.to_string()).collect(),
            version_needs: vec![],
            version_defs: vec![],
            abi_kernel: None,
            has_relr: false,
        }
    }

    #[test]
    fn runpath_hides_rpath_and_inherited_rpath() {
        let inherited = vec![PathBuf::from("/inherited")];
        let extra = vec![PathBuf::from("/extra")];
        let file = Path::new("/app/bin/prog");
        let with_rpath = SearchPath::for_file(file, &info(&["$ORIGIN/../lib"], &[]), &inherited, &extra);
        assert_eq!(
            with_rpath.dirs,
            vec![PathBuf::from("/app/bin/../lib"), PathBuf::from("/inherited"), PathBuf::from("/extra")]
        );
        let with_runpath = SearchPath::for_file(file, &info(&["/rpath"], &["/runpath"]), &inherited, &extra);
        assert_eq!(with_runpath.dirs, vec![PathBuf::from("/runpath"), PathBuf::from("/extra")]);
        assert!(expanded_rpath(file, &info(&["/rpath"], &["/runpath"])).is_empty());
        assert_eq!(expanded_rpath(file, &info(&["$ORIGIN"], &[])), vec![PathBuf::from("/app/bin")]);
    }

    #[test]
    fn origin_of_a_relative_path_is_absolute() {
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(origin_of(Path::new("dist/bin/app")), cwd.join("dist/bin"));
        assert_eq!(origin_of(Path::new("app")), cwd.join("."));
        let search = SearchPath::for_file(Path::new("dist/bin/app"), &info(&[], &["$ORIGIN/../lib"]), &[], &[]);
        assert_eq!(search.dirs, vec![cwd.join("dist/bin/../lib")]);
    }
}

//! Following NEEDED entries from every ELF file in the staging directory:
//! the target's system libraries (and `--exclude`d ones) stay out, libraries
//! the inputs already hold are used where they are, and every other one is
//! copied to lib/ under the name the loader looks for, then followed in turn.

use std::{
    collections::{BTreeSet, VecDeque},
    fs,
    path::{Path, PathBuf},
};

use anyhow::Result;
use serde::Serialize;

use super::{
    collect::{self, Collected},
    layout,
};
use crate::{
    elf::{self, resolve, ElfInfo},
    profile::Profile,
    scan::closure::Closure,
};

/// One ELF file of the bundle and where its libraries are in the bundle.
#[derive(Debug)]
pub(crate) struct ElfFile {
    /// Path relative to the bundle root.
    pub(crate) dest: PathBuf,
    /// Where it came from.
    pub(crate) source: PathBuf,
    pub(crate) info: ElfInfo,
    /// Bundle directories holding its non-system libraries, in NEEDED order.
    pub(crate) lib_dirs: Vec<PathBuf>,
    /// NEEDED entries written as paths, and the name that replaces each.
    pub(crate) path_needed: Vec<(String, String)>,
}

/// A library copied into the bundle from outside the inputs.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Vendored {
    /// The NEEDED name, which is also its file name under lib/.
    pub(crate) name: String,
    /// Path in the bundle.
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) path: PathBuf,
    /// Where it was found (the path the search reached).
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) source: PathBuf,
    /// The file that path resolves to.
    #[serde(serialize_with = "crate::path_text::one")]
    pub(crate) real_source: PathBuf,
    /// The bundle files that need it.
    #[serde(serialize_with = "crate::path_text::list")]
    pub(crate) needed_by: Vec<PathBuf>,
}

/// Everything resolving produced.
#[derive(Debug, Default)]
pub(crate) struct Resolution {
    pub(crate) elves: Vec<ElfFile>,
    pub(crate) vendored: Vec<Vendored>,
    /// System libraries needed and left to the target.
    pub(crate) system: BTreeSet<String>,
    /// Libraries needed but excluded by `--exclude`.
    pub(crate) excluded: BTreeSet<String>,
    /// Problems naming the file and library.
    pub(crate) errors: Vec<String>,
}

/// What the search for libraries may use besides each file's own RUNPATH:
/// `dirs` in order, then the `--closure` paths (see [`Closure`]).
pub(crate) struct SearchDirs {
    pub(crate) dirs: Vec<PathBuf>,
    pub(crate) closure: Closure,
}

impl SearchDirs {
    /// `--lib-path` dirs, then lib/ and lib64/ of each input directory, then `closure`.
    pub(crate) fn new(lib_paths: &[PathBuf], roots: &[PathBuf], closure: Closure) -> SearchDirs {
        let mut dirs: Vec<PathBuf> = lib_paths.to_vec();
        for base in roots {
            for sub in ["lib", "lib64"] {
                let d = base.join(sub);
                if d.is_dir() && !dirs.contains(&d) {
                    dirs.push(d);
                }
            }
        }
        SearchDirs { dirs, closure }
    }
}

/// Resolves and vendors the libraries of every ELF file collected into `staging`.
pub(crate) fn resolve_all(
    collected: &mut Collected,
    staging: &Path,
    profile: &Profile,
    excludes: &[String],
    vendors: &[String],
    search: &SearchDirs,
) -> Resolution {
    let mut res = Resolution::default();
    // (bundle path, source as reached, canonical source, RPATH dirs inherited from the loading chain)
    let mut queue: VecDeque<(PathBuf, PathBuf, PathBuf, Vec<PathBuf>)> =
        collected.files.iter().map(|f| (f.dest.clone(), f.source.clone(), f.canonical.clone(), Vec::new())).collect();
    while let Some((dest, source, canonical, inherited)) = queue.pop_front() {
        let bytes = match fs::read(staging.join(&dest)) {
            Ok(b) => b,
            Err(err) => {
                res.errors.push(format!("{}: cannot read: {err}", source.display()));
                continue;
            }
        };
        if !elf::is_elf(&bytes) {
            continue;
        }
        let info = match ElfInfo::parse(&bytes) {
            Ok(info) => info,
            Err(err) => {
                res.errors.push(format!("{}: {err}", source.display()));
                continue;
            }
        };
        // $ORIGIN of a program is its real path; of a library, the path it was reached by.
        // (resolve::origin_of makes it absolute for inputs given as relative paths.)
        let origin_file = if info.interpreter.is_some() { canonical.clone() } else { source.clone() };
        let search_path = resolve::SearchPath::for_file(&origin_file, &info, &inherited, &search.dirs);
        let mut child_rpath = inherited.clone();
        child_rpath.extend(resolve::expanded_rpath(&origin_file, &info));
        let mut file = ElfFile { dest, source, info, lib_dirs: Vec::new(), path_needed: Vec::new() };
        for needed in file.info.needed.clone() {
            let name = needed.rsplit('/').next().unwrap_or(&needed).to_string();
            if excludes.contains(&name) {
                res.excluded.insert(name);
                continue;
            }
            if profile.is_system_lib(&name) && !vendors.contains(&name) {
                res.system.insert(name);
                continue;
            }
            let found = search_path
                .find(&needed, &file.info)
                .or_else(|| search.closure.find(&name, |c| resolve::matches_machine(c, &file.info)));
            let Some(found) = found else {
                let entries = file.info.search_entries();
                res.errors.push(format!(
                    "{}: needs {needed}, which is not a system library of {} and is found neither through its \
                     RUNPATH ({}) nor in --closure / --lib-path / the inputs' lib dirs; pass --lib-path DIR, or \
                     --exclude {name} when the target provides it",
                    file.source.display(),
                    profile.name,
                    if entries.is_empty() { "none".to_string() } else { entries.join(":") }
                ));
                continue;
            };
            if needed.contains('/') {
                file.path_needed.push((needed.clone(), name.clone()));
            }
            match place_library(&name, &found, &file.dest, collected, staging, &mut res) {
                Ok((dir, newly)) => {
                    if !file.lib_dirs.contains(&dir) {
                        file.lib_dirs.push(dir);
                    }
                    if let Some(v) = newly {
                        queue.push_back((v.path.clone(), v.source.clone(), v.real_source.clone(), child_rpath.clone()));
                    }
                }
                Err(err) => res.errors.push(format!("{err:#}")),
            }
        }
        res.elves.push(file);
    }
    res
}

/// Puts the library `name`, found at `found`, into the bundle for `user`:
/// returns the bundle directory holding it, and the new vendored entry when
/// it was copied now.
fn place_library(
    name: &str,
    found: &Path,
    user: &Path,
    collected: &mut Collected,
    staging: &Path,
    res: &mut Resolution,
) -> Result<(PathBuf, Option<Vendored>)> {
    // Already in the bundle where the search found it (an input's own lib dir)?
    if let Some(dir) = found.parent().and_then(|d| fs::canonicalize(d).ok()) {
        if let Some(bundle_dir) = collected.map.lookup(&dir.to_string_lossy()) {
            if staging.join(&bundle_dir).join(name).exists() {
                return Ok((bundle_dir, None));
            }
        }
    }
    let real = fs::canonicalize(found)?;
    let dest = Path::new(layout::LIB_DIR).join(name);
    if let Some(v) = res.vendored.iter_mut().find(|v| v.path == dest) {
        if v.real_source == real || collect::same_content(&v.real_source, &real)? {
            if !v.needed_by.iter().any(|u| u == user) {
                v.needed_by.push(user.to_path_buf());
            }
            return Ok((PathBuf::from(layout::LIB_DIR), None));
        }
        anyhow::bail!(
            "{}: needs {name} from {}, but {} needs a different {name} from {}; one bundle cannot hold both \
             (rebuild them against one {name}, or --exclude {name})",
            user.display(),
            found.display(),
            v.needed_by.first().map(|u| u.display().to_string()).unwrap_or_default(),
            v.source.display()
        );
    }
    let staged = staging.join(&dest);
    if staged.exists() {
        if collect::same_content(&staged, &real)? {
            return Ok((PathBuf::from(layout::LIB_DIR), None));
        }
        let holder = collected.files.iter().find(|f| f.dest == dest).map(|f| f.source.display().to_string());
        anyhow::bail!(
            "{}: needs {name} from {}, but the bundle already holds a different {} (from {}); one bundle cannot \
             hold both",
            user.display(),
            found.display(),
            dest.display(),
            holder.unwrap_or_else(|| "an input".to_string())
        );
    }
    collect::copy_writable(&real, &staged)?;
    collected.map.insert(&real, &dest);
    collected.map.insert(found, &dest);
    let v = Vendored {
        name: name.to_string(),
        path: dest,
        source: found.to_path_buf(),
        real_source: real,
        needed_by: vec![user.to_path_buf()],
    };
    res.vendored.push(v.clone());
    Ok((PathBuf::from(layout::LIB_DIR), Some(v)))
}

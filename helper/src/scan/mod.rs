//! `compat scan`: judging ELF files against a target profile.
//!
//! ```no_run
//! use compat::{profile::Profile, scan};
//! let profile = Profile::lookup("debian-11").unwrap();
//! let report = scan::scan_paths(&["./result".into()], &profile, &scan::ScanOptions::default());
//! for file in &report.files {
//!     for finding in &file.findings {
//!         println!("{}: {}", file.path, finding.message);
//!     }
//! }
//! std::process::exit(report.exit_status().into());
//! ```
//!
//! A scan has two stages. [`collect`] walks the inputs ([`walk`]) and learns
//! the facts of every regular file starting with the ELF magic, in
//! parallel ([`facts`]): its ELF facts and its system calls, which do not
//! depend on the target, so the fact cache ([`crate::cache`]) keeps them and
//! a later scan need not read the file again. [`Collection::judge`] then
//! holds the facts against one profile: what each program or library says
//! about itself ([`check::intrinsic`]), the system calls it makes
//! ([`syscall_findings`]), and what it needs from each library
//! ([`check::needs`]) -- held against the library itself when it is shipped
//! with what is scanned (or `--closure`), else against the profile. Shipped
//! libraries reached outside the inputs are read and checked in turn. One
//! collection can be judged against many profiles ([`targets`]).

mod check;
pub mod closure;
pub(crate) mod facts;
pub(crate) mod human;
mod libraries;
mod progress;
mod real_path;
pub(crate) mod report;
pub mod requirement;
pub mod syscall_findings;
pub(crate) mod targets;
pub(crate) mod walk;

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use rayon::prelude::*;

pub(crate) use report::Status;
pub use report::{FileReport, Report};

use crate::{
    cache::{Cache, Key, Lookup},
    elf::ElfInfo,
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
};
use closure::Closure;
use facts::{FileFacts, Read, Syscalls};
use libraries::Libraries;

/// How to scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// The output must run without Nix: /nix/store interpreters, RPATHs and
    /// unshipped libraries are errors instead of warnings.
    pub(crate) portable: bool,
    /// Run the system call analysis (`--no-syscalls` turns it off).
    pub(crate) syscalls: bool,
    /// Paths that travel with the output (`--closure`, see [`closure`]):
    /// libraries in them count as shipped.
    pub(crate) closure: Closure,
    /// Show progress on stderr (the CLI sets it when stderr is a terminal).
    pub(crate) progress: bool,
    /// The fact cache directory ([`crate::cache::default_dir`]); `None`
    /// reads every file (`--no-cache`, and the default for library callers).
    pub(crate) cache: Option<PathBuf>,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions { portable: false, syscalls: true, closure: Closure::default(), progress: false, cache: None }
    }
}

/// What a cache entry's facts mean depends on the compat that wrote them
/// and on its syscall tables (which wrappers are remembered).
pub(crate) fn cache_writer() -> String {
    let mut tables = Vec::new();
    for text in crate::syscalls::tables::DATA {
        tables.extend_from_slice(text.as_bytes());
    }
    format!("compat {} facts/5 tables/{:016x}", env!("CARGO_PKG_VERSION"), crate::cache::key::fnv1a(&tables))
}

/// One ELF file and its facts.
struct Parsed {
    /// Path as reached from the inputs.
    display: PathBuf,
    canonical: PathBuf,
    info: Arc<ElfInfo>,
    syscalls: Syscalls,
}

impl Parsed {
    fn new(display: PathBuf, canonical: PathBuf, facts: FileFacts) -> Parsed {
        Parsed { display, canonical, info: Arc::new(facts.elf), syscalls: facts.syscalls }
    }
}

/// Reads facts through the cache, when there is one.
struct Reader {
    cache: Option<Cache>,
    syscalls: bool,
}

impl Reader {
    /// The facts of the file reached as `path`, whose real path is `canonical`.
    fn read(&self, path: &Path, canonical: &Path) -> Read {
        let Some(cache) = &self.cache else { return facts::read(path, self.syscalls) };
        // Stat before reading: a file changed after this has another key next time.
        let Ok(key) = Key::of(canonical) else { return facts::read(path, self.syscalls) };
        let lookup = cache.load::<FileFacts>(canonical, &key);
        let missing = lookup == Lookup::Missing;
        if let Lookup::Hit(found) = lookup {
            if found.serves(self.syscalls) {
                cache.used();
                return Read::Elf(found);
            }
        }
        let read = facts::read(path, self.syscalls);
        if let Read::Elf(found) = &read {
            if missing {
                cache.missed();
            }
            cache.store(canonical, &key, found);
        }
        read
    }
}

/// The facts of everything scanned, ready to be judged against profiles.
pub struct Collection {
    options: ScanOptions,
    /// Inputs that could not be walked or read.
    unreadable: Vec<FileReport>,
    skipped: usize,
    /// Devices, FIFOs and sockets met inside directories, and symlinks to them.
    special: usize,
    /// Dangling symlinks met inside directories.
    dangling: usize,
    parsed: Vec<Parsed>,
    libraries: Libraries,
    reader: Reader,
    /// Shipped libraries outside the inputs, read once for all profiles.
    outside: Mutex<HashMap<PathBuf, Option<Arc<Parsed>>>>,
}

/// Walks `paths` (files and directories) and learns the facts of every ELF file.
pub(crate) fn collect(paths: &[PathBuf], options: &ScanOptions) -> Collection {
    let walk = walk::walk(paths);
    let root_dirs = walk.root_dirs;
    let mut unreadable: Vec<FileReport> =
        walk.errors.into_iter().map(|e| FileReport::unreadable_at(&e.path, e.message)).collect();

    let reader = Reader {
        cache: options.cache.as_ref().map(|dir| Cache::new(dir.clone(), cache_writer())),
        syscalls: options.syscalls,
    };
    let progress = progress::Progress::new(options.progress, walk.files.len());
    let real_paths = real_path::RealPaths::default();
    let outcomes: Vec<(PathBuf, PathBuf, Read)> = walk
        .files
        .into_par_iter()
        .map(|input| {
            let canonical = real_paths.of(&input.path, input.symlink);
            let read = reader.read(&input.path, &canonical);
            progress.tick();
            (input.path, canonical, read)
        })
        .collect();
    progress.finish();

    let mut skipped = 0;
    let mut parsed = Vec::new();
    for (display, canonical, read) in outcomes {
        match read {
            Read::NotElf => skipped += 1,
            Read::Unreadable(message) => unreadable.push(FileReport::unreadable_at(&display, message)),
            Read::Elf(found) => parsed.push(Parsed::new(display, canonical, found)),
        }
    }

    // What counts as shipped: the given directories, the given files (known
    // by their real paths already) and the closure.
    let mut roots: Vec<PathBuf> = root_dirs.iter().filter_map(|p| p.canonicalize().ok()).collect();
    roots.extend(options.closure.real_paths().cloned());
    roots.extend(parsed.iter().map(|p| p.canonical.clone()));
    let known: Vec<(PathBuf, Arc<ElfInfo>)> = parsed.iter().map(|p| (p.canonical.clone(), p.info.clone())).collect();
    let libraries = Libraries::new(roots, options.closure.clone(), &known);
    Collection {
        options: options.clone(),
        unreadable,
        skipped,
        special: walk.special,
        dangling: walk.dangling,
        parsed,
        libraries,
        reader,
        outside: Mutex::new(HashMap::new()),
    }
}

/// Scans `paths` (files and directories) against `profile`.
pub fn scan_paths(paths: &[PathBuf], profile: &Profile, options: &ScanOptions) -> Report {
    collect(paths, options).judge(profile)
}

impl Collection {
    /// The report of everything collected against `profile`.
    pub(crate) fn judge(&self, profile: &Profile) -> Report {
        let options = &self.options;
        let mut reports = self.unreadable.clone();
        let mut checked: HashSet<PathBuf> = self.parsed.iter().map(|p| p.canonical.clone()).collect();
        let mut shipped: Vec<PathBuf> = Vec::new();
        let results: Vec<(FileReport, Vec<PathBuf>)> =
            self.parsed.par_iter().map(|file| judge_file(file, profile, options, &self.libraries)).collect();
        for (report, libs) in results {
            reports.push(report);
            shipped.extend(libs);
        }
        // Shipped libraries outside the inputs are judged in later rounds.
        loop {
            let round: Vec<PathBuf> = shipped.drain(..).filter(|lib| checked.insert(lib.clone())).collect();
            if round.is_empty() {
                break;
            }
            let results: Vec<(FileReport, Vec<PathBuf>)> = round
                .par_iter()
                .filter_map(|lib| self.outside(lib))
                .map(|file| judge_file(&file, profile, options, &self.libraries))
                .collect();
            for (report, libs) in results {
                reports.push(report);
                shipped.extend(libs);
            }
        }
        Report::new(report::Target::of(profile), options.portable, options.syscalls, reports, self.skipped)
            .with_skipped(self.special, self.dangling)
    }

    /// Writes the cache and lets the collection go without freeing it, for
    /// a command that ends next: freeing every symbol name of every file one
    /// by one took a fifth of a warm scan, on one core, for memory the
    /// process gives back at once when it exits.
    pub(crate) fn finish(self) {
        self.flush_cache();
        std::mem::forget(self);
    }

    /// Writes the facts learned so far to the cache ([`Cache::flush`]; it
    /// is written when the collection is dropped otherwise) and gives its
    /// counts; `None` without a cache.
    pub(crate) fn flush_cache(&self) -> Option<crate::cache::Stats> {
        let cache = self.reader.cache.as_ref()?;
        cache.flush();
        Some(cache.stats())
    }

    /// A shipped library outside the inputs, read the first time it is met.
    fn outside(&self, lib: &Path) -> Option<Arc<Parsed>> {
        if let Some(hit) = lock(&self.outside).get(lib) {
            return hit.clone();
        }
        let parsed = match self.reader.read(lib, lib) {
            Read::Elf(found) => Some(Arc::new(Parsed::new(lib.to_path_buf(), lib.to_path_buf(), found))),
            // Shipped libraries were parsed once already; a vanished one is not this scan's concern.
            _ => None,
        };
        lock(&self.outside).insert(lib.to_path_buf(), parsed.clone());
        parsed
    }
}

/// The report of one file against `profile`, and the shipped libraries it uses.
fn judge_file(
    file: &Parsed,
    profile: &Profile,
    options: &ScanOptions,
    libraries: &Libraries,
) -> (FileReport, Vec<PathBuf>) {
    let info = &file.info;
    let mut findings = Vec::new();
    let mut shipped = Vec::new();
    if check::is_loadable(info) {
        findings = check::intrinsic(info, profile, options);
        if options.syscalls {
            match &file.syscalls {
                Syscalls::Analysed(facts) => findings.extend(syscall_findings::judge(facts, profile)),
                Syscalls::Failed(err) => findings.push(Finding::new(
                    Severity::Error,
                    FindingKind::Unreadable,
                    format!("system call analysis failed: {err}"),
                )),
                Syscalls::NotRun | Syscalls::NotApplicable => {}
            }
        }
        if !info.is_static() {
            let (found, libs) = check::needs(&file.canonical, info, profile, options, libraries);
            findings.extend(found);
            shipped = libs;
        }
    }
    let report = FileReport::at(&file.display, Some(info.kind), Some(info.arch.clone()), findings);
    (report, shipped)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Entries are inserted whole: a panicked worker leaves nothing half-written.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
//! The inputs are walked ([`walk`]), every regular file starting with the ELF
//! magic is read and parsed in parallel, and each ELF program or library is
//! checked: what it says about itself ([`check::intrinsic`]), the system
//! calls it makes ([`crate::syscalls::analyze`]), and what it needs from each
//! library ([`check::needs`]) -- held against the library itself when it is
//! shipped with what is scanned (or `--closure`), else against the profile.
//! Shipped libraries reached outside the inputs are checked in turn.

mod check;
pub mod closure;
pub mod human;
mod libraries;
mod progress;
mod real_path;
pub mod report;
pub mod requirement;
pub mod walk;

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::Arc,
};

use rayon::prelude::*;

pub use report::{FileReport, Report, Status};

use crate::{
    elf::{ElfInfo, ParseError},
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
};
use closure::Closure;
use libraries::Libraries;

/// How to scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// The output must run without Nix: /nix/store interpreters, RPATHs and
    /// unshipped libraries are errors instead of warnings.
    pub portable: bool,
    /// Run the system call analysis (`--no-syscalls` turns it off).
    pub syscalls: bool,
    /// Paths that travel with the output (`--closure`, see [`closure`]):
    /// libraries in them count as shipped.
    pub closure: Closure,
    /// Show progress on stderr (the CLI sets it when stderr is a terminal).
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions { portable: false, syscalls: true, closure: Closure::default(), progress: false }
    }
}

/// One ELF file read and checked on its own.
struct Parsed {
    /// Path as reached from the inputs.
    display: PathBuf,
    canonical: PathBuf,
    info: Arc<ElfInfo>,
    findings: Vec<Finding>,
}

enum Outcome {
    NotElf,
    Unreadable(FileReport),
    Elf(Parsed),
}

/// Scans `paths` (files and directories) against `profile`.
pub fn scan_paths(paths: &[PathBuf], profile: &Profile, options: &ScanOptions) -> Report {
    let walk = walk::walk(paths);
    let root_dirs = walk.root_dirs;
    let mut reports: Vec<FileReport> =
        walk.errors.into_iter().map(|e| FileReport::unreadable_at(&e.path, e.message)).collect();

    let progress = progress::Progress::new(options.progress, walk.files.len());
    let real_paths = real_path::RealPaths::default();
    let outcomes: Vec<Outcome> = walk
        .files
        .par_iter()
        .map(|input| {
            let outcome = read_and_check(&input.path, profile, options, |p| real_paths.of(p, input.symlink));
            progress.tick();
            outcome
        })
        .collect();
    progress.finish();

    let mut skipped = 0;
    let mut parsed = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::NotElf => skipped += 1,
            Outcome::Unreadable(report) => reports.push(report),
            Outcome::Elf(file) => parsed.push(file),
        }
    }

    // What counts as shipped: the given directories, the given files (known
    // by their real paths already) and the closure.
    let mut roots: Vec<PathBuf> = root_dirs.iter().filter_map(|p| p.canonicalize().ok()).collect();
    roots.extend(options.closure.real_paths().cloned());
    roots.extend(parsed.iter().map(|p| p.canonical.clone()));
    let known: Vec<(PathBuf, Arc<ElfInfo>)> = parsed.iter().map(|p| (p.canonical.clone(), p.info.clone())).collect();
    let libraries = Libraries::new(roots, options.closure.clone(), &known);

    // Judge needs; shipped libraries outside the inputs are read and judged in later rounds.
    let mut checked: HashSet<PathBuf> = parsed.iter().map(|p| p.canonical.clone()).collect();
    let mut round = parsed;
    while !round.is_empty() {
        let results: Vec<(FileReport, Vec<PathBuf>)> =
            round.into_par_iter().map(|file| judge_needs(file, profile, options, &libraries)).collect();
        let mut next = Vec::new();
        for (report, shipped) in results {
            reports.push(report);
            for lib in shipped {
                if checked.insert(lib.clone()) {
                    next.push(lib);
                }
            }
        }
        round = next
            .par_iter()
            .filter_map(|lib| match read_and_check(lib, profile, options, Path::to_path_buf) {
                Outcome::Elf(file) => Some(file),
                // Shipped libraries were parsed once already; a vanished one is not this scan's concern.
                _ => None,
            })
            .collect();
    }

    Report::new(report::Target::of(profile), options.portable, options.syscalls, reports, skipped)
        .with_skipped(walk.special, walk.dangling)
}

fn judge_needs(
    file: Parsed,
    profile: &Profile,
    options: &ScanOptions,
    libraries: &Libraries,
) -> (FileReport, Vec<PathBuf>) {
    let mut findings = file.findings;
    let mut shipped = Vec::new();
    if check::is_loadable(&file.info) && !file.info.is_static() {
        let (found, libs) = check::needs(&file.canonical, &file.info, profile, options, libraries);
        findings.extend(found);
        shipped = libs;
    }
    let report = FileReport::at(&file.display, Some(file.info.kind), Some(file.info.arch.clone()), findings);
    (report, shipped)
}

/// Reads `path` when it starts with the ELF magic, parses it and runs the
/// checks that need only the file itself (including the syscall analysis).
/// `real_path` gives the file's real path (for `$ORIGIN` and to recognise
/// a library reached again through another path).
fn read_and_check(
    path: &Path,
    profile: &Profile,
    options: &ScanOptions,
    real_path: impl Fn(&Path) -> PathBuf,
) -> Outcome {
    let data = match crate::elf::file::map_if_elf(path) {
        Ok(Some(data)) => data,
        Ok(None) => return Outcome::NotElf,
        Err(err) => return Outcome::Unreadable(FileReport::unreadable_at(path, walk::describe_error(&err))),
    };
    let info = match ElfInfo::parse_with_symbols_for(&data, |_, version| check::may_fail(version, profile)) {
        Ok(info) => info,
        Err(ParseError::NotElf) => return Outcome::NotElf,
        Err(err @ ParseError::Malformed(_)) => {
            return Outcome::Unreadable(FileReport::unreadable_at(path, err.to_string()))
        }
    };
    let mut findings = Vec::new();
    if check::is_loadable(&info) {
        findings = check::intrinsic(&info, profile, options);
        if options.syscalls {
            match crate::syscalls::analyze(&data, profile) {
                Ok(found) => findings.extend(found),
                Err(err) => findings.push(Finding::new(
                    Severity::Error,
                    FindingKind::Unreadable,
                    format!("system call analysis failed: {err:#}"),
                )),
            }
        }
    }
    let canonical = real_path(path);
    Outcome::Elf(Parsed { display: path.to_path_buf(), canonical, info: Arc::new(info), findings })
}

//! The result of a scan: one entry per file, a summary, and the exit
//! status. Its JSON form is the stable `--json` schema (docs/scan-json.md).

use serde::Serialize;

use crate::{
    elf::ElfKind,
    exit,
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
    version::Version,
};

/// Identifies the JSON schema; bumped only on incompatible changes.
pub const SCHEMA: &str = "compat-scan/1";

/// The verdict on one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing stands in the way (notes may be present).
    Ok,
    /// Warnings only.
    Warning,
    /// At least one error: the file will not load or run on the target.
    Error,
    /// The file could not be read or parsed.
    Unreadable,
}

/// One scanned file.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// The path as reached from the inputs (or, for a shipped library reached
    /// only through a RUNPATH, its path on disk).
    pub path: String,
    /// Executable, shared library, ...; `null` when unreadable.
    pub kind: Option<ElfKind>,
    /// "x86_64", "aarch64", ...; `null` when unreadable.
    pub arch: Option<String>,
    pub status: Status,
    /// Worst first.
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// A report whose status follows from its findings (sorted worst first).
    pub fn new(path: String, kind: Option<ElfKind>, arch: Option<String>, mut findings: Vec<Finding>) -> FileReport {
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)).then(a.needs.cmp(&b.needs)));
        let status = if findings.iter().any(|f| f.kind == FindingKind::Unreadable) {
            Status::Unreadable
        } else if findings.iter().any(|f| f.severity == Severity::Error) {
            Status::Error
        } else if findings.iter().any(|f| f.severity == Severity::Warning) {
            Status::Warning
        } else {
            Status::Ok
        };
        FileReport { path, kind, arch, status, findings }
    }

    /// A file that could not be read or parsed.
    pub fn unreadable(path: String, message: String) -> FileReport {
        FileReport::new(path, None, None, vec![Finding::new(Severity::Error, FindingKind::Unreadable, message)])
    }
}

/// The target a scan judged against.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub name: String,
    pub glibc: Version,
    pub kernel: Version,
    /// `null` for an ad-hoc target: libstdc++ levels were not checked.
    pub libstdcxx: Option<crate::profile::Libstdcxx>,
}

impl Target {
    pub fn of(profile: &Profile) -> Target {
        Target {
            name: profile.name.clone(),
            glibc: profile.glibc.clone(),
            kernel: profile.kernel.clone(),
            libstdcxx: profile.libstdcxx.clone(),
        }
    }
}

/// Counts over the whole scan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// ELF files judged (including unreadable ones that started like ELF).
    pub files: usize,
    pub ok: usize,
    pub warning: usize,
    pub error: usize,
    pub unreadable: usize,
    /// Regular files skipped because they are not ELF.
    pub skipped_non_elf: usize,
    /// True when no file has an error and none was unreadable.
    pub compatible: bool,
    /// 0 compatible, 1 incompatibilities found, 2 some input unreadable.
    pub exit_status: u8,
}

/// The whole scan.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub target: Target,
    /// `--portable`: warnings about /nix/store were raised to errors.
    pub portable: bool,
    /// False with `--no-syscalls`.
    pub syscalls: bool,
    /// Worst first, then by path.
    pub files: Vec<FileReport>,
    pub summary: Summary,
}

impl Report {
    /// Sorts the files, counts them and sets the exit status.
    pub fn new(
        target: Target,
        portable: bool,
        syscalls: bool,
        mut files: Vec<FileReport>,
        skipped_non_elf: usize,
    ) -> Report {
        files.sort_by(|a, b| b.status.cmp(&a.status).then_with(|| a.path.cmp(&b.path)));
        let mut summary = Summary { files: files.len(), skipped_non_elf, ..Summary::default() };
        for file in &files {
            match file.status {
                Status::Ok => summary.ok += 1,
                Status::Warning => summary.warning += 1,
                Status::Error => summary.error += 1,
                Status::Unreadable => summary.unreadable += 1,
            }
        }
        summary.compatible = summary.error == 0 && summary.unreadable == 0;
        summary.exit_status = if summary.unreadable > 0 {
            exit::ERROR
        } else if summary.error > 0 {
            exit::FOUND
        } else {
            exit::OK
        };
        Report { schema: SCHEMA, target, portable, syscalls, files, summary }
    }

    /// The process exit status: 0 compatible, 1 found, 2 unreadable input.
    pub fn exit_status(&self) -> u8 {
        self.summary.exit_status
    }

    /// The report of the file reached as `path`.
    pub fn file(&self, path: &str) -> Option<&FileReport> {
        self.files.iter().find(|f| f.path == path)
    }
}

//! The result of a scan: one entry per file, a summary, and the exit
//! status. Its JSON form is the stable `--json` schema (docs/scan-json.md).

use std::path::{Path, PathBuf};

pub(crate) use crate::path_text::{escape_path, unescape_path};

use serde::Serialize;

use crate::{
    elf::ElfKind,
    exit,
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
    version::Version,
};

/// Identifies the JSON schema; bumped only on incompatible changes.
pub(crate) const SCHEMA: &str = "compat-scan/1";

/// The verdict on one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
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
    /// only through a RUNPATH, its path on disk). Bytes of the path that are
    /// not UTF-8 show as U+FFFD here; `path_escaped` then holds the exact path.
    pub path: String,
    /// Only for a path that is not valid UTF-8: the path with each byte that
    /// is not part of valid UTF-8 written `\xHH` and each backslash `\\`,
    /// so it maps back to the exact bytes (see [`escape_path`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path_escaped: Option<String>,
    /// Executable, shared library, ...; `null` when unreadable.
    pub(crate) kind: Option<ElfKind>,
    /// "x86_64", "aarch64", ...; `null` when unreadable.
    pub(crate) arch: Option<String>,
    pub(crate) status: Status,
    /// Worst first.
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// A report whose status follows from its findings (sorted worst first).
    pub(crate) fn new(
        path: String,
        kind: Option<ElfKind>,
        arch: Option<String>,
        mut findings: Vec<Finding>,
    ) -> FileReport {
        // Versions in order: GLIBC_2.2.5 before GLIBC_2.14.
        let needs = |a: &Finding, b: &Finding| match (&a.needs, &b.needs) {
            (Some(x), Some(y)) => crate::version::natural_cmp(x, y),
            (x, y) => x.cmp(y),
        };
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.kind.cmp(&b.kind)).then_with(|| needs(a, b)));
        let status = if findings.iter().any(|f| f.kind == FindingKind::Unreadable) {
            Status::Unreadable
        } else if findings.iter().any(|f| f.severity == Severity::Error) {
            Status::Error
        } else if findings.iter().any(|f| f.severity == Severity::Warning) {
            Status::Warning
        } else {
            Status::Ok
        };
        FileReport { path, path_escaped: None, kind, arch, status, findings }
    }

    /// Like [`new`](Self::new) for the file at `path`, keeping a path that is
    /// not UTF-8 exact in `path_escaped`.
    pub(crate) fn at(path: &Path, kind: Option<ElfKind>, arch: Option<String>, findings: Vec<Finding>) -> FileReport {
        let mut report = FileReport::new(path.display().to_string(), kind, arch, findings);
        report.path_escaped = escape_path(path);
        report
    }

    /// A file at `path` that could not be read or parsed.
    pub(crate) fn unreadable_at(path: &Path, message: String) -> FileReport {
        FileReport::at(path, None, None, vec![Finding::new(Severity::Error, FindingKind::Unreadable, message)])
    }

    /// The exact path of the file, bytes that are not UTF-8 included.
    pub(crate) fn exact_path(&self) -> PathBuf {
        match &self.path_escaped {
            Some(escaped) => unescape_path(escaped),
            None => PathBuf::from(&self.path),
        }
    }

    /// The path for a person to read: exact (escaped) when it is not UTF-8.
    pub(crate) fn shown_path(&self) -> &str {
        self.path_escaped.as_deref().unwrap_or(&self.path)
    }
}

/// The target a scan judged against.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) glibc: Version,
    pub(crate) kernel: Version,
    /// `null` for an ad-hoc target: libstdc++ is not one of its system libraries.
    pub(crate) libstdcxx: Option<crate::profile::Libstdcxx>,
    /// The profile's facts the command line replaced (`--glibc`, `--kernel`):
    /// field -> the value used (also in `glibc` / `kernel`). Empty when none.
    pub(crate) overrides: std::collections::BTreeMap<String, Version>,
}

impl Target {
    pub(crate) fn of(profile: &Profile) -> Target {
        Target {
            name: profile.name.clone(),
            glibc: profile.glibc.clone(),
            kernel: profile.kernel.clone(),
            libstdcxx: profile.libstdcxx.clone(),
            overrides: profile.overrides.iter().cloned().collect(),
        }
    }

    /// The target's name for messages, naming what was overridden.
    pub(crate) fn label(&self) -> String {
        let overrides: Vec<(String, Version)> = self.overrides.iter().map(|(f, v)| (f.clone(), v.clone())).collect();
        crate::profile::label(&self.name, &overrides)
    }
}

/// Counts over the whole scan.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Summary {
    /// ELF files judged (including unreadable ones that started like ELF).
    pub(crate) files: usize,
    pub(crate) ok: usize,
    pub(crate) warning: usize,
    pub(crate) error: usize,
    pub(crate) unreadable: usize,
    /// Regular files skipped because they are not ELF.
    pub(crate) skipped_non_elf: usize,
    /// Devices, FIFOs and sockets (or symlinks to them) met inside a
    /// directory: skipped without being opened.
    pub(crate) skipped_special: usize,
    /// Dangling symlinks met inside a directory: skipped.
    pub(crate) skipped_dangling: usize,
    /// True when no file has an error and none was unreadable.
    pub(crate) compatible: bool,
    /// 0 compatible, 1 incompatibilities found, 2 some input unreadable.
    pub(crate) exit_status: u8,
}

/// The whole scan.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub(crate) schema: &'static str,
    pub(crate) target: Target,
    /// `--portable`: warnings about /nix/store were raised to errors.
    pub(crate) portable: bool,
    /// False with `--no-syscalls`.
    pub(crate) syscalls: bool,
    /// Worst first, then by path.
    pub files: Vec<FileReport>,
    pub(crate) summary: Summary,
}

impl Report {
    /// Sorts the files, counts them and sets the exit status.
    pub(crate) fn new(
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

    /// Records what the walk skipped without opening (see `scan::walk`).
    pub(crate) fn with_skipped(mut self, special: usize, dangling: usize) -> Report {
        self.summary.skipped_special = special;
        self.summary.skipped_dangling = dangling;
        self
    }

    /// The process exit status: 0 compatible, 1 found, 2 unreadable input.
    pub fn exit_status(&self) -> u8 {
        self.summary.exit_status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{ffi::OsStr, os::unix::ffi::OsStrExt};

    #[test]
    fn findings_list_versions_in_version_order() {
        let finding = |needs: &str| {
            Finding::new(Severity::Error, FindingKind::GlibcVersion, format!("needs {needs}")).needs(needs.to_string())
        };
        let report = FileReport::new(
            "prog".into(),
            None,
            None,
            vec![finding("GLIBC_2.14"), finding("GLIBC_2.3"), finding("GLIBC_2.2.5"), finding("GLIBC_2.34")],
        );
        let order: Vec<&str> = report.findings.iter().filter_map(|f| f.needs.as_deref()).collect();
        assert_eq!(order, ["GLIBC_2.2.5", "GLIBC_2.3", "GLIBC_2.14", "GLIBC_2.34"]);
    }

    #[test]
    fn paths_that_are_not_utf8_are_kept_exact() {
        // Two names differing only in their invalid bytes stay apart.
        let one = FileReport::at(Path::new(OsStr::from_bytes(b"x\xfe")), None, None, Vec::new());
        let two = FileReport::at(Path::new(OsStr::from_bytes(b"x\xff")), None, None, Vec::new());
        assert_eq!(one.path, two.path);
        assert_ne!(one.shown_path(), two.shown_path());
    }
}

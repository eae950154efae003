//! The compatibility check of a bundle: the one place `bundle` asks the
//! scanner. It scans the finished bundle (after rewriting, so what is judged
//! is what ships) the way `compat scan --portable` does.

use std::path::Path;

use super::FileFinding;
use crate::{
    finding::{FindingKind, Severity},
    profile::Profile,
    scan::{self, FileReport, Report, ScanOptions, Status},
};

/// What the check found.
#[derive(Debug)]
pub(crate) struct Judgement {
    /// The scanner's report, with paths relative to the bundle root.
    pub(crate) report: Report,
    /// Its errors: what makes the bundle unfit for the target.
    pub(crate) findings: Vec<FileFinding>,
}

impl Judgement {
    /// True when the bundle must be refused.
    pub(crate) fn incompatible(&self) -> bool {
        !self.report.summary.compatible
    }
}

/// Scans the bundle at `root` against `profile`. Libraries the user left out
/// with `--exclude` are not held against it: the user says the target has them.
pub(crate) fn judge(root: &Path, profile: &Profile, excludes: &[String]) -> Judgement {
    let options = ScanOptions { portable: true, ..ScanOptions::default() };
    let scanned = scan::scan_paths(&[root.to_path_buf()], profile, &options);
    let files: Vec<FileReport> = scanned
        .files
        .into_iter()
        .map(|file| {
            let exact = file.exact_path();
            let path = exact.strip_prefix(root).unwrap_or(&exact);
            let findings = file
                .findings
                .into_iter()
                .filter(|f| {
                    !(f.kind == FindingKind::MissingLibrary
                        && f.library.as_ref().is_some_and(|lib| excludes.iter().any(|e| e == lib)))
                })
                .collect();
            FileReport::at(path, file.kind, file.arch, findings)
        })
        .collect();
    let summary = &scanned.summary;
    let (skipped, special, dangling) = (summary.skipped_non_elf, summary.skipped_special, summary.skipped_dangling);
    let report =
        Report::new(scanned.target, scanned.portable, scanned.syscalls, files, skipped).with_skipped(special, dangling);
    let findings = report
        .files
        .iter()
        .filter(|f| matches!(f.status, Status::Error | Status::Unreadable))
        .flat_map(|f| {
            f.findings
                .iter()
                .filter(|x| x.severity == Severity::Error)
                .map(|x| FileFinding { file: f.exact_path(), finding: x.clone() })
        })
        .collect();
    Judgement { report, findings }
}

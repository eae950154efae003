//! The verdicts on a file's system calls against a target: which of the
//! calls [`crate::syscalls::facts`] found the target kernel lacks, how
//! severe each is, and the words that say so.
//!
//! Only calls whose first kernel is newer than the target's are reported;
//! a constant past the end of the table is a warning. An analysis that gave
//! up ([`crate::syscalls::budget`]) is an `analysis-incomplete` warning
//! saying what was and was not checked.
//!
//! **Severity rule.** A call in the program's own code is an error: it fails
//! with ENOSYS on the target. A program that probes a new call and falls back
//! on ENOSYS cannot be told apart statically; the message says that such a
//! fallback would make it fine. In a statically linked program, and in the C
//! library itself, the C library's code is scanned too; there a call site of
//! one of glibc's internal calls that fall back on ENOSYS
//! (data/syscalls/glibc-fallbacks.tsv: `clone3` in `__clone_internal`,
//! `close_range` in `closefrom`, `faccessat2` in `faccessat`, ...) is a
//! note, decided by the function symbol the site lies in. In the C library
//! (libc.so.6, ld.so) every other site is a note as well: it sits in a
//! wrapper, and the programs that call the wrapper are judged by their
//! imports. Wrapper imports are errors, or notes where glibc emulates the
//! call (statx, preadv2, closefrom).

use std::collections::BTreeMap;

use crate::{
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
    syscalls::{
        self,
        budget::GaveUp,
        tables::{glibc_fallbacks, wrappers, SyscallTable},
        ResolvedSite, SyscallFacts,
    },
};

/// Findings for the system calls in one ELF image (`data`) that the
/// target kernel may lack: [`syscalls::facts`] then [`judge`]. Files that
/// are not x86_64 / aarch64 ELF give no findings; a malformed ELF is an
/// error.
pub fn analyze(data: &[u8], profile: &Profile) -> anyhow::Result<Vec<Finding>> {
    Ok(syscalls::facts(data)?.map(|f| judge(&f, profile)).unwrap_or_default())
}

/// The findings `facts` give against `profile`'s kernel.
pub(crate) fn judge(facts: &SyscallFacts, profile: &Profile) -> Vec<Finding> {
    let table = SyscallTable::of(facts.arch);
    let target = &profile.kernel;
    let mut findings = Vec::new();

    if let Some(gave_up) = &facts.gave_up {
        findings.push(Finding::new(Severity::Warning, FindingKind::AnalysisIncomplete, gave_up_message(gave_up)));
    }

    // Imports of wrappers.
    if !facts.is_static && !facts.is_libc {
        for name in &facts.wrapper_imports {
            let Some(wrapper) = wrappers().get(name) else { continue };
            if wrapper.kernel <= *target {
                continue;
            }
            let number = table.by_name(&wrapper.syscall).map_or(String::new(), |s| format!(" (syscall {})", s.number));
            let (severity, tail) = if wrapper.falls_back {
                (Severity::Note, "; glibc emulates it or falls back when the kernel answers ENOSYS".to_string())
            } else {
                (
                    Severity::Error,
                    "; it fails there with ENOSYS unless the program falls back when it gets ENOSYS".to_string(),
                )
            };
            findings.push(
                Finding::new(
                    severity,
                    FindingKind::SyscallWrapper,
                    format!(
                        "imports {name}() from the C library, which needs the {} system call{number} of Linux {}; the target runs Linux {target}{tail}",
                        wrapper.syscall, wrapper.kernel
                    ),
                )
                .needs(format!("kernel {}", wrapper.kernel))
                .target_has(format!("kernel {target}"))
                .symbols([name.to_string(), wrapper.syscall.clone()]),
            );
        }
    }

    // Sites with a constant number, grouped by (number, severity, reason).
    let last_known = table.last_number();
    let mut groups: BTreeMap<(u64, Severity, Option<String>), Vec<String>> = BTreeMap::new();
    // Written only for the sites reported: most are calls the target has.
    let location = |site: &ResolvedSite| match site.function.first() {
        Some(f) => format!("{:#x} in {f}", site.addr),
        None => format!("{:#x}", site.addr),
    };
    for site in &facts.sites {
        let Some(call) = table.by_number(site.number) else {
            if site.number > last_known && site.number < 1024 {
                groups.entry((site.number, Severity::Warning, None)).or_default().push(location(site));
            }
            continue;
        };
        if call.kernel <= *target || call.unimplemented {
            continue;
        }
        let fallback = (facts.is_static || facts.is_libc)
            .then(|| glibc_fallbacks().get(&call.name))
            .flatten()
            .filter(|f| site.function.iter().any(|name| f.functions.contains(name)));
        let (severity, reason) = match fallback {
            Some(f) => (Severity::Note, Some(format!("glibc's own call with a fallback: on ENOSYS it {}", f.fallback))),
            None if facts.is_libc => (
                Severity::Note,
                Some("the C library's own wrapper; programs that call it are judged by their imports".to_string()),
            ),
            None => (Severity::Error, None),
        };
        groups.entry((site.number, severity, reason)).or_default().push(location(site));
    }
    for ((number, severity, reason), locations) in groups {
        let count = locations.len();
        let sites = if count == 1 { "1 site".to_string() } else { format!("{count} sites") };
        let finding = match table.by_number(number) {
            None => Finding::new(
                severity,
                FindingKind::Syscall,
                format!(
                    "makes system call {number} ({sites}), which is newer than compat's {} table: check it by hand",
                    facts.arch.name()
                ),
            )
            .target_has(format!("kernel {target}")),
            Some(call) => {
                let tail = match &reason {
                    Some(reason) => format!(": {reason}"),
                    None => ": it fails there with ENOSYS, unless the program falls back when it gets ENOSYS (a scan cannot tell)".to_string(),
                };
                Finding::new(
                    severity,
                    FindingKind::Syscall,
                    format!(
                        "makes the {} system call (number {number}, {sites}), which Linux {} introduced; the target runs Linux {target}{tail}",
                        call.name, call.kernel
                    ),
                )
                .needs(format!("kernel {}", call.kernel))
                .target_has(format!("kernel {target}"))
                .symbols([call.name.clone()])
            }
        };
        findings.push(finding.locations(locations));
    }
    findings
}

/// One line for a person on an analysis that gave up: what was done, what
/// was not.
fn gave_up_message(gave_up: &GaveUp) -> String {
    match gave_up {
        GaveUp::Candidates { limit } => format!(
            "system call analysis gave up: the code holds more than {limit} candidate system call sites, \
             far more than any real program; its system calls were not checked"
        ),
        GaveUp::Decoding { limit, analysed, candidates } => format!(
            "system call analysis gave up after decoding {} MiB: {analysed} of {candidates} candidate \
             system call sites were checked, the rest were not",
            limit >> 20
        ),
    }
}

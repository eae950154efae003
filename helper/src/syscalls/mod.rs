//! System calls a file makes and the kernel that first has each.
//!
//! [`analyze`] reports, for one ELF image (x86_64 or aarch64), what the
//! target kernel may lack:
//!
//! * **Direct system calls** with a constant number: x86_64 `syscall` with
//!   `eax`/`rax` set to a constant on the way in ([`x86_64`]), aarch64
//!   `svc #0` with a constant `x8`/`w8` ([`aarch64`]).
//! * **Calls to libc's `syscall()`** with a constant first argument, through
//!   its PLT stub or GOT slot ([`plt`]), or directly where libc is linked in.
//! * **Imports of wrappers** that exist to reach one new call
//!   (`close_range`, `pidfd_open`, `epoll_pwait2`, ...: data/syscalls/wrappers.tsv).
//!
//! A number computed at run time is never guessed: such a site gives no
//! finding. Only calls whose first kernel is newer than the target's are
//! reported; a constant past the end of the table is a warning.
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
//!
//! **Bounded work.** The analysis of one file gives up past a count of
//! candidate sites or of bytes decoded ([`budget`]); the file then gets an
//! `analysis-incomplete` warning saying what was and was not checked.
//!
//! **Facts, then verdicts.** [`facts`] reads what a file says about itself
//! (sites and numbers, wrapper imports), which does not depend on the
//! target and can be cached; [`judge`] holds those facts against a profile.

mod aarch64;
pub mod budget;
mod find;
mod image;
mod plt;
pub mod tables;
mod x86_64;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    finding::{Finding, FindingKind, Severity},
    profile::Profile,
};
use budget::{Budget, GaveUp};
use image::Image;
use tables::{glibc_fallbacks, wrappers, Arch, SyscallTable};

/// How a site reaches the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// A `syscall` / `svc #0` instruction.
    Instruction,
    /// A call to libc's `syscall()` function.
    LibcSyscall,
}

/// One place that enters the kernel, with the call number when constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    pub addr: u64,
    pub value: Option<u64>,
    pub via: Via,
}

/// A syscall site with its number resolved, as the report sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedSite {
    pub addr: u64,
    pub number: u64,
    pub via: Via,
    /// Names of the function the site lies in, when the symbols tell.
    pub function: Vec<String>,
}

/// What one x86_64 / aarch64 ELF image says about the system calls it
/// makes, whatever the target: the input of [`judge`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallFacts {
    pub arch: Arch,
    /// No interpreter and no needed libraries: libc is linked in.
    pub is_static: bool,
    /// The C library itself (libc.so.6, ld.so, musl's libc.so).
    pub is_libc: bool,
    /// Imported wrappers of [`tables::wrappers`], sorted.
    pub wrapper_imports: Vec<String>,
    /// Sites with a constant number, by address.
    pub sites: Vec<ResolvedSite>,
    /// Set when the analysis stopped before the end ([`budget`]).
    pub gave_up: Option<GaveUp>,
}

/// Every syscall site with a constant number in `data`, and the image's arch.
/// `Ok(None)` for ELF files of other classes or machines.
pub fn sites(data: &[u8]) -> anyhow::Result<Option<(Arch, Vec<ResolvedSite>)>> {
    Ok(facts(data)?.map(|f| (f.arch, f.sites)))
}

/// The facts of `data`; `Ok(None)` for ELF files of other classes or
/// machines, an error for a malformed ELF file.
pub fn facts(data: &[u8]) -> anyhow::Result<Option<SyscallFacts>> {
    let Some(image) = Image::parse(data)? else { return Ok(None) };
    let imports = image.imports(|n| n == b"syscall" || tables::is_wrapper(n));
    let imports_syscall = imports.contains(&"syscall");
    let wrapper_imports = imports.iter().filter(|n| **n != "syscall").map(|n| n.to_string()).collect();
    let (sites, gave_up) = resolved_sites(&image, imports_syscall);
    Ok(Some(SyscallFacts {
        arch: image.arch,
        is_static: image.is_static,
        is_libc: image.is_libc,
        wrapper_imports,
        sites,
        gave_up,
    }))
}

/// `imports_syscall`: the image imports libc's `syscall()`.
fn resolved_sites(image: &Image, imports_syscall: bool) -> (Vec<ResolvedSite>, Option<GaveUp>) {
    // Symbol tables are read only when a candidate turns up (most programs
    // have none), or first when calls to `syscall()` must be found.
    let mut functions = None;
    let calls = if imports_syscall || image.is_static || image.is_libc {
        let f = functions.insert(image.functions());
        image.call_targets("syscall", f)
    } else {
        image::CallTargets::default()
    };
    let candidates = match image.arch {
        Arch::X86_64 => x86_64::candidates(image, &calls),
        Arch::Aarch64 => aarch64::candidates(image, &calls),
        _ => Ok(Vec::new()),
    };
    let candidates = match candidates {
        Ok(candidates) if candidates.is_empty() => return (Vec::new(), None),
        Ok(candidates) => candidates,
        Err(gave_up) => return (Vec::new(), Some(gave_up)),
    };
    let functions = functions.unwrap_or_else(|| image.functions());
    let code: u64 = image.regions.iter().map(|r| r.bytes.len() as u64).sum();
    let mut budget = Budget::for_code(code);
    let total = candidates.len();
    let (raw, analysed) = match image.arch {
        Arch::X86_64 => x86_64::sites(image, &functions, &calls, candidates, &mut budget),
        Arch::Aarch64 => aarch64::sites(image, &functions, candidates, &mut budget),
        _ => (Vec::new(), 0),
    };
    let gave_up = (analysed < total).then_some(GaveUp::Decoding { limit: budget.limit(), analysed, candidates: total });
    let sites = raw
        .into_iter()
        .filter_map(|site| {
            Some(ResolvedSite {
                addr: site.addr,
                number: site.value?,
                via: site.via,
                function: functions
                    .enclosing(site.addr)
                    .map(|f| f.2.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default(),
            })
        })
        .collect();
    (sites, gave_up)
}

/// Findings for the system calls in one ELF image (`data`) that the
/// target kernel may lack: [`facts`] then [`judge`]. Files that are not
/// x86_64 / aarch64 ELF give no findings; a malformed ELF is an error.
pub fn analyze(data: &[u8], profile: &Profile) -> anyhow::Result<Vec<Finding>> {
    Ok(facts(data)?.map(|f| judge(&f, profile)).unwrap_or_default())
}

/// The findings `facts` give against `profile`'s kernel.
pub fn judge(facts: &SyscallFacts, profile: &Profile) -> Vec<Finding> {
    let table = SyscallTable::of(facts.arch);
    let target = &profile.kernel;
    let mut findings = Vec::new();

    if let Some(gave_up) = &facts.gave_up {
        findings.push(Finding::new(Severity::Warning, FindingKind::AnalysisIncomplete, gave_up.describe()));
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
    let last_known = table.rows().map(|s| s.number).max().unwrap_or(0);
    let mut groups: BTreeMap<(u64, Severity, Option<String>), Vec<String>> = BTreeMap::new();
    for site in &facts.sites {
        let location = match site.function.first() {
            Some(f) => format!("{:#x} in {f}", site.addr),
            None => format!("{:#x}", site.addr),
        };
        let Some(call) = table.by_number(site.number) else {
            if site.number > last_known && site.number < 1024 {
                groups.entry((site.number, Severity::Warning, None)).or_default().push(location);
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
        groups.entry((site.number, severity, reason)).or_default().push(location);
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

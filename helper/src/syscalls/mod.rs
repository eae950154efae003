//! System calls a file makes and the kernel that first has each.
//!
//! [`facts`] reads, from one ELF image (x86_64 or aarch64), the system
//! calls it may make, whatever the target:
//!
//! * **Direct system calls** with a constant number: x86_64 `syscall` with
//!   `eax`/`rax` set to a constant on the way in ([`x86_64`]), aarch64
//!   `svc #0` with a constant `x8`/`w8` ([`aarch64`]).
//! * **Calls to libc's `syscall()`** with a constant first argument, through
//!   its PLT stub or GOT slot ([`plt`]), or directly where libc is linked in.
//! * **Imports of wrappers** that exist to reach one new call
//!   (`close_range`, `pidfd_open`, `epoll_pwait2`, ...: data/syscalls/wrappers.tsv).
//!
//! A number computed at run time is never guessed: such a site is not
//! reported. Each site carries the names of the function it lies in.
//!
//! **Bounded work.** The analysis of one file gives up past a count of
//! candidate sites or of bytes decoded ([`budget`]); the facts then say
//! what was and was not checked.
//!
//! **Facts, then verdicts.** The facts do not depend on the target and can
//! be cached. Holding them against a profile (which calls the target lacks,
//! how severe, in what words) is the scan's policy:
//! [`crate::scan::syscall_findings`]. Nothing here knows of profiles or
//! findings.
//!
//! **Layers.** Each module uses only the ones below it, never one above:
//!
//! 1. Leaves, which import nothing from here: [`a64`] (pure A64 bit
//!    decoders: `adrp`, `ldr`, `movz`/`movk`, branch targets), [`find`]
//!    (byte-pattern search), [`site`] (what a site finder reports),
//!    [`budget`] (limits on work) and [`tables`] (the data).
//! 2. [`image`]: parses one ELF image (code regions, function symbols,
//!    imports, dynamic section) and judges nothing.
//! 3. [`plt`]: which PLT stub jumps through which GOT slot (on `image`, `a64`).
//! 4. [`calls`]: where calls to `syscall()` land (on `image`, `plt`).
//! 5. The site finders, one per architecture: [`x86_64`], [`aarch64`] (on
//!    `image`, `calls`, `budget`, `site`, and `find` / `a64`).
//! 6. This module: [`facts`] runs them on one file.

mod a64;
mod aarch64;
pub(crate) mod budget;
mod calls;
mod find;
mod image;
mod plt;
mod site;
pub mod tables;
mod x86_64;

use serde::{Deserialize, Serialize};

use budget::{Budget, GaveUp};
use calls::CallTargets;
use image::Image;
pub use site::Via;
use tables::Arch;

/// How many times `0f 05` (x86_64's `syscall`) starts in `bytes`, found
/// the way the scan finds its candidates: the search alone, for the
/// benchmark that measures what any analysis reading mapped code must pay.
pub fn x86_64_syscall_byte_pairs(bytes: &[u8]) -> usize {
    let mut count = 0;
    find::find(bytes, 0, bytes.len(), &find::Wanted::default(), |_| count += 1);
    count
}

/// A repeatable stream of pseudo-random values below 2^16 for tests (a
/// linear congruential generator): code full of near misses.
#[cfg(test)]
fn test_stream(seed: u32) -> impl FnMut() -> usize {
    let mut x = seed;
    move || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as usize
    }
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
/// makes, whatever the target: what the scan's verdicts
/// ([`crate::scan::syscall_findings`]) are made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SyscallFacts {
    pub(crate) arch: Arch,
    /// No interpreter and no needed libraries: libc is linked in.
    pub(crate) is_static: bool,
    /// The C library itself (libc.so.6, ld.so, musl's libc.so).
    pub(crate) is_libc: bool,
    /// Imported wrappers of [`tables::wrappers`], sorted.
    pub(crate) wrapper_imports: Vec<String>,
    /// Sites with a constant number, by address.
    pub(crate) sites: Vec<ResolvedSite>,
    /// Set when the analysis stopped before the end ([`budget`]).
    pub(crate) gave_up: Option<GaveUp>,
}

/// Every syscall site with a constant number in `data`, and the image's arch.
/// `Ok(None)` for ELF files of other classes or machines.
pub fn sites(data: &[u8]) -> anyhow::Result<Option<(Arch, Vec<ResolvedSite>)>> {
    Ok(facts(data)?.map(|f| (f.arch, f.sites)))
}

/// The facts of `data`; `Ok(None)` for ELF files of other classes or
/// machines, an error for a malformed ELF file.
pub(crate) fn facts(data: &[u8]) -> anyhow::Result<Option<SyscallFacts>> {
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
    let calls = if imports_syscall || image.is_static || image.is_libc {
        CallTargets::of(image, "syscall")
    } else {
        CallTargets::default()
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
    // Symbol tables are read only when a candidate turns up (most programs
    // have none), and only for the functions that hold one.
    let mut addrs: Vec<u64> = candidates.iter().map(|c| c.1).collect();
    addrs.sort_unstable();
    addrs.dedup();
    let functions = image.functions_holding(addrs);
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
                    .of(site.addr)
                    .map(|f| f.names.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default(),
            })
        })
        .collect();
    (sites, gave_up)
}

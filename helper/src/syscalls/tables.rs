//! The data under `data/syscalls/`, embedded at build time: system call
//! numbers and the first kernel of each call per architecture, the C library
//! wrappers that exist to reach one call, and glibc's own calls that fall
//! back on ENOSYS. The files and their sources are described in
//! `data/syscalls/README.md`.

use std::{collections::HashMap, sync::OnceLock};

use crate::version::Version;

const X86_64: &str = include_str!("../../../data/syscalls/x86_64.tsv");
const AARCH64: &str = include_str!("../../../data/syscalls/aarch64.tsv");
const WRAPPERS: &str = include_str!("../../../data/syscalls/wrappers.tsv");
const GLIBC_FALLBACKS: &str = include_str!("../../../data/syscalls/glibc-fallbacks.tsv");

/// The text of every table, for a fingerprint of what the analysis knows.
pub(crate) const DATA: [&str; 4] = [X86_64, AARCH64, WRAPPERS, GLIBC_FALLBACKS];

pub use crate::arch::Arch;

/// One row of a syscall table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syscall {
    pub number: u64,
    pub name: String,
    /// The first kernel release that has the call on this architecture.
    pub kernel: Version,
    /// Never implemented by any kernel (reserved numbers such as `tuxcall`).
    pub(crate) unimplemented: bool,
}

/// A syscall table of one architecture.
#[derive(Debug, Default)]
pub struct SyscallTable {
    by_number: HashMap<u64, Syscall>,
    by_name: HashMap<String, u64>,
}

impl SyscallTable {
    fn parse(text: &str) -> SyscallTable {
        let mut by_number = HashMap::new();
        let mut by_name = HashMap::new();
        for (number, name, kernel, note) in
            rows(text).filter_map(|c| Some((*c.first()?, *c.get(1)?, *c.get(2)?, c.get(3).copied())))
        {
            // The files are ours and checked by tests; a bad row is skipped, never guessed.
            let (Ok(number), Some(kernel)) = (number.parse::<u64>(), Version::parse(kernel)) else { continue };
            let row = Syscall { number, name: name.to_string(), kernel, unimplemented: note == Some("unimplemented") };
            by_name.insert(row.name.clone(), number);
            by_number.insert(number, row);
        }
        SyscallTable { by_number, by_name }
    }

    /// The table of `arch` (empty for an architecture without one).
    pub fn of(arch: Arch) -> &'static SyscallTable {
        static X86: OnceLock<SyscallTable> = OnceLock::new();
        static ARM: OnceLock<SyscallTable> = OnceLock::new();
        static NONE: OnceLock<SyscallTable> = OnceLock::new();
        match arch {
            Arch::X86_64 => X86.get_or_init(|| SyscallTable::parse(X86_64)),
            Arch::Aarch64 => ARM.get_or_init(|| SyscallTable::parse(AARCH64)),
            _ => NONE.get_or_init(SyscallTable::default),
        }
    }

    pub(crate) fn by_number(&self, number: u64) -> Option<&Syscall> {
        self.by_number.get(&number)
    }

    pub(crate) fn by_name(&self, name: &str) -> Option<&Syscall> {
        self.by_name.get(name).and_then(|n| self.by_number.get(n))
    }

    pub fn rows(&self) -> impl Iterator<Item = &Syscall> {
        self.by_number.values()
    }
}

/// A C library function that exists to reach one system call.
#[derive(Clone, Debug)]
pub struct Wrapper {
    pub symbol: String,
    pub syscall: String,
    pub kernel: Version,
    /// The glibc release that added the symbol, when glibc has it.
    pub glibc: Option<Version>,
    /// glibc emulates the call or falls back when the kernel answers ENOSYS.
    pub falls_back: bool,
}

/// Every wrapper, by symbol name.
pub fn wrappers() -> &'static HashMap<String, Wrapper> {
    static TABLE: OnceLock<HashMap<String, Wrapper>> = OnceLock::new();
    TABLE.get_or_init(|| {
        rows(WRAPPERS)
            .filter_map(|c| {
                let (symbol, syscall, kernel, glibc, severity) =
                    (c.first()?, c.get(1)?, c.get(2)?, c.get(3)?, c.get(4)?);
                Some(Wrapper {
                    symbol: symbol.to_string(),
                    syscall: syscall.to_string(),
                    kernel: Version::parse(kernel)?,
                    glibc: Version::parse(glibc),
                    falls_back: *severity == "note",
                })
            })
            .map(|w| (w.symbol.clone(), w))
            .collect()
    })
}

/// Whether `name` is a wrapper's symbol, on raw bytes: names grouped by
/// length, so most names of a symbol table are turned away by their length
/// or first byte, without a hash or a UTF-8 check.
pub(crate) fn is_wrapper(name: &[u8]) -> bool {
    static BY_LENGTH: OnceLock<Vec<Vec<&'static [u8]>>> = OnceLock::new();
    let table = BY_LENGTH.get_or_init(|| {
        let mut table: Vec<Vec<&'static [u8]>> = Vec::new();
        for symbol in wrappers().keys() {
            if table.len() <= symbol.len() {
                table.resize(symbol.len() + 1, Vec::new());
            }
            table[symbol.len()].push(symbol.as_bytes());
        }
        table
    });
    table.get(name.len()).is_some_and(|same| same.contains(&name))
}

/// A system call glibc makes itself and retries another way on ENOSYS.
#[derive(Clone, Debug)]
pub(crate) struct GlibcFallback {
    pub(crate) syscall: String,
    /// The glibc functions whose call site of `syscall` has the fallback.
    pub(crate) functions: Vec<String>,
    /// What glibc does instead.
    pub(crate) fallback: String,
}

/// Every glibc-internal fallback, by system call name.
pub(crate) fn glibc_fallbacks() -> &'static HashMap<String, GlibcFallback> {
    static TABLE: OnceLock<HashMap<String, GlibcFallback>> = OnceLock::new();
    TABLE.get_or_init(|| {
        rows(GLIBC_FALLBACKS)
            .filter_map(|c| {
                Some(GlibcFallback {
                    syscall: c.first()?.to_string(),
                    functions: c.get(1)?.split(',').map(str::to_string).collect(),
                    fallback: c.get(2).unwrap_or(&"").to_string(),
                })
            })
            .map(|f| (f.syscall.clone(), f))
            .collect()
    })
}

/// The tab-separated columns of each non-comment, non-empty line.
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| l.split('\t').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_know_the_calls_of_the_issue() {
        let x86 = SyscallTable::of(Arch::X86_64);
        let secret = x86.by_name("memfd_secret").unwrap();
        assert_eq!((secret.number, secret.kernel.to_string()), (447, "5.14".to_string()));
        assert_eq!(x86.by_number(436).unwrap().name, "close_range");
        assert_eq!(x86.by_number(39).unwrap().name, "getpid");
        assert!(x86.by_name("tuxcall").unwrap().unimplemented);
        let arm = SyscallTable::of(Arch::Aarch64);
        assert_eq!(arm.by_name("getpid").unwrap().number, 172);
        assert_eq!(arm.by_name("memfd_secret").unwrap().number, 447);
        assert!(arm.by_name("open").is_none(), "aarch64 has only openat");
    }

    #[test]
    fn wrappers_and_fallbacks_name_known_calls() {
        let x86 = SyscallTable::of(Arch::X86_64);
        for w in wrappers().values() {
            let call = x86.by_name(&w.syscall).unwrap_or_else(|| panic!("{} names unknown {}", w.symbol, w.syscall));
            assert_eq!(call.kernel, w.kernel, "wrapper {} disagrees with the table", w.symbol);
        }
        assert_eq!(wrappers()["close_range"].kernel.to_string(), "5.9");
        assert!(is_wrapper(b"close_range") && is_wrapper(b"statx"));
        assert!(!is_wrapper(b"close_rangf") && !is_wrapper(b"printf") && !is_wrapper(b""));
        assert!(wrappers()["statx"].falls_back);
        for f in glibc_fallbacks().values() {
            assert!(x86.by_name(&f.syscall).is_some(), "unknown fallback call {}", f.syscall);
            assert!(!f.functions.is_empty());
        }
    }
}

//! The data under `data/syscalls/`, embedded at build time: system call
//! numbers and the first kernel of each call per architecture, the C library
//! wrappers that exist to reach one call, and glibc's own calls that fall
//! back on ENOSYS. The files and their sources are described in
//! `data/syscalls/README.md`.

use std::{collections::HashMap, sync::OnceLock};

use serde::{de::DeserializeOwned, Deserialize};

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
    last_number: u64,
}

impl SyscallTable {
    fn parse(rows: Vec<SyscallRow>) -> SyscallTable {
        let mut by_number = HashMap::new();
        let mut by_name = HashMap::new();
        for SyscallRow { number, name, kernel, note } in rows {
            let row = Syscall { number, name, kernel, unimplemented: note.as_deref() == Some("unimplemented") };
            by_name.insert(row.name.clone(), number);
            by_number.insert(number, row);
        }
        let last_number = by_number.keys().max().copied().unwrap_or(0);
        SyscallTable { by_number, by_name, last_number }
    }

    /// The table of `arch` (empty for an architecture without one).
    pub fn of(arch: Arch) -> &'static SyscallTable {
        static X86: OnceLock<SyscallTable> = OnceLock::new();
        static ARM: OnceLock<SyscallTable> = OnceLock::new();
        static NONE: OnceLock<SyscallTable> = OnceLock::new();
        match arch {
            Arch::X86_64 => X86.get_or_init(|| SyscallTable::parse(embedded("x86_64.tsv", 4, X86_64))),
            Arch::Aarch64 => ARM.get_or_init(|| SyscallTable::parse(embedded("aarch64.tsv", 4, AARCH64))),
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

    /// The highest number the table knows.
    pub(crate) fn last_number(&self) -> u64 {
        self.last_number
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
        embedded::<WrapperRow>("wrappers.tsv", 5, WRAPPERS)
            .into_iter()
            .map(|row| Wrapper {
                symbol: row.symbol,
                syscall: row.syscall,
                kernel: row.kernel,
                glibc: row.glibc.0,
                falls_back: row.severity == WrapperSeverity::Note,
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
    // The first and last bytes turn nearly every name away before a
    // comparison of the whole (a call into the C library's memcmp).
    let ends = |s: &[u8]| (s.first().copied(), s.last().copied());
    table.get(name.len()).is_some_and(|same| same.iter().any(|s| ends(s) == ends(name) && *s == name))
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
        embedded::<FallbackRow>("glibc-fallbacks.tsv", 3, GLIBC_FALLBACKS)
            .into_iter()
            .map(|row| GlibcFallback {
                syscall: row.syscall,
                functions: row.functions.split(',').map(str::to_string).collect(),
                fallback: row.fallback,
            })
            .map(|f| (f.syscall.clone(), f))
            .collect()
    })
}

/// A row of `x86_64.tsv` or `aarch64.tsv`.
#[derive(Deserialize)]
struct SyscallRow {
    number: u64,
    name: String,
    kernel: Version,
    #[serde(default)]
    note: Option<String>,
}

/// A row of `wrappers.tsv`.
#[derive(Deserialize)]
struct WrapperRow {
    symbol: String,
    syscall: String,
    kernel: Version,
    glibc: GlibcRelease,
    severity: WrapperSeverity,
}

/// A glibc release, or `-` when glibc has no such symbol.
struct GlibcRelease(Option<Version>);

impl<'de> Deserialize<'de> for GlibcRelease {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "-" => Ok(GlibcRelease(None)),
            text => text.parse().map(|v| GlibcRelease(Some(v))).map_err(serde::de::Error::custom),
        }
    }
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum WrapperSeverity {
    Error,
    Note,
}

/// A row of `glibc-fallbacks.tsv`.
#[derive(Deserialize)]
struct FallbackRow {
    syscall: String,
    functions: String,
    fallback: String,
}

/// The rows of the embedded table `name`. The tables are ours and checked
/// by tests: a bad row is a defect of the build, never skipped or guessed.
fn embedded<T: DeserializeOwned>(name: &str, columns: usize, text: &str) -> Vec<T> {
    rows(name, columns, text).unwrap_or_else(|err| panic!("the embedded syscall data is broken: {err}"))
}

/// The rows of the table `name`: tab-separated columns (at most `columns`),
/// one row a line; a line starting with `#` is a comment. Each row is
/// deserialized by the `csv` crate; an error names the table, the line and
/// what is wrong.
fn rows<T: DeserializeOwned>(name: &str, columns: usize, text: &str) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let record = csv::StringRecord::from(line.split('\t').collect::<Vec<_>>());
        if record.len() > columns {
            return Err(format!("{name}: line {}: {} columns, at most {columns}", index + 1, record.len()));
        }
        let row = record.deserialize(None).map_err(|err| {
            let what = match err.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                _ => err.to_string(),
            };
            format!("{name}: line {}: {what}", index + 1)
        })?;
        out.push(row);
    }
    Ok(out)
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

    #[test]
    fn a_bad_row_is_an_error_naming_the_table_and_line() {
        let good = "# number, name, kernel\n0\tread\t2.6\n\n1\twrite\t2.6\tnote\n";
        let parsed = rows::<SyscallRow>("t.tsv", 4, good).unwrap();
        assert_eq!(parsed.iter().map(|r| r.number).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(parsed[1].note.as_deref(), Some("note"));
        for (text, line, what) in [
            ("# c\n0\tread\t2.6\nx\twrite\t2.6\n", 3, "invalid digit"),
            ("0\tread\t2.6\n1\twrite\n", 2, ""),
            ("# c\n# c\n0\tread\tlater\n", 3, "later"),
        ] {
            let err = rows::<SyscallRow>("t.tsv", 4, text).err().unwrap_or_else(|| panic!("accepted {text:?}"));
            assert!(err.starts_with(&format!("t.tsv: line {line}: ")), "{err}");
            assert!(err.contains(what), "{err}");
        }
        let err = rows::<WrapperRow>("w.tsv", 5, "statx\tstatx\t4.11\t2.28\tmaybe\n").err().unwrap();
        assert!(err.starts_with("w.tsv: line 1: ") && err.contains("maybe"), "{err}");
        let err = rows::<WrapperRow>("w.tsv", 5, "statx\tstatx\t4.11\tnew\tnote\n").err().unwrap();
        assert!(err.starts_with("w.tsv: line 1: ") && err.contains("new"), "{err}");
        let err = rows::<FallbackRow>("f.tsv", 3, "a\tb\tc\td\n").err();
        assert!(err.as_deref().is_some_and(|e| e.starts_with("f.tsv: line 1: ")), "{err:?}");
    }
}

//! What a check reports about one file: the shared vocabulary of `scan`,
//! the syscall analysis, `bundle` and `verify`. The JSON form of these types
//! is the stable `--json` schema (documented in docs/scan-json.md).

use serde::Serialize;

/// How bad a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, never fails a scan (a syscall with a known ENOSYS fallback).
    Note,
    /// Fails only under a stricter mode (`--portable`).
    Warning,
    /// The file will not load or will fail at run time on the target.
    Error,
}

/// The kind of problem; the kebab-case name is what `--json` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A glibc symbol version (`GLIBC_2.34`) newer than the target's glibc.
    GlibcVersion,
    /// A loader feature marker (`GLIBC_ABI_DT_RELR`, `GLIBC_PRIVATE`, ...).
    LoaderFeature,
    /// A libstdc++ / libgcc version (`GLIBCXX_*`, `CXXABI_*`, `GCC_*`) newer than the target's.
    LibstdcxxVersion,
    /// A version needed from a shipped library that the library does not define.
    MissingVersion,
    /// A needed library that is neither shipped nor a system library of the target.
    MissingLibrary,
    /// The NT_GNU_ABI_TAG note asks for a newer kernel than the target's.
    KernelAbiNote,
    /// The program interpreter lies in /nix/store (or is otherwise non-standard).
    Interpreter,
    /// RPATH / RUNPATH entries pointing into /nix/store.
    Rpath,
    /// A statically linked executable: only kernel checks apply.
    StaticExecutable,
    /// A direct system call newer than the target kernel.
    Syscall,
    /// An import of a libc wrapper that only exists to reach a new syscall.
    SyscallWrapper,
    /// An analysis gave up on the file past its work limit: part of it was not checked.
    AnalysisIncomplete,
    /// A /nix/store string left in a file (bundle).
    StoreReference,
    /// The file is built for an architecture the target does not ship.
    Architecture,
    /// The file could not be read or parsed.
    Unreadable,
}

/// One problem (or note) in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: FindingKind,
    /// One line a person reads: what, why, and what the target has.
    pub message: String,
    /// What the file needs: "GLIBC_2.34", "kernel 5.14", "/nix/store/...-glibc/lib/ld-linux-x86-64.so.2".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// What the target has: "GLIBC_2.31", "kernel 5.10".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_has: Option<String>,
    /// The library the need is held against: "libc.so.6".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
    /// The symbols (or syscalls) that cause it: "__libc_start_main", "memfd_secret".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
    /// Call sites: "0x401136 in main".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
}

impl Finding {
    /// A finding with only the required fields set; fill the rest with the builders.
    pub fn new(severity: Severity, kind: FindingKind, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            kind,
            message: message.into(),
            needs: None,
            target_has: None,
            library: None,
            symbols: Vec::new(),
            locations: Vec::new(),
        }
    }

    pub fn needs(mut self, needs: impl Into<String>) -> Finding {
        self.needs = Some(needs.into());
        self
    }

    pub fn target_has(mut self, has: impl Into<String>) -> Finding {
        self.target_has = Some(has.into());
        self
    }

    pub fn library(mut self, library: impl Into<String>) -> Finding {
        self.library = Some(library.into());
        self
    }

    pub fn symbols<I, S>(mut self, symbols: I) -> Finding
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.symbols = symbols.into_iter().map(Into::into).collect();
        self
    }

    pub fn locations<I, S>(mut self, locations: I) -> Finding
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.locations = locations.into_iter().map(Into::into).collect();
        self
    }
}

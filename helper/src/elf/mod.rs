//! Reading the facts compat judges from an ELF file: dynamic section
//! (NEEDED, SONAME, RPATH/RUNPATH), interpreter, symbol version needs and
//! definitions, ABI note; and finding the libraries a file needs.
//!
//! ```no_run
//! use compat::elf::{ElfInfo, resolve};
//! let path = std::path::Path::new("/usr/bin/ls");
//! let data = std::fs::read(path).unwrap();
//! let info = ElfInfo::parse(&data).unwrap();
//! for need in &info.version_needs {
//!     for v in &need.versions {
//!         println!("{} needs {} (symbols: {:?})", need.file, v.name, v.symbols);
//!     }
//! }
//! let search = resolve::SearchPath::for_file(path, &info, &[], &[]);
//! for lib in search.resolve_all(&info) {
//!     println!("{} => {:?}", lib.soname, lib.path);
//! }
//! ```
//!
//! The facts are read the way glibc's loader reads them: the dynamic table
//! at PT_DYNAMIC's address and the tables its entries point to (strings,
//! symbols, version needs and definitions), addresses mapped to file bytes
//! through the PT_LOAD segments. Section headers, which the loader never
//! reads and a file may lack, are used only for files without PT_DYNAMIC
//! and to recognise separate debug-info files.
//!
//! Parsing is done with the `object` crate's ELF types; every offset and
//! count in the file is checked against the data, so hostile input gives a
//! [`ParseError`], never a panic or an allocation larger than a small
//! multiple of the input.

pub mod file;
mod machine;
mod parse;
pub mod resolve;
mod sections;
mod segments;
mod symbol_names;
mod versions;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::version::Version;

pub use machine::arch_name;
pub use symbol_names::{InvalidName, SymbolNames};

/// The four bytes every ELF file starts with.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// True when `data` starts like an ELF file (it may still be malformed).
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

/// Why an image could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not an ELF file at all (no `\x7fELF` magic): callers usually skip it.
    NotElf,
    /// Starts like ELF but is truncated, corrupt or unsupported; the text says what.
    Malformed(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotElf => f.write_str("not an ELF file"),
            ParseError::Malformed(why) => write!(f, "malformed ELF file: {why}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// What kind of ELF object a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElfKind {
    /// A program (ET_EXEC, or a PIE: ET_DYN with DF_1_PIE or an interpreter and no SONAME).
    Executable,
    /// A shared library (ET_DYN otherwise).
    SharedLibrary,
    /// An object file (ET_REL).
    Relocatable,
    /// A core dump (ET_CORE).
    Core,
    /// A separate debug-info file (contents stripped to SHT_NOBITS); never loaded.
    DebugInfo,
    /// Any other e_type.
    Other,
}

impl ElfKind {
    /// Short human name: "executable", "shared library", ...
    pub fn describe(self) -> &'static str {
        match self {
            ElfKind::Executable => "executable",
            ElfKind::SharedLibrary => "shared library",
            ElfKind::Relocatable => "object file",
            ElfKind::Core => "core dump",
            ElfKind::DebugInfo => "debug info",
            ElfKind::Other => "ELF file",
        }
    }
}

/// One version node needed from a library (a `Vernaux` record of DT_VERNEED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeededVersion {
    /// Node name: "GLIBC_2.34", "GLIBCXX_3.4.30", "GLIBC_ABI_DT_RELR".
    pub name: String,
    /// VER_FLG_WEAK: the loader only warns when the node is missing.
    pub weak: bool,
    /// Dynamic symbols bound to this node (from DT_SYMTAB + DT_VERSYM),
    /// sorted, without duplicates. Empty for markers like GLIBC_ABI_DT_RELR,
    /// and for nodes left out by [`ElfInfo::parse_with_symbols_for`].
    pub symbols: SymbolNames,
}

/// The version nodes needed from one library (one `Verneed` record).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionNeed {
    /// The library's soname as recorded (`vn_file`): "libc.so.6".
    pub file: String,
    /// Its needed nodes, in file order.
    pub versions: Vec<NeededVersion>,
}

/// The facts of one ELF image. Strings are decoded lossily (invalid UTF-8
/// becomes U+FFFD), so every field is printable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfInfo {
    /// 32 or 64.
    pub bits: u8,
    /// True for little-endian files.
    pub little_endian: bool,
    /// Raw `e_machine`.
    pub machine: u16,
    /// Architecture name as distributions spell it: "x86_64", "aarch64",
    /// "i386", ...; "machine-N" for unknown machines.
    pub arch: String,
    /// Executable, shared library, ...
    pub kind: ElfKind,
    /// PT_INTERP: the program interpreter, e.g. "/lib64/ld-linux-x86-64.so.2".
    pub interpreter: Option<String>,
    /// True when the file has a dynamic table (PT_DYNAMIC, or SHT_DYNAMIC without it).
    pub has_dynamic: bool,
    /// DT_NEEDED entries, in order.
    pub needed: Vec<String>,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_RPATH entries (split at ':'), as written (with `$ORIGIN` unexpanded).
    pub rpath: Vec<String>,
    /// DT_RUNPATH entries (split at ':'), as written.
    pub runpath: Vec<String>,
    /// DT_VERNEED: per needed library, the version nodes and the symbols using them.
    pub version_needs: Vec<VersionNeed>,
    /// DT_VERDEF: names of the version nodes this file defines,
    /// without the base entry (which repeats the soname).
    pub version_defs: Vec<String>,
    /// NT_GNU_ABI_TAG for Linux: the oldest kernel the file declares it runs on.
    pub abi_kernel: Option<Version>,
    /// DT_RELR present: packed relative relocations (needs a loader that knows them).
    pub has_relr: bool,
}

impl ElfInfo {
    /// Parses an ELF image held in memory. `ParseError::NotElf` for anything
    /// without the ELF magic, `ParseError::Malformed` for a corrupt file.
    pub fn parse(data: &[u8]) -> Result<ElfInfo, ParseError> {
        parse::parse(data, &|_, _| true, parse::Source::Loader)
    }

    /// Parses through section headers alone, ignoring PT_DYNAMIC: only for
    /// tests comparing it with what the loader reads.
    #[cfg(test)]
    fn parse_from_sections(data: &[u8]) -> Result<ElfInfo, ParseError> {
        parse::parse(data, &|_, _| true, parse::Source::Sections)
    }

    /// Like [`parse`](Self::parse), collecting `symbols` only for the needed
    /// versions `want(library, version)` accepts (the others get an empty
    /// list): naming every imported symbol of a large library costs more
    /// than the rest of the parse.
    pub fn parse_with_symbols_for(data: &[u8], want: impl Fn(&str, &str) -> bool) -> Result<ElfInfo, ParseError> {
        parse::parse(data, &want, parse::Source::Loader)
    }

    /// Statically linked executable: no interpreter, no needed libraries.
    /// Only the kernel checks apply to it.
    pub fn is_static(&self) -> bool {
        self.kind == ElfKind::Executable && self.interpreter.is_none() && self.needed.is_empty()
    }

    /// The entries the loader searches for this file's NEEDED libraries:
    /// DT_RUNPATH, else DT_RPATH (ignored when a RUNPATH is present).
    pub fn search_entries(&self) -> &[String] {
        if self.searches_rpath() {
            &self.rpath
        } else {
            &self.runpath
        }
    }

    /// True when [`search_entries`](Self::search_entries) is the RPATH,
    /// which (unlike RUNPATH) also applies to the libraries the file loads.
    pub fn searches_rpath(&self) -> bool {
        self.runpath.is_empty()
    }

    /// The version nodes needed from library `soname` (empty when none).
    pub fn needs_from(&self, soname: &str) -> &[NeededVersion] {
        self.version_needs.iter().find(|n| n.file == soname).map_or(&[], |n| n.versions.as_slice())
    }

    /// True when this file defines version node `name` (DT_VERDEF).
    pub fn defines_version(&self, name: &str) -> bool {
        self.version_defs.iter().any(|d| d == name)
    }
}

#[cfg(test)]
mod tests;

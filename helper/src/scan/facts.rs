//! What a scan learns about one file that does not depend on the target:
//! its ELF facts (with the symbols behind every needed version) and its
//! system call facts. Verdicts are computed from these for each profile,
//! and these are what the fact cache ([`crate::cache`]) keeps.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::check;
use crate::{
    elf::{ElfInfo, ParseError},
    syscalls::{self, SyscallFacts},
};

/// The system call analysis of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "facts")]
pub(crate) enum Syscalls {
    /// Not run (`--no-syscalls`): a scan that wants it reads the file again.
    NotRun,
    /// Nothing to analyse: not a program or library, or not x86_64 / aarch64.
    NotApplicable,
    Analysed(SyscallFacts),
    /// The analysis failed; the text says why.
    Failed(String),
}

/// The facts of one ELF file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileFacts {
    pub(crate) elf: ElfInfo,
    pub(crate) syscalls: Syscalls,
}

impl FileFacts {
    /// True when these facts serve a scan that does (`syscalls`) or does not
    /// run the system call analysis.
    pub(crate) fn serves(&self, syscalls: bool) -> bool {
        !syscalls || self.syscalls != Syscalls::NotRun
    }
}

/// What reading one file gave.
#[allow(clippy::large_enum_variant)] // one per file, moved once
pub(crate) enum Read {
    NotElf,
    /// It starts like ELF (or could not be opened): the text says what is wrong.
    Unreadable(String),
    Elf(FileFacts),
}

/// Reads `path` when it starts with the ELF magic and learns its facts; the
/// system call analysis runs when `syscalls` is set.
pub(crate) fn read(path: &Path, syscalls: bool) -> Read {
    let data = match crate::elf::file::map_if_elf(path) {
        Ok(Some(data)) => data,
        Ok(None) => return Read::NotElf,
        Err(err) => return Read::Unreadable(super::walk::describe_error(&err)),
    };
    of_bytes(&data, syscalls)
}

/// The facts of the ELF image `data`.
pub(crate) fn of_bytes(data: &[u8], syscalls: bool) -> Read {
    let elf = match ElfInfo::parse(data) {
        Ok(info) => info,
        Err(ParseError::NotElf) => return Read::NotElf,
        Err(err @ ParseError::Malformed(_)) => return Read::Unreadable(err.to_string()),
    };
    let syscalls = if !check::is_loadable(&elf) {
        Syscalls::NotApplicable
    } else if !syscalls {
        Syscalls::NotRun
    } else {
        match syscalls::facts(data) {
            Ok(Some(facts)) => Syscalls::Analysed(facts),
            Ok(None) => Syscalls::NotApplicable,
            Err(err) => Syscalls::Failed(format!("{err:#}")),
        }
    };
    Read::Elf(FileFacts { elf, syscalls })
}

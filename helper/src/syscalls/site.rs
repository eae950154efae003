//! What a site finder ([`super::x86_64`], [`super::aarch64`]) reports: a
//! place that enters the kernel and how. A leaf: it imports nothing from
//! [`super`].

use serde::{Deserialize, Serialize};

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
pub(crate) struct Site {
    pub(crate) addr: u64,
    pub(crate) value: Option<u64>,
    pub(crate) via: Via,
}

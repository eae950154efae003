//! `compat verify`: boot a target kernel under qemu and run files on it.
//!
//! [`run`] builds an initramfs ([`initramfs`]: static busybox, the files,
//! their libraries resolved through the target's root and its loader, or
//! the files' own Nix closure at its store paths ([`closure`])), boots
//! the kernel with qemu-system-x86_64 under TCG ([`qemu`]) and reads back,
//! per file, the exit status and output that /init printed between markers
//! ([`report`]). This is the ground truth `compat scan`'s kernel checks are
//! held against (tests/kernel/harness.sh).

pub mod closure;
pub(crate) mod cpio;
pub mod initramfs;
pub(crate) mod qemu;
pub(crate) mod report;
pub mod sysroot;

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use serde::Serialize;

/// What to boot and run.
pub(crate) struct Request {
    pub(crate) kernel_image: PathBuf,
    pub(crate) libraries: initramfs::Libraries,
    pub(crate) files: Vec<PathBuf>,
    pub(crate) args: Vec<String>,
    pub(crate) qemu: PathBuf,
    pub(crate) busybox: PathBuf,
    pub(crate) memory_mib: u32,
    pub(crate) timeout: Duration,
}

/// What happened to one file on the booted kernel.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) file: String,
    /// The exit status (128+N for signal N, 127 when the loader or a
    /// library is missing); `None` when the file did not get to run.
    pub(crate) status: Option<i32>,
    /// Its stdout and stderr, as the serial console carried them.
    pub(crate) output: String,
    /// Libraries (or the program interpreter) the target's root lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) missing: Vec<String>,
    /// Its C library refused the kernel ("FATAL: kernel too old"): the
    /// glibc it runs with requires a newer kernel than the one booted.
    pub(crate) kernel_too_old: bool,
    /// Why it did not run, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Verification {
    /// `uname -r` of the booted kernel.
    pub(crate) kernel: Option<String>,
    pub(crate) boot_seconds: f64,
    /// The boot was abandoned after `--timeout`.
    pub(crate) timed_out: bool,
    /// /init ran every file and reached its end.
    pub(crate) finished: bool,
    pub(crate) files: Vec<Outcome>,
    /// Everything the serial console carried.
    #[serde(skip)]
    pub(crate) log: String,
}

pub(crate) fn run(request: &Request) -> Result<Verification> {
    let (archive, placed) = initramfs::build(&request.files, &request.libraries, &request.busybox, &request.args)?;
    let dir = tempfile::Builder::new().prefix("compat-verify").tempdir().context("creating a temporary directory")?;
    let initrd = dir.path().join("initramfs.cpio");
    std::fs::write(&initrd, archive).with_context(|| format!("writing {}", initrd.display()))?;
    let boot = qemu::boot(&request.qemu, &request.kernel_image, &initrd, request.memory_mib, request.timeout)?;
    Ok(report::parse(&boot, &placed))
}

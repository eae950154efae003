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
pub mod cpio;
pub mod initramfs;
pub mod qemu;
pub mod report;
pub mod sysroot;

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use serde::Serialize;

/// What to boot and run.
pub struct Request {
    pub kernel_image: PathBuf,
    pub libraries: initramfs::Libraries,
    pub files: Vec<PathBuf>,
    pub args: Vec<String>,
    pub qemu: PathBuf,
    pub busybox: PathBuf,
    pub memory_mib: u32,
    pub timeout: Duration,
}

/// What happened to one file on the booted kernel.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Outcome {
    pub file: String,
    /// The exit status (128+N for signal N, 127 when the loader or a
    /// library is missing); `None` when the file did not get to run.
    pub status: Option<i32>,
    /// Its stdout and stderr, as the serial console carried them.
    pub output: String,
    /// Libraries (or the program interpreter) the target's root lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Its C library refused the kernel ("FATAL: kernel too old"): the
    /// glibc it runs with requires a newer kernel than the one booted.
    pub kernel_too_old: bool,
    /// Why it did not run, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// `uname -r` of the booted kernel.
    pub kernel: Option<String>,
    pub boot_seconds: f64,
    /// The boot was abandoned after `--timeout`.
    pub timed_out: bool,
    /// /init ran every file and reached its end.
    pub finished: bool,
    pub files: Vec<Outcome>,
    /// Everything the serial console carried.
    #[serde(skip)]
    pub log: String,
}

pub fn run(request: &Request) -> Result<Verification> {
    let (archive, placed) = initramfs::build(&request.files, &request.libraries, &request.busybox, &request.args)?;
    let dir = tempfile::Builder::new().prefix("compat-verify").tempdir().context("creating a temporary directory")?;
    let initrd = dir.path().join("initramfs.cpio");
    std::fs::write(&initrd, archive).with_context(|| format!("writing {}", initrd.display()))?;
    let boot = qemu::boot(&request.qemu, &request.kernel_image, &initrd, request.memory_mib, request.timeout)?;
    Ok(report::parse(&boot, &placed))
}

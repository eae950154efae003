//! `compat verify`: Run files on a real target kernel under qemu and report what happened.

use std::{io::IsTerminal, path::PathBuf, time::Duration};

use anyhow::{Context, Result};

use crate::{exit, verify};

/// Run files on a real target kernel under qemu and report what happened.
///
/// Builds an initramfs with a static busybox, the files and what they load,
/// boots the kernel with qemu-system-x86_64 (TCG, no KVM needed) and runs
/// each file with ARGS. Prints, per file, its exit status and output. This
/// is the proof for what `compat scan` predicts: a program that makes a
/// system call the kernel lacks fails here with ENOSYS.
///
/// What the files load comes from one of two places:
///
///   --sysroot DIR     the target's root: its C library and program
///                     interpreter always, other libraries found through
///                     RUNPATH/RPATH or in the root (bundles, distro builds);
///   --closure-file F  the files' own Nix closure (or --closure PATH, given
///                     once per store path): files, interpreters and
///                     libraries at their own store paths, as Nix users run
///                     them; the target gives only its kernel. A glibc that
///                     refuses the kernel ("FATAL: kernel too old") is
///                     reported as such.
///
/// Examples:
///
///   compat verify --kernel-image bullseye/sysroot/boot/vmlinuz-5.10.0-32-amd64 \
///       --sysroot bullseye/sysroot ./result/bin/hello
///
///   nix-store -qR ./result > closure.txt
///   compat verify --kernel-image vmlinuz-5.10.0-32-amd64 --closure-file closure.txt \
///       ./result/bin/hello
///
///   compat verify --kernel-image vmlinuz --sysroot / --json ./a ./b -- --version
///
/// Debian 11's kernel and root, fetched by package name, come from:
///
///   scripts/debian-bullseye.sh DIR linux-image-amd64 libc6
///
/// Exit status: 0 when every file exited 0, 1 when one did not, 2 when the
/// kernel could not be booted.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The kernel to boot (a bzImage / vmlinuz).
    #[arg(long, value_name = "PATH")]
    pub kernel_image: PathBuf,
    /// The target's root directory: its libc, loader and libraries.
    #[arg(long, value_name = "PATH", required_unless_present_any = ["closure", "closure_file"], conflicts_with_all = ["closure", "closure_file"])]
    pub sysroot: Option<PathBuf>,
    /// A store path of the files' closure (repeatable): run them with it.
    #[arg(long, value_name = "PATH")]
    pub closure: Vec<PathBuf>,
    /// A file listing the closure's store paths, one a line (`nix-store -qR`).
    #[arg(long, value_name = "FILE")]
    pub closure_file: Option<PathBuf>,
    /// Where the closure's paths are on this machine: PATH/nix/store/... for
    /// /nix/store/... (a copied or relocated store).
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub store_root: PathBuf,
    /// Files to run, each with ARGS.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Arguments passed to every file (after `--`).
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
    /// Print JSON: {kernel, boot_seconds, files: [{file, status, output, kernel_too_old, missing, error}]}.
    #[arg(long)]
    pub json: bool,
    /// Seconds before the boot is abandoned.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
    /// The qemu binary (default: qemu-system-x86_64 from PATH).
    #[arg(long, value_name = "PATH")]
    pub qemu: Option<PathBuf>,
    /// A statically linked busybox for the initramfs.
    #[arg(long, default_value = "/bin/busybox", value_name = "PATH")]
    pub busybox: PathBuf,
    /// Print the whole serial console (kernel messages included) to stderr.
    #[arg(long, short)]
    pub verbose: bool,
    /// Memory of the virtual machine, in MiB.
    #[arg(long, default_value_t = 512, value_name = "MIB")]
    pub memory: u32,
}

pub fn run(args: Args) -> Result<u8> {
    let qemu = match args.qemu {
        Some(q) => q,
        None => which::which("qemu-system-x86_64")
            .context("qemu-system-x86_64 is not on PATH (install qemu-system-x86, or pass --qemu)")?,
    };
    // Every input is checked before anything boots: a missing file is a
    // usage error, not a program that failed on the target.
    let mut inputs = vec![("--kernel-image", &args.kernel_image)];
    inputs.extend(args.sysroot.iter().map(|p| ("--sysroot", p)));
    inputs.extend(args.files.iter().map(|p| ("file", p)));
    for (what, path) in inputs {
        if let Err(e) = std::fs::metadata(path) {
            anyhow::bail!("{what} {}: {e}", path.display());
        }
    }
    let target = match args.sysroot {
        Some(root) => verify::Target::Sysroot(root),
        None => {
            let mut paths = args.closure.clone();
            if let Some(list) = &args.closure_file {
                paths.extend(verify::closure::Closure::read_list(list)?);
            }
            verify::Target::Closure(verify::closure::Closure::new(&args.store_root, paths)?)
        }
    };
    if std::io::stderr().is_terminal() {
        eprintln!("compat verify: booting {} under qemu (TCG)...", args.kernel_image.display());
    }
    let request = verify::Request {
        kernel_image: args.kernel_image,
        target,
        files: args.files,
        args: args.args,
        qemu,
        busybox: args.busybox,
        memory_mib: args.memory,
        timeout: Duration::from_secs(args.timeout),
    };
    let result = verify::run(&request)?;
    if args.verbose {
        eprintln!("{}", result.log);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        match &result.kernel {
            Some(kernel) => println!("kernel {kernel} (booted and ran in {:.1}s)", result.boot_seconds),
            None => println!("the kernel did not reach /init ({:.1}s)", result.boot_seconds),
        }
        for f in &result.files {
            match (f.status, &f.error) {
                (Some(status), _) => println!("{}: exit status {status}", f.file),
                (None, Some(error)) => println!("{}: not run: {error}", f.file),
                (None, None) => println!("{}: not run", f.file),
            }
            if f.kernel_too_old {
                println!(
                    "    its glibc refuses this kernel (\"{}\"): it was built for a newer one",
                    verify::report::KERNEL_TOO_OLD
                );
            }
            for m in &f.missing {
                println!("    missing on the target: {m}");
            }
            for line in f.output.lines() {
                println!("    | {line}");
            }
        }
    }
    if result.kernel.is_none() && result.files.iter().all(|f| f.status.is_none()) {
        anyhow::bail!("{}: the kernel did not reach /init", request.kernel_image.display());
    }
    Ok(if result.files.iter().all(|f| f.status == Some(0)) { exit::OK } else { exit::FOUND })
}

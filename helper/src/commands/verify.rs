//! `compat verify`: Run files on a real target kernel under qemu and report what happened.

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result};

use crate::{
    exit,
    verify::{self, closure::Closure, initramfs::Libraries, Verification},
};

/// Run files on a real target kernel under qemu and report what happened.
///
/// Builds an initramfs with a static busybox, the files and the libraries
/// they need, boots the kernel with qemu-system-x86_64 (TCG, no KVM needed)
/// and runs each file with ARGS. Prints, per file, its exit status and
/// output. This is the proof for what `compat scan` predicts: a program that
/// makes a system call the kernel lacks fails here with ENOSYS.
///
/// Where the C library, the program interpreter and the libraries come from:
///
///   --sysroot ROOT    the target's root: the C library and the program
///                     interpreter always come from there (the files run
///                     under /verify/bin, their other libraries from
///                     /verify/lib).
///   --closure PATH... the files' own Nix closure (`--closure` repeated, or
///                     `--closure-file` with one store path per line, as
///                     `nix-store -qR` prints): every store path is placed at
///                     its own absolute path, and the files run with the
///                     interpreter and glibc they name, as Nix users run
///                     them. The target gives only the kernel. A file inside
///                     the closure runs at its store path (others under
///                     /verify/bin). `--store-root DIR` reads /nix/store/x
///                     from DIR/nix/store/x (default /). The closure is held
///                     in RAM (raise --memory for a large one). Refused
///                     together with --sysroot.
///
/// A glibc that refuses the kernel ("FATAL: kernel too old") is reported as
/// such: "kernel_too_old": true in --json.
///
/// Examples:
///
///   compat verify --kernel-image bullseye/sysroot/boot/vmlinuz-5.10.0-32-amd64 \
///       --sysroot bullseye/sysroot ./result/bin/hello
///
///   compat verify --kernel-image vmlinuz --sysroot / --json ./a ./b -- --version
///
///   nix-store -qR ./result > closure.txt
///   compat verify --kernel-image vmlinuz --closure-file closure.txt ./result/bin/hello
///
/// Debian 11's kernel and root, fetched by package name, come from:
///
///   scripts/debian-bullseye.sh DIR linux-image-amd64 libc6
///
/// Exit status: 0 when every file exited 0, 1 when one did not, 2 when an
/// input (a file, the kernel, the root, the closure) cannot be read -- checked
/// before anything boots -- or when the kernel did not reach /init.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// The kernel to boot (a bzImage / vmlinuz).
    #[arg(long, value_name = "PATH")]
    pub(crate) kernel_image: PathBuf,
    /// The target's root directory: its libc, loader and libraries.
    #[arg(long, value_name = "PATH", required_unless_present_any = ["closure", "closure_file"], conflicts_with_all = ["closure", "closure_file"])]
    pub(crate) sysroot: Option<PathBuf>,
    /// A store path of the files' own closure (repeatable): run with it instead of a sysroot.
    #[arg(long, value_name = "PATH")]
    pub(crate) closure: Vec<PathBuf>,
    /// A file of store paths of the closure, one per line (`nix-store -qR` output).
    #[arg(long, value_name = "FILE")]
    pub(crate) closure_file: Option<PathBuf>,
    /// Where the closure's store paths are read on the host: DIR/nix/store/x is /nix/store/x.
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub(crate) store_root: PathBuf,
    /// Files to run, each with ARGS.
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// Arguments passed to every file (after `--`).
    #[arg(last = true, value_name = "ARGS")]
    pub(crate) args: Vec<String>,
    /// Print JSON: {kernel, boot_seconds, timed_out, finished, files: [{file, status, output, kernel_too_old, missing, error}]}.
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds before the boot is abandoned.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub(crate) timeout: u64,
    /// The qemu binary (default: qemu-system-x86_64 from PATH).
    #[arg(long, value_name = "PATH")]
    pub(crate) qemu: Option<PathBuf>,
    /// A statically linked busybox for the initramfs.
    #[arg(long, default_value = "/bin/busybox", value_name = "PATH")]
    pub(crate) busybox: PathBuf,
    /// Print the whole serial console (kernel messages included) to stderr.
    #[arg(long, short)]
    pub(crate) verbose: bool,
    /// Memory of the virtual machine, in MiB.
    #[arg(long, default_value_t = 512, value_name = "MIB")]
    pub(crate) memory: u32,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let (libraries, mut problems) = libraries(&args);
    problems.splice(0..0, args.files.iter().filter_map(|f| unreadable(f).map(|e| format!("{}: {e}", f.display()))));
    problems
        .extend(unreadable(&args.kernel_image).map(|e| format!("--kernel-image {}: {e}", args.kernel_image.display())));
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("compat verify: {p}");
        }
        eprintln!("compat verify: nothing was booted");
        return Ok(exit::ERROR);
    }
    let qemu = match args.qemu {
        Some(q) => q,
        None => which::which("qemu-system-x86_64")
            .context("qemu-system-x86_64 is not on PATH (install qemu-system-x86, or pass --qemu)")?,
    };
    if std::io::stderr().is_terminal() {
        eprintln!("compat verify: booting {} under qemu (TCG)...", args.kernel_image.display());
    }
    let request = verify::Request {
        kernel_image: args.kernel_image,
        libraries,
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
        print!("{}", render(&result, args.timeout, matches!(request.libraries, Libraries::Closure(_))));
    }
    if result.kernel.is_none() {
        anyhow::bail!("{}: the kernel did not reach /init", request.kernel_image.display());
    }
    Ok(if result.files.iter().all(|f| f.status == Some(0)) { exit::OK } else { exit::FOUND })
}

/// The libraries the files run with, and what is wrong with the arguments
/// that name them.
fn libraries(args: &Args) -> (Libraries, Vec<String>) {
    let mut problems = Vec::new();
    if let Some(sysroot) = &args.sysroot {
        if !sysroot.is_dir() {
            problems.push(format!("--sysroot {}: not a directory", sysroot.display()));
        }
        return (Libraries::Sysroot(sysroot.clone()), problems);
    }
    let mut paths = args.closure.clone();
    if let Some(file) = &args.closure_file {
        match verify::closure::read_closure_file(file) {
            Ok(more) => paths.extend(more),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    if paths.is_empty() && problems.is_empty() {
        problems.push("the closure is empty (--closure / --closure-file name no store path)".to_string());
    }
    let closure = Closure { store_root: args.store_root.clone(), paths };
    problems.extend(closure.problems());
    (Libraries::Closure(closure), problems)
}

/// Why `path` cannot be read as an input file, if it cannot.
fn unreadable(path: &Path) -> Option<String> {
    match std::fs::File::open(path).and_then(|f| f.metadata()) {
        Ok(meta) if meta.is_file() => None,
        Ok(_) => Some("not a regular file".to_string()),
        Err(e) => Some(format!("cannot read: {e}")),
    }
}

/// The human report: what the boot came to, then each file.
fn render(result: &Verification, timeout: u64, closure: bool) -> String {
    let mut s = String::new();
    let took = result.boot_seconds;
    match (&result.kernel, result.timed_out, result.finished) {
        (Some(kernel), _, true) => s.push_str(&format!("kernel {kernel} (booted and ran in {took:.1}s)\n")),
        (Some(kernel), true, false) => s.push_str(&format!(
            "kernel {kernel} reached /init, but the boot timed out after {timeout}s before every file ran (raise --timeout)\n"
        )),
        (Some(kernel), false, false) => s.push_str(&format!(
            "kernel {kernel} reached /init, but stopped after {took:.1}s before every file ran (see --verbose)\n"
        )),
        (None, true, _) => s.push_str(&format!(
            "the kernel did not reach /init: the boot timed out after {timeout}s (raise --timeout, or see --verbose)\n"
        )),
        (None, false, _) => s.push_str(&format!(
            "the kernel did not reach /init: qemu stopped after {took:.1}s (see the boot log with --verbose)\n"
        )),
    }
    for f in &result.files {
        match (f.status, &f.error) {
            (Some(status), _) => s.push_str(&format!("{}: exit status {status}\n", f.file)),
            (None, Some(error)) => s.push_str(&format!("{}: not run: {error}\n", f.file)),
            (None, None) => s.push_str(&format!("{}: not run\n", f.file)),
        }
        if f.kernel_too_old {
            s.push_str("    kernel too old: the program's glibc requires a newer kernel than the one booted\n");
        }
        for m in &f.missing {
            let place = if closure { "from the closure" } else { "on the target" };
            s.push_str(&format!("    missing {place}: {m}\n"));
        }
        for line in f.output.lines() {
            s.push_str(&format!("    | {line}\n"));
        }
    }
    s
}

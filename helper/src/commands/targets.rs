//! `compat targets`: which known targets do these files run on?

use std::{
    io::{self, IsTerminal, Write},
    path::PathBuf,
};

use anyhow::{Context, Result};

use super::scan::{read_closure_file, CacheArgs};
use crate::{
    profile::Profile,
    scan::{self, closure::Closure, targets::Targets, ScanOptions},
    version::Version,
};

/// Tell which known targets the files run on, and the oldest they need.
///
/// Every ELF file under PATH is read once (through the fact cache, see
/// `compat scan --help`) and judged against every profile compat knows
/// (`compat profiles`), exactly as `compat scan --profile NAME` would judge
/// it. For each profile one line says yes or no, and why not: the needs
/// that stop the most files. Above them: the oldest glibc, libstdc++ /
/// libgcc levels and kernel the files need -- the newest glibc symbol
/// version or loader marker, GLIBCXX / CXXABI / GCC node needed from the
/// system's libraries, and kernel from ABI notes and system calls -- and
/// needs no release meets (GLIBC_PRIVATE, libraries found nowhere).
///
/// Examples:
///
///   compat targets ./result
///
///   compat targets --json --closure-file <(nix-store -qR ./result) ./result
///
/// Exit status: 0 when some profile runs every file, 1 when none does, 2
/// usage error or an input that could not be read.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// Files and directories to check (directories are walked, symlinks followed once).
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,

    /// Print the verdicts as JSON (schema: docs/targets-json.md).
    #[arg(long)]
    pub(crate) json: bool,

    /// Judge as `compat scan --portable` does (/nix/store interpreters and RPATHs are errors).
    #[arg(long)]
    pub(crate) portable: bool,

    /// A path that travels with the output: libraries under it count as shipped. Repeat for several.
    #[arg(long, value_name = "PATH")]
    pub(crate) closure: Vec<PathBuf>,

    /// Read --closure paths from FILE, one per line ('-' for stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) closure_file: Option<PathBuf>,

    /// Skip the system call analysis (kernel needs then come from ABI notes only).
    #[arg(long)]
    pub(crate) no_syscalls: bool,

    #[command(flatten)]
    pub(crate) cache: CacheArgs,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let profiles = Profile::builtin()?;
    let mut closure = args.closure.clone();
    if let Some(file) = &args.closure_file {
        closure.extend(read_closure_file(file)?);
    }
    let options = ScanOptions {
        portable: args.portable,
        syscalls: !args.no_syscalls,
        closure: Closure::open(&closure)?,
        progress: io::stderr().is_terminal(),
        cache: args.cache.dir(),
    };
    let collection = scan::collect(&args.paths, &options);
    let targets = Targets::of(&collection, &profiles);
    args.cache.report(&collection);
    match print(&targets, args.json) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        other => other.context("writing the verdicts")?,
    }
    collection.finish();
    Ok(targets.exit_status())
}

fn print(targets: &Targets, json: bool) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, targets)?;
        writeln!(out)?;
        return out.flush();
    }
    let unreadable = match targets.unreadable {
        0 => String::new(),
        n => format!(", {n} unreadable"),
    };
    writeln!(out, "{} ELF files{unreadable}", targets.files)?;
    let needs = &targets.needs;
    let level = |v: &Option<Version>| v.as_ref().map_or("-".to_string(), Version::to_string);
    let kernel_from = if targets.syscalls { "ABI notes, system calls" } else { "ABI notes; --no-syscalls" };
    writeln!(
        out,
        "oldest they need: glibc {}, GLIBCXX {}, CXXABI {}, GCC {}, Linux {} ({kernel_from})",
        level(&needs.glibc),
        level(&needs.glibcxx),
        level(&needs.cxxabi),
        level(&needs.gcc),
        level(&needs.kernel)
    )?;
    if !needs.never.is_empty() {
        writeln!(out, "no release has: {}", needs.never.join(", "))?;
    }
    let width = targets.profiles.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &targets.profiles {
        let answer = if p.compatible { "yes" } else { "no " };
        writeln!(out, "{:<width$}  {answer}  {}", p.name, p.why)?;
    }
    out.flush()
}

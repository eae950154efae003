//! `compat scan`: Check ELF files for anything the target cannot load or run.

use std::{
    io::{self, IsTerminal, Read, Write},
    path::PathBuf,
};

use anyhow::{bail, Context, Result};

use super::target::TargetArgs;
use crate::scan::{self, closure::Closure, human, ScanOptions};

/// Check ELF files for anything the target cannot load or run.
///
/// Every ELF program and library under PATH is checked against the target:
/// glibc symbol versions (GLIBC_2.34 from libc.so.6, with the symbols that
/// need it), loader features (GLIBC_ABI_DT_RELR, GLIBC_PRIVATE), libstdc++
/// and libgcc levels (GLIBCXX_*, CXXABI_*, GCC_*), the kernel ABI note,
/// system calls newer than the target kernel, and /nix/store interpreters
/// and RPATHs. A library shipped with what is scanned (found through
/// RUNPATH/RPATH, $ORIGIN, or --closure) is judged by its own version
/// definitions and checked in turn; only what falls to the target's base
/// libraries is held against the profile. Facts are read as the loader
/// reads them (the dynamic segment), so section headers are not needed.
///
/// Non-ELF files are skipped. Inside a directory, devices, FIFOs, sockets,
/// symlinks to them and dangling symlinks are skipped without being opened
/// (and counted); named as a PATH, each is an error.
///
/// --closure PATH (as for `compat bundle`): PATH travels with the output.
/// Everything under it counts as shipped, and a library the target lacks
/// that a file's RUNPATH does not find is looked for by name in PATH and
/// everywhere under it (shallowest first: PATH, PATH/lib, PATH/lib64, then
/// deeper). A missing or unreadable --closure path is an error (exit 2).
///
/// Examples:
///
///   compat scan --profile debian-11 ./result
///
///   compat scan --glibc 2.31 --kernel 5.10 /usr/bin/foo
///
///   compat scan --profile rhel-8 --json ./result > report.json
///
///   compat scan --profile debian-11 --portable --closure-file <(nix-store -qR ./result) ./result
///
/// What is learned about each file that does not depend on the target
/// (version needs and definitions, NEEDED, RPATH, notes, system call sites)
/// is kept in the fact cache, $XDG_CACHE_HOME/compat/scan-facts: a file
/// scanned again is not read again unless it changed (files in /nix/store
/// are known by path, others by device, inode, size and times). --no-cache
/// reads every file; `compat cache clean` empties the cache.
///
/// Exit status: 0 compatible, 1 incompatibilities found, 2 usage error or
/// an input that could not be read (the rest is still scanned and reported).
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    /// Files and directories to check (directories are walked, symlinks followed once).
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,

    /// Print the report as JSON (schema: docs/scan-json.md).
    #[arg(long)]
    pub(crate) json: bool,

    /// The output must run without Nix: /nix/store interpreters and RPATHs,
    /// and libraries that are neither shipped nor on the target, are errors.
    #[arg(long)]
    pub(crate) portable: bool,

    /// A path that travels with the output (a store path of its closure):
    /// libraries in it or anywhere under it count as shipped (see above).
    /// Repeat for several.
    #[arg(long, value_name = "PATH")]
    pub(crate) closure: Vec<PathBuf>,

    /// Read --closure paths from FILE, one per line ('-' for stdin), e.g. the
    /// output of `nix-store -qR ./result`.
    #[arg(long, value_name = "FILE")]
    pub(crate) closure_file: Option<PathBuf>,

    /// Skip the system call analysis (faster; kernel ABI note still checked).
    #[arg(long)]
    pub(crate) no_syscalls: bool,

    /// Print only errors (human output).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,

    #[command(flatten)]
    pub(crate) cache: CacheArgs,
}

/// The fact cache options shared by `compat scan` and `compat targets`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct CacheArgs {
    /// Read every file; neither use nor update the fact cache.
    #[arg(long)]
    pub(crate) no_cache: bool,

    /// Print the fact cache's counts (hits, misses, refused, written) on stderr.
    #[arg(long)]
    pub(crate) cache_stats: bool,
}

impl CacheArgs {
    /// The cache directory to use, if any.
    pub(crate) fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            crate::cache::default_dir()
        }
    }

    /// Prints the counts of `collection`'s cache when asked to.
    pub(crate) fn report(&self, collection: &scan::Collection) {
        if !self.cache_stats {
            return;
        }
        match collection.flush_cache() {
            Some(s) => eprintln!(
                "cache: {} hits, {} misses, {} refused, {} written, {} write errors",
                s.hits, s.misses, s.refused, s.written, s.write_errors
            ),
            None => eprintln!("cache: not used"),
        }
    }
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let profile = args.target.resolve()?;
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
    let report = collection.judge(&profile);
    args.cache.report(&collection);
    match print(&report, args.json, args.quiet) {
        // A reader that stopped early (`| head`) is no failure of the scan.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        other => other.context("writing the report")?,
    }
    collection.finish();
    Ok(report.exit_status())
}

fn print(report: &scan::Report, json: bool, quiet: bool) -> io::Result<()> {
    let stdout = io::stdout();
    let style = super::colour::report_style(&stdout, quiet);
    // Stdout is line-buffered: one write per line of a large report otherwise.
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        human::write(&mut out, report, style)?;
    }
    out.flush()
}

pub(crate) fn read_closure_file(file: &PathBuf) -> Result<Vec<PathBuf>> {
    let mut text = String::new();
    if file.as_os_str() == "-" {
        io::stdin().read_to_string(&mut text).context("--closure-file -: cannot read stdin")?;
    } else {
        text = std::fs::read_to_string(file).with_context(|| format!("--closure-file {}", file.display()))?;
    }
    let paths: Vec<PathBuf> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(PathBuf::from).collect();
    if paths.is_empty() {
        bail!("--closure-file {}: no paths in it", file.display());
    }
    Ok(paths)
}

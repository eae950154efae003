//! `compat bundle`: Make a self-contained artifact that runs on the target without Nix.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::{
    bundle::{self, Options},
    commands::{colour::report_style, target::TargetArgs},
    exit, scan,
};

/// Make a self-contained artifact that runs on the target without Nix.
///
/// Copies the inputs (store paths, ./result, directories, or single ELF
/// files), follows every ELF file's NEEDED libraries through its RUNPATH,
/// --closure and --lib-path, and copies every library the target's base
/// system does not provide to lib/. Each ELF file gets the target's standard
/// interpreter (/lib64/ld-linux-x86-64.so.2 on x86_64) and a RUNPATH of
/// $ORIGIN-relative entries; shell wrappers pointing into the bundle are
/// rewritten relative to themselves; any /nix/store string left is reported.
/// The result is checked like `compat scan --portable`; a bundle the target
/// cannot run is refused (exit 1) with the report, unless --force.
///
/// --closure PATH (as for `compat scan`): PATH travels with the inputs. A
/// library the target lacks that a file's RUNPATH, --lib-path and the inputs'
/// lib dirs do not give is looked for by name in PATH and everywhere under
/// it (shallowest first: PATH, PATH/lib, PATH/lib64, then deeper), and
/// copied to lib/. A missing or unreadable --closure path is an error (exit 2).
///
/// Directory inputs keep their layout at the bundle root; a single executable
/// goes to bin/, a single library to lib/. The bundle holds compat-manifest.json:
/// its files, the vendored libraries and where they came from, the profile.
///
/// The outputs may not lie inside an input directory (`compat bundle . --dir
/// dist` is refused: write it beside the input). The bundle is assembled in
/// a hidden staging directory beside the output and moved into place only
/// when complete: on an error, SIGINT or SIGTERM nothing of it is left, and
/// an interrupted run exits with 128 + the signal (130, 143).
///
/// Examples:
///
///   compat bundle --profile debian-11 ./result -o myapp-debian-11.tar.gz
///
///   compat bundle --profile debian-11 ./result --dir dist/ --exclude libfoo.so.1
///
///   compat bundle --glibc 2.28 --kernel 4.18 ./result --dir out --closure $(nix-store -qR ./result)
///
/// Needs patchelf (on PATH, or --patchelf).
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Store paths, directories or ELF files to bundle.
    #[arg(required = true, value_name = "PATH")]
    pub(crate) inputs: Vec<PathBuf>,
    /// Write the bundle as this .tar.gz (entries under a top dir named after it;
    /// an existing file is replaced). Not inside an input nor inside --dir.
    #[arg(short = 'o', long = "output", value_name = "FILE.tar.gz")]
    pub(crate) output: Option<PathBuf>,
    /// Write the bundle into this directory (new or empty; not inside an input).
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Leave this library out although the target's base system lacks it (repeatable).
    #[arg(long, value_name = "SONAME")]
    pub(crate) exclude: Vec<String>,
    /// Ship this library although the target's base system has one (repeatable): e.g.
    /// libstdc++.so.6 when the program needs a newer GLIBCXX than the target's. Not glibc's own.
    #[arg(long = "vendor", value_name = "SONAME")]
    pub(crate) vendor: Vec<String>,
    /// Also look for libraries in this directory (repeatable).
    #[arg(long, value_name = "DIR")]
    pub(crate) lib_path: Vec<PathBuf>,
    /// Paths that travel with the inputs, e.g. `--closure $(nix-store -qR ./result)`
    /// (put it after the inputs): a library not found through RUNPATH is
    /// looked for in them (see above). A missing one is an error.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub(crate) closure: Vec<PathBuf>,
    /// Bundle even what the compatibility check refuses (warns on stderr).
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the manifest as JSON (or, when refused, the scan report as `compat scan --json` does).
    #[arg(long)]
    pub(crate) json: bool,
    /// The patchelf to use (default: the one on PATH).
    #[arg(long, value_name = "PATH")]
    pub(crate) patchelf: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    bundle::cleanup::remove_on_signals().context("cannot set up the signal handlers")?;
    let profile = args.target.resolve()?;
    let opts = Options {
        inputs: args.inputs,
        profile,
        excludes: args.exclude,
        vendors: args.vendor,
        lib_paths: args.lib_path,
        closure: args.closure,
        force: args.force,
        patchelf: args.patchelf,
        dir: args.dir,
        archive: args.output,
    };
    let outcome = bundle::bundle(&opts)?;
    for warning in &outcome.warnings {
        eprintln!("compat bundle: warning: {warning}");
    }
    if outcome.refused {
        if args.json {
            println!("{}", serde_json::to_string_pretty(&outcome.report)?);
        } else {
            scan::human::write(
                &mut std::io::stdout().lock(),
                &outcome.report,
                report_style(&std::io::stdout(), false),
            )?;
        }
        eprintln!(
            "compat bundle: refused: the bundle would not run on {} (report above); nothing written. \
             --force bundles it anyway",
            opts.profile.label()
        );
        return Ok(exit::FOUND);
    }
    if outcome.manifest.forced {
        scan::human::write(&mut std::io::stderr().lock(), &outcome.report, report_style(&std::io::stderr(), false))?;
        eprintln!(
            "compat bundle: WARNING: --force: bundling what will NOT run on {} (findings above, also in the manifest)",
            opts.profile.label()
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome.manifest)?);
    } else {
        let m = &outcome.manifest;
        let wheres: Vec<String> = opts.dir.iter().chain(opts.archive.iter()).map(|p| p.display().to_string()).collect();
        println!(
            "bundled {} file(s) ({} ELF, {} vendored libraries) for {} into {}",
            m.files.len(),
            m.elf.len(),
            m.vendored.len(),
            m.profile.label(),
            wheres.join(" and ")
        );
        for v in &m.vendored {
            println!("  vendored {} from {}", v.path.display(), v.source.display());
        }
        if !m.system_libraries.is_empty() {
            println!("  left to the target: {}", m.system_libraries.iter().cloned().collect::<Vec<_>>().join(", "));
        }
    }
    Ok(exit::OK)
}

//! `compat port`: Lift an old nixpkgs expression into current nixpkgs.

use std::{fs, io::Write, path::PathBuf};

use anyhow::{bail, Context, Result};

use crate::{
    exit,
    port::{self, rules, PortRule, RULES},
};

/// Lift an old nixpkgs expression into current nixpkgs.
///
/// Rewrites what current nixpkgs renamed or removed (see --list-rules)
/// without touching anything else: comments, layout and blank lines stay as
/// they were. Running it again changes nothing. Files that do not parse are
/// left alone with an error. A spot whose rewrite would change what the file
/// means (the new name is bound nearer, say) is left alone with a
/// "skipped: line N: ..." message.
///
/// Examples:
///   compat port old/glibc-2.31.nix > glibc.nix
///   compat port --in-place pkgs/foo/default.nix pkgs/bar/default.nix
///   compat port --check pkgs/*/default.nix        # exit 1 when one still needs porting
///   compat port --rules stdenv-lib,pkgconfig foo.nix
///   compat port --list-rules
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    /// Nix files to port. Without --in-place or --check, exactly one, printed to stdout.
    #[arg(value_name = "FILE", required_unless_present = "list_rules")]
    pub(crate) files: Vec<PathBuf>,
    /// Rewrite the files in place.
    #[arg(long, conflicts_with = "check")]
    pub(crate) in_place: bool,
    /// Change nothing; exit 1 when a file still needs porting (and name the rules)
    /// or when a rule had to skip a spot it could not rewrite safely.
    #[arg(long)]
    pub(crate) check: bool,
    /// Only these rules (comma-separated ids from --list-rules).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub(crate) rules: Vec<String>,
    /// List the rules with what each rewrites, and exit.
    #[arg(long)]
    pub(crate) list_rules: bool,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    if args.list_rules {
        for rule in RULES {
            println!("{:<18} {}", rule.id, rule.description);
        }
        return Ok(exit::OK);
    }
    let selected: Vec<&PortRule> =
        if args.rules.is_empty() { RULES.iter().collect() } else { rules::select(&args.rules)? };
    if !args.in_place && !args.check && args.files.len() != 1 {
        bail!("give one FILE to print, or use --in-place / --check for several");
    }
    let mut status = exit::OK;
    for file in &args.files {
        let origin = file.display().to_string();
        let result = read(file, &origin).and_then(|source| {
            let ported = port_with_room(&source.text, &selected, &origin)?;
            Ok((source, ported))
        });
        let (source, ported) = match result {
            Ok(r) => r,
            Err(err) => {
                eprintln!("compat port: {err:#}");
                status = exit::ERROR;
                continue;
            }
        };
        for note in &ported.notes {
            eprintln!("compat port: {origin}: note: {note}");
        }
        for skip in &ported.skipped {
            eprintln!("compat port: {origin}: skipped: {skip}");
        }
        let changed = ported.text != source.text;
        if args.check {
            if changed {
                println!("{origin}: needs porting ({})", ported.applied.join(", "));
            }
            if changed || !ported.skipped.is_empty() {
                status = status.max(exit::FOUND);
            }
        } else if args.in_place {
            if changed {
                if let Err(err) = fs::write(file, source.bytes_of(&ported.text)) {
                    eprintln!("compat port: {origin}: cannot write: {err}");
                    status = exit::ERROR;
                    continue;
                }
                eprintln!("compat port: {origin}: {}", ported.applied.join(", "));
            }
        } else {
            std::io::stdout().write_all(&source.bytes_of(&ported.text))?;
        }
    }
    Ok(status)
}

/// Stack for parsing one file: rnix's parser recurses once per level of some
/// constructs it does not bound (`a ++ b ++ ...`), so a long chain would
/// overflow the main thread's stack and abort the whole batch.
const PARSE_STACK: usize = 1 << 30;

/// [`port::port`] on a thread with [`PARSE_STACK`] of stack (reserved, not
/// used up front).
fn port_with_room(text: &str, rules: &[&PortRule], origin: &str) -> Result<port::Ported> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || port::port(text, rules, origin))
            .with_context(|| format!("{origin}: cannot start a thread to parse it"))?;
        worker.join().unwrap_or_else(|_| bail!("{origin}: porting it failed unexpectedly; this is a bug in compat"))
    })
}

/// A file's text, and whether it was UTF-8 throughout (see [`port::bytes`]).
struct Source {
    text: String,
    utf8: bool,
}

impl Source {
    fn bytes_of(&self, text: &str) -> Vec<u8> {
        if self.utf8 {
            text.as_bytes().to_vec()
        } else {
            port::bytes::encode(text)
        }
    }
}

fn read(file: &std::path::Path, origin: &str) -> Result<Source> {
    let bytes = fs::read(file).with_context(|| format!("{origin}: cannot read"))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { text, utf8: true }),
        Err(err) => Ok(Source { text: port::bytes::decode(err.as_bytes(), origin)?, utf8: false }),
    }
}

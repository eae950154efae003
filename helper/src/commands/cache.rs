//! `compat cache`: look at or empty the fact cache of `compat scan`.

use anyhow::{Context, Result};

use crate::{cache, exit, scan};

/// Look at or empty the fact cache that `compat scan` and `compat targets` keep.
///
/// The cache ($XDG_CACHE_HOME/compat/scan-facts, else
/// ~/.cache/compat/scan-facts) holds what a scan learned about each ELF file
/// that does not depend on the target, so a file scanned again is not read
/// again unless it changed. Entries of another compat version, truncated or
/// corrupt ones are ignored and rewritten, never trusted.
///
/// Examples:
///
///   compat cache info           # where it is, how many entries, how many valid
///
///   compat cache info --json
///
///   compat cache clean          # remove every entry
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// Print the cache directory and counts of its entries: valid, of another
    /// compat version (foreign), corrupt; exit 0.
    Info {
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove the cache directory and every entry in it.
    Clean,
}

pub(crate) fn run(args: Args) -> Result<u8> {
    let root = cache::default_dir().context("neither XDG_CACHE_HOME nor HOME is set: no cache directory")?;
    match args.action {
        Action::Info { json } => {
            let info = cache::info(&root, &scan::cache_writer())
                .with_context(|| format!("cannot read the cache at {}", root.display()))?;
            if json {
                let value = serde_json::json!({ "dir": root, "writer": scan::cache_writer(), "entries": info });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("cache: {}", root.display());
                println!(
                    "{} entries ({} KiB): {} valid, {} of another compat version, {} corrupt",
                    info.entries,
                    info.bytes / 1024,
                    info.valid,
                    info.foreign,
                    info.corrupt
                );
            }
        }
        Action::Clean => {
            let removed =
                cache::clean(&root).with_context(|| format!("cannot remove the cache at {}", root.display()))?;
            println!("removed {removed} entries from {}", root.display());
        }
    }
    Ok(exit::OK)
}

//! `compat scan`: Check ELF files for anything the target cannot load or run.

use anyhow::{bail, Result};

/// Check ELF files for anything the target cannot load or run.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat scan is not implemented yet")
}

//! `compat fixups`: Emit the Nix overlay of per-package fixups for a target.

use anyhow::{bail, Result};

/// Emit the Nix overlay of per-package fixups for a target.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat fixups is not implemented yet")
}
